// QS8 depthwise-convolution microkernel, 16 channels per step and four taps
// per multiply-add, AVX-512 VNNI and VBMI (with BW and VL for byte masks).
// Contract: QS8DwconvUkernelFn with the tap-quad packing of
// KernelIsa::qs8_dwconv_quads (kernels/dispatch.h): per group of 16 channels
// the channels' output-stage words, acc0 already holding -128 * the sum of
// the channel's weights, then ceil(taps / 4) blocks of 64 bytes, byte
// 4 * j + k of block q the int8 weight of tap 4q + k of channel j (0 past the
// last tap). Compiled with -mavx512f -mavx512bw -mavx512vl -mavx512vbmi
// -mavx512vnni.
//
// One step gathers the 16 input bytes of four taps into two 256-bit vectors,
// interleaves them with one VPERMT2B so that 32-bit lane j holds the four
// taps' bytes of channel j,
// flips each byte's top bit (x + 128: the unsigned operand of VPDPBUSD) and
// adds the four products of each channel with one VPDPBUSD: 64
// multiply-adds, against 16 per step of the single-tap kernel
// (qs8_dwconv_c16_minmax_avx512vnni.cc). The +128 is paid back by acc0.
// Products are at most 255 * 128 and the caller guarantees the int32 sums
// fit, so the accumulators are exact. Taps past the last one of a quad read
// the last tap's row again, against zero weights. Lanes are in channel order,
// so the output stage (kernels/x86/qs8_requant_avx512.h, its short form when
// QS8ConvParams::full_range_short_rounding allows) stores them directly. Two
// pixels run together, each with two accumulators (even and odd quads).
// Fewer than 16 channels use byte masks; above 16, the contract's last group
// overlaps the one before it and is moved whole.
#include <immintrin.h>

#include <cstdint>

#include "kernels/x86/qs8_requant_avx512.h"
#include "kernels/x86/ukernels.h"

namespace edgert {
namespace {

using qs8_avx512::OutputStage16;

// VPERMT2B indices over two vectors holding taps 0-1 and 2-3 in their low 32
// bytes: byte 4j + k of the result is tap k's channel j, byte 16 (k % 2) + j
// of source k / 2, index 64 (k / 2) + 16 (k % 2) + j.
alignas(64) const uint8_t kInterleave4[64] = {
    0,  16, 64, 80, 1,  17, 65, 81, 2,  18, 66, 82, 3,  19, 67, 83, 4,  20, 68, 84, 5,  21,
    69, 85, 6,  22, 70, 86, 7,  23, 71, 87, 8,  24, 72, 88, 9,  25, 73, 89, 10, 26, 74, 90,
    11, 27, 75, 91, 12, 28, 76, 92, 13, 29, 77, 93, 14, 30, 78, 94, 15, 31, 79, 95};

struct Quad {
  __m512i interleave, flip;
};

// The four taps' 16 bytes at channel c (kMasked: the channels of `mask`, the
// others 0), as VPDPBUSD's unsigned operand: taps 0 and 1 in one 256-bit
// vector, 2 and 3 in another (the 128-bit inserts can run on a port the
// 512-bit operations leave free), then one two-source VPERMT2B.
template <bool kMasked>
__attribute__((always_inline)) inline __m512i Gather4(const int8_t* p0, const int8_t* p1, const int8_t* p2,
                                                      const int8_t* p3, size_t c, __mmask16 mask, const Quad& k) {
  auto row = [&](const int8_t* p) {
    return kMasked ? _mm_maskz_loadu_epi8(mask, p + c) : _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + c));
  };
  const __m256i lo = _mm256_inserti128_si256(_mm256_castsi128_si256(row(p0)), row(p1), 1);
  const __m256i hi = _mm256_inserti128_si256(_mm256_castsi128_si256(row(p2)), row(p3), 1);
  return _mm512_xor_si512(
      _mm512_permutex2var_epi8(_mm512_castsi256_si512(lo), k.interleave, _mm512_castsi256_si512(hi)), k.flip);
}

// One tap's 16 bytes at channel c in the low bytes of the 32-bit lanes, top
// bits flipped (the other bytes meet zero weights).
template <bool kMasked>
__attribute__((always_inline)) inline __m512i Single(const int8_t* p, size_t c, __mmask16 mask, const Quad& k) {
  const __m128i b =
      kMasked ? _mm_maskz_loadu_epi8(mask, p + c) : _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + c));
  return _mm512_xor_si512(_mm512_cvtepu8_epi32(b), k.flip);
}

// Tap t's row pointer, or the last tap's past the end.
inline const int8_t* Tap(const int8_t* const* in, size_t t, size_t taps) { return in[t < taps ? t : taps - 1]; }

