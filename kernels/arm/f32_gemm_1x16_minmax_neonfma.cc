// f32 GEMM microkernel, 1x16 tile (matrix-vector), Advanced SIMD fused
// multiply-add on packed B. Contract: F32GemmUkernelFn (kernels/dispatch.h), mr = 1.
#include <arm_neon.h>

#include "kernels/arm/f32_neon_store.h"
#include "kernels/arm/ukernels.h"

namespace edgert {

void f32_gemm_minmax_ukernel_1x16__neonfma(size_t mr, size_t nc, size_t kc, const float* a, size_t a_stride,
                                           const float* w, float* c, size_t c_stride, const F32MinMaxParams* params) {
  const float32x4_t vmin = vdupq_n_f32(params->min);
  const float32x4_t vmax = vdupq_n_f32(params->max);
  for (size_t n0 = 0; n0 < nc; n0 += 16) {
    float32x4_t acc[4];
    for (int q = 0; q < 4; ++q) acc[q] = vld1q_f32(w + 4 * q);
    w += 16;
    size_t k = 0;
    for (; k + 4 <= kc; k += 4) {
      const float32x4_t va = vld1q_f32(a + k);
#define EDGERT_F32_GEMV_STEP(L)                                                             \
  for (int q = 0; q < 4; ++q) acc[q] = vfmaq_laneq_f32(acc[q], vld1q_f32(w + 4 * q), va, L); \
  w += 16;
      EDGERT_F32_GEMV_STEP(0)
      EDGERT_F32_GEMV_STEP(1)
      EDGERT_F32_GEMV_STEP(2)
      EDGERT_F32_GEMV_STEP(3)
#undef EDGERT_F32_GEMV_STEP
    }
    for (; k < kc; ++k) {
      for (int q = 0; q < 4; ++q) acc[q] = vfmaq_n_f32(acc[q], vld1q_f32(w + 4 * q), a[k]);
      w += 16;
    }
    for (int q = 0; q < 4; ++q) acc[q] = vminq_f32(vmaxq_f32(acc[q], vmin), vmax);
    neon_f32::StoreRow16(c + n0, acc, nc - n0);
  }
}

}  // namespace edgert
