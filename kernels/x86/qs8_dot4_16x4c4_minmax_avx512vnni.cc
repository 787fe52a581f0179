// Up to 4 int8 dot products per row (QS8Dot4UkernelFn, kernels/dispatch.h),
// 16 rows per step in the 16 lanes, AVX-512 VNNI.
// Compiled with -mavx512f -mavx512vnni.
//
// For products with few columns (the 2x2 stride-2 TRANSPOSE_CONV to one
// channel that ends segmentation decoders: 2 columns per filter row), a GEMM
// tile fills a handful of its 8 or 16 columns and spends most of its time in
// the output stage of the empty ones. Here the 16 lanes are 16 rows: each
// 16-byte chunk of K of the 16 rows (four 512-bit vectors, A offset by 128)
// is transposed with 4 VPERMT2D and 4 VSHUFI64X2 so that vector q holds
// quad q of every row, then each column adds its 4 quads with VPDPBUSD
// against the quad broadcast from memory. The output stage
// (kernels/x86/qs8_requant_avx512.h, its short form under
// full_range_short_rounding) runs once per column for 16 rows, and the
// columns' bytes are interleaved into the rows of c. Sums are exact in int32
// (the caller guarantees they fit), so results equal the reference's.
#include <immintrin.h>

#include <cstdint>
#include <cstring>

#include "kernels/x86/qs8_requant_avx512.h"
#include "kernels/x86/ukernels.h"

