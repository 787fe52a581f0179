// f32 depthwise-convolution microkernel, 16 channels per step (a tail of
// 1..15 as quads plus 1..3 single lanes), any number of taps through an
// indirection buffer, Advanced SIMD fused multiply-add.
// Contract: F32DwconvUkernelFn (kernels/dispatch.h).
#include <arm_neon.h>

#include "kernels/arm/f32_neon_store.h"
#include "kernels/arm/ukernels.h"

namespace edgert {

namespace {

// The first n (1..3) floats at x in the low lanes, the others zero; reads
// nothing past x + n.
inline float32x4_t LoadPartial(const float* x, size_t n) {
  if (n & 2) {
    float32x4_t v = vcombine_f32(vld1_f32(x), vdup_n_f32(0.f));
    if (n & 1) v = vld1q_lane_f32(x + 2, v, 2);
    return v;
  }
  return vld1q_lane_f32(x, vdupq_n_f32(0.f), 0);
}

}  // namespace

void f32_dwconv_minmax_ukernel_c16__neonfma(size_t pixels, size_t channels, size_t taps, const float* const* input,
                                            const float* w, float* output, const F32MinMaxParams* params) {
  const float32x4_t vmin = vdupq_n_f32(params->min);
  const float32x4_t vmax = vdupq_n_f32(params->max);
  const size_t group = 16 * (taps + 1);  // floats per packed 16-channel group
  for (size_t p = 0; p < pixels; ++p, input += taps) {
    const float* wg = w;
    size_t c = 0;
    for (; c + 16 <= channels; c += 16, wg += group, output += 16) {
      float32x4_t acc0 = vld1q_f32(wg), acc1 = vld1q_f32(wg + 4);
      float32x4_t acc2 = vld1q_f32(wg + 8), acc3 = vld1q_f32(wg + 12);
      const float* wt = wg + 16;
      for (size_t t = 0; t < taps; ++t, wt += 16) {
        const float* x = input[t] + c;
        acc0 = vfmaq_f32(acc0, vld1q_f32(x), vld1q_f32(wt));
        acc1 = vfmaq_f32(acc1, vld1q_f32(x + 4), vld1q_f32(wt + 4));
        acc2 = vfmaq_f32(acc2, vld1q_f32(x + 8), vld1q_f32(wt + 8));
        acc3 = vfmaq_f32(acc3, vld1q_f32(x + 12), vld1q_f32(wt + 12));
      }
      vst1q_f32(output, vminq_f32(vmaxq_f32(acc0, vmin), vmax));
      vst1q_f32(output + 4, vminq_f32(vmaxq_f32(acc1, vmin), vmax));
      vst1q_f32(output + 8, vminq_f32(vmaxq_f32(acc2, vmin), vmax));
      vst1q_f32(output + 12, vminq_f32(vmaxq_f32(acc3, vmin), vmax));
    }
    if (c < channels) {
      // Tail group: n (1..15) channels, `full` whole quads then `rest` (0..3)
      // lanes loaded one by one. Weights past n are zero-padded, so the quads
      // past the real ones only need their bias loaded to be ignored.
      const size_t n = channels - c;
      const size_t full = n / 4, rest = n % 4;
      float32x4_t acc[4];
      for (size_t q = 0; q < 4; ++q) acc[q] = vld1q_f32(wg + 4 * q);
      const float* wt = wg + 16;
      for (size_t t = 0; t < taps; ++t, wt += 16) {
        const float* x = input[t] + c;
        size_t q = 0;
        for (; q < full; ++q) acc[q] = vfmaq_f32(acc[q], vld1q_f32(x + 4 * q), vld1q_f32(wt + 4 * q));
        if (rest != 0) acc[q] = vfmaq_f32(acc[q], LoadPartial(x + 4 * q, rest), vld1q_f32(wt + 4 * q));
      }
      for (size_t q = 0; q < 4; ++q) acc[q] = vminq_f32(vmaxq_f32(acc[q], vmin), vmax);
      neon_f32::StoreRow16(output, acc, n);
      output += n;
    }
  }
}

}  // namespace edgert
