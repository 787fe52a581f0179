// Int8 ADD / SUB in single precision (QS8VAddF32UkernelFn, kernels/dispatch.h),
// 16 values per step, AVX-512 F: the 16 values of each operand are widened to
// float, y = fma(b, scale2, fma(a, scale1, bias)), rounded to the nearest
// integer (ties to even), offset by the output zero point and clamped. Each
// step works on 16 lanes where the double form
// (qs8_vadd_f64_x16_minmax_avx512f.cc) needs two halves of 8, so it has about
// half its instructions; it runs only where it reproduces the fixed-point
// kernel on every input pair (checked at prepare, kernels/optimized/qs8_add_f64.h).
// Tails (1..15 values) go through a zeroed copy and a masked store
// (kernels/x86/qs8_loop_avx512.h). Compiled
// with -mavx2 -mfma -mavx512f.
#include <immintrin.h>

#include "kernels/x86/qs8_loop_avx512.h"
#include "kernels/x86/ukernels.h"

namespace edgert {
namespace {

struct Constants {
  __m512 s1, s2, bias;
  __m512i zp, lo, hi;
};

inline __m512 Widen(__m128i bytes) { return _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(bytes)); }

// The 16 results for the bytes of a and b, as int32 lanes.
inline __m512i Add16(__m128i a, __m128i b, const Constants& c) {
  const __m512 v = _mm512_fmadd_ps(Widen(b), c.s2, _mm512_fmadd_ps(Widen(a), c.s1, c.bias));
  const __m512i y = _mm512_add_epi32(_mm512_cvt_roundps_epi32(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC), c.zp);
  return _mm512_min_epi32(_mm512_max_epi32(y, c.lo), c.hi);
}

}  // namespace

void qs8_vadd_minmax_f32_ukernel_x16__avx512f(size_t n, const int8_t* a, const int8_t* b, int8_t* y,
                                              const QS8AddF32Params* p) {
  Constants c;
  c.s1 = _mm512_set1_ps(p->scale1);
  c.s2 = _mm512_set1_ps(p->scale2);
  c.bias = _mm512_set1_ps(p->bias);
  c.zp = _mm512_set1_epi32(p->out_zero_point);
  c.lo = _mm512_set1_epi32(p->min);
  c.hi = _mm512_set1_epi32(p->max);
  qs8_avx512::Run2(n, a, b, y, [&](__m128i va, __m128i vb) { return Add16(va, vb, c); });
}

}  // namespace edgert
