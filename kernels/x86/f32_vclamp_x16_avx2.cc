// f32 clamp microkernel (RELU = [0, inf], RELU6 = [0, 6]):
// y[i] = x[i] < min ? min : (x[i] > max ? max : x[i]), NaN passing through,
// 16 floats per step, masked tail. Exact. Contract: F32VUnaryUkernelFn
// (kernels/dispatch.h; reads params->min and params->max). Compiled with -mavx2 -mfma.
#include "kernels/x86/avx2_loop.h"
#include "kernels/x86/ukernels.h"

namespace edgert {

void f32_vclamp_ukernel_x16__avx2(size_t n, const float* x, float* y, const F32UnaryParams* params) {
  const __m256 vmin = _mm256_set1_ps(params->min), vmax = _mm256_set1_ps(params->max);
  x86::UnaryLoop(n, x, y, [&](__m256 v) { return x86::Clamp(v, vmin, vmax); });
}

}  // namespace edgert
