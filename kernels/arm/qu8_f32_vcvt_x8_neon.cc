// uint8 -> f32 dequantization, 8 values per step (kernels/arm/x8_vcvt_neon.h).
#include "kernels/arm/ukernels.h"
#include "kernels/arm/x8_vcvt_neon.h"

namespace edgert {

void qu8_f32_vcvt_ukernel_x8__neon(size_t n, const uint8_t* x, float* y, const X8DequantizeParams* params) {
  neon::X8ToF32(n, x, y, params);
}

}  // namespace edgert
