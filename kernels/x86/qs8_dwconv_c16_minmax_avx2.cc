// QS8 depthwise-convolution microkernel, 16 channels per step, taps in pairs,
// any number of taps through an indirection buffer, AVX2.
// Contract: QS8DwconvUkernelFn (kernels/dispatch.h). Compiled with -mavx2 -mfma.
//
// For taps t and t+1 the 16 input bytes of each are widened to int16 and
// interleaved (_mm256_unpacklo/hi_epi16), giving (x_t, x_t+1) pairs of channels
// 0-3 and 8-11 in one register and 4-7 and 12-15 in the other;
// _mm256_madd_epi16 with the packed weight pairs adds x_t * w_t + x_t+1 * w_t+1
// per channel into int32 (exact; see qs8_gemm_4x16c2_minmax_avx2.cc). Hence the
// packed channel order 0-3, 8-11, 4-7, 12-15, which _mm256_packs_epi32 of the two
// accumulators undoes.
//
// With 16 channels or more every group is a full 16-byte load and store (the
// contract's last group overlaps the one before it); where that last group
// adds 1 to 8 channels, its upper 8 channels are computed for two pixels per
// vector as below. Fewer channels take one of two paths:
//  - up to 8: two output pixels per vector, pixel p in the low 128-bit lane
//    and p + 1 in the high one. The packed group's channels 0-3 and 4-7 are
//    16-byte blocks (positions 0-3 and 8-11), broadcast to both lanes, so the
//    same unpack/madd/pack sequence serves both pixels; with 8 channels the
//    two pixels' outputs are one 16-byte store.
//  - 9 to 15: one pixel per vector, the channels loaded and stored with
//    register moves that stay within their n bytes.
#include <immintrin.h>

#include <cstdint>
#include <cstring>

#include "kernels/x86/qs8_requant_avx2.h"
#include "kernels/x86/ukernels.h"

namespace edgert {

const uint8_t kQS8DwconvC16Avx2Order[16] = {0, 1, 2, 3, 8, 9, 10, 11, 4, 5, 6, 7, 12, 13, 14, 15};

namespace {

// Requantizes two accumulators, skipping the saturating left shift where no
// lane of either shifts left (a well-predicted branch: fixed per group).
inline void Requantize2(__m256i acc_a, __m256i acc_b, const qs8_avx2::Requant8& qa, const qs8_avx2::Requant8& qb,
                        const qs8_avx2::OutputStage& out, __m256i* ya, __m256i* yb) {
  const __m256i left = _mm256_or_si256(qa.left, qb.left);
  if (_mm256_testz_si256(left, left)) {
    *ya = qs8_avx2::Requantize<false>(acc_a, qa, out);
    *yb = qs8_avx2::Requantize<false>(acc_b, qb, out);
  } else {
    *ya = qs8_avx2::Requantize(acc_a, qa, out);
    *yb = qs8_avx2::Requantize(acc_b, qb, out);
  }
}

// The 16 channels [c, c + 16) of every tap of one output pixel, `n` of them
// real (kTail: n < 16, the others read as zeros, their weights are zero).
template <bool kTail>
inline void Group16(size_t taps, const int8_t* const* input, size_t c, size_t n, const int32_t* group,
                    const qs8_avx2::OutputStage& out, int8_t* output) {
  __m256i acc_lo = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(group));
  __m256i acc_hi = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(group + 8));
  const __m256i* wp = reinterpret_cast<const __m256i*>(group + 16 * kQS8ChannelWords);
  auto load = [&](size_t t) {
    if (kTail) return _mm256_cvtepi8_epi16(qs8_avx2::LoadBytes(input[t] + c, n));
    return _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(input[t] + c)));
  };
  size_t t = 0;
  for (; t + 2 <= taps; t += 2, wp += 2) {
    const __m256i x0 = load(t), x1 = load(t + 1);
    acc_lo = _mm256_add_epi32(acc_lo, _mm256_madd_epi16(_mm256_unpacklo_epi16(x0, x1), _mm256_loadu_si256(wp)));
    acc_hi = _mm256_add_epi32(acc_hi, _mm256_madd_epi16(_mm256_unpackhi_epi16(x0, x1), _mm256_loadu_si256(wp + 1)));
  }
  if (t < taps) {  // odd last tap: paired with zeros
    const __m256i x0 = load(t), z = _mm256_setzero_si256();
    acc_lo = _mm256_add_epi32(acc_lo, _mm256_madd_epi16(_mm256_unpacklo_epi16(x0, z), _mm256_loadu_si256(wp)));
    acc_hi = _mm256_add_epi32(acc_hi, _mm256_madd_epi16(_mm256_unpackhi_epi16(x0, z), _mm256_loadu_si256(wp + 1)));
  }
  __m256i y_lo, y_hi;
  Requantize2(acc_lo, acc_hi, qs8_avx2::LoadRequant8(group, 16, 0), qs8_avx2::LoadRequant8(group, 16, 8), out,
              &y_lo, &y_hi);
  // Lanes: y_lo = channels 0-3 | 8-11, y_hi = 4-7 | 12-15, so the in-lane pack
  // gives channels 0-7 | 8-15 as int16.
  const __m256i y16 = _mm256_packs_epi32(y_lo, y_hi);
  const __m128i y8 = _mm_packs_epi16(_mm256_castsi256_si128(y16), _mm256_extracti128_si256(y16, 1));
  if (kTail) {
    qs8_avx2::StoreBytes(output, y8, n);
  } else {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(output), y8);
  }
}

