// QS8 depthwise-convolution microkernel, 16 channels per step, taps in pairs,
// any number of taps through an indirection buffer, Advanced SIMD.
// Contract: QS8DwconvUkernelFn (kernels/dispatch.h), identity channel order.
//
// For taps t and t+1 the 16 input bytes of each are widened to int16; LD2 of
// a packed block of 16 int16 pairs splits it into the weights of tap t and of
// tap t+1 (8 channels per register), and SMLAL / SMLAL2 add x_t * w_t and
// x_t+1 * w_t+1 per channel into four int32 accumulators of 4 channels.
// Products of int8 inputs and weights in [-255, 255] are exact and the sums
// fit int32 (the packer checks), so the accumulators are exact. The output
// stage is kernels/arm/qs8_requant_neon.h. With 16 channels or more every
// group is a full 16-byte load and store (the contract's last group overlaps
// the one before it); fewer channels read and write exactly their n bytes, up
// to 8 of them computing only the group's low 8 lanes.
#include <arm_neon.h>

#include <cstdint>

#include "kernels/arm/qs8_dwconv_neon.h"
#include "kernels/arm/qs8_requant_neon.h"
#include "kernels/arm/ukernels.h"

namespace edgert {

namespace {

// The first n (1..15) bytes at x in the low lanes, the others zero; reads
// nothing past x + n.
inline int8x16_t LoadTail(const int8_t* x, size_t n) {
  if (n < 8) return qs8_neon::LoadBytes(x, n);
  const int8x8_t lo = vld1_s8(x);
  if (n == 8) return vcombine_s8(lo, vdup_n_s8(0));
  return vcombine_s8(lo, vget_low_s8(qs8_neon::LoadBytes(x + 8, n - 8)));
}

// The 16 channels [c, c + 16) of every tap of one output pixel, `n` of them
// real (kTail: n < 16, the others computed on zeros and not stored).
template <bool kTail>
inline void Group16(size_t taps, const int8_t* const* input, size_t c, size_t n, const int32_t* group,
                    const qs8_neon::OutputStage& out, int8_t* output) {
  int32x4_t acc0 = vld1q_s32(group), acc1 = vld1q_s32(group + 4);
  int32x4_t acc2 = vld1q_s32(group + 8), acc3 = vld1q_s32(group + 12);
  const int16_t* wp = reinterpret_cast<const int16_t*>(group + 16 * kQS8ChannelWords);
  auto load = [&](size_t t) { return kTail ? LoadTail(input[t] + c, n) : vld1q_s8(input[t] + c); };
  size_t t = 0;
  for (; t + 2 <= taps; t += 2, wp += 32) {
    const int8x16_t x0 = load(t), x1 = load(t + 1);
    const int16x8_t x0l = vmovl_s8(vget_low_s8(x0)), x0h = vmovl_high_s8(x0);
    const int16x8_t x1l = vmovl_s8(vget_low_s8(x1)), x1h = vmovl_high_s8(x1);
    // lo.val[0] / lo.val[1]: taps t / t+1 of channels 0-7; hi: channels 8-15.
    const int16x8x2_t lo = vld2q_s16(wp), hi = vld2q_s16(wp + 16);
    acc0 = vmlal_s16(acc0, vget_low_s16(x0l), vget_low_s16(lo.val[0]));
    acc1 = vmlal_high_s16(acc1, x0l, lo.val[0]);
    acc2 = vmlal_s16(acc2, vget_low_s16(x0h), vget_low_s16(hi.val[0]));
    acc3 = vmlal_high_s16(acc3, x0h, hi.val[0]);
    acc0 = vmlal_s16(acc0, vget_low_s16(x1l), vget_low_s16(lo.val[1]));
    acc1 = vmlal_high_s16(acc1, x1l, lo.val[1]);
    acc2 = vmlal_s16(acc2, vget_low_s16(x1h), vget_low_s16(hi.val[1]));
    acc3 = vmlal_high_s16(acc3, x1h, hi.val[1]);
  }
  if (t < taps) {  // odd last tap: its pair's second weights are zero
    const int8x16_t x0 = load(t);
    const int16x8_t x0l = vmovl_s8(vget_low_s8(x0)), x0h = vmovl_high_s8(x0);
    const int16x8x2_t lo = vld2q_s16(wp), hi = vld2q_s16(wp + 16);
    acc0 = vmlal_s16(acc0, vget_low_s16(x0l), vget_low_s16(lo.val[0]));
    acc1 = vmlal_high_s16(acc1, x0l, lo.val[0]);
    acc2 = vmlal_s16(acc2, vget_low_s16(x0h), vget_low_s16(hi.val[0]));
    acc3 = vmlal_high_s16(acc3, x0h, hi.val[0]);
  }
  const int32x4_t y0 = qs8_neon::Requantize(acc0, qs8_neon::LoadRequant4(group, 16, 0), out);
  const int32x4_t y1 = qs8_neon::Requantize(acc1, qs8_neon::LoadRequant4(group, 16, 4), out);
  const int32x4_t y2 = qs8_neon::Requantize(acc2, qs8_neon::LoadRequant4(group, 16, 8), out);
  const int32x4_t y3 = qs8_neon::Requantize(acc3, qs8_neon::LoadRequant4(group, 16, 12), out);
  const int8x16_t y = qs8_neon::PackToInt8(y0, y1, y2, y3);
  if (kTail) {
    qs8_neon::StoreBytes(output, y, n);
  } else {
    vst1q_s8(output, y);
  }
}

// Up to 8 channels: the low half of a group (channels 0-7; the packed order
// is the identity), so half the multiplies and requantization of Group16.
// kFull: n == 8.
template <bool kFull>
inline void Group8(size_t taps, const int8_t* const* input, size_t n, const int32_t* group,
                   const qs8_neon::OutputStage& out, int8_t* output) {
  int32x4_t acc0 = vld1q_s32(group), acc1 = vld1q_s32(group + 4);
  const int16_t* wp = reinterpret_cast<const int16_t*>(group + 16 * kQS8ChannelWords);
  auto load = [&](size_t t) {
    return vmovl_s8(kFull ? vld1_s8(input[t]) : vget_low_s8(qs8_neon::LoadBytes(input[t], n)));
  };
  size_t t = 0;
  for (; t + 2 <= taps; t += 2, wp += 32) {
    const int16x8_t x0 = load(t), x1 = load(t + 1);
    const int16x8x2_t w = vld2q_s16(wp);  // taps t / t+1 of channels 0-7
    acc0 = vmlal_s16(acc0, vget_low_s16(x0), vget_low_s16(w.val[0]));
    acc1 = vmlal_high_s16(acc1, x0, w.val[0]);
    acc0 = vmlal_s16(acc0, vget_low_s16(x1), vget_low_s16(w.val[1]));
    acc1 = vmlal_high_s16(acc1, x1, w.val[1]);
  }
  if (t < taps) {
    const int16x8_t x0 = load(t);
    const int16x8x2_t w = vld2q_s16(wp);
    acc0 = vmlal_s16(acc0, vget_low_s16(x0), vget_low_s16(w.val[0]));
    acc1 = vmlal_high_s16(acc1, x0, w.val[0]);
  }
  const int32x4_t y0 = qs8_neon::Requantize(acc0, qs8_neon::LoadRequant4(group, 16, 0), out);
  const int32x4_t y1 = qs8_neon::Requantize(acc1, qs8_neon::LoadRequant4(group, 16, 4), out);
  const int8x8_t y = vqmovn_s16(vcombine_s16(vqmovn_s32(y0), vqmovn_s32(y1)));
  if (kFull) {
    vst1_s8(output, y);
  } else {
    qs8_neon::StoreBytes(output, vcombine_s8(y, y), n);
  }
}

}  // namespace

void qs8_dwconv_minmax_ukernel_c16__neon(size_t pixels, size_t channels, size_t taps, const int8_t* const* input,
                                         const void* w, int8_t* output, const QS8ConvParams* params) {
  const qs8_neon::OutputStage out = qs8_neon::LoadOutputStage(params->output_zp, params->min, params->max,
                                                                params->full_range_short_rounding != 0);
  const size_t group_words = 16 * kQS8ChannelWords + (taps + 1) / 2 * 16;  // int32 words per group
  const int32_t* first = static_cast<const int32_t*>(w);
  if (channels <= 8) {
    for (size_t p = 0; p < pixels; ++p, input += taps, output += channels) {
      if (channels == 8) {
        Group8<true>(taps, input, 8, first, out, output);
      } else {
        Group8<false>(taps, input, channels, first, out, output);
      }
    }
    return;
  }
  qs8_neon::DwconvGroups16(
      pixels, channels, taps, input, first, group_words, output,
      [&](const int8_t* const* in, size_t c, const int32_t* group, int8_t* o) {
        Group16<false>(taps, in, c, 16, group, out, o);
      },
      [&](const int8_t* const* in, int8_t* o) { Group16<true>(taps, in, 0, channels, first, out, o); });
}

}  // namespace edgert
