// f32 Winograd F(4x4, 3x3) output transform with bias and clamp, 16 channels
// per step (a masked tail of 1..15), AVX-512 F: the arithmetic of the AVX2
// kernel (f32_winograd_output_4x4_3x3_c8_minmax_fma3.cc), the same operations
// in the same order, on twice the lanes. Contract: F32WinogradOutputUkernelFn
// with 6x6 tiles (kernels/dispatch.h). Compiled with -mavx512f.
#include <immintrin.h>

#include <cstdint>

#include "kernels/x86/ukernels.h"

namespace edgert {
namespace {

// y = A^T m for 6 values m[0], m[step], ..., m[5 * step].
inline void Transform6(const __m512* m, size_t step, __m512* y, size_t ystep) {
  const __m512 a = _mm512_add_ps(m[step], m[2 * step]), b = _mm512_sub_ps(m[step], m[2 * step]);
  const __m512 c = _mm512_add_ps(m[3 * step], m[4 * step]), d = _mm512_sub_ps(m[3 * step], m[4 * step]);
  y[0] = _mm512_add_ps(_mm512_add_ps(m[0], a), c);
  y[ystep] = _mm512_fmadd_ps(_mm512_set1_ps(2.f), d, b);
  y[2 * ystep] = _mm512_fmadd_ps(_mm512_set1_ps(4.f), c, a);
  y[3 * ystep] = _mm512_add_ps(_mm512_fmadd_ps(_mm512_set1_ps(8.f), d, b), m[5 * step]);
}

}  // namespace

void f32_winograd_output_minmax_ukernel_4x4_3x3_c16__avx512f(size_t channels, const float* input,
                                                             size_t input_stride, const float* bias,
                                                             float* const* output, const F32MinMaxParams* params) {
  const __m512 vmin = _mm512_set1_ps(params->min);
  const __m512 vmax = _mm512_set1_ps(params->max);
  for (size_t c = 0; c < channels; c += 16) {
    const size_t n = channels - c < 16 ? channels - c : 16;
    const __mmask16 mask = static_cast<__mmask16>((1u << n) - 1);  // lane i active when i < n
    __m512 m[36], s[24], y[4];
    for (int e = 0; e < 36; ++e) m[e] = _mm512_maskz_loadu_ps(mask, input + static_cast<size_t>(e) * input_stride + c);
    for (int j = 0; j < 6; ++j) Transform6(m + j, 6, s + j, 6);  // down column j: s is 4 x 6
    const __m512 b = _mm512_maskz_loadu_ps(mask, bias + c);
    for (int i = 0; i < 4; ++i) {
      Transform6(s + 6 * i, 1, y, 1);  // along row i
      for (int j = 0; j < 4; ++j)
        _mm512_mask_storeu_ps(output[4 * i + j] + c, mask,
                              _mm512_min_ps(_mm512_max_ps(_mm512_add_ps(y[j], b), vmin), vmax));
    }
  }
}

}  // namespace edgert
