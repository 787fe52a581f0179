// f32 depthwise-convolution microkernel, 16 channels per step (a tail of
// 1..15 as quads plus 1..3 single lanes), any number of taps through an
// indirection buffer, Advanced SIMD fused multiply-add.
// Contract: F32DwconvUkernelFn (kernels/dispatch.h).
// Pixels run in pairs over the whole 16-channel groups (8 accumulators, each
// tap's weights loaded once for both), then one at a time.
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

// The tail group of one pixel: n (1..15) channels from c, `full` whole quads
// then `rest` (0..3) lanes loaded one by one. Weights past n are zero-padded,
// so the quads past the real ones only need their bias loaded to be ignored.
inline void DwTail(size_t taps, const float* const* input, const float* wg, size_t c, size_t n, float* output,
                   float32x4_t vmin, float32x4_t vmax) {
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
}

}  // namespace

void f32_dwconv_minmax_ukernel_c16__neonfma(size_t pixels, size_t channels, size_t taps, const float* const* input,
                                            const float* w, float* output, const F32MinMaxParams* params) {
  const float32x4_t vmin = vdupq_n_f32(params->min);
  const float32x4_t vmax = vdupq_n_f32(params->max);
  const size_t group = 16 * (taps + 1);  // floats per packed 16-channel group
  // Pairs of pixels over the full groups: each tap's 4 weight vectors serve
  // both (12 loads for 8 multiply-adds instead of 16), and 8 accumulators
  // are in flight. Each output keeps the one-pixel loop's chain (bias, then
  // tap 0, 1, ... in order), so results do not depend on the pairing.
  const size_t full = channels / 16 * 16;
  for (; pixels >= 2 && full != 0; pixels -= 2, input += 2 * taps, output += 2 * channels) {
    const float* const* in1 = input + taps;
    const float* wg = w;
    for (size_t c = 0; c < full; c += 16, wg += group) {
      float32x4_t a0 = vld1q_f32(wg), a1 = vld1q_f32(wg + 4), a2 = vld1q_f32(wg + 8), a3 = vld1q_f32(wg + 12);
      float32x4_t b0 = a0, b1 = a1, b2 = a2, b3 = a3;
      const float* wt = wg + 16;
      for (size_t t = 0; t < taps; ++t, wt += 16) {
        const float32x4_t w0 = vld1q_f32(wt), w1 = vld1q_f32(wt + 4), w2 = vld1q_f32(wt + 8), w3 = vld1q_f32(wt + 12);
        const float* x = input[t] + c;
        const float* y = in1[t] + c;
        a0 = vfmaq_f32(a0, vld1q_f32(x), w0);
        b0 = vfmaq_f32(b0, vld1q_f32(y), w0);
        a1 = vfmaq_f32(a1, vld1q_f32(x + 4), w1);
        b1 = vfmaq_f32(b1, vld1q_f32(y + 4), w1);
        a2 = vfmaq_f32(a2, vld1q_f32(x + 8), w2);
        b2 = vfmaq_f32(b2, vld1q_f32(y + 8), w2);
        a3 = vfmaq_f32(a3, vld1q_f32(x + 12), w3);
        b3 = vfmaq_f32(b3, vld1q_f32(y + 12), w3);
      }
      float* o0 = output + c;
      float* o1 = output + channels + c;
      vst1q_f32(o0, vminq_f32(vmaxq_f32(a0, vmin), vmax));
      vst1q_f32(o0 + 4, vminq_f32(vmaxq_f32(a1, vmin), vmax));
      vst1q_f32(o0 + 8, vminq_f32(vmaxq_f32(a2, vmin), vmax));
      vst1q_f32(o0 + 12, vminq_f32(vmaxq_f32(a3, vmin), vmax));
      vst1q_f32(o1, vminq_f32(vmaxq_f32(b0, vmin), vmax));
      vst1q_f32(o1 + 4, vminq_f32(vmaxq_f32(b1, vmin), vmax));
      vst1q_f32(o1 + 8, vminq_f32(vmaxq_f32(b2, vmin), vmax));
      vst1q_f32(o1 + 12, vminq_f32(vmaxq_f32(b3, vmin), vmax));
    }
    if (full != channels) {  // the tail group of both pixels, one at a time below
      DwTail(taps, input, w + full / 16 * group, full, channels - full, output + full, vmin, vmax);
      DwTail(taps, in1, w + full / 16 * group, full, channels - full, output + channels + full, vmin, vmax);
    }
  }
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
      DwTail(taps, input, wg, c, channels - c, output, vmin, vmax);
      output += channels - c;
    }
  }
}

}  // namespace edgert
