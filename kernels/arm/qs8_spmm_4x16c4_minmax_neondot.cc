// Block-sparse QS8 GEMM microkernel, 4 rows x blocks of 16 columns, Advanced
// SIMD dot product (SDOT). Contract: QS8GemmUkernelFn with the sparse c4
// packing of KernelIsa::qs8_spmm and a_offset 0 (kernels/dispatch.h).
// Compiled with -march=armv8.2-a+dotprod.
//
// For each stored quad of a block (4 consecutive K values with a non-zero
// weight among the 16 columns), the 4 rows' A bytes at the quad's offset go
// into the 4 lanes of one vector, and SDOT by lane adds each row's quad times
// the 16 columns' weight quads (four vectors) into its accumulators, as the
// dense c4 kernel does for every quad (kernels/arm/qs8_gemm_4x16c4_minmax_neondot.cc).
// The quads left out hold only zero weights, so the sums equal the dense ones
// (exact: the caller checks that they fit int32). The output stage is
// kernels/arm/qs8_requant_neon.h.
#include <arm_neon.h>

#include <cstdint>
#include <cstring>

#include "kernels/arm/qs8_requant_neon.h"
#include "kernels/arm/ukernels.h"

namespace edgert {

namespace {

// The 4 bytes of row a at byte o (the bytes past kc read as 0).
inline int32_t ReadQuad(const int8_t* a, size_t o, size_t kc) {
  int32_t v = 0;
  std::memcpy(&v, a + o, o + 4 <= kc ? 4 : kc - o);
  return v;
}

}  // namespace

void qs8_spmm_minmax_ukernel_4x16c4__neondot(size_t mr, size_t nc, size_t kc, const int8_t* a, size_t a_stride,
                                             const void* w, int8_t* c, size_t c_stride,
                                             const QS8ConvParams* params) {
  const qs8_neon::Rows4 rows = qs8_neon::TileRows4(mr, a, a_stride, c, c_stride);
  const qs8_neon::OutputStage out = qs8_neon::LoadOutputStage(params->output_zp, params->min, params->max,
                                                                params->full_range_short_rounding != 0);
  const uint8_t* block = static_cast<const uint8_t*>(w);
  for (size_t n0 = 0; n0 < nc; n0 += kQS8SpmmBlock) {
    const int32_t* header = reinterpret_cast<const int32_t*>(block);
    const int32_t* words = header + kQS8SpmmBlock * kQS8ChannelWords;
    const size_t quads = static_cast<size_t>(words[0]);
    const int32_t* offsets = words + 1;
    const int8_t* b = reinterpret_cast<const int8_t*>(words + QS8SpmmOffsetWords(quads));
    int32x4_t acc0[4], acc1[4], acc2[4], acc3[4];
    for (int q = 0; q < 4; ++q) acc0[q] = acc1[q] = acc2[q] = acc3[q] = vld1q_s32(header + 4 * q);
    for (size_t t = 0; t < quads; ++t, b += 64) {
      const size_t o = static_cast<size_t>(offsets[t]);
      int32x4_t quad = vdupq_n_s32(ReadQuad(rows.a[0], o, kc));
      quad = vsetq_lane_s32(ReadQuad(rows.a[1], o, kc), quad, 1);
      quad = vsetq_lane_s32(ReadQuad(rows.a[2], o, kc), quad, 2);
      quad = vsetq_lane_s32(ReadQuad(rows.a[3], o, kc), quad, 3);
      const int8x16_t va = vreinterpretq_s8_s32(quad);
      for (int q = 0; q < 4; ++q) {
        const int8x16_t bq = vld1q_s8(b + 16 * q);
        acc0[q] = vdotq_laneq_s32(acc0[q], bq, va, 0);
        acc1[q] = vdotq_laneq_s32(acc1[q], bq, va, 1);
        acc2[q] = vdotq_laneq_s32(acc2[q], bq, va, 2);
        acc3[q] = vdotq_laneq_s32(acc3[q], bq, va, 3);
      }
    }
    qs8_neon::RequantizeStore4x16(acc0, acc1, acc2, acc3, header, out, rows, n0, nc - n0);
    block = reinterpret_cast<const uint8_t*>(b);
  }
}

}  // namespace edgert
