// f32 MUL microkernel: y[i] = clamp(a[i] * b[0], min, max), 16 floats per step, then 4, then 1..3 lane
// by lane. Exact. Contract: F32VBinaryUkernelFn (kernels/dispatch.h).
#include "kernels/arm/neon_loop.h"
#include "kernels/arm/ukernels.h"

namespace edgert {

void f32_vmulc_minmax_ukernel_x16__neon(size_t n, const float* a, const float* b, float* y,
                                        const F32MinMaxParams* params) {
  neon::BinaryVC<neon::MulOp>(n, a, b, y, params);
}

}  // namespace edgert
