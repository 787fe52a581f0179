// f32 Winograd F(2x2, 3x3) output transform with bias and clamp, 16 channels
// per step (a masked tail of 1..15), AVX-512 F: the operations of the AVX2
// kernel (f32_winograd_output_2x2_3x3_c8_minmax_avx2.cc) on twice the lanes.
// Contract: F32WinogradOutputUkernelFn (kernels/dispatch.h). Compiled with
// -mavx512f; only adds, subtracts, max and min, in the contract's order, so
// the results equal the portable transform's.
#include <immintrin.h>

#include <cstdint>

#include "kernels/x86/ukernels.h"

namespace edgert {

void f32_winograd_output_minmax_ukernel_2x2_3x3_c16__avx512f(size_t channels, const float* input,
                                                             size_t input_stride, const float* bias,
                                                             float* const* output, const F32MinMaxParams* params) {
  const __m512 vmin = _mm512_set1_ps(params->min);
  const __m512 vmax = _mm512_set1_ps(params->max);
  for (size_t c = 0; c < channels; c += 16) {
    const size_t n = channels - c < 16 ? channels - c : 16;
    const __mmask16 mask = static_cast<__mmask16>((1u << n) - 1);  // lane i active when i < n
    auto load = [&](const float* p) { return _mm512_maskz_loadu_ps(mask, p); };
    // Down the columns: s0 = (m0 + m1) + m2, s1 = (m1 - m2) - m3.
    __m512 s0[4], s1[4];
    for (int j = 0; j < 4; ++j) {
      const __m512 m0 = load(input + static_cast<size_t>(j) * input_stride + c);
      const __m512 m1 = load(input + static_cast<size_t>(4 + j) * input_stride + c);
      const __m512 m2 = load(input + static_cast<size_t>(8 + j) * input_stride + c);
      const __m512 m3 = load(input + static_cast<size_t>(12 + j) * input_stride + c);
      s0[j] = _mm512_add_ps(_mm512_add_ps(m0, m1), m2);
      s1[j] = _mm512_sub_ps(_mm512_sub_ps(m1, m2), m3);
    }
    const __m512 b = load(bias + c);
    const __m512 y[4] = {_mm512_add_ps(_mm512_add_ps(_mm512_add_ps(s0[0], s0[1]), s0[2]), b),
                         _mm512_add_ps(_mm512_sub_ps(_mm512_sub_ps(s0[1], s0[2]), s0[3]), b),
                         _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(s1[0], s1[1]), s1[2]), b),
                         _mm512_add_ps(_mm512_sub_ps(_mm512_sub_ps(s1[1], s1[2]), s1[3]), b)};
    for (int p = 0; p < 4; ++p)
      _mm512_mask_storeu_ps(output[p] + c, mask, _mm512_min_ps(_mm512_max_ps(y[p], vmin), vmax));
  }
}

}  // namespace edgert
