// f32 Winograd F(2x2, 3x3) output transform with bias and clamp, 8 channels
// per step (a masked tail of 1..7), AVX2. Contract: F32WinogradOutputUkernelFn
// (kernels/dispatch.h). Compiled with -mavx2 -mfma; only adds, subtracts, max
// and min, in the contract's order, so the results equal the portable
// transform's.
#include <immintrin.h>

#include <cstdint>

#include "kernels/x86/avx2_loop.h"
#include "kernels/x86/ukernels.h"

namespace edgert {

void f32_winograd_output_minmax_ukernel_2x2_3x3_c8__avx2(size_t channels, const float* input, size_t input_stride,
                                                         const float* bias, float* const* output,
                                                         const F32MinMaxParams* params) {
  const __m256 vmin = _mm256_set1_ps(params->min);
  const __m256 vmax = _mm256_set1_ps(params->max);
  for (size_t c = 0; c < channels; c += 8) {
    const bool masked = channels - c < 8;
    // Lane i is active when i < channels - c.
    const __m256i mask = x86::TailMask(masked ? channels - c : 8);
    auto load = [&](const float* p) { return masked ? _mm256_maskload_ps(p, mask) : _mm256_loadu_ps(p); };
    // Down the columns: s0 = (m0 + m1) + m2, s1 = (m1 - m2) - m3.
    __m256 s0[4], s1[4];
    for (int j = 0; j < 4; ++j) {
      const __m256 m0 = load(input + static_cast<size_t>(j) * input_stride + c);
      const __m256 m1 = load(input + static_cast<size_t>(4 + j) * input_stride + c);
      const __m256 m2 = load(input + static_cast<size_t>(8 + j) * input_stride + c);
      const __m256 m3 = load(input + static_cast<size_t>(12 + j) * input_stride + c);
      s0[j] = _mm256_add_ps(_mm256_add_ps(m0, m1), m2);
      s1[j] = _mm256_sub_ps(_mm256_sub_ps(m1, m2), m3);
    }
    const __m256 b = load(bias + c);
    const __m256 y[4] = {_mm256_add_ps(_mm256_add_ps(_mm256_add_ps(s0[0], s0[1]), s0[2]), b),
                         _mm256_add_ps(_mm256_sub_ps(_mm256_sub_ps(s0[1], s0[2]), s0[3]), b),
                         _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(s1[0], s1[1]), s1[2]), b),
                         _mm256_add_ps(_mm256_sub_ps(_mm256_sub_ps(s1[1], s1[2]), s1[3]), b)};
    for (int p = 0; p < 4; ++p) {
      const __m256 v = _mm256_min_ps(_mm256_max_ps(y[p], vmin), vmax);
      if (masked)
        _mm256_maskstore_ps(output[p] + c, mask, v);
      else
        _mm256_storeu_ps(output[p] + c, v);
    }
  }
}

}  // namespace edgert
