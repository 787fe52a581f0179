// Int8 ADD / SUB in single precision (QS8VAddF32UkernelFn, kernels/dispatch.h),
// 16 values per step, AVX2 + FMA: each half of 8 values of each operand is
// widened to float, y = fma(b, scale2, fma(a, scale1, bias)), rounded to the
// nearest integer (ties to even, whatever MXCSR says), offset by the output
// zero point and clamped. About a quarter of the instructions of the
// fixed-point kernel (qs8_vadd_minmax_avx2.cc: three requantizations of 8
// lanes each), whose results it reproduces where it is used (every input
// pair checked at prepare, kernels/optimized/qs8_add_f64.h).
#include <immintrin.h>

#include "kernels/x86/qs8_loop_avx2.h"
#include "kernels/x86/ukernels.h"

namespace edgert {
namespace {

struct Constants {
  __m256 s1, s2, bias;
  __m256i zp, lo, hi;
};

// The 8 results for the low 8 bytes of a and b, as int32 lanes.
inline __m256i Add8(__m128i a, __m128i b, const Constants& c) {
  const __m256 fa = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(a));
  const __m256 fb = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(b));
  const __m256 v = _mm256_round_ps(_mm256_fmadd_ps(fb, c.s2, _mm256_fmadd_ps(fa, c.s1, c.bias)),
                                   _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  const __m256i y = _mm256_add_epi32(_mm256_cvttps_epi32(v), c.zp);
  return _mm256_min_epi32(_mm256_max_epi32(y, c.lo), c.hi);
}

}  // namespace

void qs8_vadd_minmax_f32_ukernel_x16__avx2(size_t n, const int8_t* a, const int8_t* b, int8_t* y,
                                           const QS8AddF32Params* p) {
  Constants c;
  c.s1 = _mm256_set1_ps(p->scale1);
  c.s2 = _mm256_set1_ps(p->scale2);
  c.bias = _mm256_set1_ps(p->bias);
  c.zp = _mm256_set1_epi32(p->out_zero_point);
  c.lo = _mm256_set1_epi32(p->min);
  c.hi = _mm256_set1_epi32(p->max);
  qs8_avx2::Run2(n, a, b, y, [&](__m128i va, __m128i vb) {
    return qs8_avx2::PackToInt8(Add8(va, vb, c), Add8(_mm_srli_si128(va, 8), _mm_srli_si128(vb, 8), c));
  });
}

}  // namespace edgert
