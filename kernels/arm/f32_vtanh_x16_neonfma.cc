// f32 TANH microkernel: tanh(|x|) = -m / (2 + m) with m = expm1(-2|x|)
// (kernels/arm/neon_math.h: no cancellation near 0, unlike (1 - e) / (1 + e);
// the arithmetic of kernels/x86/f32_vtanh_x16_fma3.cc), then x's sign. Error
// against std::tanh in double over every float of [-12, 12]: max 2.50 ulp;
// checked (3 ulp) over every 2^-12 step plus random inputs and tiny /
// subnormal x (tests/kernels/elementwise_ukernel_test.cc); tiny and subnormal
// x give tanh(x) = x exactly. Exactly +-1 for |x| >= 9.1 (and +-inf), tanh(-0) = -0, NaN -> NaN.
// 16 floats per step, then 4, then 1..3 lane by lane.
// Contract: F32VUnaryUkernelFn (kernels/dispatch.h).
#include "kernels/arm/neon_math.h"
#include "kernels/arm/ukernels.h"

namespace edgert {

void f32_vtanh_ukernel_x16__neonfma(size_t n, const float* x, float* y, const F32UnaryParams*) {
  const float32x4_t two = vdupq_n_f32(2.f);
  const uint32x4_t sign = vdupq_n_u32(0x80000000u);
  neon::UnaryLoop(n, x, y, [&](float32x4_t v) {
    const float32x4_t m = neon::Expm1NonPositive(vmulq_f32(neon::NegAbs(v), two));  // expm1(-2|x|)
    const float32x4_t t = vabsq_f32(vdivq_f32(m, vaddq_f32(two, m)));  // tanh(|x|) = |m / (2 + m)|
    const float32x4_t r = vbslq_f32(sign, v, t);                        // x's sign bit, t's magnitude
    return vbslq_f32(vceqq_f32(v, v), r, v);                            // NaN stays NaN
  });
}

}  // namespace edgert
