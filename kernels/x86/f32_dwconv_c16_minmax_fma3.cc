// f32 depthwise-convolution microkernel, 16 channels per step (tails of 8 and
// a masked 1..7), any number of taps through an indirection buffer, AVX2 + FMA3.
// Contract: F32DwconvUkernelFn (kernels/dispatch.h). Compiled with -mavx2 -mfma.
// Output pixels are computed 4 at a time (16-channel groups, then the channel
// tail in 8-channel halves, the last masked), so each
// tap's weights are loaded once for 4 pixels (2 loads per 2 FMAs become 10
// per 8: the kernel is bound by loads, not FMAs); each output keeps the same
// FMA chain over the taps as the one-pixel loop, so results do not depend on
// how the pixels are grouped.
#include <immintrin.h>

#include <cstdint>

#include "kernels/x86/ukernels.h"

namespace edgert {
namespace {

// The tail group (channels [c, channels), 1..15 of them, group weights wg) of
// one output pixel: one or two 8-channel halves, the last masked.
void f32_dwconv_tail(size_t taps, const float* const* input, size_t c, size_t channels, const float* wg,
                     float* output, __m256 vmin, __m256 vmax) {
  for (size_t half = 0; c < channels; ++half, c += 8) {
    const size_t n = channels - c < 8 ? channels - c : 8;
    const float* wt = wg + 8 * half;
    __m256 acc = _mm256_loadu_ps(wt);
    wt += 16;
    if (n == 8) {
      for (size_t t = 0; t < taps; ++t, wt += 16)
        acc = _mm256_fmadd_ps(_mm256_loadu_ps(input[t] + c), _mm256_loadu_ps(wt), acc);
      _mm256_storeu_ps(output, _mm256_min_ps(_mm256_max_ps(acc, vmin), vmax));
    } else {
      // Lane i is active when i < n.
      const __m256i mask = _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int32_t>(n)),
                                              _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
      for (size_t t = 0; t < taps; ++t, wt += 16)
        acc = _mm256_fmadd_ps(_mm256_maskload_ps(input[t] + c, mask), _mm256_loadu_ps(wt), acc);
      _mm256_maskstore_ps(output, mask, _mm256_min_ps(_mm256_max_ps(acc, vmin), vmax));
    }
    output += n;
  }
}

// The same tail group for 4 output pixels (their pointers at input,
// input + taps, ...; outputs `channels` apart): 4 independent FMA chains per
// half instead of one, so the taps do not wait on the FMA latency.
void f32_dwconv_tail_4px(size_t taps, const float* const* input, size_t c, size_t channels, const float* wg,
                         float* output, __m256 vmin, __m256 vmax) {
  const float* const* in0 = input;
  const float* const* in1 = input + taps;
  const float* const* in2 = input + 2 * taps;
  const float* const* in3 = input + 3 * taps;
  for (size_t half = 0; c < channels; ++half, c += 8) {
    const size_t n = channels - c < 8 ? channels - c : 8;
    // Lane i is active when i < n.
    const __m256i mask = _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int32_t>(n)),
                                            _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    const float* wt = wg + 8 * half;
    __m256 a0 = _mm256_loadu_ps(wt);
    __m256 a1 = a0, a2 = a0, a3 = a0;
    wt += 16;
    if (n == 8) {
      for (size_t t = 0; t < taps; ++t, wt += 16) {
        const __m256 wl = _mm256_loadu_ps(wt);
        a0 = _mm256_fmadd_ps(_mm256_loadu_ps(in0[t] + c), wl, a0);
        a1 = _mm256_fmadd_ps(_mm256_loadu_ps(in1[t] + c), wl, a1);
        a2 = _mm256_fmadd_ps(_mm256_loadu_ps(in2[t] + c), wl, a2);
        a3 = _mm256_fmadd_ps(_mm256_loadu_ps(in3[t] + c), wl, a3);
      }
    } else {
      for (size_t t = 0; t < taps; ++t, wt += 16) {
        const __m256 wl = _mm256_loadu_ps(wt);
        a0 = _mm256_fmadd_ps(_mm256_maskload_ps(in0[t] + c, mask), wl, a0);
        a1 = _mm256_fmadd_ps(_mm256_maskload_ps(in1[t] + c, mask), wl, a1);
        a2 = _mm256_fmadd_ps(_mm256_maskload_ps(in2[t] + c, mask), wl, a2);
        a3 = _mm256_fmadd_ps(_mm256_maskload_ps(in3[t] + c, mask), wl, a3);
      }
    }
    const __m256 out[4] = {a0, a1, a2, a3};
    for (size_t k = 0; k < 4; ++k) {
      const __m256 y = _mm256_min_ps(_mm256_max_ps(out[k], vmin), vmax);
      float* o = output + k * channels + c;
      if (n == 8)
        _mm256_storeu_ps(o, y);
      else
        _mm256_maskstore_ps(o, mask, y);
    }
  }
}

}  // namespace

