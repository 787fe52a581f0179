// f32 -> uint8 quantization, 16 values per step (kernels/arm/x8_vcvt_neon.h).
#include "kernels/arm/ukernels.h"
#include "kernels/arm/x8_vcvt_neon.h"

namespace edgert {

void f32_qu8_vcvt_ukernel_x16__neon(size_t n, const float* x, uint8_t* y, const F32QuantizeParams* params) {
  neon::F32ToX8(n, x, y, params);
}

}  // namespace edgert
