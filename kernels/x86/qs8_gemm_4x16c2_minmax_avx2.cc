// QS8 GEMM microkernel, 4 rows x 16 columns, K in pairs (c2), AVX2.
// Contract: QS8GemmUkernelFn (kernels/dispatch.h). Compiled with -mavx2 -mfma.
//
// Each step of 8 K values widens 8 int8 of each A row to int16 and broadcasts
// them to both 128-bit lanes; _mm256_shuffle_epi32 then spreads pair (k, k+1)
// over all 8 dwords, and _mm256_madd_epi16 with the packed weight pairs of 8
// columns adds a[k] * b[k][j] + a[k+1] * b[k+1][j] into 8 int32 accumulators.
// Products of int8 and int16 weights in [-255, 255] and their pair sums fit in
// int32, and the int32 sums wrap only where the exact sum does not fit int32,
// which the caller excludes (kernels/optimized/qs8_pack.h), so the accumulators
// are exact. The output stage is kernels/x86/qs8_requant_avx2.h.
#include <immintrin.h>

#include <cstdint>
#include <cstring>

#include "kernels/x86/qs8_requant_avx2.h"
#include "kernels/x86/ukernels.h"

namespace edgert {

namespace {

// 8 int8 of an A row widened to int16 in both 128-bit lanes; `n` < 8 reads
// only n bytes (the rest are zero: their packed weights are zero anyway).
inline __m256i LoadA8(const int8_t* a, size_t n) {
  __m128i v;
  if (n >= 8) {
    v = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(a));
  } else if (n >= 4) {  // two overlapping 4-byte loads
    uint32_t lo, hi;
    std::memcpy(&lo, a, 4);
    std::memcpy(&hi, a + n - 4, 4);
    v = _mm_cvtsi64_si128(static_cast<int64_t>(lo | (static_cast<uint64_t>(hi) << (8 * (n - 4)))));
  } else {
    uint64_t bytes = 0;
    for (size_t i = 0; i < n; ++i) bytes |= static_cast<uint64_t>(static_cast<uint8_t>(a[i])) << (8 * i);
    v = _mm_cvtsi64_si128(static_cast<int64_t>(bytes));
  }
  return _mm256_broadcastsi128_si256(_mm_cvtepi8_epi16(v));
}

}  // namespace