void f32_dwconv_minmax_ukernel_c16__fma3(size_t pixels, size_t channels, size_t taps, const float* const* input,
                                         const float* w, float* output, const F32MinMaxParams* params) {
  const __m256 vmin = _mm256_set1_ps(params->min);
  const __m256 vmax = _mm256_set1_ps(params->max);
  const size_t group = 16 * (taps + 1);  // floats per packed 16-channel group
  const size_t full = channels / 16 * 16;
  // Four pixels at a time over the full groups, then their channel tail.
  for (; pixels >= 4; pixels -= 4, input += 4 * taps) {
    const float* const* in0 = input;
    const float* const* in1 = input + taps;
    const float* const* in2 = input + 2 * taps;
    const float* const* in3 = input + 3 * taps;
    const float* wg = w;
    for (size_t c = 0; c < full; c += 16, wg += group) {
      const __m256 bl = _mm256_loadu_ps(wg), bh = _mm256_loadu_ps(wg + 8);
      __m256 a0l = bl, a0h = bh, a1l = bl, a1h = bh, a2l = bl, a2h = bh, a3l = bl, a3h = bh;
      const float* wt = wg + 16;
      for (size_t t = 0; t < taps; ++t, wt += 16) {
        const __m256 wl = _mm256_loadu_ps(wt), wh = _mm256_loadu_ps(wt + 8);
        const float* x0 = in0[t] + c;
        const float* x1 = in1[t] + c;
        const float* x2 = in2[t] + c;
        const float* x3 = in3[t] + c;
        a0l = _mm256_fmadd_ps(_mm256_loadu_ps(x0), wl, a0l);
        a0h = _mm256_fmadd_ps(_mm256_loadu_ps(x0 + 8), wh, a0h);
        a1l = _mm256_fmadd_ps(_mm256_loadu_ps(x1), wl, a1l);
        a1h = _mm256_fmadd_ps(_mm256_loadu_ps(x1 + 8), wh, a1h);
        a2l = _mm256_fmadd_ps(_mm256_loadu_ps(x2), wl, a2l);
        a2h = _mm256_fmadd_ps(_mm256_loadu_ps(x2 + 8), wh, a2h);
        a3l = _mm256_fmadd_ps(_mm256_loadu_ps(x3), wl, a3l);
        a3h = _mm256_fmadd_ps(_mm256_loadu_ps(x3 + 8), wh, a3h);
      }
      auto store = [&](float* o, __m256 l, __m256 h) {
        _mm256_storeu_ps(o, _mm256_min_ps(_mm256_max_ps(l, vmin), vmax));
        _mm256_storeu_ps(o + 8, _mm256_min_ps(_mm256_max_ps(h, vmin), vmax));
      };
      store(output + c, a0l, a0h);
      store(output + channels + c, a1l, a1h);
      store(output + 2 * channels + c, a2l, a2h);
      store(output + 3 * channels + c, a3l, a3h);
    }
    if (full < channels) f32_dwconv_tail_4px(taps, input, full, channels, wg, output, vmin, vmax);
    output += 4 * channels;
  }
  for (size_t p = 0; p < pixels; ++p, input += taps) {
    const float* wg = w;
    size_t c = 0;
    for (; c + 16 <= channels; c += 16, wg += group) {
      __m256 accl = _mm256_loadu_ps(wg), acch = _mm256_loadu_ps(wg + 8);
      const float* wt = wg + 16;
      for (size_t t = 0; t < taps; ++t, wt += 16) {
        const float* x = input[t] + c;
        accl = _mm256_fmadd_ps(_mm256_loadu_ps(x), _mm256_loadu_ps(wt), accl);
        acch = _mm256_fmadd_ps(_mm256_loadu_ps(x + 8), _mm256_loadu_ps(wt + 8), acch);
      }
      _mm256_storeu_ps(output, _mm256_min_ps(_mm256_max_ps(accl, vmin), vmax));
      _mm256_storeu_ps(output + 8, _mm256_min_ps(_mm256_max_ps(acch, vmin), vmax));
      output += 16;
    }
    if (c < channels) {
      f32_dwconv_tail(taps, input, c, channels, wg, output, vmin, vmax);
      output += channels - c;
    }
  }
}

}  // namespace edgert
