// QS8 GEMM microkernel, 4 rows x 16 columns, K in groups of 8 (c8), Advanced
// SIMD int8 matrix multiply (SMMLA, FEAT_I8MM). Contract: QS8GemmUkernelFn
// (kernels/dispatch.h) with the c8 packing and a_offset 0 (signed A times
// signed weights, no offset). Compiled with -march=armv8.2-a+dotprod+i8mm.
//
// SMMLA multiplies a 2x8 block of A (two rows' 8 bytes, one vector) by an 8x2
// block of B (two columns' 8 bytes, one vector: the c8 packing stores each
// column's 8 bytes of a K group together, columns in order) and adds the 2x2
// product to an int32 vector [r0c0, r0c1, r1c0, r1c1]: 32 multiply-adds per
// instruction, twice SDOT's. A step of 8 K values is 16 SMMLA for the 4x16
// tile (two row pairs x eight column pairs) and feeds each loaded weight
// vector to both row pairs. The products and their sums are exact (the caller
// excludes nodes whose exact sum might not fit int32). Before the output stage
// (kernels/arm/qs8_requant_neon.h) the 2x2 blocks are unzipped into rows of
// four columns.
#include <arm_neon.h>

#include <cstdint>

#include "kernels/arm/qs8_requant_neon.h"
#include "kernels/arm/ukernels.h"

namespace edgert {

namespace {

// 8 int8 of an A row; n < 8 reads only n bytes (the rest are zero).
inline int8x8_t LoadA8(const int8_t* a, size_t n) {
  return n >= 8 ? vld1_s8(a) : vget_low_s8(qs8_neon::LoadBytes(a, n));
}

// Rows of four columns from two 2x2 blocks (columns 2m, 2m + 1 and 2m + 2,
// 2m + 3): the first row's, then the second row's.
inline int32x4_t UpperRow(int32x4_t left, int32x4_t right) {
  return vreinterpretq_s32_s64(vzip1q_s64(vreinterpretq_s64_s32(left), vreinterpretq_s64_s32(right)));
}
inline int32x4_t LowerRow(int32x4_t left, int32x4_t right) {
  return vreinterpretq_s32_s64(vzip2q_s64(vreinterpretq_s64_s32(left), vreinterpretq_s64_s32(right)));
}

}  // namespace

void qs8_gemm_minmax_ukernel_4x16c8__neoni8mm(size_t mr, size_t nc, size_t kc, const int8_t* a, size_t a_stride,
                                              const void* w, int8_t* c, size_t c_stride,
                                              const QS8ConvParams* params) {
  const qs8_neon::Rows4 rows = qs8_neon::TileRows4(mr, a, a_stride, c, c_stride);
  const int8_t *a0 = rows.a[0], *a1 = rows.a[1], *a2 = rows.a[2], *a3 = rows.a[3];
  const size_t groups = (kc + 7) / 8;
  const size_t panel_bytes = 16 * kQS8ChannelWords * sizeof(int32_t) + groups * 16 * 8;
  const qs8_neon::OutputStage out = qs8_neon::LoadOutputStage(params->output_zp, params->min, params->max,
                                                                params->full_range_short_rounding != 0);
  const uint8_t* panel = static_cast<const uint8_t*>(w);

  for (size_t n0 = 0; n0 < nc; n0 += 16, panel += panel_bytes) {
    const int32_t* header = reinterpret_cast<const int32_t*>(panel);
    const int8_t* b = reinterpret_cast<const int8_t*>(header + 16 * kQS8ChannelWords);
    // acc01[m] / acc23[m]: rows 0-1 / 2-3 times columns 2m, 2m + 1, starting
    // from the columns' acc0 ([c0, c1, c0, c1]).
    int32x4_t acc01[8], acc23[8];
    for (int m = 0; m < 8; ++m) {
      const int32x2_t init = vld1_s32(header + 2 * m);
      acc01[m] = acc23[m] = vcombine_s32(init, init);
    }
    for (size_t k = 0; k < kc; k += 8, b += 128) {
      const size_t n = kc - k;
      const int8x16_t va01 = vcombine_s8(LoadA8(a0 + k, n), LoadA8(a1 + k, n));
      const int8x16_t va23 = vcombine_s8(LoadA8(a2 + k, n), LoadA8(a3 + k, n));
      for (int m = 0; m < 8; ++m) {
        const int8x16_t vb = vld1q_s8(b + 16 * m);
        acc01[m] = vmmlaq_s32(acc01[m], va01, vb);
        acc23[m] = vmmlaq_s32(acc23[m], va23, vb);
      }
    }
    int32x4_t r0[4], r1[4], r2[4], r3[4];
    for (int q = 0; q < 4; ++q) {
      r0[q] = UpperRow(acc01[2 * q], acc01[2 * q + 1]);
      r1[q] = LowerRow(acc01[2 * q], acc01[2 * q + 1]);
      r2[q] = UpperRow(acc23[2 * q], acc23[2 * q + 1]);
      r3[q] = LowerRow(acc23[2 * q], acc23[2 * q + 1]);
    }
    qs8_neon::RequantizeStore4x16(r0, r1, r2, r3, header, out, rows, n0, nc - n0);
  }
}

}  // namespace edgert
