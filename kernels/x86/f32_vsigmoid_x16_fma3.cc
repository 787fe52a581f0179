// f32 LOGISTIC microkernel: y = 1 / (1 + exp(-x)), from e = exp(-|x|) as
// 1 / (1 + e) (x >= 0) or e / (1 + e) (x < 0), so nothing overflows
// (kernels/x86/fma3_math.h). Error against 1 / (1 + std::exp(-x)) in double
// over every float of [ln FLT_MIN, 110]: max 2.40 ulp; checked (2.5 ulp) over
// every 2^-10 step plus random inputs (tests/kernels/elementwise_ukernel_test.cc).
// Saturates to exactly 1 for large x. Below ln FLT_MIN = -87.3365 it gives +0
// instead of a subnormal (error below 2^-126): x86 cores take a slow assist
// for each subnormal. +-inf -> 1 / 0, NaN -> NaN. 16 floats per step, masked
// tail. Contract: F32VUnaryUkernelFn (kernels/dispatch.h). Compiled with
// -mavx2 -mfma.
#include "kernels/x86/avx2_loop.h"
#include "kernels/x86/fma3_math.h"
#include "kernels/x86/ukernels.h"

namespace edgert {

void f32_vsigmoid_ukernel_x16__fma3(size_t n, const float* x, float* y, const F32UnaryParams*) {
  x86::UnaryLoop(n, x, y, [](__m256 v) { return x86::SigmoidNoSubnormal(v); });
}

}  // namespace edgert
