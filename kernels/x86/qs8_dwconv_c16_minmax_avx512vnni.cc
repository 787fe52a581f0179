// QS8 depthwise-convolution microkernel, 16 channels per step, one tap per
// weight word, any number of taps through an indirection buffer, AVX-512 VNNI
// (with BW and VL for byte masks and 256-bit forms).
// Contract: QS8DwconvUkernelFn with KernelIsa::qs8_dwconv.single_taps
// (kernels/dispatch.h). Compiled with -mavx512f -mavx512vnni -mavx512bw -mavx512vl.
//
// Each tap's 16 input bytes are sign-extended to int32 lanes (VPMOVSXBD), so
// a lane holds the int16 pair (x, 0 or -1); the packed weight word of the tap
// is the int16 pair (w, 0), and _mm512_dpwssd_epi32 adds x * w + s * 0 = x * w
// to the lane: one widening and one multiply-add per tap and 16 channels,
// where pairing two taps' bytes for VPMADDWD costs two more shuffles
// (kernels/x86/qs8_dwconv_c16_minmax_avx2.cc). Products are at most
// 128 * 255 and the caller guarantees the int32 sums fit
// (kernels/optimized/qs8_conv.h), so the accumulators are exact.
//
// The output stage is kernels/x86/qs8_requant_avx512.h (bit-exact with
// TFLite's fixed-point requantization), 16 lanes at once; its constants are
// derived once per group and call, so groups are the outer loop and pixels the
// inner one. Two pixels run together, each with two accumulators (even and odd
// taps), so four dependency chains hide the multiply-add latency.
// Up to 8 channels, two pixels share one 512-bit vector (pixel p in lanes 0-7,
// p + 1 in lanes 8-15, the group's 8 weight words broadcast to both halves).
// 9 to 15 channels use byte masks; above 16, the contract's last group
// overlaps the one before it and is moved whole.
#include <immintrin.h>

#include <cstdint>

#include "kernels/x86/qs8_requant_avx512.h"
#include "kernels/x86/ukernels.h"

namespace edgert {
namespace {

using qs8_avx512::OutputStage16;
using qs8_avx512::Requant16;

inline __m512i Load16(const int32_t* p) { return _mm512_loadu_si512(p); }

// Lanes 0-7 of p in both 256-bit halves.
inline __m512i Broadcast8(const int32_t* p) {
  return _mm512_broadcast_i64x4(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
}

// 16 channels at `c` of two output pixels (tap pointers in0, in1), stored to
// out0 and out1. kMasked: only the channels of `mask` are loaded and stored.
template <bool kMasked>
inline void Pixels2C16(size_t taps, const int8_t* const* in0, const int8_t* const* in1, size_t c, __mmask16 mask,
                       const int32_t* group, const Requant16& q, const OutputStage16& o, int8_t* out0,
                       int8_t* out1) {
  auto x = [&](const int8_t* p) {
    const __m128i b = kMasked ? _mm_maskz_loadu_epi8(mask, p + c)
                              : _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + c));
    return _mm512_cvtepi8_epi32(b);
  };
  __m512i a0 = Load16(group), a1 = a0;  // even taps (and acc0) of pixels 0 and 1
  __m512i b0 = _mm512_setzero_si512(), b1 = b0;  // odd taps
  const int32_t* wp = group + 16 * kQS8ChannelWords;
  size_t t = 0;
  for (; t + 2 <= taps; t += 2, wp += 32) {
    const __m512i w0 = Load16(wp), w1 = Load16(wp + 16);
    a0 = _mm512_dpwssd_epi32(a0, x(in0[t]), w0);
    a1 = _mm512_dpwssd_epi32(a1, x(in1[t]), w0);
    b0 = _mm512_dpwssd_epi32(b0, x(in0[t + 1]), w1);
    b1 = _mm512_dpwssd_epi32(b1, x(in1[t + 1]), w1);
  }
  if (t < taps) {
    const __m512i w0 = Load16(wp);
    a0 = _mm512_dpwssd_epi32(a0, x(in0[t]), w0);
    a1 = _mm512_dpwssd_epi32(a1, x(in1[t]), w0);
  }
  const __m512i y0 = qs8_avx512::Requantize16(_mm512_add_epi32(a0, b0), q, o);
  const __m512i y1 = qs8_avx512::Requantize16(_mm512_add_epi32(a1, b1), q, o);
  if (kMasked) {
    _mm512_mask_cvtepi32_storeu_epi8(out1, mask, y1);  // pixel 1 first: out1 may equal out0
    _mm512_mask_cvtepi32_storeu_epi8(out0, mask, y0);
  } else {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out1), _mm512_cvtepi32_epi8(y1));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out0), _mm512_cvtepi32_epi8(y0));
  }
}

// The n <= 8 channels of 8-byte loads from two pixels' tap rows, pixel 0 in
// bytes 0-7 and pixel 1 in bytes 8-15, sign-extended to 16 int32 lanes.
template <bool kFull>  // n == 8
inline __m512i LoadPair8(const int8_t* p0, const int8_t* p1, __mmask16 mask) {
  __m128i lo, hi;
  if (kFull) {
    lo = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(p0));
    hi = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(p1));
  } else {
    lo = _mm_maskz_loadu_epi8(mask, p0);
    hi = _mm_maskz_loadu_epi8(mask, p1);
  }
  return _mm512_cvtepi8_epi32(_mm_unpacklo_epi64(lo, hi));
}

