// f32 -> int8 quantization, 16 values per step (kernels/x86/x8_vcvt_avx512.h).
#include "kernels/x86/ukernels.h"
#include "kernels/x86/x8_vcvt_avx512.h"

namespace edgert {

void f32_qs8_vcvt_ukernel_x16__avx512f(size_t n, const float* x, int8_t* y, const F32QuantizeParams* params) {
  x86::F32ToX8Avx512(n, x, y, params);
}

}  // namespace edgert
