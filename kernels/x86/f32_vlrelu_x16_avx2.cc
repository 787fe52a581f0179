// f32 LEAKY_RELU microkernel: y[i] = x[i] >= 0 ? x[i] : alpha * x[i] (NaN
// gives alpha * NaN = NaN), 16 floats per step, masked tail. Exact.
// Contract: F32VUnaryUkernelFn (kernels/dispatch.h; reads params->alpha).
// Compiled with -mavx2 -mfma.
#include "kernels/x86/avx2_loop.h"
#include "kernels/x86/ukernels.h"

namespace edgert {

void f32_vlrelu_ukernel_x16__avx2(size_t n, const float* x, float* y, const F32UnaryParams* params) {
  const __m256 alpha = _mm256_set1_ps(params->alpha);
  const __m256 zero = _mm256_setzero_ps();
  x86::UnaryLoop(n, x, y, [&](__m256 v) {
    return _mm256_blendv_ps(_mm256_mul_ps(v, alpha), v, _mm256_cmp_ps(v, zero, _CMP_GE_OQ));
  });
}

}  // namespace edgert