// Four output pixels of n <= 8 channels: pixels 0/1 and 2/3 each share a
// vector, each with even- and odd-tap accumulators.
template <bool kFull>
void SmallChannels(size_t pixels, size_t n, size_t taps, const int8_t* const* input, const int32_t* group,
                   const OutputStage16& o, int8_t* output) {
  const __mmask16 mask = static_cast<__mmask16>((1u << n) - 1);
  const Requant16 q = qs8_avx512::MakeRequant16(Broadcast8(group + 16), Broadcast8(group + 32), Broadcast8(group + 48));
  const __m512i acc0 = Broadcast8(group);
  const int32_t* weights = group + 16 * kQS8ChannelWords;
  // Stores the 8-lane halves of y (pixels p and p + 1) at out and out + n.
  auto store = [&](int8_t* out, __m512i y, bool second) {
    const __m128i b = _mm512_cvtepi32_epi8(y);
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
    __m512i a01 = acc0, a23 = acc0, b01 = _mm512_setzero_si512(), b23 = b01;
    const int32_t* wp = weights;
    size_t t = 0;
    for (; t + 2 <= taps; t += 2, wp += 32) {
      const __m512i w0 = Broadcast8(wp), w1 = Broadcast8(wp + 16);
      a01 = _mm512_dpwssd_epi32(a01, LoadPair8<kFull>(in0[t], in1[t], mask), w0);
      a23 = _mm512_dpwssd_epi32(a23, LoadPair8<kFull>(in2[t], in3[t], mask), w0);
      b01 = _mm512_dpwssd_epi32(b01, LoadPair8<kFull>(in0[t + 1], in1[t + 1], mask), w1);
      b23 = _mm512_dpwssd_epi32(b23, LoadPair8<kFull>(in2[t + 1], in3[t + 1], mask), w1);
    }
    if (t < taps) {
      const __m512i w0 = Broadcast8(wp);
      a01 = _mm512_dpwssd_epi32(a01, LoadPair8<kFull>(in0[t], in1[t], mask), w0);
      a23 = _mm512_dpwssd_epi32(a23, LoadPair8<kFull>(in2[t], in3[t], mask), w0);
    }
    store(output, qs8_avx512::Requantize16(_mm512_add_epi32(a01, b01), q, o), true);
    store(output + 2 * n, qs8_avx512::Requantize16(_mm512_add_epi32(a23, b23), q, o), true);
  }
  for (; pixels > 0; pixels = pixels >= 2 ? pixels - 2 : 0, input += 2 * taps, output += 2 * n) {
    const bool two = pixels >= 2;
    const int8_t* const* in0 = input;
    const int8_t* const* in1 = two ? input + taps : input;
    __m512i a = acc0, b = _mm512_setzero_si512();
    const int32_t* wp = weights;
    size_t t = 0;
    for (; t + 2 <= taps; t += 2, wp += 32) {
      a = _mm512_dpwssd_epi32(a, LoadPair8<kFull>(in0[t], in1[t], mask), Broadcast8(wp));
      b = _mm512_dpwssd_epi32(b, LoadPair8<kFull>(in0[t + 1], in1[t + 1], mask), Broadcast8(wp + 16));
    }
    if (t < taps) a = _mm512_dpwssd_epi32(a, LoadPair8<kFull>(in0[t], in1[t], mask), Broadcast8(wp));
    store(output, qs8_avx512::Requantize16(_mm512_add_epi32(a, b), q, o), two);
  }
}

// Every pixel of the group of 16 channels at c.
template <bool kMasked>
void Group(size_t pixels, size_t channels, size_t taps, const int8_t* const* input, size_t c, __mmask16 mask,
           const int32_t* group, const OutputStage16& o, int8_t* output) {
  const Requant16 q = qs8_avx512::LoadRequant16(group, 16, 0);
  size_t p = 0;
  for (; p + 2 <= pixels; p += 2) {
    Pixels2C16<kMasked>(taps, input + p * taps, input + (p + 1) * taps, c, mask, group, q, o,
                        output + p * channels + c, output + (p + 1) * channels + c);
  }
  if (p < pixels) {
    int8_t* out = output + p * channels + c;
    Pixels2C16<kMasked>(taps, input + p * taps, input + p * taps, c, mask, group, q, o, out, out);
  }
}

}  // namespace

void qs8_dwconv_minmax_ukernel_c16__avx512vnni(size_t pixels, size_t channels, size_t taps,
                                               const int8_t* const* input, const void* w, int8_t* output,
                                               const QS8ConvParams* params) {
  const OutputStage16 o = qs8_avx512::LoadOutputStage16(params->output_zp, params->min, params->max);
  const int32_t* first = static_cast<const int32_t*>(w);
  if (channels <= 8) {
    if (channels == 8) {
      SmallChannels<true>(pixels, 8, taps, input, first, o, output);
    } else {
      SmallChannels<false>(pixels, channels, taps, input, first, o, output);
    }
    return;
  }
  if (channels < 16) {
    Group<true>(pixels, channels, taps, input, 0, static_cast<__mmask16>((1u << channels) - 1), first, o, output);
    return;
  }
  const size_t group_words = 16 * (kQS8ChannelWords + taps);
  const size_t groups = (channels + 15) / 16;
  for (size_t g = 0; g < groups; ++g)
    Group<false>(pixels, channels, taps, input, QS8DwconvGroupStart(g, channels, 16), 0xFFFF, first + g * group_words,
                 o, output);
}

}  // namespace edgert
