// f32 MAXIMUM microkernel: y[i] = clamp(max(b[0], a[i]), min, max), 16 floats per step,
// masked tail. Contract: F32VBinaryUkernelFn (kernels/dispatch.h). Compiled with -mavx2 -mfma.
#include "kernels/x86/avx2_loop.h"
#include "kernels/x86/ukernels.h"

namespace edgert {

void f32_vrmaxc_minmax_ukernel_x16__avx2(size_t n, const float* a, const float* b, float* y,
                                        const F32MinMaxParams* params) {
  x86::BinaryRVC<x86::MaxOp>(n, a, b, y, params);
}

}  // namespace edgert
