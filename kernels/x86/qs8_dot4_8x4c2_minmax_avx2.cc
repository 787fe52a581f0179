// Up to 4 int8 dot products per row (QS8Dot4UkernelFn, kernels/dispatch.h,
// with a_offset 0), 8 rows per step in the 8 lanes, AVX2.
// Compiled with -mavx2 -mfma.
//
// The AVX2 form of qs8_dot4_16x4c4_minmax_avx512vnni.cc, for the few-column
// products of int8 TRANSPOSE_CONV (2x2 stride 2 to one channel: 2 columns
// per filter row), where the 4x16 GEMM spent most of its time on the output
// stage of empty columns. Each 16-byte chunk of K of the 8 rows is widened to
// int16 (8 pairs per row) and transposed (8 x 8 32-bit elements) so that
// vector p holds pair p of every row; each column then adds its 8 pairs with
// VPMADDWD against the column's weight pair broadcast (VPERMD of the
// column's widened chunk). Products of int8 values (|a|, |w| <= 128) and their
// pair sums are exact in int32, the sums too (the caller guarantees they fit),
// so results equal the reference's. The output stage is
// kernels/x86/qs8_requant_avx2.h's (its short form under
// full_range_short_rounding), once per column for 8 rows; the columns' bytes
// are interleaved into the rows of c.
#include <immintrin.h>

#include <cstdint>
#include <cstring>

#include "kernels/x86/qs8_requant_avx2.h"
#include "kernels/x86/ukernels.h"

namespace edgert {
namespace {

// Bytes [k, k + len) of row (len <= 16; zeros after) as 16 int16 (8 pairs).
inline __m256i LoadPairs(const int8_t* row, size_t k, size_t len) {
  if (len == 16) return _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(row + k)));
  return _mm256_cvtepi8_epi16(qs8_avx2::LoadBytes(row + k, len));
}

// x[r] holds pairs 0-7 of row r; afterwards x[p] holds pair p of rows 0-7.
inline void Transpose8x8(__m256i* x) {
  const __m256i t0 = _mm256_unpacklo_epi32(x[0], x[1]), t1 = _mm256_unpackhi_epi32(x[0], x[1]);
  const __m256i t2 = _mm256_unpacklo_epi32(x[2], x[3]), t3 = _mm256_unpackhi_epi32(x[2], x[3]);
  const __m256i t4 = _mm256_unpacklo_epi32(x[4], x[5]), t5 = _mm256_unpackhi_epi32(x[4], x[5]);
  const __m256i t6 = _mm256_unpacklo_epi32(x[6], x[7]), t7 = _mm256_unpackhi_epi32(x[6], x[7]);
  // Pairs {0, 4} (u0), {1, 5} (u1), {2, 6} (u2), {3, 7} (u3) of rows 0-3; u4-u7 of rows 4-7.
  const __m256i u0 = _mm256_unpacklo_epi64(t0, t2), u1 = _mm256_unpackhi_epi64(t0, t2);
  const __m256i u2 = _mm256_unpacklo_epi64(t1, t3), u3 = _mm256_unpackhi_epi64(t1, t3);
  const __m256i u4 = _mm256_unpacklo_epi64(t4, t6), u5 = _mm256_unpackhi_epi64(t4, t6);
  const __m256i u6 = _mm256_unpacklo_epi64(t5, t7), u7 = _mm256_unpackhi_epi64(t5, t7);
  x[0] = _mm256_permute2x128_si256(u0, u4, 0x20);
  x[4] = _mm256_permute2x128_si256(u0, u4, 0x31);
  x[1] = _mm256_permute2x128_si256(u1, u5, 0x20);
  x[5] = _mm256_permute2x128_si256(u1, u5, 0x31);
  x[2] = _mm256_permute2x128_si256(u2, u6, 0x20);
  x[6] = _mm256_permute2x128_si256(u2, u6, 0x31);
  x[3] = _mm256_permute2x128_si256(u3, u7, 0x20);
  x[7] = _mm256_permute2x128_si256(u3, u7, 0x31);
}