// The 16 channels at c of two output pixels (tap pointers in0, in1), stored
// to out0 and out1 (pixel 1 first: out1 may equal out0).
template <bool kMasked, typename Stage>
__attribute__((always_inline)) inline void Pixels2(size_t taps, const int8_t* const* in0, const int8_t* const* in1,
                                                   size_t c, __mmask16 mask, const int32_t* group, const Stage& stage,
                                                   const Quad& k, int8_t* out0, int8_t* out1) {
  const __m512i acc0 = _mm512_loadu_si512(group);
  __m512i a0 = acc0, a1 = acc0, b0 = _mm512_setzero_si512(), b1 = b0;
  const __m512i* wp = reinterpret_cast<const __m512i*>(group + 16 * kQS8ChannelWords);
  size_t t = 0;
  for (; t + 8 <= taps; t += 8, wp += 2) {
    const __m512i w0 = _mm512_loadu_si512(wp), w1 = _mm512_loadu_si512(wp + 1);
    a0 = _mm512_dpbusd_epi32(a0, Gather4<kMasked>(in0[t], in0[t + 1], in0[t + 2], in0[t + 3], c, mask, k), w0);
    a1 = _mm512_dpbusd_epi32(a1, Gather4<kMasked>(in1[t], in1[t + 1], in1[t + 2], in1[t + 3], c, mask, k), w0);
    b0 = _mm512_dpbusd_epi32(b0, Gather4<kMasked>(in0[t + 4], in0[t + 5], in0[t + 6], in0[t + 7], c, mask, k), w1);
    b1 = _mm512_dpbusd_epi32(b1, Gather4<kMasked>(in1[t + 4], in1[t + 5], in1[t + 6], in1[t + 7], c, mask, k), w1);
  }
  if (t + 4 <= taps) {  // one more whole quad
    const __m512i w = _mm512_loadu_si512(wp++);
    a0 = _mm512_dpbusd_epi32(a0, Gather4<kMasked>(in0[t], in0[t + 1], in0[t + 2], in0[t + 3], c, mask, k), w);
    a1 = _mm512_dpbusd_epi32(a1, Gather4<kMasked>(in1[t], in1[t + 1], in1[t + 2], in1[t + 3], c, mask, k), w);
    t += 4;
  }
  if (t + 1 == taps) {  // one tap left (3x3, 5x5): its bytes zero-extended to lanes, no interleave
    const __m512i w = _mm512_loadu_si512(wp);
    a0 = _mm512_dpbusd_epi32(a0, Single<kMasked>(in0[t], c, mask, k), w);
    a1 = _mm512_dpbusd_epi32(a1, Single<kMasked>(in1[t], c, mask, k), w);
  } else if (t < taps) {  // two or three: a partial quad
    const __m512i w = _mm512_loadu_si512(wp);
    a0 = _mm512_dpbusd_epi32(
        a0, Gather4<kMasked>(in0[t], in0[t + 1], Tap(in0, t + 2, taps), Tap(in0, t + 3, taps), c, mask, k), w);
    a1 = _mm512_dpbusd_epi32(
        a1, Gather4<kMasked>(in1[t], in1[t + 1], Tap(in1, t + 2, taps), Tap(in1, t + 3, taps), c, mask, k), w);
  }
  const __m128i y0 = stage.Bytes(_mm512_add_epi32(a0, b0));
  const __m128i y1 = stage.Bytes(_mm512_add_epi32(a1, b1));
  if (kMasked) {
    _mm_mask_storeu_epi8(out1, mask, y1);
    _mm_mask_storeu_epi8(out0, mask, y0);
  } else {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out1), y1);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out0), y0);
  }
}

// Every pixel of the group of 16 channels at c.
template <bool kMasked, typename Stage>
void Group(size_t pixels, size_t channels, size_t taps, const int8_t* const* input, size_t c, __mmask16 mask,
           const int32_t* group, const OutputStage16& o, const Quad& k, int8_t* output) {
  auto lanes = [&](size_t word) { return _mm512_loadu_si512(group + word * 16); };
  const Stage stage(lanes(1), lanes(2), lanes(3), o);
  size_t p = 0;
  for (; p + 2 <= pixels; p += 2) {
    Pixels2<kMasked>(taps, input + p * taps, input + (p + 1) * taps, c, mask, group, stage, k,
                     output + p * channels + c, output + (p + 1) * channels + c);
  }
  if (p < pixels) {
    int8_t* out = output + p * channels + c;
    Pixels2<kMasked>(taps, input + p * taps, input + p * taps, c, mask, group, stage, k, out, out);
  }
}

template <typename Stage>
void Dwconv(size_t pixels, size_t channels, size_t taps, const int8_t* const* input, const int32_t* first,
            const OutputStage16& o, int8_t* output) {
  const Quad k = {_mm512_load_si512(kInterleave4), _mm512_set1_epi8(static_cast<char>(0x80))};
  if (channels < 16) {
    Group<true, Stage>(pixels, channels, taps, input, 0, static_cast<__mmask16>((1u << channels) - 1), first, o, k,
                       output);
    return;
  }
  const size_t group_words = 16 * kQS8ChannelWords + (taps + 3) / 4 * 16;
  const size_t groups = (channels + 15) / 16;
  for (size_t g = 0; g < groups; ++g)
    Group<false, Stage>(pixels, channels, taps, input, QS8DwconvGroupStart(g, channels, 16), 0xFFFF,
                        first + g * group_words, o, k, output);
}

}  // namespace

void qs8_dwconv_minmax_ukernel_c16t4__avx512vbmi(size_t pixels, size_t channels, size_t taps,
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
