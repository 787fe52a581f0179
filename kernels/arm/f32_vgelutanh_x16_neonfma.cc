// f32 GELU microkernel, tanh approximation:
// y = x/2 * (1 + tanh(sqrt(2/pi) * (x + 0.044715 x^3))), computed as
// x * sigmoid(2u) with 2u = x * (2 sqrt(2/pi) + 2 sqrt(2/pi) 0.044715 x^2), the
// same function without 1 + tanh's cancellation for negative x (the arithmetic
// of kernels/x86/f32_vgelutanh_x16_fma3.cc, which explains the error growth).
// Error against x / (1 + exp(-2u)) in double (std::exp) over every float of
// [-16, 16]: for x >= -3 max 14.1 ulp (15 checked); for x < -3 (|y| < 0.004)
// max 214 ulp (2.6e-5 relative), 215 ulp checked, subnormal results within
// 103 * 2^-149 (104 checked); the test checks over every 2^-10 step plus
// random inputs (tests/kernels/elementwise_ukernel_test.cc). y = x for large x and +inf, -0 for large negative x, -inf -> NaN
// (-inf * 0, as the reference kernel), NaN -> NaN. 16 floats per step, then 4,
// then 1..3 lane by lane.
// Contract: F32VUnaryUkernelFn (kernels/dispatch.h).
#include "kernels/arm/neon_math.h"
#include "kernels/arm/ukernels.h"

namespace edgert {

void f32_vgelutanh_ukernel_x16__neonfma(size_t n, const float* x, float* y, const F32UnaryParams*) {
  const float32x4_t c1 = vdupq_n_f32(1.5957691216057308f), c3 = vdupq_n_f32(0.07135481627260025f);
  neon::UnaryLoop(n, x, y, [&](float32x4_t v) {
    const float32x4_t u2 = vmulq_f32(v, vfmaq_f32(c1, c3, vmulq_f32(v, v)));
    return vmulq_f32(v, neon::Sigmoid(u2));
  });
}

}  // namespace edgert
