// QS8 depthwise-convolution microkernel, 16 channels per step, one tap per
// weight word, any number of taps through an indirection buffer, AVX-512 VNNI
// (with BW and VL for byte masks and 256-bit forms).
// Contract: QS8DwconvUkernelFn with KernelIsa::qs8_dwconv.single_taps and the
// channel order kQS8DwconvC16ParityOrder (kernels/dispatch.h,
// kernels/x86/ukernels.h). Compiled with -mavx512f -mavx512vnni -mavx512bw
// -mavx512vl.
//
// A tap's 16 input bytes are sign-extended to int16 (one VPMOVSXBW), so
// int32 lane j holds the pair (x[2j], x[2j+1]). The packed word of an even
// channel 2j is the pair (w, 0) and of an odd channel (0, w), so
// _mm256_dpwssd_epi32 of the lanes with the even channels' words adds
// x[2j] * w[2j] to lane j of the even accumulator, and with the odd channels'
// words x[2j+1] * w[2j+1] to the odd one: one widening and two 8-lane
// multiply-adds per tap and 16 channels, no other shuffle. Products are at most
// 128 * 255 and the caller guarantees the int32 sums fit
// (kernels/optimized/qs8_conv.h), so the accumulators are exact. The packed
// group holds the even channels at positions 0-7 and the odd ones at 8-15,
// which is the accumulators' order; one byte shuffle after the output stage
// interleaves them again.
//
// The output stage is kernels/x86/qs8_requant_avx512.h (bit-exact with
// TFLite's fixed-point requantization), 16 lanes at once, its short form when
// QS8ConvParams::full_range_short_rounding allows; its constants are derived
// once per group and call, so groups are the outer loop and pixels the inner
// one. Two pixels run together, each with separate accumulators for even
// and odd taps, so eight dependency chains hide the multiply-add latency.
// Up to 8 channels, two pixels share each 256-bit vector (pixel p in lanes
// 0-3, p + 1 in lanes 4-7; the group's words of channels 0-7, positions 0-3
// and 8-11, broadcast to both halves). 9 to 15 channels use byte masks; above
// 16, the contract's last group overlaps the one before it and is moved whole.
#include <immintrin.h>

#include <cstdint>

#include "kernels/x86/qs8_requant_avx512.h"
#include "kernels/x86/ukernels.h"

namespace edgert {

// Channel j of a group at position order[j]: even channels first.
const uint8_t kQS8DwconvC16ParityOrder[16] = {0, 8, 1, 9, 2, 10, 3, 11, 4, 12, 5, 13, 6, 14, 7, 15};

namespace {

using qs8_avx512::OutputStage16;

inline __m256i Load8(const int32_t* p) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)); }
// Words p[0..3] in both 128-bit halves.
inline __m256i Broadcast4(const int32_t* p) {
  return _mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
}
inline __m512i Join(__m256i lo, __m256i hi) { return _mm512_inserti64x4(_mm512_castsi256_si512(lo), hi, 1); }

// Bytes of the output stage's 16 lanes (even positions then odd) back in
// channel order: byte i of the result is byte order[i] of v.
inline __m128i Interleave(__m128i v) {
  return _mm_shuffle_epi8(v, _mm_loadu_si128(reinterpret_cast<const __m128i*>(kQS8DwconvC16ParityOrder)));
}

// 16 channels at `c` of two output pixels (tap pointers in0, in1), stored to
// out0 and out1. kMasked: only the channels of `mask` are loaded and stored.
template <bool kMasked, typename Stage>
inline void Pixels2C16(size_t taps, const int8_t* const* in0, const int8_t* const* in1, size_t c, __mmask16 mask,
                       const int32_t* group, const Stage& stage, int8_t* out0, int8_t* out1) {
  auto x = [&](const int8_t* p) {
    const __m128i b = kMasked ? _mm_maskz_loadu_epi8(mask, p + c)
                              : _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + c));
    return _mm256_cvtepi8_epi16(b);
  };
  // Even / odd channels (e / o) of pixels 0 and 1, even taps (a, with acc0) and odd taps (b).
  __m256i ea0 = Load8(group), oa0 = Load8(group + 8), ea1 = ea0, oa1 = oa0;
  __m256i eb0 = _mm256_setzero_si256(), ob0 = eb0, eb1 = eb0, ob1 = eb0;
  const int32_t* wp = group + 16 * kQS8ChannelWords;
  size_t t = 0;
  for (; t + 2 <= taps; t += 2, wp += 32) {
    const __m256i x0 = x(in0[t]), x1 = x(in1[t]), y0 = x(in0[t + 1]), y1 = x(in1[t + 1]);
    const __m256i we = Load8(wp), wo = Load8(wp + 8), ve = Load8(wp + 16), vo = Load8(wp + 24);
    ea0 = _mm256_dpwssd_epi32(ea0, x0, we);
    oa0 = _mm256_dpwssd_epi32(oa0, x0, wo);
    ea1 = _mm256_dpwssd_epi32(ea1, x1, we);
    oa1 = _mm256_dpwssd_epi32(oa1, x1, wo);
    eb0 = _mm256_dpwssd_epi32(eb0, y0, ve);
    ob0 = _mm256_dpwssd_epi32(ob0, y0, vo);
    eb1 = _mm256_dpwssd_epi32(eb1, y1, ve);
    ob1 = _mm256_dpwssd_epi32(ob1, y1, vo);
  }
  if (t < taps) {
    const __m256i x0 = x(in0[t]), x1 = x(in1[t]);
    const __m256i we = Load8(wp), wo = Load8(wp + 8);
    ea0 = _mm256_dpwssd_epi32(ea0, x0, we);
    oa0 = _mm256_dpwssd_epi32(oa0, x0, wo);
    ea1 = _mm256_dpwssd_epi32(ea1, x1, we);
    oa1 = _mm256_dpwssd_epi32(oa1, x1, wo);
  }
  const __m512i acc0 = Join(_mm256_add_epi32(ea0, eb0), _mm256_add_epi32(oa0, ob0));
  const __m512i acc1 = Join(_mm256_add_epi32(ea1, eb1), _mm256_add_epi32(oa1, ob1));
  const __m128i y0 = Interleave(stage.Bytes(acc0));
  const __m128i y1 = Interleave(stage.Bytes(acc1));
  if (kMasked) {
    _mm_mask_storeu_epi8(out1, mask, y1);  // pixel 1 first: out1 may equal out0
    _mm_mask_storeu_epi8(out0, mask, y0);
  } else {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out1), y1);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out0), y0);
  }
}

