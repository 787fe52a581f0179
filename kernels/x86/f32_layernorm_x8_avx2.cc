// f32 LAYER_NORM of one contiguous row: y = (x - mean) / sqrt(var + eps) *
// gamma + beta (gamma, beta: one value per element, or nullptr), mean and the
// biased variance accumulated in double lanes (two passes, as the reference
// kernel does), the normalization in float: against the reference kernel
// (all double) every result is within 1e-5 * (1 + |y|)
// (tests/kernels/softmax_layer_norm_optimized_test.cc). 8 floats per step,
// masked tail.
// Contract: F32LayerNormUkernelFn (kernels/dispatch.h). Compiled with -mavx2 -mfma.
#include <cmath>

#include "kernels/x86/avx2_loop.h"
#include "kernels/x86/ukernels.h"

namespace edgert {

void f32_layernorm_ukernel_x8__avx2(size_t n, const float* x, const float* gamma, const float* beta, float epsilon,
                                    float* y) {
  if (n == 0) return;
  const size_t full = n & ~size_t{7};
  const size_t tail = n - full;
  const __m256i mask = x86::TailMask(tail == 0 ? 1 : tail);
  // Pass 1: mean.
  __m256d s0 = _mm256_setzero_pd(), s1 = _mm256_setzero_pd();
  for (size_t i = 0; i < full; i += 8) {
    const __m256 v = _mm256_loadu_ps(x + i);
    s0 = _mm256_add_pd(s0, _mm256_cvtps_pd(_mm256_castps256_ps128(v)));
    s1 = _mm256_add_pd(s1, _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1)));
  }
  if (tail != 0) {
    const __m256 v = _mm256_maskload_ps(x + full, mask);  // zeros past n
    s0 = _mm256_add_pd(s0, _mm256_cvtps_pd(_mm256_castps256_ps128(v)));
    s1 = _mm256_add_pd(s1, _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1)));
  }
  const double mean = x86::HorizontalSum(_mm256_add_pd(s0, s1)) / static_cast<double>(n);
  // Pass 2: biased variance around the mean.
  const __m256d vmean = _mm256_set1_pd(mean);
  s0 = _mm256_setzero_pd();
  s1 = _mm256_setzero_pd();
  for (size_t i = 0; i < full; i += 8) {
    const __m256 v = _mm256_loadu_ps(x + i);
    const __m256d d0 = _mm256_sub_pd(_mm256_cvtps_pd(_mm256_castps256_ps128(v)), vmean);
    const __m256d d1 = _mm256_sub_pd(_mm256_cvtps_pd(_mm256_extractf128_ps(v, 1)), vmean);
    s0 = _mm256_fmadd_pd(d0, d0, s0);
    s1 = _mm256_fmadd_pd(d1, d1, s1);
  }
  if (tail != 0) {
    const __m256 v = _mm256_maskload_ps(x + full, mask);
    const __m256d m0 = _mm256_castsi256_pd(_mm256_cvtepi32_epi64(_mm256_castsi256_si128(mask)));
    const __m256d m1 = _mm256_castsi256_pd(_mm256_cvtepi32_epi64(_mm256_extracti128_si256(mask, 1)));
    const __m256d d0 = _mm256_and_pd(_mm256_sub_pd(_mm256_cvtps_pd(_mm256_castps256_ps128(v)), vmean), m0);
    const __m256d d1 = _mm256_and_pd(_mm256_sub_pd(_mm256_cvtps_pd(_mm256_extractf128_ps(v, 1)), vmean), m1);
    s0 = _mm256_fmadd_pd(d0, d0, s0);
    s1 = _mm256_fmadd_pd(d1, d1, s1);
  }
  const double var = x86::HorizontalSum(_mm256_add_pd(s0, s1)) / static_cast<double>(n);
  const double inv_std = 1.0 / std::sqrt(var + static_cast<double>(epsilon));
  // Pass 3: y = (x - mean) * inv_std * gamma + beta, in float.
  const __m256 vm = _mm256_set1_ps(static_cast<float>(mean));
  const __m256 vs = _mm256_set1_ps(static_cast<float>(inv_std));
  auto row = [&](__m256 v, __m256 g, __m256 b) {
    return _mm256_fmadd_ps(_mm256_mul_ps(_mm256_sub_ps(v, vm), vs), g, b);
  };
  const __m256 one = _mm256_set1_ps(1.f), zero = _mm256_setzero_ps();
  for (size_t i = 0; i < full; i += 8) {
    const __m256 g = gamma != nullptr ? _mm256_loadu_ps(gamma + i) : one;
    const __m256 b = beta != nullptr ? _mm256_loadu_ps(beta + i) : zero;
    _mm256_storeu_ps(y + i, row(_mm256_loadu_ps(x + i), g, b));
  }
  if (tail != 0) {
    const __m256 g = gamma != nullptr ? _mm256_maskload_ps(gamma + full, mask) : one;
    const __m256 b = beta != nullptr ? _mm256_maskload_ps(beta + full, mask) : zero;
    _mm256_maskstore_ps(y + full, mask, row(_mm256_maskload_ps(x + full, mask), g, b));
  }
}

}  // namespace edgert
