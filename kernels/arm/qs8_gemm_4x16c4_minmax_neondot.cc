// QS8 GEMM microkernel, 4 rows x 16 columns, K in quads (c4), Advanced SIMD
// dot product (SDOT). Contract: QS8GemmUkernelFn (kernels/dispatch.h) with the
// c4 packing and a_offset 0 (signed A times signed weights, no offset).
// Compiled with -march=armv8.2-a+dotprod.
//
// Each step of 16 K values loads 16 int8 of each A row; per packed row of 16
// weight quads (64 bytes, four columns per vector), SDOT by lane adds
// a[4r..4r+3] . b[4r..4r+3][j] into int32 accumulators. The products and
// their sums are exact (the caller excludes nodes whose exact sum might not
// fit int32). The output stage is kernels/arm/qs8_requant_neon.h.
#include <arm_neon.h>

#include <cstdint>

#include "kernels/arm/qs8_requant_neon.h"
#include "kernels/arm/ukernels.h"

namespace edgert {

namespace {

// 16 int8 of an A row; n < 16 reads only n bytes (the rest are zero).
inline int8x16_t LoadA16(const int8_t* a, size_t n) { return n >= 16 ? vld1q_s8(a) : qs8_neon::LoadBytes(a, n); }

}  // namespace

void qs8_gemm_minmax_ukernel_4x16c4__neondot(size_t mr, size_t nc, size_t kc, const int8_t* a, size_t a_stride,
                                             const void* w, int8_t* c, size_t c_stride,
                                             const QS8ConvParams* params) {
  const qs8_neon::Rows4 rows = qs8_neon::TileRows4(mr, a, a_stride, c, c_stride);
  const int8_t *a0 = rows.a[0], *a1 = rows.a[1], *a2 = rows.a[2], *a3 = rows.a[3];
  const size_t quads = (kc + 3) / 4;
  const size_t panel_bytes = 16 * kQS8ChannelWords * sizeof(int32_t) + quads * 16 * 4;
  const qs8_neon::OutputStage out = qs8_neon::LoadOutputStage(params->output_zp, params->min, params->max,
                                                                params->full_range_short_rounding != 0);
  const uint8_t* panel = static_cast<const uint8_t*>(w);

  for (size_t n0 = 0; n0 < nc; n0 += 16, panel += panel_bytes) {
    const int32_t* header = reinterpret_cast<const int32_t*>(panel);
    const int8_t* b = reinterpret_cast<const int8_t*>(header + 16 * kQS8ChannelWords);
    int32x4_t acc0[4], acc1[4], acc2[4], acc3[4];
    for (int q = 0; q < 4; ++q) acc0[q] = acc1[q] = acc2[q] = acc3[q] = vld1q_s32(header + 4 * q);
    for (size_t k = 0; k < kc; k += 16) {
      const size_t n = kc - k;
      const int8x16_t va0 = LoadA16(a0 + k, n), va1 = LoadA16(a1 + k, n);
      const int8x16_t va2 = LoadA16(a2 + k, n), va3 = LoadA16(a3 + k, n);
      const size_t rows = n >= 16 ? 4 : (n + 3) / 4;  // packed rows in this step
#define EDGERT_QS8_C4_ROW(R)                                   \
  if (rows > R) {                                              \
    for (int q = 0; q < 4; ++q) {                              \
      const int8x16_t bq = vld1q_s8(b + 16 * q);               \
      acc0[q] = vdotq_laneq_s32(acc0[q], bq, va0, R);          \
      acc1[q] = vdotq_laneq_s32(acc1[q], bq, va1, R);          \
      acc2[q] = vdotq_laneq_s32(acc2[q], bq, va2, R);          \
      acc3[q] = vdotq_laneq_s32(acc3[q], bq, va3, R);          \
    }                                                          \
    b += 64;                                                   \
  }
      EDGERT_QS8_C4_ROW(0)
      EDGERT_QS8_C4_ROW(1)
      EDGERT_QS8_C4_ROW(2)
      EDGERT_QS8_C4_ROW(3)
#undef EDGERT_QS8_C4_ROW
    }
    qs8_neon::RequantizeStore4x16(acc0, acc1, acc2, acc3, header, out, rows, n0, nc - n0);
  }
}

}  // namespace edgert