namespace edgert {
namespace {

// VPERMT2D indices picking quads {q0, q0 + 1} of 8 rows from two vectors of
// 4 rows x 4 quads each (lane 4r + q of the pair's first vector, 16 + 4r + q
// of its second): lanes 0-7 quad q0 of rows 0-7, lanes 8-15 quad q0 + 1.
alignas(64) const int32_t kQuads01[16] = {0, 4, 8, 12, 16, 20, 24, 28, 1, 5, 9, 13, 17, 21, 25, 29};
alignas(64) const int32_t kQuads23[16] = {2, 6, 10, 14, 18, 22, 26, 30, 3, 7, 11, 15, 19, 23, 27, 31};

// Bytes [k, k + len) of rows `row[0..15]` (len <= 16; zero bytes after),
// offset by 128, as four vectors of 4 rows each.
inline void LoadChunk(const int8_t* const* row, size_t k, size_t len, __m512i* z) {
  const __m512i flip = _mm512_set1_epi8(static_cast<char>(0x80));
  for (int i = 0; i < 4; ++i) {
    auto load = [&](int r) {
      if (len == 16) return _mm_loadu_si128(reinterpret_cast<const __m128i*>(row[4 * i + r] + k));
      alignas(16) int8_t tmp[16] = {};
      std::memcpy(tmp, row[4 * i + r] + k, len);
      return _mm_load_si128(reinterpret_cast<const __m128i*>(tmp));
    };
    __m512i v = _mm512_castsi128_si512(load(0));
    v = _mm512_inserti32x4(v, load(1), 1);
    v = _mm512_inserti32x4(v, load(2), 2);
    v = _mm512_inserti32x4(v, load(3), 3);
    z[i] = _mm512_xor_si512(v, flip);
  }
}

// The 16 accumulators of each of the n columns for the 16 rows `row`.
template <size_t kN>
inline void Dot16(size_t kc, const int8_t* const* row, const int32_t* header, const int8_t* weights, size_t kc16,
                  __m512i* acc) {
  const __m512i i01 = _mm512_load_si512(kQuads01), i23 = _mm512_load_si512(kQuads23);
  for (size_t j = 0; j < kN; ++j) acc[j] = _mm512_set1_epi32(header[j]);
  for (size_t k = 0; k < kc; k += 16) {
    __m512i z[4];
    LoadChunk(row, k, kc - k < 16 ? kc - k : 16, z);
    // Rows 0-7 (u) and 8-15 (v), quads 0/1 and 2/3; then quad q of all 16.
    const __m512i u01 = _mm512_permutex2var_epi32(z[0], i01, z[1]);
    const __m512i u23 = _mm512_permutex2var_epi32(z[0], i23, z[1]);
    const __m512i v01 = _mm512_permutex2var_epi32(z[2], i01, z[3]);
    const __m512i v23 = _mm512_permutex2var_epi32(z[2], i23, z[3]);
    const __m512i q[4] = {_mm512_shuffle_i64x2(u01, v01, 0x44), _mm512_shuffle_i64x2(u01, v01, 0xEE),
                          _mm512_shuffle_i64x2(u23, v23, 0x44), _mm512_shuffle_i64x2(u23, v23, 0xEE)};
    for (size_t j = 0; j < kN; ++j) {
      const int8_t* wq = weights + j * kc16 + k;
      for (int i = 0; i < 4; ++i) {
        int32_t word;
        std::memcpy(&word, wq + 4 * i, sizeof(word));
        acc[j] = _mm512_dpbusd_epi32(acc[j], q[i], _mm512_set1_epi32(word));
      }
    }
  }
}

template <size_t kN, typename Stage>
void Dot4(size_t rows, size_t kc, const int8_t* a, size_t a_stride, const void* w, int8_t* c, size_t c_stride,
          const QS8ConvParams* params) {
  const int32_t* header = static_cast<const int32_t*>(w);
  const int8_t* weights = reinterpret_cast<const int8_t*>(header + 16);
  const size_t kc16 = (kc + 15) & ~size_t{15};
  const qs8_avx512::OutputStage16 out = qs8_avx512::LoadOutputStage16(params->output_zp, params->min, params->max);
  const Stage stage[4] = {
      Stage(_mm512_set1_epi32(header[4]), _mm512_set1_epi32(header[8]), _mm512_set1_epi32(header[12]), out),
      Stage(_mm512_set1_epi32(header[5]), _mm512_set1_epi32(header[9]), _mm512_set1_epi32(header[13]), out),
      Stage(_mm512_set1_epi32(header[6]), _mm512_set1_epi32(header[10]), _mm512_set1_epi32(header[14]), out),
      Stage(_mm512_set1_epi32(header[7]), _mm512_set1_epi32(header[11]), _mm512_set1_epi32(header[15]), out)};
  for (size_t m = 0; m < rows; m += 16) {
    const size_t count = rows - m < 16 ? rows - m : 16;
    const int8_t* row[16];
    for (size_t r = 0; r < 16; ++r) row[r] = a + (m + (r < count ? r : count - 1)) * a_stride;  // past rows: the last
    __m512i acc[kN];
    Dot16<kN>(kc, row, header, weights, kc16, acc);
    __m128i y[4];
    for (size_t j = 0; j < kN; ++j) y[j] = stage[j].Bytes(acc[j]);
    int8_t* dst = c + m * c_stride;
    if (count == 16 && kN == 2 && c_stride == 2) {  // rows of 2: column bytes interleaved
      _mm_storeu_si128(reinterpret_cast<__m128i*>(dst), _mm_unpacklo_epi8(y[0], y[1]));
      _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + 16), _mm_unpackhi_epi8(y[0], y[1]));
    } else if (count == 16 && kN == 1 && c_stride == 1) {
      _mm_storeu_si128(reinterpret_cast<__m128i*>(dst), y[0]);
    } else {
      alignas(16) int8_t bytes[4][16];
      for (size_t j = 0; j < kN; ++j) _mm_store_si128(reinterpret_cast<__m128i*>(bytes[j]), y[j]);
      for (size_t r = 0; r < count; ++r)
        for (size_t j = 0; j < kN; ++j) dst[r * c_stride + j] = bytes[j][r];
    }
  }
}

template <typename Stage>
void Dispatch(size_t rows, size_t n, size_t kc, const int8_t* a, size_t a_stride, const void* w, int8_t* c,
              size_t c_stride, const QS8ConvParams* params) {
  switch (n) {
    case 1: Dot4<1, Stage>(rows, kc, a, a_stride, w, c, c_stride, params); break;
    case 2: Dot4<2, Stage>(rows, kc, a, a_stride, w, c, c_stride, params); break;
    case 3: Dot4<3, Stage>(rows, kc, a, a_stride, w, c, c_stride, params); break;
    default: Dot4<4, Stage>(rows, kc, a, a_stride, w, c, c_stride, params); break;
  }
}

}  // namespace

void qs8_dot4_minmax_ukernel_16x4c4__avx512vnni(size_t rows, size_t n, size_t kc, const int8_t* a, size_t a_stride,
                                               const void* w, int8_t* c, size_t c_stride,
                                               const QS8ConvParams* params) {
  if (rows == 0) return;
  if (params->full_range_short_rounding != 0)
    Dispatch<qs8_avx512::ShortStage16>(rows, n, kc, a, a_stride, w, c, c_stride, params);
  else
    Dispatch<qs8_avx512::ExactStage16>(rows, n, kc, a, a_stride, w, c, c_stride, params);
}

}  // namespace edgert
