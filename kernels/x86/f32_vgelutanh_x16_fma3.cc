// f32 GELU microkernel, tanh approximation:
// y = x/2 * (1 + tanh(sqrt(2/pi) * (x + 0.044715 x^3))), computed as
// x * sigmoid(2u) with 2u = x * (2 sqrt(2/pi) + 2 sqrt(2/pi) 0.044715 x^2),
// the same function without 1 + tanh's cancellation for negative x. Error
// against x / (1 + exp(-2u)) in double (std::exp; the tanh form cancels even
// in double below x = -6) over every float of [-16, 16]: for x >= -3 max
// 14.1 ulp (15 checked). The float rounding of u (a few ulp) is amplified by
// |2u| in the result, so for x < -3 (|y| < 0.004) the error grows to max
// 214 ulp (2.6e-5 relative) at x = -10.04, 215 ulp checked, subnormal results
// within 103 * 2^-149 (104 checked); the test checks over every 2^-10 step
// plus random inputs (tests/kernels/elementwise_ukernel_test.cc). (The
// reference kernel's 1 + tanh(u) in float is worse there: it cancels.)
// y = x for large x and +inf, -0 for large negative x, -inf -> NaN (-inf * 0, as the reference kernel), NaN -> NaN.
// 16 floats per step, masked tail.
// Contract: F32VUnaryUkernelFn (kernels/dispatch.h). Compiled with -mavx2 -mfma.
#include "kernels/x86/avx2_loop.h"
#include "kernels/x86/fma3_math.h"
#include "kernels/x86/ukernels.h"

namespace edgert {

void f32_vgelutanh_ukernel_x16__fma3(size_t n, const float* x, float* y, const F32UnaryParams*) {
  const __m256 c1 = _mm256_set1_ps(1.5957691216057308f), c3 = _mm256_set1_ps(0.07135481627260025f);
  x86::UnaryLoop(n, x, y, [&](__m256 v) {
    const __m256 u2 = _mm256_mul_ps(v, _mm256_fmadd_ps(c3, _mm256_mul_ps(v, v), c1));
    return _mm256_mul_ps(v, x86::Sigmoid(u2));
  });
}

}  // namespace edgert
