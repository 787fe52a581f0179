// f32 MINIMUM microkernel: y[i] = clamp(min(a[i], b[i]), min, max) with min(p, q) = p < q ? p : q (the
// reference's), 16 floats per step, then 4, then 1..3 lane by lane. Exact. Contract:
// F32VBinaryUkernelFn (kernels/dispatch.h).
#include "kernels/arm/neon_loop.h"
#include "kernels/arm/ukernels.h"

namespace edgert {

void f32_vmin_minmax_ukernel_x16__neon(size_t n, const float* a, const float* b, float* y,
                                       const F32MinMaxParams* params) {
  neon::BinaryVV<neon::MinOp>(n, a, b, y, params);
}

}  // namespace edgert
