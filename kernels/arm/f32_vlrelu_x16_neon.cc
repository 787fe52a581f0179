// f32 LEAKY_RELU microkernel: y[i] = x[i] >= 0 ? x[i] : alpha * x[i] (NaN
// gives alpha * NaN = NaN), 16 floats per step, then 4, then 1..3 lane by lane.
// Exact. Contract: F32VUnaryUkernelFn (kernels/dispatch.h; reads params->alpha).
#include "kernels/arm/neon_loop.h"
#include "kernels/arm/ukernels.h"

namespace edgert {

void f32_vlrelu_ukernel_x16__neon(size_t n, const float* x, float* y, const F32UnaryParams* params) {
  const float32x4_t alpha = vdupq_n_f32(params->alpha);
  const float32x4_t zero = vdupq_n_f32(0.f);
  neon::UnaryLoop(n, x, y, [&](float32x4_t v) { return vbslq_f32(vcgeq_f32(v, zero), v, vmulq_f32(v, alpha)); });
}

}  // namespace edgert
