// f32 EXP microkernel: y = exp(x) by x = n ln2 + r, |r| <= ln2/2, a degree-7
// polynomial for expm1(r) and 2^n applied in two halves (kernels/arm/neon_math.h,
// the arithmetic of kernels/x86/f32_vexp_x16_fma3.cc). Error against std::exp in
// double over every float of [-110, 90]: max 1.06 ulp, subnormal results
// within 0.75 * 2^-149; checked (1.5 ulp, 1 * 2^-149) over every 2^-10 step
// plus random inputs (tests/kernels/elementwise_ukernel_test.cc).
// Overflow above ln(FLT_MAX) = 88.7228 gives +inf, results below FLT_MIN are
// subnormal and reach +0 below about -103.97, exp(-inf) = 0, exp(inf) = inf,
// NaN -> NaN. 16 floats per step, then 4, then 1..3 lane by lane.
// Contract: F32VUnaryUkernelFn (kernels/dispatch.h).
#include "kernels/arm/neon_math.h"
#include "kernels/arm/ukernels.h"

namespace edgert {

void f32_vexp_ukernel_x16__neonfma(size_t n, const float* x, float* y, const F32UnaryParams*) {
  neon::UnaryLoop(n, x, y, [](float32x4_t v) { return neon::Exp(v); });
}

}  // namespace edgert
