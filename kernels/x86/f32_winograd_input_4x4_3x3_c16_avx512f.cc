// f32 Winograd F(4x4, 3x3) input transform, 16 channels per step (a masked
// tail of 1..15), AVX-512 F: the arithmetic of the AVX2 kernel
// (f32_winograd_input_4x4_3x3_c8_fma3.cc), the same operations in the same
// order, on twice the lanes. Contract: F32WinogradInputUkernelFn with 6x6
// tiles (kernels/dispatch.h). Compiled with -mavx512f.
#include <immintrin.h>

#include <cstdint>

#include "kernels/x86/ukernels.h"

namespace edgert {
namespace {

// w = B^T d for 6 values d[0], d[step], ..., d[5 * step].
inline void Transform6(const __m512* d, size_t step, __m512* w, size_t wstep) {
  const __m512 d0 = d[0], d1 = d[step], d2 = d[2 * step], d3 = d[3 * step], d4 = d[4 * step], d5 = d[5 * step];
  const __m512 four = _mm512_set1_ps(4.f), minus_four = _mm512_set1_ps(-4.f), two = _mm512_set1_ps(2.f);
  const __m512 minus_five = _mm512_set1_ps(-5.f);
  w[0] = _mm512_fmadd_ps(four, d0, _mm512_fmadd_ps(minus_five, d2, d4));
  w[wstep] = _mm512_fmadd_ps(minus_four, _mm512_add_ps(d1, d2), _mm512_add_ps(d3, d4));
  w[2 * wstep] = _mm512_fmadd_ps(four, _mm512_sub_ps(d1, d2), _mm512_sub_ps(d4, d3));
  w[3 * wstep] = _mm512_fmadd_ps(two, _mm512_sub_ps(d3, d1), _mm512_sub_ps(d4, d2));
  w[4 * wstep] = _mm512_fmadd_ps(two, _mm512_sub_ps(d1, d3), _mm512_sub_ps(d4, d2));
  w[5 * wstep] = _mm512_fmadd_ps(four, d1, _mm512_fmadd_ps(minus_five, d3, d5));
}

}  // namespace

void f32_winograd_input_ukernel_4x4_3x3_c16__avx512f(size_t channels, const float* const* input, float* output,
                                                     size_t output_stride) {
  for (size_t c = 0; c < channels; c += 16) {
    const size_t n = channels - c < 16 ? channels - c : 16;
    const __mmask16 mask = static_cast<__mmask16>((1u << n) - 1);  // lane i active when i < n
    __m512 d[36], t[36], v[6];
    for (int e = 0; e < 36; ++e) d[e] = _mm512_maskz_loadu_ps(mask, input[e] + c);
    for (int j = 0; j < 6; ++j) Transform6(d + j, 6, t + j, 6);  // down column j
    for (int i = 0; i < 6; ++i) {
      Transform6(t + 6 * i, 1, v, 1);  // along row i
      for (int j = 0; j < 6; ++j)
        _mm512_mask_storeu_ps(output + static_cast<size_t>(6 * i + j) * output_stride + c, mask, v[j]);
    }
  }
}

}  // namespace edgert
