// f32 SOFTMAX of one contiguous row: y = exp(beta * x - m) / sum, m the row's
// largest beta * x. Three passes of 8 floats (masked tail): the maximum, the
// exponentials (kernels/x86/fma3_math.h, <= 1.5 ulp; +0 where beta * x - m <
// -87, whose exponential is below 1.7e-38: no subnormal, see ExpNoSubnormal)
// stored and summed in double lanes, then the scaling by 1 / sum. Against the
// reference kernel (float exp, double sum) every result is within 2e-6
// relative or 1.7e-38 absolute
// (tests/kernels/softmax_layer_norm_optimized_test.cc). A row holding NaN
// gives NaN; beta * x = +inf gives NaN like the reference.
// Contract: F32SoftmaxUkernelFn (kernels/dispatch.h). Compiled with -mavx2 -mfma.
#include <cmath>

#include "kernels/x86/avx2_loop.h"
#include "kernels/x86/fma3_math.h"
#include "kernels/x86/ukernels.h"

namespace edgert {

namespace {

inline float HorizontalMax(__m256 v) {
  __m128 m = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  m = _mm_max_ps(m, _mm_movehl_ps(m, m));
  m = _mm_max_ss(m, _mm_movehdup_ps(m));
  return _mm_cvtss_f32(m);
}

}  // namespace

void f32_softmax_ukernel_x8__fma3(size_t n, const float* x, float beta, float* y) {
  if (n == 0) return;
  const __m256 vbeta = _mm256_set1_ps(beta);
  // Pass 1: m = max(beta * x); NaN anywhere makes the row NaN.
  __m256 vmax = _mm256_set1_ps(-INFINITY);
  bool nan = false;
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 v = _mm256_mul_ps(vbeta, _mm256_loadu_ps(x + i));
    nan |= _mm256_movemask_ps(_mm256_cmp_ps(v, v, _CMP_UNORD_Q)) != 0;
    vmax = _mm256_max_ps(vmax, v);
  }
  const size_t tail = n - i;
  const __m256i mask = x86::TailMask(tail == 0 ? 1 : tail);
  if (tail != 0) {
    const __m256 v = _mm256_mul_ps(vbeta, _mm256_maskload_ps(x + i, mask));
    const __m256 valid = _mm256_castsi256_ps(mask);
    nan |= _mm256_movemask_ps(_mm256_and_ps(_mm256_cmp_ps(v, v, _CMP_UNORD_Q), valid)) != 0;
    vmax = _mm256_max_ps(vmax, _mm256_blendv_ps(_mm256_set1_ps(-INFINITY), v, valid));
  }
  if (nan) {
    for (size_t k = 0; k < n; ++k) y[k] = NAN;
    return;
  }
  const __m256 vm = _mm256_set1_ps(HorizontalMax(vmax));
  // Pass 2: e = exp(beta * x - m), summed in double.
  __m256d sum_lo = _mm256_setzero_pd(), sum_hi = _mm256_setzero_pd();
  for (i = 0; i + 8 <= n; i += 8) {
    const __m256 e = x86::ExpNoSubnormal(_mm256_fmsub_ps(vbeta, _mm256_loadu_ps(x + i), vm));
    _mm256_storeu_ps(y + i, e);
    sum_lo = _mm256_add_pd(sum_lo, _mm256_cvtps_pd(_mm256_castps256_ps128(e)));
    sum_hi = _mm256_add_pd(sum_hi, _mm256_cvtps_pd(_mm256_extractf128_ps(e, 1)));
  }
  if (tail != 0) {
    __m256 e = x86::ExpNoSubnormal(_mm256_fmsub_ps(vbeta, _mm256_maskload_ps(x + i, mask), vm));
    e = _mm256_and_ps(e, _mm256_castsi256_ps(mask));  // lanes past n add nothing
    _mm256_maskstore_ps(y + i, mask, e);
    sum_lo = _mm256_add_pd(sum_lo, _mm256_cvtps_pd(_mm256_castps256_ps128(e)));
    sum_hi = _mm256_add_pd(sum_hi, _mm256_cvtps_pd(_mm256_extractf128_ps(e, 1)));
  }
  const float inv = static_cast<float>(1.0 / x86::HorizontalSum(_mm256_add_pd(sum_lo, sum_hi)));
  // Pass 3: scale.
  const __m256 vinv = _mm256_set1_ps(inv);
  x86::UnaryLoop(n, y, y, [vinv](__m256 v) { return _mm256_mul_ps(v, vinv); });
}

}  // namespace edgert
