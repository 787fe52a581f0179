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

#include "kernels/x86/qs8_loop_avx512.h"
#include "kernels/x86/ukernels.h"

namespace edgert {
namespace {

struct Constants {
  __m512d s1, s2, bias;
  __m512i zp, lo, hi;
};

// The low eight of 16 bytes as doubles.
inline __m512d Widen8(__m128i bytes) { return _mm512_cvtepi32_pd(_mm256_cvtepi8_epi32(bytes)); }

// The 16 results for the bytes of a and b, as int32 lanes.
inline __m512i Add16(__m128i a, __m128i b, const Constants& c) {
  const __m128i a_hi = _mm_srli_si128(a, 8), b_hi = _mm_srli_si128(b, 8);
  const __m512d lo = _mm512_fmadd_pd(Widen8(b), c.s2, _mm512_fmadd_pd(Widen8(a), c.s1, c.bias));
  const __m512d hi = _mm512_fmadd_pd(Widen8(b_hi), c.s2, _mm512_fmadd_pd(Widen8(a_hi), c.s1, c.bias));
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
  qs8_avx512::Run2(n, a, b, y, [&](__m128i va, __m128i vb) { return Add16(va, vb, c); });
}

}  // namespace edgert
