// f32 global average pooling with double accumulation, 8 channels per step
// (then a masked step of 1..7). Contract: F32GAvgPoolUkernelFn
// (kernels/dispatch.h). Each channel's sum starts at 0.0 and adds the pixels
// in order as doubles, is divided by the pixel count in double and rounded to
// float once: the reference MEAN's arithmetic, so results are bit-identical.
#include "kernels/x86/avx2_loop.h"
#include "kernels/x86/ukernels.h"

namespace edgert {

void f32_gavgpool_f64acc_ukernel_c8__avx2(size_t pixels, size_t channels, const float* input, size_t pixel_stride,
                                          float* output) {
  const __m256d n = _mm256_set1_pd(static_cast<double>(pixels));
  size_t c = 0;
  for (; c + 8 <= channels; c += 8) {
    __m256d lo = _mm256_setzero_pd(), hi = _mm256_setzero_pd();
    const float* p = input + c;
    for (size_t i = 0; i < pixels; ++i, p += pixel_stride) {
      lo = _mm256_add_pd(lo, _mm256_cvtps_pd(_mm_loadu_ps(p)));
      hi = _mm256_add_pd(hi, _mm256_cvtps_pd(_mm_loadu_ps(p + 4)));
    }
    const __m128 a = _mm256_cvtpd_ps(_mm256_div_pd(lo, n)), b = _mm256_cvtpd_ps(_mm256_div_pd(hi, n));
    _mm256_storeu_ps(output + c, _mm256_insertf128_ps(_mm256_castps128_ps256(a), b, 1));
  }
  if (c < channels) {
    const __m256i mask = x86::TailMask(channels - c);
    __m256d lo = _mm256_setzero_pd(), hi = _mm256_setzero_pd();
    const float* p = input + c;
    for (size_t i = 0; i < pixels; ++i, p += pixel_stride) {
      const __m256 v = _mm256_maskload_ps(p, mask);
      lo = _mm256_add_pd(lo, _mm256_cvtps_pd(_mm256_castps256_ps128(v)));
      hi = _mm256_add_pd(hi, _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1)));
    }
    const __m128 a = _mm256_cvtpd_ps(_mm256_div_pd(lo, n)), b = _mm256_cvtpd_ps(_mm256_div_pd(hi, n));
    _mm256_maskstore_ps(output + c, mask, _mm256_insertf128_ps(_mm256_castps128_ps256(a), b, 1));
  }
}

}  // namespace edgert
