// f32 ADD microkernel: y[i] = clamp(a[i] + b[i], min, max), 16 floats per step, then 4, then 1..3 lane
// by lane. Exact. Contract: F32VBinaryUkernelFn (kernels/dispatch.h).
#include "kernels/arm/neon_loop.h"
#include "kernels/arm/ukernels.h"

namespace edgert {

void f32_vadd_minmax_ukernel_x16__neon(size_t n, const float* a, const float* b, float* y,
                                       const F32MinMaxParams* params) {
  neon::BinaryVV<neon::AddOp>(n, a, b, y, params);
}

}  // namespace edgert
