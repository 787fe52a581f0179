// f32 GELU microkernel, exact form: y = x * Phi(x) = x * erfc(-x / sqrt(2)) / 2,
// Phi from an exp(-x^2/2) * Chebyshev-series form of erfc with relative
// accuracy in the lower tail (kernels/x86/fma3_math.h, NormalCdf). Error against
// 0.5 * x * std::erfc(-x / sqrt(2)) in double over every float of [-16, 16]:
// for x >= -13 max 6.88 ulp (7 checked); for x < -13, where Phi(x) < 1e-38 is
// itself subnormal and |y| < 2e-37, max 10.7 ulp (11 checked) and subnormal
// results within 8.8 * 2^-149 (9 checked); the test checks over every 2^-10
// step plus random inputs (tests/kernels/elementwise_ukernel_test.cc). y = x for x >= 5.9 and +inf, y = -0 below about -14.1
// (underflow), -inf -> NaN (-inf * 0, as the reference kernel), NaN -> NaN.
// 16 floats per step, masked tail.
// Contract: F32VUnaryUkernelFn (kernels/dispatch.h). Compiled with -mavx2 -mfma.
#include "kernels/x86/avx2_loop.h"
#include "kernels/x86/fma3_math.h"
#include "kernels/x86/ukernels.h"

namespace edgert {

void f32_vgelu_ukernel_x16__fma3(size_t n, const float* x, float* y, const F32UnaryParams*) {
  x86::UnaryLoop(n, x, y, [](__m256 v) { return _mm256_mul_ps(v, x86::NormalCdf(v)); });
}

}  // namespace edgert
