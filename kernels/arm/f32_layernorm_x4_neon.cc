// f32 LAYER_NORM of one contiguous row: y = (x - mean) / sqrt(var + eps) *
// gamma + beta (gamma, beta: one value per element, or nullptr), mean and the
// biased variance accumulated in double lanes (two passes, as the reference
// kernel does), the normalization in float: against the reference kernel
// (all double) every result is within 1e-5 * (1 + |y|)
// (tests/kernels/softmax_layer_norm_optimized_test.cc). 4 floats per step,
// the last 1..3 loaded and stored lane by lane.
// Contract: F32LayerNormUkernelFn (kernels/dispatch.h).
#include <cmath>

#include "kernels/arm/neon_loop.h"
#include "kernels/arm/ukernels.h"

namespace edgert {

void f32_layernorm_ukernel_x4__neon(size_t n, const float* x, const float* gamma, const float* beta, float epsilon,
                                    float* y) {
  if (n == 0) return;
  const size_t full = n & ~size_t{3}, tail = n - full;
  // Pass 1: mean (the tail's lanes past n load as zeros).
  float64x2_t s0 = vdupq_n_f64(0.0), s1 = vdupq_n_f64(0.0);
  for (size_t i = 0; i < full; i += 4) {
    const float32x4_t v = vld1q_f32(x + i);
    s0 = vaddq_f64(s0, vcvt_f64_f32(vget_low_f32(v)));
    s1 = vaddq_f64(s1, vcvt_high_f64_f32(v));
  }
  if (tail != 0) {
    const float32x4_t v = neon::LoadTail(x + full, tail);
    s0 = vaddq_f64(s0, vcvt_f64_f32(vget_low_f32(v)));
    s1 = vaddq_f64(s1, vcvt_high_f64_f32(v));
  }
  const double mean = vaddvq_f64(vaddq_f64(s0, s1)) / static_cast<double>(n);
  // Pass 2: biased variance around the mean.
  const float64x2_t vmean = vdupq_n_f64(mean);
  s0 = vdupq_n_f64(0.0);
  s1 = vdupq_n_f64(0.0);
  for (size_t i = 0; i < full; i += 4) {
    const float32x4_t v = vld1q_f32(x + i);
    const float64x2_t d0 = vsubq_f64(vcvt_f64_f32(vget_low_f32(v)), vmean);
    const float64x2_t d1 = vsubq_f64(vcvt_high_f64_f32(v), vmean);
    s0 = vfmaq_f64(s0, d0, d0);
    s1 = vfmaq_f64(s1, d1, d1);
  }
  double var_sum = vaddvq_f64(vaddq_f64(s0, s1));
  for (size_t i = full; i < n; ++i) {
    const double d = static_cast<double>(x[i]) - mean;
    var_sum = std::fma(d, d, var_sum);
  }
  const double var = var_sum / static_cast<double>(n);
  const double inv_std = 1.0 / std::sqrt(var + static_cast<double>(epsilon));
  // Pass 3: y = (x - mean) * inv_std * gamma + beta, in float.
  const float32x4_t vm = vdupq_n_f32(static_cast<float>(mean));
  const float32x4_t vs = vdupq_n_f32(static_cast<float>(inv_std));
  auto row = [&](float32x4_t v, float32x4_t g, float32x4_t b) {
    return vfmaq_f32(b, vmulq_f32(vsubq_f32(v, vm), vs), g);
  };
  const float32x4_t one = vdupq_n_f32(1.f), zero = vdupq_n_f32(0.f);
  for (size_t i = 0; i < full; i += 4) {
    const float32x4_t g = gamma != nullptr ? vld1q_f32(gamma + i) : one;
    const float32x4_t b = beta != nullptr ? vld1q_f32(beta + i) : zero;
    vst1q_f32(y + i, row(vld1q_f32(x + i), g, b));
  }
  if (tail != 0) {
    const float32x4_t g = gamma != nullptr ? neon::LoadTail(gamma + full, tail) : one;
    const float32x4_t b = beta != nullptr ? neon::LoadTail(beta + full, tail) : zero;
    neon::StoreTail(y + full, row(neon::LoadTail(x + full, tail), g, b), tail);
  }
}

}  // namespace edgert
