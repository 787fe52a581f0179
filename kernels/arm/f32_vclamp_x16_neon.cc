// f32 clamp microkernel (RELU = [0, inf], RELU6 = [0, 6]):
// y[i] = x[i] < min ? min : (x[i] > max ? max : x[i]), NaN passing through and
// -0 kept (compares and selects, not FMAX / FMIN), 16 floats per step, then 4,
// then 1..3 lane by lane. Exact. Contract: F32VUnaryUkernelFn
// (kernels/dispatch.h; reads params->min and params->max).
#include "kernels/arm/neon_loop.h"
#include "kernels/arm/ukernels.h"

namespace edgert {

void f32_vclamp_ukernel_x16__neon(size_t n, const float* x, float* y, const F32UnaryParams* params) {
  const float32x4_t vmin = vdupq_n_f32(params->min), vmax = vdupq_n_f32(params->max);
  neon::UnaryLoop(n, x, y, [&](float32x4_t v) { return neon::Clamp(v, vmin, vmax); });
}

}  // namespace edgert
