// f32 average pooling over one clamped window, 16 channels per step (then 8,
// then a masked step of 1..7). Contract: F32AvgPoolUkernelFn
// (kernels/dispatch.h). The sum starts at 0 and adds the taps row by row, left
// to right, then is divided by `divisor` (a division, not a reciprocal
// multiply): the reference kernel's arithmetic, so results are bit-identical.
#include "kernels/x86/avx2_loop.h"
#include "kernels/x86/ukernels.h"

namespace edgert {
namespace {

template <typename Load>
inline __m256 WindowSum(size_t rows, size_t cols, size_t channels, const float* in, size_t row_stride, Load load) {
  __m256 sum = _mm256_setzero_ps();
  for (size_t r = 0; r < rows; ++r) {
    const float* p = in + r * row_stride;
    for (size_t c = 0; c < cols; ++c) sum = _mm256_add_ps(sum, load(p + c * channels));
  }
  return sum;
}

}  // namespace

void f32_avgpool_minmax_ukernel_c16__avx2(size_t rows, size_t cols, size_t channels, const float* input,
                                          size_t row_stride, float divisor, float* output,
                                          const F32MinMaxParams* params) {
  const __m256 lo = _mm256_set1_ps(params->min), hi = _mm256_set1_ps(params->max);
  const __m256 d = _mm256_set1_ps(divisor);
  // v < lo ? lo : (v > hi ? hi : v), NaN passing through.
  auto finish = [&](__m256 sum) { return _mm256_min_ps(hi, _mm256_max_ps(lo, _mm256_div_ps(sum, d))); };
  auto load = [](const float* p) { return _mm256_loadu_ps(p); };
  size_t c = 0;
  for (; c + 16 <= channels; c += 16) {
    const __m256 a = WindowSum(rows, cols, channels, input + c, row_stride, load);
    const __m256 b = WindowSum(rows, cols, channels, input + c + 8, row_stride, load);
    _mm256_storeu_ps(output + c, finish(a));
    _mm256_storeu_ps(output + c + 8, finish(b));
  }
  if (c + 8 <= channels) {
    _mm256_storeu_ps(output + c, finish(WindowSum(rows, cols, channels, input + c, row_stride, load)));
    c += 8;
  }
  if (c < channels) {
    const __m256i mask = x86::TailMask(channels - c);
    auto masked = [mask](const float* p) { return _mm256_maskload_ps(p, mask); };
    _mm256_maskstore_ps(output + c, mask, finish(WindowSum(rows, cols, channels, input + c, row_stride, masked)));
  }
}

}  // namespace edgert
