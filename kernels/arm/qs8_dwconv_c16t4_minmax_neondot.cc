// QS8 depthwise-convolution microkernel, 16 channels per step, taps in quads
// (four taps of a channel per SDOT lane), any number of taps through an
// indirection buffer, Advanced SIMD with the dot-product extension.
// Contract: QS8DwconvUkernelFn with the tap-quad packing of
// KernelIsa::qs8_dwconv_quads (kernels/dispatch.h; a_offset 0: SDOT
// multiplies signed bytes, so the int8 inputs need no offset).
//
// For taps t..t+3 the 16 input bytes of each (one per channel) are
// interleaved by two rounds of ZIP (bytes, then byte pairs) into four
// vectors whose 32-bit lane i holds channel 4v+i's four taps, the packed
// block's layout (byte 4j + k: tap t + k of channel j), and one SDOT per
// vector adds the four products to that channel's int32 accumulator: 20
// instructions per 4 taps of 16 channels, against 32 for the int16 pairs of
// qs8_dwconv_c16_minmax_neon.cc. Missing taps of a last partial quad take
// zero inputs (their weights are zero too). Products of int8 values are exact
// and the sums fit int32 (the packer checks), so the accumulators are exact;
// the output stage is kernels/arm/qs8_requant_neon.h, bit-exact with TFLite.
// With 16 channels or more every group is a full 16-byte load and store (the
// contract's last group overlaps the one before it); fewer channels read and
// write exactly their n bytes.
#include <arm_neon.h>

#include <cstdint>

#include "kernels/arm/qs8_dwconv_neon.h"
#include "kernels/arm/qs8_requant_neon.h"
#include "kernels/arm/ukernels.h"

namespace edgert {

namespace {

// acc[v] lane i += sum over k < 4 of x_k[4v + i] * block[16v + 4i + k].
inline void DotTapQuad(int8x16_t x0, int8x16_t x1, int8x16_t x2, int8x16_t x3, const int8_t* block,
                       int32x4_t acc[4]) {
  // Channel j's (tap 0, tap 1) and (tap 2, tap 3) byte pairs, channels 0-7 / 8-15.
  const int16x8_t p01_lo = vreinterpretq_s16_s8(vzip1q_s8(x0, x1));
  const int16x8_t p01_hi = vreinterpretq_s16_s8(vzip2q_s8(x0, x1));
  const int16x8_t p23_lo = vreinterpretq_s16_s8(vzip1q_s8(x2, x3));
  const int16x8_t p23_hi = vreinterpretq_s16_s8(vzip2q_s8(x2, x3));
  acc[0] = vdotq_s32(acc[0], vreinterpretq_s8_s16(vzip1q_s16(p01_lo, p23_lo)), vld1q_s8(block));
  acc[1] = vdotq_s32(acc[1], vreinterpretq_s8_s16(vzip2q_s16(p01_lo, p23_lo)), vld1q_s8(block + 16));
  acc[2] = vdotq_s32(acc[2], vreinterpretq_s8_s16(vzip1q_s16(p01_hi, p23_hi)), vld1q_s8(block + 32));
  acc[3] = vdotq_s32(acc[3], vreinterpretq_s8_s16(vzip2q_s16(p01_hi, p23_hi)), vld1q_s8(block + 48));
}

// The 16 channels [c, c + 16) of every tap of one output pixel, `n` of them
// real (kTail: n < 16, the others computed on zeros and not stored).
template <bool kTail>
inline void Group16(size_t taps, const int8_t* const* input, size_t c, size_t n, const int32_t* group,
                    const qs8_neon::OutputStage& out, int8_t* output) {
  int32x4_t acc[4] = {vld1q_s32(group), vld1q_s32(group + 4), vld1q_s32(group + 8), vld1q_s32(group + 12)};
  const int8_t* block = reinterpret_cast<const int8_t*>(group + 16 * kQS8ChannelWords);
  auto load = [&](size_t t) { return kTail ? qs8_neon::LoadBytes(input[t] + c, n) : vld1q_s8(input[t] + c); };
  size_t t = 0;
  for (; t + 4 <= taps; t += 4, block += 64) DotTapQuad(load(t), load(t + 1), load(t + 2), load(t + 3), block, acc);
  if (t < taps) {  // 1..3 taps left
    const int8x16_t zero = vdupq_n_s8(0);
    const int8x16_t x0 = load(t);
    const int8x16_t x1 = t + 1 < taps ? load(t + 1) : zero;
    const int8x16_t x2 = t + 2 < taps ? load(t + 2) : zero;
    DotTapQuad(x0, x1, x2, zero, block, acc);
  }
  const int32x4_t y0 = qs8_neon::Requantize(acc[0], qs8_neon::LoadRequant4(group, 16, 0), out);
  const int32x4_t y1 = qs8_neon::Requantize(acc[1], qs8_neon::LoadRequant4(group, 16, 4), out);
  const int32x4_t y2 = qs8_neon::Requantize(acc[2], qs8_neon::LoadRequant4(group, 16, 8), out);
  const int32x4_t y3 = qs8_neon::Requantize(acc[3], qs8_neon::LoadRequant4(group, 16, 12), out);
  const int8x16_t y = qs8_neon::PackToInt8(y0, y1, y2, y3);
  if (kTail) {
    qs8_neon::StoreBytes(output, y, n);
  } else {
    vst1q_s8(output, y);
  }
}

}  // namespace

void qs8_dwconv_minmax_ukernel_c16t4__neondot(size_t pixels, size_t channels, size_t taps,
                                              const int8_t* const* input, const void* w, int8_t* output,
                                              const QS8ConvParams* params) {
  const qs8_neon::OutputStage out = qs8_neon::LoadOutputStage(params->output_zp, params->min, params->max,
                                                                params->full_range_short_rounding != 0);
  const size_t group_words = 16 * kQS8ChannelWords + (taps + 3) / 4 * 16;  // int32 words per group
  const int32_t* first = static_cast<const int32_t*>(w);
  qs8_neon::DwconvGroups16(
      pixels, channels, taps, input, first, group_words, output,
      [&](const int8_t* const* in, size_t c, const int32_t* group, int8_t* o) {
        Group16<false>(taps, in, c, 16, group, out, o);
      },
      [&](const int8_t* const* in, int8_t* o) { Group16<true>(taps, in, 0, channels, first, out, o); });
}

}  // namespace edgert
