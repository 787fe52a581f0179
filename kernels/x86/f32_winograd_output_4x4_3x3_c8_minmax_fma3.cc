// f32 Winograd F(4x4, 3x3) output transform with bias and clamp, 8 channels
// per step (a masked tail of 1..7), AVX2 + FMA3. Contract:
// F32WinogradOutputUkernelFn with 6x6 tiles (kernels/dispatch.h). Compiled
// with -mavx2 -mfma.
#include <immintrin.h>

#include <cstdint>

#include "kernels/x86/avx2_loop.h"
#include "kernels/x86/ukernels.h"

namespace edgert {
namespace {

// y = A^T m for 6 values m[0], m[step], ..., m[5 * step].
inline void Transform6(const __m256* m, size_t step, __m256* y, size_t ystep) {
  const __m256 a = _mm256_add_ps(m[step], m[2 * step]), b = _mm256_sub_ps(m[step], m[2 * step]);
  const __m256 c = _mm256_add_ps(m[3 * step], m[4 * step]), d = _mm256_sub_ps(m[3 * step], m[4 * step]);
  y[0] = _mm256_add_ps(_mm256_add_ps(m[0], a), c);
  y[ystep] = _mm256_fmadd_ps(_mm256_set1_ps(2.f), d, b);
  y[2 * ystep] = _mm256_fmadd_ps(_mm256_set1_ps(4.f), c, a);
  y[3 * ystep] = _mm256_add_ps(_mm256_fmadd_ps(_mm256_set1_ps(8.f), d, b), m[5 * step]);
}

}  // namespace

void f32_winograd_output_minmax_ukernel_4x4_3x3_c8__fma3(size_t channels, const float* input, size_t input_stride,
                                                         const float* bias, float* const* output,
                                                         const F32MinMaxParams* params) {
  const __m256 vmin = _mm256_set1_ps(params->min);
  const __m256 vmax = _mm256_set1_ps(params->max);
  for (size_t c = 0; c < channels; c += 8) {
    const bool masked = channels - c < 8;
    // Lane i is active when i < channels - c.
    const __m256i mask = x86::TailMask(masked ? channels - c : 8);
    __m256 m[36], s[24], y[4];
    for (int e = 0; e < 36; ++e) {
      const float* p = input + static_cast<size_t>(e) * input_stride + c;
      m[e] = masked ? _mm256_maskload_ps(p, mask) : _mm256_loadu_ps(p);
    }
    for (int j = 0; j < 6; ++j) Transform6(m + j, 6, s + j, 6);  // down column j: s is 4 x 6
    const __m256 b = masked ? _mm256_maskload_ps(bias + c, mask) : _mm256_loadu_ps(bias + c);
    for (int i = 0; i < 4; ++i) {
      Transform6(s + 6 * i, 1, y, 1);  // along row i
      for (int j = 0; j < 4; ++j) {
        const __m256 v = _mm256_min_ps(_mm256_max_ps(_mm256_add_ps(y[j], b), vmin), vmax);
        float* o = output[4 * i + j] + c;
        if (masked)
          _mm256_maskstore_ps(o, mask, v);
        else
          _mm256_storeu_ps(o, v);
      }
    }
  }
}

}  // namespace edgert
