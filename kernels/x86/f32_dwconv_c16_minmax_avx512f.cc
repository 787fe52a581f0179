// f32 depthwise-convolution microkernel, 16 channels per vector (the last
// 1..15 masked), any number of taps through an indirection buffer, AVX-512 F.
// Contract: F32DwconvUkernelFn (kernels/dispatch.h), the packing of channel
// tile 16 shared with f32_dwconv_minmax_ukernel_c16__fma3. Compiled with
// -mavx512f.
//
// Output pixels are computed 8 at a time (then 4, then 1): each tap's 16
// weights are loaded once for 8 pixels, so a tap costs 8 pointer loads, 8
// input loads, 1 weight load and 8 FMAs for 128 outputs (the AVX2 kernel's 4
// pixels of two 8-lane halves: 14 loads for 64). Every output keeps the FMA
// chain of the one-pixel loop (bias, then tap 0, 1, ... in order), as the
// AVX2 kernel does, so results do not depend on the grouping and equal that
// kernel's.
#include <immintrin.h>

#include <cstdint>

#include "kernels/x86/ukernels.h"

namespace edgert {
namespace {

// P output pixels (pointer rows input, input + taps, ...; outputs `channels`
// floats apart), all channels: full 16-channel groups, then the masked tail.
template <int P>
inline void DwPixels(size_t channels, size_t taps, const float* const* input, const float* w, float* output,
                     __m512 vmin, __m512 vmax) {
  const size_t group = 16 * (taps + 1);  // floats per packed 16-channel group
  const float* wg = w;
  for (size_t c = 0; c < channels; c += 16, wg += group) {
    const size_t n = channels - c < 16 ? channels - c : 16;
    const __mmask16 mask = static_cast<__mmask16>((1u << n) - 1);
    const __m512 bias = _mm512_loadu_ps(wg);
    __m512 acc[P];
#pragma GCC unroll 8
    for (int p = 0; p < P; ++p) acc[p] = bias;
    const float* wt = wg + 16;
    if (n == 16) {
      for (size_t t = 0; t < taps; ++t, wt += 16) {
        const __m512 wv = _mm512_loadu_ps(wt);
#pragma GCC unroll 8
        for (int p = 0; p < P; ++p) acc[p] = _mm512_fmadd_ps(_mm512_loadu_ps(input[p * taps + t] + c), wv, acc[p]);
      }
#pragma GCC unroll 8
      for (int p = 0; p < P; ++p)
        _mm512_storeu_ps(output + p * channels + c, _mm512_min_ps(_mm512_max_ps(acc[p], vmin), vmax));
    } else {  // inputs masked (not read past the channels); packed weights are zero-padded
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
}

}  // namespace

void f32_dwconv_minmax_ukernel_c16__avx512f(size_t pixels, size_t channels, size_t taps, const float* const* input,
                                            const float* w, float* output, const F32MinMaxParams* params) {
  const __m512 vmin = _mm512_set1_ps(params->min);
  const __m512 vmax = _mm512_set1_ps(params->max);
  for (; pixels >= 8; pixels -= 8, input += 8 * taps, output += 8 * channels)
    DwPixels<8>(channels, taps, input, w, output, vmin, vmax);
  if (pixels >= 4) {
    DwPixels<4>(channels, taps, input, w, output, vmin, vmax);
    pixels -= 4, input += 4 * taps, output += 4 * channels;
  }
  for (; pixels > 0; --pixels, input += taps, output += channels)
    DwPixels<1>(channels, taps, input, w, output, vmin, vmax);
}

}  // namespace edgert
