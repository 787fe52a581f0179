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
// accumulators undoes. A channel tail (1..15) is loaded and stored with
// fixed-size moves that stay within its n bytes.
#include <immintrin.h>

#include <cstdint>
#include <cstring>

#include "kernels/x86/qs8_requant_avx2.h"
#include "kernels/x86/ukernels.h"

namespace edgert {

const uint8_t kQS8DwconvC16Avx2Order[16] = {0, 1, 2, 3, 8, 9, 10, 11, 4, 5, 6, 7, 12, 13, 14, 15};

namespace {

// The 16 channels [c, c + 16) of every tap of one output pixel, `n` of them
// real (n < 16: the rest read from a copy, their weights are zero).
template <bool kTail>
inline void Group16(size_t taps, const int8_t* const* input, size_t c, size_t n, const int32_t* group,
                    const qs8_avx2::OutputStage& out, int8_t* output) {
  __m256i acc_lo = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(group));
  __m256i acc_hi = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(group + 8));
  const __m256i* wp = reinterpret_cast<const __m256i*>(group + 16 * kQS8ChannelWords);
  auto load = [&](size_t t) {
    if (kTail) {
      if (n == 8) return _mm256_cvtepi8_epi16(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(input[t] + c)));
      return _mm256_cvtepi8_epi16(qs8_avx2::LoadBytes(input[t] + c, n));
    }
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
  const __m256i y_lo = qs8_avx2::Requantize(acc_lo, qs8_avx2::LoadRequant8(group, 16, 0), out);
  const __m256i y_hi = qs8_avx2::Requantize(acc_hi, qs8_avx2::LoadRequant8(group, 16, 8), out);
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

}  // namespace

void qs8_dwconv_minmax_ukernel_c16__avx2(size_t pixels, size_t channels, size_t taps, const int8_t* const* input,
                                         const void* w, int8_t* output, const QS8ConvParams* params) {
  const qs8_avx2::OutputStage out = qs8_avx2::LoadOutputStage(params->output_zp, params->min, params->max);
  const size_t group_words = 16 * kQS8ChannelWords + (taps + 1) / 2 * 16;  // int32 words per group
  for (size_t p = 0; p < pixels; ++p, input += taps) {
    const int32_t* group = static_cast<const int32_t*>(w);
    size_t c = 0;
    for (; c + 16 <= channels; c += 16, group += group_words, output += 16)
      Group16<false>(taps, input, c, 16, group, out, output);
    if (c < channels) {
      Group16<true>(taps, input, c, channels - c, group, out, output);
      output += channels - c;
    }
  }
}

}  // namespace edgert
