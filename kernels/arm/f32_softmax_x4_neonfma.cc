// f32 SOFTMAX of one contiguous row: y = exp(beta * x - m) / sum, m the row's
// largest beta * x. Three passes of 4 floats (the last 1..3 loaded and stored
// lane by lane): the maximum, the exponentials (kernels/arm/neon_math.h, the
// x86 kernel's approximation: <= 1.5 ulp; +0 where beta * x - m < -87)
// stored and summed in double lanes, then the scaling by 1 / sum. Against the
// reference kernel (float exp, double sum) every result is within 2e-6
// relative or 1.7e-38 absolute (tests/kernels/softmax_layer_norm_optimized_test.cc).
// A row holding NaN gives NaN; beta * x = +inf gives NaN like the reference.
// Contract: F32SoftmaxUkernelFn (kernels/dispatch.h).
#include <cmath>

#include "kernels/arm/neon_loop.h"
#include "kernels/arm/neon_math.h"
#include "kernels/arm/ukernels.h"

namespace edgert {

void f32_softmax_ukernel_x4__neonfma(size_t n, const float* x, float beta, float* y) {
  if (n == 0) return;
  const float32x4_t vbeta = vdupq_n_f32(beta);
  const size_t full = n & ~size_t{3}, tail = n - full;
  // Pass 1: m = max(beta * x); NaN anywhere makes the row NaN.
  float32x4_t vmax = vdupq_n_f32(-INFINITY);
  uint32x4_t unordered = vdupq_n_u32(0);
  auto visit = [&](float32x4_t v) {
    unordered = vorrq_u32(unordered, vmvnq_u32(vceqq_f32(v, v)));
    vmax = vmaxq_f32(vmax, v);
  };
  const uint32x4_t lane = {0, 1, 2, 3};
  const uint32x4_t in_tail = vcltq_u32(lane, vdupq_n_u32(static_cast<uint32_t>(tail)));
  for (size_t i = 0; i < full; i += 4) visit(vmulq_f32(vbeta, vld1q_f32(x + i)));
  if (tail != 0) {
    // Lanes past n: -inf after the scaling, neither the maximum nor NaN.
    visit(vbslq_f32(in_tail, vmulq_f32(vbeta, neon::LoadTail(x + full, tail)), vdupq_n_f32(-INFINITY)));
  }
  if (vmaxvq_u32(unordered) != 0) {
    for (size_t k = 0; k < n; ++k) y[k] = NAN;
    return;
  }
  const float32x4_t vm = vdupq_n_f32(vmaxvq_f32(vmax));
  // Pass 2: e = exp(beta * x - m), summed in double.
  float64x2_t sum_lo = vdupq_n_f64(0.0), sum_hi = vdupq_n_f64(0.0);
  for (size_t i = 0; i < full; i += 4) {
    const float32x4_t e = neon::ExpNoSubnormal(neon::MulSub(vbeta, vld1q_f32(x + i), vm));
    vst1q_f32(y + i, e);
    sum_lo = vaddq_f64(sum_lo, vcvt_f64_f32(vget_low_f32(e)));
    sum_hi = vaddq_f64(sum_hi, vcvt_high_f64_f32(e));
  }
  if (tail != 0) {
    float32x4_t e = neon::ExpNoSubnormal(neon::MulSub(vbeta, neon::LoadTail(x + full, tail), vm));
    // Lanes past n add nothing.
    e = vreinterpretq_f32_u32(vandq_u32(vreinterpretq_u32_f32(e), in_tail));
    neon::StoreTail(y + full, e, tail);
    sum_lo = vaddq_f64(sum_lo, vcvt_f64_f32(vget_low_f32(e)));
    sum_hi = vaddq_f64(sum_hi, vcvt_high_f64_f32(e));
  }
  const float inv = static_cast<float>(1.0 / vaddvq_f64(vaddq_f64(sum_lo, sum_hi)));
  // Pass 3: scale.
  const float32x4_t vinv = vdupq_n_f32(inv);
  neon::UnaryLoop(n, y, y, [vinv](float32x4_t v) { return vmulq_f32(v, vinv); });
}

}  // namespace edgert
