// f32 depthwise-convolution microkernel, 16 channels per step (tails of 8 and
// a masked 1..7), any number of taps through an indirection buffer, AVX2 + FMA3.
// Contract: F32DwconvUkernelFn (kernels/dispatch.h). Compiled with -mavx2 -mfma.
#include <immintrin.h>

#include <cstdint>

#include "kernels/x86/ukernels.h"

namespace edgert {

void f32_dwconv_minmax_ukernel_c16__fma3(size_t pixels, size_t channels, size_t taps, const float* const* input,
                                         const float* w, float* output, const F32MinMaxParams* params) {
  const __m256 vmin = _mm256_set1_ps(params->min);
  const __m256 vmax = _mm256_set1_ps(params->max);
  const size_t group = 16 * (taps + 1);  // floats per packed 16-channel group
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
    // Tail group (1..15 channels): one or two 8-channel halves, the last masked.
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
}

}  // namespace edgert
