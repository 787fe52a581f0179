// QS8 GEMM microkernel, 4 rows x 16 columns, K in pairs (c2), Advanced SIMD.
// Contract: QS8GemmUkernelFn (kernels/dispatch.h).
//
// Each step of 8 K values widens 8 int8 of each A row to int16; per packed row
// of 16 weight pairs, LD2 splits the pairs into the weights of K value 2r and
// of 2r + 1 (8 columns each), and SMLAL by lane adds a[2r] * b[2r][j] and
// a[2r+1] * b[2r+1][j] into int32 accumulators. Products of int8 and int16
// weights in [-255, 255] are exact, and the int32 sums wrap only where the
// exact sum does not fit int32, which the caller excludes, so the
// accumulators are exact. The output stage is kernels/arm/qs8_requant_neon.h.
#include <arm_neon.h>

#include <cstdint>

#include "kernels/arm/qs8_requant_neon.h"
#include "kernels/arm/ukernels.h"

namespace edgert {

namespace {

// 8 int8 of an A row widened to int16; n < 8 reads only n bytes (the rest are
// zero: their packed weights are zero anyway).
inline int16x8_t LoadA8(const int8_t* a, size_t n) {
  if (n >= 8) return vmovl_s8(vld1_s8(a));
  return vmovl_s8(vget_low_s8(qs8_neon::LoadBytes(a, n)));
}

}  // namespace

void qs8_gemm_minmax_ukernel_4x16c2__neon(size_t mr, size_t nc, size_t kc, const int8_t* a, size_t a_stride,
                                          const void* w, int8_t* c, size_t c_stride, const QS8ConvParams* params) {
  const qs8_neon::Rows4 rows = qs8_neon::TileRows4(mr, a, a_stride, c, c_stride);
  const int8_t *a0 = rows.a[0], *a1 = rows.a[1], *a2 = rows.a[2], *a3 = rows.a[3];
  const size_t kc8 = (kc + 7) & ~size_t{7};
  const size_t panel_bytes = 16 * kQS8ChannelWords * sizeof(int32_t) + kc8 * 16 * sizeof(int16_t);
  const qs8_neon::OutputStage out = qs8_neon::LoadOutputStage(params->output_zp, params->min, params->max,
                                                                params->full_range_short_rounding != 0);
  const uint8_t* panel = static_cast<const uint8_t*>(w);

  for (size_t n0 = 0; n0 < nc; n0 += 16, panel += panel_bytes) {
    const int32_t* header = reinterpret_cast<const int32_t*>(panel);
    const int16_t* b = reinterpret_cast<const int16_t*>(header + 16 * kQS8ChannelWords);
    int32x4_t acc0[4], acc1[4], acc2[4], acc3[4];
    for (int q = 0; q < 4; ++q) acc0[q] = acc1[q] = acc2[q] = acc3[q] = vld1q_s32(header + 4 * q);
    for (size_t k = 0; k < kc; k += 8) {
      const size_t n = kc - k;
      const int16x8_t va0 = LoadA8(a0 + k, n), va1 = LoadA8(a1 + k, n);
      const int16x8_t va2 = LoadA8(a2 + k, n), va3 = LoadA8(a3 + k, n);
      // Packed row r of this block: 16 pairs (b[2r][j], b[2r+1][j]).
#define EDGERT_QS8_C2_ROW(R)                                                        \
  {                                                                                 \
    const int16x8x2_t lo = vld2q_s16(b), hi = vld2q_s16(b + 16);                    \
    const int16x4_t e[4] = {vget_low_s16(lo.val[0]), vget_high_s16(lo.val[0]),      \
                            vget_low_s16(hi.val[0]), vget_high_s16(hi.val[0])};     \
    const int16x4_t o[4] = {vget_low_s16(lo.val[1]), vget_high_s16(lo.val[1]),      \
                            vget_low_s16(hi.val[1]), vget_high_s16(hi.val[1])};     \
    for (int q = 0; q < 4; ++q) {                                                   \
      acc0[q] = vmlal_laneq_s16(vmlal_laneq_s16(acc0[q], e[q], va0, 2 * R), o[q], va0, 2 * R + 1); \
      acc1[q] = vmlal_laneq_s16(vmlal_laneq_s16(acc1[q], e[q], va1, 2 * R), o[q], va1, 2 * R + 1); \
      acc2[q] = vmlal_laneq_s16(vmlal_laneq_s16(acc2[q], e[q], va2, 2 * R), o[q], va2, 2 * R + 1); \
      acc3[q] = vmlal_laneq_s16(vmlal_laneq_s16(acc3[q], e[q], va3, 2 * R), o[q], va3, 2 * R + 1); \
    }                                                                               \
    b += 32;                                                                        \
  }
      EDGERT_QS8_C2_ROW(0)
      EDGERT_QS8_C2_ROW(1)
      EDGERT_QS8_C2_ROW(2)
      EDGERT_QS8_C2_ROW(3)
#undef EDGERT_QS8_C2_ROW
    }
    qs8_neon::RequantizeStore4x16(acc0, acc1, acc2, acc3, header, out, rows, n0, nc - n0);
  }
}

}  // namespace edgert
