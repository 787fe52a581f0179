// QS8 GEMM microkernel, 4 rows x 16 columns, K in groups of 16 (c16),
// Advanced SIMD without the dot-product extension. Contract: QS8GemmUkernelFn
// (kernels/dispatch.h) with the c16 packing of KernelIsa::qs8_gemm_c4 at the
// neon level (a_offset 0; weights in [-127, 127]).
//
// Per step of 16 K values, row r's 16 A bytes and column j's 16 weights (the
// c16 packing keeps them together) give 16 products in two instructions:
// SMULL of the low halves (8 int16 products) and SMLAL2 of the high halves
// added to them (each int16 lane the sum of two int8 products, at most
// 2 * 128 * 127 = 32512 in magnitude: exact, which is why a weight of -128 is
// excluded), then SADALP adds the 8 lanes in pairs to the (r, j) int32
// accumulator. 16 multiply-adds in 3 instructions, against 4 per SMLAL of
// the c2 kernel (qs8_gemm_4x16c2_minmax_neon.cc) with the A widening on top.
// The 16 columns of a panel run as four quads of columns (16 accumulators for
// 4 rows x 4 columns); each quad's accumulators are reduced by pairwise adds
// to one vector of 4 columns per row and go through the output stage
// (kernels/arm/qs8_requant_neon.h, bit-exact with TFLite) on their own.
// The products and sums are exact (the caller excludes nodes whose exact sum
// might not fit int32). A's last partial step reads only its kc bytes.
#include <arm_neon.h>

#include <cstdint>
#include <cstring>

#include "kernels/arm/qs8_requant_neon.h"
#include "kernels/arm/ukernels.h"

namespace edgert {

namespace {

// 16 bytes of an A row from k on; n < 16 reads only n bytes (the rest zero:
// their packed weights are zero anyway).
inline int8x16_t LoadA16(const int8_t* a, size_t n) {
  if (n >= 16) return vld1q_s8(a);
  if (n >= 8) return vcombine_s8(vld1_s8(a), vget_low_s8(qs8_neon::LoadBytes(a + 8, n - 8)));
  return qs8_neon::LoadBytes(a, n);
}

// acc += the 16 products of a and b, added in pairs.
inline int32x4_t Dot16(int32x4_t acc, int8x16_t a, int8x16_t b) {
  const int16x8_t p = vmlal_high_s8(vmull_s8(vget_low_s8(a), vget_low_s8(b)), a, b);
  return vpadalq_s16(acc, p);
}

// Stores the first n (1..4) int8 lanes of the int32 results y (within
// int8 after the output stage's saturating narrowing) at dst.
inline void Store4(int8_t* dst, int32x4_t y, size_t n) {
  const int8x8_t b = vqmovn_s16(vcombine_s16(vqmovn_s32(y), vqmovn_s32(y)));
  if (n >= 4) {
    vst1_lane_s32(reinterpret_cast<int32_t*>(static_cast<void*>(dst)), vreinterpret_s32_s8(b), 0);
    return;
  }
  int8_t tmp[8];
  vst1_s8(tmp, b);
  std::memcpy(dst, tmp, n);
}

}  // namespace

void qs8_gemm_minmax_ukernel_4x16c16__neon(size_t mr, size_t nc, size_t kc, const int8_t* a, size_t a_stride,
                                           const void* w, int8_t* c, size_t c_stride, const QS8ConvParams* params) {
  const qs8_neon::Rows4 rows = qs8_neon::TileRows4(mr, a, a_stride, c, c_stride);
  const size_t kc16 = (kc + 15) & ~size_t{15};
  const size_t panel_bytes = 16 * kQS8ChannelWords * sizeof(int32_t) + kc16 * 16;
  const qs8_neon::OutputStage out = qs8_neon::LoadOutputStage(params->output_zp, params->min, params->max,
                                                                params->full_range_short_rounding != 0);
  const uint8_t* panel = static_cast<const uint8_t*>(w);

  for (size_t n0 = 0; n0 < nc; n0 += 16, panel += panel_bytes) {
    const int32_t* header = reinterpret_cast<const int32_t*>(panel);
    const int8_t* b = reinterpret_cast<const int8_t*>(header + 16 * kQS8ChannelWords);
    const size_t cols = nc - n0 < 16 ? nc - n0 : 16;
    // Column quad q: columns n0 + 4q .. n0 + 4q + 3; its weights of a K step
    // are 64 bytes at 256 * step + 64 * q (column j's 16 at 16 * j).
    for (size_t q = 0; 4 * q < cols; ++q) {
      int32x4_t acc[4][4];
      for (int r = 0; r < 4; ++r)
        for (int j = 0; j < 4; ++j) acc[r][j] = vdupq_n_s32(0);
      const int8_t* bq = b + 64 * q;
      for (size_t k = 0; k < kc; k += 16, bq += 256) {
        const size_t n = kc - k;
        const int8x16_t a0 = LoadA16(rows.a[0] + k, n), a1 = LoadA16(rows.a[1] + k, n);
        const int8x16_t a2 = LoadA16(rows.a[2] + k, n), a3 = LoadA16(rows.a[3] + k, n);
        for (int j = 0; j < 4; ++j) {
          const int8x16_t bj = vld1q_s8(bq + 16 * j);
          acc[0][j] = Dot16(acc[0][j], a0, bj);
          acc[1][j] = Dot16(acc[1][j], a1, bj);
          acc[2][j] = Dot16(acc[2][j], a2, bj);
          acc[3][j] = Dot16(acc[3][j], a3, bj);
        }
      }
      // Row r's 4 column sums, plus the columns' acc0.
      const int32x4_t acc0 = vld1q_s32(header + 4 * q);
      const qs8_neon::Requant4 rq = qs8_neon::LoadRequant4(header, 16, 4 * q);
      int32x4_t y[4];
      for (int r = 0; r < 4; ++r) {
        const int32x4_t sums =
            vpaddq_s32(vpaddq_s32(acc[r][0], acc[r][1]), vpaddq_s32(acc[r][2], acc[r][3]));
        y[r] = qs8_neon::Requantize(vaddq_s32(sums, acc0), rq, out);
      }
      const size_t n = cols - 4 * q < 4 ? cols - 4 * q : 4;
      // Highest row first, so that aliased rows end with the lowest row's (identical) values.
      for (int r = 3; r >= 0; --r) Store4(rows.c[r] + n0 + 4 * q, y[r], n);
    }
  }
}

}  // namespace edgert