// The 8-lane accumulators of each of the kN columns for the 8 rows `row`.
template <size_t kN>
inline void Dot8(size_t kc, const int8_t* const* row, const int32_t* header, const int8_t* weights, size_t kc16,
                 __m256i* acc) {
  for (size_t j = 0; j < kN; ++j) acc[j] = _mm256_set1_epi32(header[j]);
  for (size_t k = 0; k < kc; k += 16) {
    const size_t len = kc - k < 16 ? kc - k : 16;
    __m256i x[8];
    for (int r = 0; r < 8; ++r) x[r] = LoadPairs(row[r], k, len);
    Transpose8x8(x);
    for (size_t j = 0; j < kN; ++j) {
      // The column's 16 weights of this chunk (zero past kc) as 8 int16 pairs.
      const __m256i wv = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(weights + j * kc16 + k)));
      for (int p = 0; p < 8; ++p)
        acc[j] = _mm256_add_epi32(
            acc[j], _mm256_madd_epi16(x[p], _mm256_permutevar8x32_epi32(wv, _mm256_set1_epi32(p))));
    }
  }
}

template <size_t kN, bool kShort>
void Dot4(size_t rows, size_t kc, const int8_t* a, size_t a_stride, const void* w, int8_t* c, size_t c_stride,
          const QS8ConvParams* params) {
  const int32_t* header = static_cast<const int32_t*>(w);
  const int8_t* weights = reinterpret_cast<const int8_t*>(header + 16);
  const size_t kc16 = (kc + 15) & ~size_t{15};
  const qs8_avx2::OutputStage out = qs8_avx2::LoadOutputStage(params->output_zp, params->min, params->max, kShort);
  qs8_avx2::Requant8 q[kN];
  for (size_t j = 0; j < kN; ++j)
    q[j] = {_mm256_set1_epi32(header[4 + j]), _mm256_set1_epi32(header[8 + j]), _mm256_set1_epi32(header[12 + j])};
  for (size_t m = 0; m < rows; m += 8) {
    const size_t count = rows - m < 8 ? rows - m : 8;
    const int8_t* row[8];
    for (size_t r = 0; r < 8; ++r) row[r] = a + (m + (r < count ? r : count - 1)) * a_stride;  // past rows: the last
    __m256i acc[kN];
    Dot8<kN>(kc, row, header, weights, kc16, acc);
    __m256i y[kN];
    for (size_t j = 0; j < kN; ++j) y[j] = qs8_avx2::Requantize(acc[j], q[j], out);  // the short form: unclamped
    int8_t* dst = c + m * c_stride;
    if (count == 8 && kN == 2 && c_stride == 2) {  // rows of 2: r0c0 r0c1 r1c0 ... in order
      const __m256i w16 = _mm256_packs_epi32(_mm256_unpacklo_epi32(y[0], y[1]), _mm256_unpackhi_epi32(y[0], y[1]));
      _mm_storeu_si128(reinterpret_cast<__m128i*>(dst),
                       _mm_packs_epi16(_mm256_castsi256_si128(w16), _mm256_extracti128_si256(w16, 1)));
    } else {
      alignas(32) int32_t v[4][8];
      const __m256i lo = _mm256_set1_epi32(-128), hi = _mm256_set1_epi32(127);
      for (size_t j = 0; j < kN; ++j)
        _mm256_store_si256(reinterpret_cast<__m256i*>(v[j]), _mm256_min_epi32(_mm256_max_epi32(y[j], lo), hi));
      for (size_t r = 0; r < count; ++r)
        for (size_t j = 0; j < kN; ++j) dst[r * c_stride + j] = static_cast<int8_t>(v[j][r]);
    }
  }
}

template <bool kShort>
void Dispatch(size_t rows, size_t n, size_t kc, const int8_t* a, size_t a_stride, const void* w, int8_t* c,
              size_t c_stride, const QS8ConvParams* params) {
  switch (n) {
    case 1: Dot4<1, kShort>(rows, kc, a, a_stride, w, c, c_stride, params); break;
    case 2: Dot4<2, kShort>(rows, kc, a, a_stride, w, c, c_stride, params); break;
    case 3: Dot4<3, kShort>(rows, kc, a, a_stride, w, c, c_stride, params); break;
    default: Dot4<4, kShort>(rows, kc, a, a_stride, w, c, c_stride, params); break;
  }
}

}  // namespace

void qs8_dot4_minmax_ukernel_8x4c2__avx2(size_t rows, size_t n, size_t kc, const int8_t* a, size_t a_stride,
                                         const void* w, int8_t* c, size_t c_stride, const QS8ConvParams* params) {
  if (rows == 0) return;
  if (params->full_range_short_rounding != 0)
    Dispatch<true>(rows, n, kc, a, a_stride, w, c, c_stride, params);
  else
    Dispatch<false>(rows, n, kc, a, a_stride, w, c, c_stride, params);
}

}  // namespace edgert
