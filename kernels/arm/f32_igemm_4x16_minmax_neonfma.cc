// f32 indirect GEMM microkernel (convolution without an im2col copy), 4x16
// tile, Advanced SIMD fused multiply-add. Contract: F32IgemmUkernelFn
// (kernels/dispatch.h). Per output the arithmetic is that of
// f32_gemm_minmax_ukernel_4x16__neonfma on the gathered patch: one FMA chain
// from the bias over K = taps * kc in order.
#include <arm_neon.h>

#include "kernels/arm/f32_neon_store.h"
#include "kernels/arm/ukernels.h"

namespace edgert {

void f32_igemm_minmax_ukernel_4x16__neonfma(size_t mr, size_t nc, size_t kc, size_t taps, const float* const* a,
                                            const float* w, float* c, size_t c_stride,
                                            const F32MinMaxParams* params) {
  // Rows past mr alias the previous row: they compute and store the same values.
  float* c0 = c;
  float* c1 = mr > 1 ? c0 + c_stride : c0;
  float* c2 = mr > 2 ? c1 + c_stride : c1;
  float* c3 = mr > 3 ? c2 + c_stride : c2;
  const size_t r1 = mr > 1 ? 1 : 0, r2 = mr > 2 ? 2 : r1, r3 = mr > 3 ? 3 : r2;
  const float32x4_t vmin = vdupq_n_f32(params->min);
  const float32x4_t vmax = vdupq_n_f32(params->max);

  for (size_t n0 = 0; n0 < nc; n0 += 16) {
    float32x4_t acc0[4], acc1[4], acc2[4], acc3[4];
    for (int q = 0; q < 4; ++q) acc0[q] = acc1[q] = acc2[q] = acc3[q] = vld1q_f32(w + 4 * q);
    w += 16;
    const float* const* ap = a;
    for (size_t t = 0; t < taps; ++t, ap += 4) {
      const float* a0 = ap[0];
      const float* a1 = ap[r1];
      const float* a2 = ap[r2];
      const float* a3 = ap[r3];
      size_t k = 0;
      // Four K steps per iteration, A loaded four values at a time.
      for (; k + 4 <= kc; k += 4) {
        const float32x4_t va0 = vld1q_f32(a0 + k), va1 = vld1q_f32(a1 + k);
        const float32x4_t va2 = vld1q_f32(a2 + k), va3 = vld1q_f32(a3 + k);
#define EDGERT_F32_IGEMM_STEP(L)                   \
  for (int q = 0; q < 4; ++q) {                    \
    const float32x4_t b = vld1q_f32(w + 4 * q);    \
    acc0[q] = vfmaq_laneq_f32(acc0[q], b, va0, L); \
    acc1[q] = vfmaq_laneq_f32(acc1[q], b, va1, L); \
    acc2[q] = vfmaq_laneq_f32(acc2[q], b, va2, L); \
    acc3[q] = vfmaq_laneq_f32(acc3[q], b, va3, L); \
  }                                                \
  w += 16;
        EDGERT_F32_IGEMM_STEP(0)
        EDGERT_F32_IGEMM_STEP(1)
        EDGERT_F32_IGEMM_STEP(2)
        EDGERT_F32_IGEMM_STEP(3)
#undef EDGERT_F32_IGEMM_STEP
      }
      for (; k < kc; ++k) {
        const float x0 = a0[k], x1 = a1[k], x2 = a2[k], x3 = a3[k];
        for (int q = 0; q < 4; ++q) {
          const float32x4_t b = vld1q_f32(w + 4 * q);
          acc0[q] = vfmaq_n_f32(acc0[q], b, x0);
          acc1[q] = vfmaq_n_f32(acc1[q], b, x1);
          acc2[q] = vfmaq_n_f32(acc2[q], b, x2);
          acc3[q] = vfmaq_n_f32(acc3[q], b, x3);
        }
        w += 16;
      }
    }
    for (int q = 0; q < 4; ++q) {
      acc0[q] = vminq_f32(vmaxq_f32(acc0[q], vmin), vmax);
      acc1[q] = vminq_f32(vmaxq_f32(acc1[q], vmin), vmax);
      acc2[q] = vminq_f32(vmaxq_f32(acc2[q], vmin), vmax);
      acc3[q] = vminq_f32(vmaxq_f32(acc3[q], vmin), vmax);
    }
    const size_t n = nc - n0;
    // Highest row first, so that aliased rows end with the lowest row's (identical) values.
    neon_f32::StoreRow16(c3 + n0, acc3, n);
    neon_f32::StoreRow16(c2 + n0, acc2, n);
    neon_f32::StoreRow16(c1 + n0, acc1, n);
    neon_f32::StoreRow16(c0 + n0, acc0, n);
  }
}

}  // namespace edgert
