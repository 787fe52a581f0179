// f32 LOGISTIC microkernel: y = 1 / (1 + exp(-x)), from e = exp(-|x|) as
// 1 / (1 + e) (x >= 0) or e / (1 + e) (x < 0), so nothing overflows
// (kernels/arm/neon_math.h, the arithmetic of kernels/x86/f32_vsigmoid_x16_fma3.cc).
// Error against 1 / (1 + std::exp(-x)) in double over every float of
// [ln FLT_MIN, 110]: max 2.40 ulp; checked (2.5 ulp) over every 2^-10 step
// plus random inputs (tests/kernels/elementwise_ukernel_test.cc). Saturates to
// exactly 1 for large x. Below ln FLT_MIN = -87.3365 it gives +0 instead of a
// subnormal (error below 2^-126), as the x86 kernel. +-inf -> 1 / 0,
// NaN -> NaN. 16 floats per step, then 4, then 1..3 lane by lane.
// Contract: F32VUnaryUkernelFn (kernels/dispatch.h).
#include "kernels/arm/neon_math.h"
#include "kernels/arm/ukernels.h"

namespace edgert {

void f32_vsigmoid_ukernel_x16__neonfma(size_t n, const float* x, float* y, const F32UnaryParams*) {
  neon::UnaryLoop(n, x, y, [](float32x4_t v) { return neon::SigmoidNoSubnormal(v); });
}

}  // namespace edgert