// The 4 int32 at p in both 128-bit lanes.
inline __m256i Broadcast4(const int32_t* p) {
  return _mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
}

// Two output pixels (taps pointers in0 and in1) of the n <= 8 input channels
// [c, c + n) whose packed words start at `group` (a packed group, or 4 words
// into one for its channels 8-15 at positions 4-7 and 12-15): pixel 0 in the
// low lane, pixel 1 in the high lane. Returns the 8 channels of pixel 0 then
// of pixel 1 (16 int8).
template <size_t kN>  // n when 8 (full 8-byte loads), else 0 (n bytes)
inline __m128i Pixels2(size_t taps, const int8_t* const* in0, const int8_t* const* in1, size_t c, size_t n,
                       const int32_t* group, const qs8_avx2::OutputStage& out) {
  // Words 0-3 of each 16-word block are channels 0-3, words 8-11 channels 4-7.
  __m256i acc_lo = Broadcast4(group), acc_hi = Broadcast4(group + 8);
  const int32_t* wp = group + 16 * kQS8ChannelWords;  // 16 words (int16 pairs) per tap pair
  auto load = [&](size_t t) {
    __m128i x;
    if (kN == 8) {
      x = _mm_unpacklo_epi64(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(in0[t] + c)),
                             _mm_loadl_epi64(reinterpret_cast<const __m128i*>(in1[t] + c)));
    } else {
      x = _mm_set_epi64x(static_cast<int64_t>(qs8_avx2::LoadLow64(in1[t] + c, n)),
                         static_cast<int64_t>(qs8_avx2::LoadLow64(in0[t] + c, n)));
    }
    return _mm256_cvtepi8_epi16(x);  // low lane: pixel 0's 8 channels, high lane: pixel 1's
  };
  size_t t = 0;
  for (; t + 2 <= taps; t += 2, wp += 16) {
    const __m256i x0 = load(t), x1 = load(t + 1);
    acc_lo = _mm256_add_epi32(acc_lo, _mm256_madd_epi16(_mm256_unpacklo_epi16(x0, x1), Broadcast4(wp)));
    acc_hi = _mm256_add_epi32(acc_hi, _mm256_madd_epi16(_mm256_unpackhi_epi16(x0, x1), Broadcast4(wp + 8)));
  }
  if (t < taps) {  // odd last tap: paired with zeros
    const __m256i x0 = load(t), z = _mm256_setzero_si256();
    acc_lo = _mm256_add_epi32(acc_lo, _mm256_madd_epi16(_mm256_unpacklo_epi16(x0, z), Broadcast4(wp)));
    acc_hi = _mm256_add_epi32(acc_hi, _mm256_madd_epi16(_mm256_unpackhi_epi16(x0, z), Broadcast4(wp + 8)));
  }
  auto requant = [&](size_t first) {
    return qs8_avx2::Requant8{Broadcast4(group + 16 + first), Broadcast4(group + 32 + first),
                              Broadcast4(group + 48 + first)};
  };
  __m256i y_lo, y_hi;  // channels 0-3 | 0-3 and 4-7 | 4-7
  Requantize2(acc_lo, acc_hi, requant(0), requant(8), out, &y_lo, &y_hi);
  const __m256i y16 = _mm256_packs_epi32(y_lo, y_hi);  // pixel 0 | pixel 1
  return _mm_packs_epi16(_mm256_castsi256_si128(y16), _mm256_extracti128_si256(y16, 1));
}

