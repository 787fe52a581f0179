// f16 GEMM microkernel of f32 rows, 6x16 tile (MR = 6 rows), ARMv8.2
// half-precision arithmetic (kernels/arm/f16_gemm_rows_neonfp16arith.h).
// Contract: F16GemmUkernelFn (kernels/dispatch.h).
#include "kernels/arm/f16_gemm_rows_neonfp16arith.h"
#include "kernels/arm/ukernels.h"

namespace edgert {

void f16_gemm_minmax_ukernel_6x16__neonfp16arith(size_t mr, size_t nc, size_t kc, const float* a, size_t a_stride,
                                                 const uint16_t* w, float* c, size_t c_stride,
                                                 const F32MinMaxParams* params) {
  neon_f16::GemmRows<6>(mr, nc, kc, a, a_stride, w, c, c_stride, params);
}

}  // namespace edgert
