// f16 indirect GEMM microkernel of f32 rows (convolution without an im2col
// copy), 6x16 tile, ARMv8.2 half-precision arithmetic
// (kernels/arm/f16_gemm_rows_neonfp16arith.h). Contract: F16IgemmUkernelFn
// (kernels/dispatch.h).
#include "kernels/arm/f16_gemm_rows_neonfp16arith.h"
#include "kernels/arm/ukernels.h"

namespace edgert {

void f16_igemm_minmax_ukernel_6x16__neonfp16arith(size_t mr, size_t nc, size_t kc, size_t taps, const float* const* a,
                                                  const uint16_t* w, float* c, size_t c_stride,
                                                  const F32MinMaxParams* params) {
  neon_f16::IgemmRows<6>(mr, nc, kc, taps, a, w, c, c_stride, params);
}

}  // namespace edgert