// The n <= 8 channels of two pixels' tap rows, pixel 0 in bytes 0-7 and
// pixel 1 in bytes 8-15, sign-extended to int16.
template <bool kFull>  // n == 8
inline __m256i LoadPair8(const int8_t* p0, const int8_t* p1, __mmask16 mask) {
  __m128i lo, hi;
  if (kFull) {
    lo = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(p0));
    hi = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(p1));
  } else {
    lo = _mm_maskz_loadu_epi8(mask, p0);
    hi = _mm_maskz_loadu_epi8(mask, p1);
  }
  return _mm256_cvtepi8_epi16(_mm_unpacklo_epi64(lo, hi));
}

// Output pixels of n <= 8 channels, two per vector: lanes 0-3 hold channel
// pairs (0,1) .. (6,7) of pixel p, lanes 4-7 those of pixel p + 1; the even
// channels' words (positions 0-3) and the odd ones' (8-11) are broadcast to
// both halves. After the output stage the bytes are [p even, p + 1 even,
// p odd, p + 1 odd], which Interleave turns into pixel p's 8 channels then
// pixel p + 1's.
template <bool kFull, typename Stage>
void SmallChannels(size_t pixels, size_t n, size_t taps, const int8_t* const* input, const int32_t* group,
                   const OutputStage16& o, int8_t* output) {
  const __mmask16 mask = static_cast<__mmask16>((1u << n) - 1);
  auto lanes = [&](const int32_t* p) { return Join(Broadcast4(p), Broadcast4(p + 8)); };
  const Stage stage(lanes(group + 16), lanes(group + 32), lanes(group + 48), o);
  const __m256i acc_e = Broadcast4(group), acc_o = Broadcast4(group + 8);
  const int32_t* weights = group + 16 * kQS8ChannelWords;
  // Stores pixel p (and p + 1 when `second`) from the 16 bytes of y.
  auto store = [&](int8_t* out, __m256i e, __m256i od, bool second) {
    const __m128i b = Interleave(stage.Bytes(Join(e, od)));
    if (kFull && second) {
      _mm_storeu_si128(reinterpret_cast<__m128i*>(out), b);
      return;
    }
    _mm_mask_storeu_epi8(out, mask, b);
    if (second) _mm_mask_storeu_epi8(out + n, mask, _mm_srli_si128(b, 8));
  };
  for (; pixels >= 4; pixels -= 4, input += 4 * taps, output += 4 * n) {
    const int8_t* const* in0 = input;
    const int8_t* const* in1 = input + taps;
    const int8_t* const* in2 = input + 2 * taps;
    const int8_t* const* in3 = input + 3 * taps;
    // Pixels 0/1 and 2/3, even / odd channels, even / odd taps.
    __m256i e01 = acc_e, o01 = acc_o, e23 = acc_e, o23 = acc_o;
    __m256i f01 = _mm256_setzero_si256(), p01 = f01, f23 = f01, p23 = f01;
    const int32_t* wp = weights;
    size_t t = 0;
    for (; t + 2 <= taps; t += 2, wp += 32) {
      const __m256i x01 = LoadPair8<kFull>(in0[t], in1[t], mask), x23 = LoadPair8<kFull>(in2[t], in3[t], mask);
      const __m256i y01 = LoadPair8<kFull>(in0[t + 1], in1[t + 1], mask);
      const __m256i y23 = LoadPair8<kFull>(in2[t + 1], in3[t + 1], mask);
      const __m256i we = Broadcast4(wp), wo = Broadcast4(wp + 8), ve = Broadcast4(wp + 16), vo = Broadcast4(wp + 24);
      e01 = _mm256_dpwssd_epi32(e01, x01, we);
      o01 = _mm256_dpwssd_epi32(o01, x01, wo);
      e23 = _mm256_dpwssd_epi32(e23, x23, we);
      o23 = _mm256_dpwssd_epi32(o23, x23, wo);
      f01 = _mm256_dpwssd_epi32(f01, y01, ve);
      p01 = _mm256_dpwssd_epi32(p01, y01, vo);
      f23 = _mm256_dpwssd_epi32(f23, y23, ve);
      p23 = _mm256_dpwssd_epi32(p23, y23, vo);
    }
    if (t < taps) {
      const __m256i x01 = LoadPair8<kFull>(in0[t], in1[t], mask), x23 = LoadPair8<kFull>(in2[t], in3[t], mask);
      const __m256i we = Broadcast4(wp), wo = Broadcast4(wp + 8);
      e01 = _mm256_dpwssd_epi32(e01, x01, we);
      o01 = _mm256_dpwssd_epi32(o01, x01, wo);
      e23 = _mm256_dpwssd_epi32(e23, x23, we);
      o23 = _mm256_dpwssd_epi32(o23, x23, wo);
    }
    store(output, _mm256_add_epi32(e01, f01), _mm256_add_epi32(o01, p01), true);
    store(output + 2 * n, _mm256_add_epi32(e23, f23), _mm256_add_epi32(o23, p23), true);
  }
  for (; pixels > 0; pixels = pixels >= 2 ? pixels - 2 : 0, input += 2 * taps, output += 2 * n) {
    const bool two = pixels >= 2;
    const int8_t* const* in0 = input;
    const int8_t* const* in1 = two ? input + taps : input;
    __m256i e = acc_e, od = acc_o;
    const int32_t* wp = weights;
    for (size_t t = 0; t < taps; ++t, wp += 16) {
      const __m256i x01 = LoadPair8<kFull>(in0[t], in1[t], mask);
      e = _mm256_dpwssd_epi32(e, x01, Broadcast4(wp));
      od = _mm256_dpwssd_epi32(od, x01, Broadcast4(wp + 8));
    }
    store(output, e, od, two);
  }
}