template <size_t kN>
void Small(size_t pixels, size_t n, size_t taps, const int8_t* const* input, const int32_t* group,
           const qs8_avx2::OutputStage& out, int8_t* output) {
  for (; pixels >= 2; pixels -= 2, input += 2 * taps, output += 2 * n) {
    const __m128i y = Pixels2<kN>(taps, input, input + taps, 0, n, group, out);
    if (kN == 8) {
      _mm_storeu_si128(reinterpret_cast<__m128i*>(output), y);
    } else {
      qs8_avx2::StoreLow64(output, static_cast<uint64_t>(_mm_cvtsi128_si64(y)), n);
      qs8_avx2::StoreLow64(output + n, static_cast<uint64_t>(_mm_extract_epi64(y, 1)), n);
    }
  }
  if (pixels == 1) {  // the last pixel in both lanes, stored once
    const __m128i y = Pixels2<kN>(taps, input, input, 0, n, group, out);
    qs8_avx2::StoreLow64(output, static_cast<uint64_t>(_mm_cvtsi128_si64(y)), n);
  }
}

}  // namespace

void qs8_dwconv_minmax_ukernel_c16__avx2(size_t pixels, size_t channels, size_t taps, const int8_t* const* input,
                                         const void* w, int8_t* output, const QS8ConvParams* params) {
  const qs8_avx2::OutputStage out = qs8_avx2::LoadOutputStage(params->output_zp, params->min, params->max,
                                                                params->full_range_short_rounding != 0);
  const int32_t* first = static_cast<const int32_t*>(w);
  if (channels <= 8) {
    if (channels == 8) {
      Small<8>(pixels, 8, taps, input, first, out, output);
    } else {
      Small<0>(pixels, channels, taps, input, first, out, output);
    }
    return;
  }
  if (channels < 16) {
    for (size_t p = 0; p < pixels; ++p, input += taps, output += channels)
      Group16<true>(taps, input, 0, channels, first, out, output);
    return;
  }
  const size_t group_words = 16 * kQS8ChannelWords + (taps + 1) / 2 * 16;  // int32 words per group
  const size_t rem = channels % 16;
  if (rem != 0 && rem <= 8) {
    // The full groups per pixel, then the last 8 channels (channels 8-15 of
    // the last, overlapping group) of two pixels per vector.
    const int32_t* last = first + channels / 16 * group_words + 4;
    const size_t c8 = channels - 8;
    for (; pixels >= 2; pixels -= 2, input += 2 * taps, output += 2 * channels) {
      const int32_t* group = first;
      for (size_t c = 0; c + 16 <= channels; c += 16, group += group_words) {
        Group16<false>(taps, input, c, 16, group, out, output + c);
        Group16<false>(taps, input + taps, c, 16, group, out, output + channels + c);
      }
      const __m128i y = Pixels2<8>(taps, input, input + taps, c8, 8, last, out);
      _mm_storel_epi64(reinterpret_cast<__m128i*>(output + c8), y);
      _mm_storel_epi64(reinterpret_cast<__m128i*>(output + channels + c8), _mm_unpackhi_epi64(y, y));
    }
    if (pixels == 1) {
      const int32_t* group = first;
      for (size_t c = 0; c + 16 <= channels; c += 16, group += group_words)
        Group16<false>(taps, input, c, 16, group, out, output + c);
      _mm_storel_epi64(reinterpret_cast<__m128i*>(output + c8), Pixels2<8>(taps, input, input, c8, 8, last, out));
    }
    return;
  }
  for (size_t p = 0; p < pixels; ++p, input += taps, output += channels) {
    const int32_t* group = first;
    size_t c = 0;
    for (; c + 16 <= channels; c += 16, group += group_words) Group16<false>(taps, input, c, 16, group, out, output + c);
    // The last group covers channels [channels - 16, channels), overlapping
    // the one before; the overlapped outputs are stored again, unchanged.
    if (c < channels) Group16<false>(taps, input, channels - 16, 16, group, out, output + channels - 16);
  }
}

}  // namespace edgert
