// f32 HARD_SWISH microkernel: y = x * (min(max(x + 3, 0), 6) * (1/6)), the
// division by 6 replaced by a product with the rounded 1/6, the same arithmetic
// as kernels/x86/f32_vhswish_x16_avx2.cc (x + 3 first, so the error stays
// relative near -3; 6 * (1/6) rounds to exactly 1, so y = x for x >= 3). Error
// against x * relu6(x + 3) / 6 in double: max 2.48 ulp over every float of
// [-4, 4], 2.5 ulp checked (subnormal results: within 2^-149) over every 2^-16
// step and random inputs (tests/kernels/elementwise_ukernel_test.cc); exactly
// 0 for x <= -3; inf -> inf, -inf -> NaN (-inf * 0, as the reference kernel),
// NaN -> NaN. 16 floats per step, then 4, then 1..3 lane by lane.
// Contract: F32VUnaryUkernelFn (kernels/dispatch.h).
#include "kernels/arm/neon_loop.h"
#include "kernels/arm/ukernels.h"

namespace edgert {

void f32_vhswish_ukernel_x16__neon(size_t n, const float* x, float* y, const F32UnaryParams*) {
  const float32x4_t sixth = vdupq_n_f32(1.f / 6.f), three = vdupq_n_f32(3.f);
  const float32x4_t zero = vdupq_n_f32(0.f), six = vdupq_n_f32(6.f);
  neon::UnaryLoop(n, x, y, [&](float32x4_t v) {
    const float32x4_t c = vminq_f32(vmaxq_f32(vaddq_f32(v, three), zero), six);
    return vmulq_f32(v, vmulq_f32(c, sixth));
  });
}

}  // namespace edgert