void qs8_gemm_minmax_ukernel_4x16c2__avx2(size_t mr, size_t nc, size_t kc, const int8_t* a, size_t a_stride,
                                          const void* w, int8_t* c, size_t c_stride, const QS8ConvParams* params) {
  // Rows past mr alias the last row (computed, not stored).
  const int8_t* a0 = a;
  const int8_t* a1 = mr > 1 ? a0 + a_stride : a0;
  const int8_t* a2 = mr > 2 ? a1 + a_stride : a1;
  const int8_t* a3 = mr > 3 ? a2 + a_stride : a2;
  int8_t* c0 = c;
  int8_t* c1 = mr > 1 ? c0 + c_stride : c0;
  int8_t* c2 = mr > 2 ? c1 + c_stride : c1;
  int8_t* c3 = mr > 3 ? c2 + c_stride : c2;
  const size_t kc8 = (kc + 7) & ~size_t{7};
  const size_t panel_bytes = 16 * kQS8ChannelWords * sizeof(int32_t) + kc8 * 16 * sizeof(int16_t);
  const qs8_avx2::OutputStage out = qs8_avx2::LoadOutputStage(params->output_zp, params->min, params->max,
                                                                params->full_range_short_rounding != 0);
  const uint8_t* panel = static_cast<const uint8_t*>(w);

  for (size_t col = 0; col < nc; col += 16, panel += panel_bytes) {
    const int32_t* header = reinterpret_cast<const int32_t*>(panel);
    const __m256i b0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(header));
    const __m256i b1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(header + 8));
    __m256i acc00 = b0, acc01 = b1, acc10 = b0, acc11 = b1, acc20 = b0, acc21 = b1, acc30 = b0, acc31 = b1;
    const __m256i* wp = reinterpret_cast<const __m256i*>(header + 16 * kQS8ChannelWords);
    for (size_t k = 0; k < kc; k += 8) {
      const size_t n = kc - k;
      const __m256i va0 = LoadA8(a0 + k, n);
      const __m256i va1 = LoadA8(a1 + k, n);
      const __m256i va2 = LoadA8(a2 + k, n);
      const __m256i va3 = LoadA8(a3 + k, n);
#define EDGERT_QS8_PAIR(IMM)                                               \
  {                                                                        \
    const __m256i w0 = _mm256_loadu_si256(wp);                             \
    const __m256i w1 = _mm256_loadu_si256(wp + 1);                         \
    wp += 2;                                                               \
    __m256i x = _mm256_shuffle_epi32(va0, IMM);                            \
    acc00 = _mm256_add_epi32(acc00, _mm256_madd_epi16(x, w0));             \
    acc01 = _mm256_add_epi32(acc01, _mm256_madd_epi16(x, w1));             \
    x = _mm256_shuffle_epi32(va1, IMM);                                    \
    acc10 = _mm256_add_epi32(acc10, _mm256_madd_epi16(x, w0));             \
    acc11 = _mm256_add_epi32(acc11, _mm256_madd_epi16(x, w1));             \
    x = _mm256_shuffle_epi32(va2, IMM);                                    \
    acc20 = _mm256_add_epi32(acc20, _mm256_madd_epi16(x, w0));             \
    acc21 = _mm256_add_epi32(acc21, _mm256_madd_epi16(x, w1));             \
    x = _mm256_shuffle_epi32(va3, IMM);                                    \
    acc30 = _mm256_add_epi32(acc30, _mm256_madd_epi16(x, w0));             \
    acc31 = _mm256_add_epi32(acc31, _mm256_madd_epi16(x, w1));             \
  }
      EDGERT_QS8_PAIR(0x00)
      if (n > 2) EDGERT_QS8_PAIR(0x55)
      if (n > 4) EDGERT_QS8_PAIR(0xAA)
      if (n > 6) EDGERT_QS8_PAIR(0xFF)
#undef EDGERT_QS8_PAIR
    }

    const qs8_avx2::Requant8 q0 = qs8_avx2::LoadRequant8(header, 16, 0);
    const qs8_avx2::Requant8 q1 = qs8_avx2::LoadRequant8(header, 16, 8);
    const __m128i r0 = qs8_avx2::PackToInt8(qs8_avx2::Requantize(acc00, q0, out), qs8_avx2::Requantize(acc01, q1, out));
    const __m128i r1 = qs8_avx2::PackToInt8(qs8_avx2::Requantize(acc10, q0, out), qs8_avx2::Requantize(acc11, q1, out));
    const __m128i r2 = qs8_avx2::PackToInt8(qs8_avx2::Requantize(acc20, q0, out), qs8_avx2::Requantize(acc21, q1, out));
    const __m128i r3 = qs8_avx2::PackToInt8(qs8_avx2::Requantize(acc30, q0, out), qs8_avx2::Requantize(acc31, q1, out));
    const size_t cols = nc - col < 16 ? nc - col : 16;
    if (cols == 16) {
      // Stored last row first: aliased rows then hold the right values.
      _mm_storeu_si128(reinterpret_cast<__m128i*>(c3 + col), r3);
      _mm_storeu_si128(reinterpret_cast<__m128i*>(c2 + col), r2);
      _mm_storeu_si128(reinterpret_cast<__m128i*>(c1 + col), r1);
      _mm_storeu_si128(reinterpret_cast<__m128i*>(c0 + col), r0);
    } else {
      qs8_avx2::StoreBytes(c3 + col, r3, cols);
      qs8_avx2::StoreBytes(c2 + col, r2, cols);
      qs8_avx2::StoreBytes(c1 + col, r1, cols);
      qs8_avx2::StoreBytes(c0 + col, r0, cols);
    }
  }
}

}  // namespace edgert
