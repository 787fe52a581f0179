// Int8 ADD / SUB in double precision (QS8VAddF64UkernelFn, kernels/dispatch.h),
// 16 values per step, AVX-512 F: each half of 8 values is widened to double,
// y = a * scale1 + b * scale2 + bias (one multiply, two FMAs), rounded to the
// nearest integer, then offset by the output zero point and clamped. About
// half the instructions of the fixed-point kernel
// (qs8_vadd_x16_minmax_avx512f.cc), whose results it reproduces where it is
// used (checked at prepare, kernels/optimized/qs8_add_f64.h). Tails (1..15
// values) go through a zeroed copy and a masked store. Compiled with -mavx2
// -mfma -mavx512f.
#include <immintrin.h>

#include "kernels/x86/ukernels.h"

namespace edgert {
namespace {

struct Constants {
  __m512d s1, s2, bias;
  __m512i zp, lo, hi;
};

// Eight int8 values at p as doubles.
inline __m512d Load8(const int8_t* p) {
  return _mm512_cvtepi32_pd(_mm256_cvtepi8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p))));
}

// The 16 results for a[0..15], b[0..15], as int32 lanes.
inline __m512i Add16(const int8_t* a, const int8_t* b, const Constants& c) {
  const __m512d lo = _mm512_fmadd_pd(Load8(b), c.s2, _mm512_fmadd_pd(Load8(a), c.s1, c.bias));
  const __m512d hi = _mm512_fmadd_pd(Load8(b + 8), c.s2, _mm512_fmadd_pd(Load8(a + 8), c.s1, c.bias));
  const __m256i ylo = _mm512_cvt_roundpd_epi32(lo, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  const __m256i yhi = _mm512_cvt_roundpd_epi32(hi, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  const __m512i y = _mm512_add_epi32(_mm512_inserti64x4(_mm512_castsi256_si512(ylo), yhi, 1), c.zp);
  return _mm512_min_epi32(_mm512_max_epi32(y, c.lo), c.hi);
}

}  // namespace

void qs8_vadd_minmax_f64_ukernel_x16__avx512f(size_t n, const int8_t* a, const int8_t* b, int8_t* y,
                                              const QS8AddF64Params* p) {
  Constants c;
  c.s1 = _mm512_set1_pd(p->scale1);
  c.s2 = _mm512_set1_pd(p->scale2);
  c.bias = _mm512_set1_pd(p->bias);
  c.zp = _mm512_set1_epi32(p->out_zero_point);
  c.lo = _mm512_set1_epi32(p->min);
  c.hi = _mm512_set1_epi32(p->max);
  for (; n >= 16; n -= 16, a += 16, b += 16, y += 16)
    _mm_storeu_si128(reinterpret_cast<__m128i*>(y), _mm512_cvtepi32_epi8(Add16(a, b, c)));
  if (n > 0) {
    alignas(16) int8_t ta[16] = {}, tb[16] = {};
    for (size_t i = 0; i < n; ++i) {
      ta[i] = a[i];
      tb[i] = b[i];
    }
    _mm512_mask_cvtepi32_storeu_epi8(y, static_cast<__mmask16>((1u << n) - 1), Add16(ta, tb, c));
  }
}

}  // namespace edgert