// Every pixel of the group of 16 channels at c.
template <bool kMasked, typename Stage>
void Group(size_t pixels, size_t channels, size_t taps, const int8_t* const* input, size_t c, __mmask16 mask,
           const int32_t* group, const OutputStage16& o, int8_t* output) {
  auto lanes = [&](size_t word) { return _mm512_loadu_si512(group + word * 16); };
  const Stage stage(lanes(1), lanes(2), lanes(3), o);
  size_t p = 0;
  for (; p + 2 <= pixels; p += 2) {
    Pixels2C16<kMasked>(taps, input + p * taps, input + (p + 1) * taps, c, mask, group, stage,
                        output + p * channels + c, output + (p + 1) * channels + c);
  }
  if (p < pixels) {
    int8_t* out = output + p * channels + c;
    Pixels2C16<kMasked>(taps, input + p * taps, input + p * taps, c, mask, group, stage, out, out);
  }
}

// All of a call with one output stage.
template <typename Stage>
void Dwconv(size_t pixels, size_t channels, size_t taps, const int8_t* const* input, const int32_t* first,
            const OutputStage16& o, int8_t* output) {
  if (channels <= 8) {
    if (channels == 8) {
      SmallChannels<true, Stage>(pixels, 8, taps, input, first, o, output);
    } else {
      SmallChannels<false, Stage>(pixels, channels, taps, input, first, o, output);
    }
    return;
  }
  if (channels < 16) {
    Group<true, Stage>(pixels, channels, taps, input, 0, static_cast<__mmask16>((1u << channels) - 1), first, o,
                       output);
    return;
  }
  const size_t group_words = 16 * (kQS8ChannelWords + taps);
  const size_t groups = (channels + 15) / 16;
  for (size_t g = 0; g < groups; ++g)
    Group<false, Stage>(pixels, channels, taps, input, QS8DwconvGroupStart(g, channels, 16), 0xFFFF,
                        first + g * group_words, o, output);
}

}  // namespace

void qs8_dwconv_minmax_ukernel_c16__avx512vnni(size_t pixels, size_t channels, size_t taps,
                                               const int8_t* const* input, const void* w, int8_t* output,
                                               const QS8ConvParams* params) {
  const OutputStage16 o = qs8_avx512::LoadOutputStage16(params->output_zp, params->min, params->max);
  const int32_t* first = static_cast<const int32_t*>(w);
  if (params->full_range_short_rounding != 0)
    Dwconv<qs8_avx512::ShortStage16>(pixels, channels, taps, input, first, o, output);
  else
    Dwconv<qs8_avx512::ExactStage16>(pixels, channels, taps, input, first, o, output);
}

}  // namespace edgert
