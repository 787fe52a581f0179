// f32 max pooling over one clamped window, 16 channels per step (then 8, then
// a masked step of 1..7). Contract: F32MaxPoolUkernelFn (kernels/dispatch.h).
// The first tap initializes the maximum and each later tap v replaces it when
// v > max (_mm256_max_ps(v, max) returns max unless v > max), which is the
// reference kernel's comparison order, NaN handling included.
#include "kernels/x86/avx2_loop.h"
#include "kernels/x86/ukernels.h"

namespace edgert {
namespace {

template <typename Load>
inline __m256 WindowMax(size_t rows, size_t cols, size_t channels, const float* in, size_t row_stride, Load load) {
  __m256 best = load(in);
  for (size_t r = 0; r < rows; ++r) {
    const float* p = in + r * row_stride;
    for (size_t c = r == 0 ? 1 : 0; c < cols; ++c) best = _mm256_max_ps(load(p + c * channels), best);
  }
  return best;
}

}  // namespace

void f32_maxpool_minmax_ukernel_c16__avx2(size_t rows, size_t cols, size_t channels, const float* input,
                                          size_t row_stride, float* output, const F32MinMaxParams* params) {
  const __m256 lo = _mm256_set1_ps(params->min), hi = _mm256_set1_ps(params->max);
  // v < lo ? lo : (v > hi ? hi : v), NaN passing through.
  auto clamp = [&](__m256 v) { return _mm256_min_ps(hi, _mm256_max_ps(lo, v)); };
  auto load = [](const float* p) { return _mm256_loadu_ps(p); };
  size_t c = 0;
  for (; c + 16 <= channels; c += 16) {
    const __m256 a = WindowMax(rows, cols, channels, input + c, row_stride, load);
    const __m256 b = WindowMax(rows, cols, channels, input + c + 8, row_stride, load);
    _mm256_storeu_ps(output + c, clamp(a));
    _mm256_storeu_ps(output + c + 8, clamp(b));
  }
  if (c + 8 <= channels) {
    _mm256_storeu_ps(output + c, clamp(WindowMax(rows, cols, channels, input + c, row_stride, load)));
    c += 8;
  }
  if (c < channels) {
    const __m256i mask = x86::TailMask(channels - c);
    auto masked = [mask](const float* p) { return _mm256_maskload_ps(p, mask); };
    _mm256_maskstore_ps(output + c, mask, clamp(WindowMax(rows, cols, channels, input + c, row_stride, masked)));
  }
}

}  // namespace edgert
