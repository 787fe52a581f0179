// uint8 -> f32 dequantization, 16 values per step (kernels/x86/x8_vcvt_avx2.h).
#include "kernels/x86/ukernels.h"
#include "kernels/x86/x8_vcvt_avx2.h"

namespace edgert {

void qu8_f32_vcvt_ukernel_x16__avx2(size_t n, const uint8_t* x, float* y, const X8DequantizeParams* params) {
  x86::X8ToF32(n, x, y, params);
}

}  // namespace edgert
