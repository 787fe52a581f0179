// f32 bilinear interpolation of one output row, 16 channels per step (then 8,
// then a masked step of 1..7). Contract: F32IBilinearUkernelFn
// (kernels/dispatch.h). Each value is
//   ((tl * (1-dy)) * (1-dx) + (bl * dy) * (1-dx)) + (tr * (1-dy)) * dx + (br * dy) * dx
// with the products and sums in that order (separate multiplies and adds, no
// FMA): the reference kernel's arithmetic, so results are bit-identical.
#include "kernels/x86/avx2_loop.h"
#include "kernels/x86/ukernels.h"

namespace edgert {

void f32_ibilinear_ukernel_c16__avx2(size_t pixels, size_t channels, const float* top, const float* bottom,
                                     const int32_t* x_lo, const int32_t* x_hi, const float* dx, float dy,
                                     float* output) {
  const __m256 vdy = _mm256_set1_ps(dy), vdy1 = _mm256_set1_ps(1.f - dy);
  for (size_t p = 0; p < pixels; ++p) {
    const size_t lo = static_cast<size_t>(x_lo[p]) * channels, hi = static_cast<size_t>(x_hi[p]) * channels;
    const float* tl = top + lo;
    const float* tr = top + hi;
    const float* bl = bottom + lo;
    const float* br = bottom + hi;
    const __m256 vdx = _mm256_set1_ps(dx[p]), vdx1 = _mm256_set1_ps(1.f - dx[p]);
    auto mix = [&](__m256 a, __m256 b, __m256 c, __m256 d) {
      __m256 v = _mm256_mul_ps(_mm256_mul_ps(a, vdy1), vdx1);
      v = _mm256_add_ps(v, _mm256_mul_ps(_mm256_mul_ps(b, vdy), vdx1));
      v = _mm256_add_ps(v, _mm256_mul_ps(_mm256_mul_ps(c, vdy1), vdx));
      return _mm256_add_ps(v, _mm256_mul_ps(_mm256_mul_ps(d, vdy), vdx));
    };
    size_t c = 0;
    for (; c + 16 <= channels; c += 16) {
      const __m256 v0 = mix(_mm256_loadu_ps(tl + c), _mm256_loadu_ps(bl + c), _mm256_loadu_ps(tr + c),
                            _mm256_loadu_ps(br + c));
      const __m256 v1 = mix(_mm256_loadu_ps(tl + c + 8), _mm256_loadu_ps(bl + c + 8), _mm256_loadu_ps(tr + c + 8),
                            _mm256_loadu_ps(br + c + 8));
      _mm256_storeu_ps(output + c, v0);
      _mm256_storeu_ps(output + c + 8, v1);
    }
    if (c + 8 <= channels) {
      _mm256_storeu_ps(output + c, mix(_mm256_loadu_ps(tl + c), _mm256_loadu_ps(bl + c), _mm256_loadu_ps(tr + c),
                                       _mm256_loadu_ps(br + c)));
      c += 8;
    }
    if (c < channels) {
      const __m256i m = x86::TailMask(channels - c);
      _mm256_maskstore_ps(output + c, m,
                          mix(_mm256_maskload_ps(tl + c, m), _mm256_maskload_ps(bl + c, m),
                              _mm256_maskload_ps(tr + c, m), _mm256_maskload_ps(br + c, m)));
    }
    output += channels;
  }
}

}  // namespace edgert
