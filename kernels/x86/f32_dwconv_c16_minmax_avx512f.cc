// f32 depthwise-convolution microkernel, 16 channels per vector (the last
// 1..15 masked), any number of taps through an indirection buffer, AVX-512 F.
// Contract: F32DwconvUkernelFn (kernels/dispatch.h), the packing of channel
// tile 16 shared with f32_dwconv_minmax_ukernel_c16__fma3. Compiled with
// -mavx512f.
//
// Output pixels are computed 8 at a time: each tap's 16 weights are loaded once
// for 8 pixels, so a tap costs 8 pointer loads, 8 input loads, 1 weight load
// and 8 FMAs for 128 outputs (the AVX2 kernel's 4 pixels of two 8-lane halves:
// 14 loads for 64). The 1..7 pixels left of a row run with 2 or 4 channel
// groups at once, so that they too have several FMA chains in flight (a 7x7
// layer's rows of 7 had run 3 pixels one chain at a time). Every output keeps
// the FMA chain of the one-pixel loop (bias, then tap 0, 1, ... in order), as
// the AVX2 kernel does, so results do not depend on the grouping and equal that
// kernel's.
#include <immintrin.h>

#include <cstdint>

#include "kernels/x86/ukernels.h"

namespace edgert {
namespace {

// P output pixels (pointer rows input, input + taps, ...; outputs `channels`
// floats apart) of the G full 16-channel groups at channel c (packed groups
// from wg on): G * P accumulators, so a short run of pixels (the 1..7 left of a
// row) still has independent FMA chains to cover the FMA latency.
template <int P, int G>
inline void DwGroups(size_t channels, size_t taps, const float* const* input, size_t c, const float* wg, float* output,
                     __m512 vmin, __m512 vmax) {
  const size_t group = 16 * (taps + 1);  // floats per packed 16-channel group
  __m512 acc[G][P];
#pragma GCC unroll 8
  for (int g = 0; g < G; ++g) {
    const __m512 bias = _mm512_loadu_ps(wg + g * group);
#pragma GCC unroll 8
    for (int p = 0; p < P; ++p) acc[g][p] = bias;
  }
  for (size_t t = 0; t < taps; ++t) {
#pragma GCC unroll 8
    for (int g = 0; g < G; ++g) {
      const __m512 wv = _mm512_loadu_ps(wg + g * group + 16 * (t + 1));
#pragma GCC unroll 8
      for (int p = 0; p < P; ++p)
        acc[g][p] = _mm512_fmadd_ps(_mm512_loadu_ps(input[p * taps + t] + c + 16 * g), wv, acc[g][p]);
    }
  }
#pragma GCC unroll 8
  for (int g = 0; g < G; ++g)
#pragma GCC unroll 8
    for (int p = 0; p < P; ++p)
      _mm512_storeu_ps(output + p * channels + c + 16 * g, _mm512_min_ps(_mm512_max_ps(acc[g][p], vmin), vmax));
}

// P output pixels, all channels: G full groups at a time, then single full
// groups, then the masked tail.
template <int P, int G>
inline void DwPixels(size_t channels, size_t taps, const float* const* input, const float* w, float* output,
                     __m512 vmin, __m512 vmax) {
  const size_t group = 16 * (taps + 1);  // floats per packed 16-channel group
  size_t c = 0;
  const float* wg = w;
  if (G > 1)
    for (; c + 16 * G <= channels; c += 16 * G, wg += G * group)
      DwGroups<P, G>(channels, taps, input, c, wg, output, vmin, vmax);
  for (; c + 16 <= channels; c += 16, wg += group) DwGroups<P, 1>(channels, taps, input, c, wg, output, vmin, vmax);
  if (c < channels) {  // inputs masked (not read past the channels); packed weights are zero-padded
    const __mmask16 mask = static_cast<__mmask16>((1u << (channels - c)) - 1);
    __m512 acc[P];
#pragma GCC unroll 8
    for (int p = 0; p < P; ++p) acc[p] = _mm512_loadu_ps(wg);
    const float* wt = wg + 16;
    for (size_t t = 0; t < taps; ++t, wt += 16) {
      const __m512 wv = _mm512_loadu_ps(wt);
#pragma GCC unroll 8
      for (int p = 0; p < P; ++p)
        acc[p] = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(mask, input[p * taps + t] + c), wv, acc[p]);
    }
#pragma GCC unroll 8
    for (int p = 0; p < P; ++p)
      _mm512_mask_storeu_ps(output + p * channels + c, mask, _mm512_min_ps(_mm512_max_ps(acc[p], vmin), vmax));
  }
}

}  // namespace

void f32_dwconv_minmax_ukernel_c16__avx512f(size_t pixels, size_t channels, size_t taps, const float* const* input,
                                            const float* w, float* output, const F32MinMaxParams* params) {
  const __m512 vmin = _mm512_set1_ps(params->min);
  const __m512 vmax = _mm512_set1_ps(params->max);
  for (; pixels >= 8; pixels -= 8, input += 8 * taps, output += 8 * channels)
    DwPixels<8, 1>(channels, taps, input, w, output, vmin, vmax);
  // The 1..7 pixels left (a row of 7 or 14 pixels leaves 7 or 6): 2 or 4
  // channel groups at once keep 8 FMA chains for 4 or 2 pixels, 6 for 3, 4 for 1.
  if (pixels >= 4) {
    DwPixels<4, 2>(channels, taps, input, w, output, vmin, vmax);
    pixels -= 4, input += 4 * taps, output += 4 * channels;
  }
  if (pixels == 3) {
    DwPixels<3, 2>(channels, taps, input, w, output, vmin, vmax);
  } else if (pixels == 2) {
    DwPixels<2, 4>(channels, taps, input, w, output, vmin, vmax);
  } else if (pixels == 1) {
    DwPixels<1, 4>(channels, taps, input, w, output, vmin, vmax);
  }
}

}  // namespace edgert
