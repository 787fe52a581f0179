// f32 average pooling over one clamped window, 16 channels per step (then 4,
// then 1..3 loaded and stored lane by lane). Contract: F32AvgPoolUkernelFn
// (kernels/dispatch.h). The sum starts at 0 and adds the taps row by row, left
// to right, then is divided by `divisor` (a division, not a reciprocal
// multiply): the reference kernel's arithmetic, so results are bit-identical.
#include "kernels/arm/neon_loop.h"
#include "kernels/arm/ukernels.h"

namespace edgert {
namespace {

template <typename Load>
inline float32x4_t WindowSum(size_t rows, size_t cols, size_t channels, const float* in, size_t row_stride,
                             Load load) {
  float32x4_t sum = vdupq_n_f32(0.f);
  for (size_t r = 0; r < rows; ++r) {
    const float* p = in + r * row_stride;
    for (size_t c = 0; c < cols; ++c) sum = vaddq_f32(sum, load(p + c * channels));
  }
  return sum;
}

}  // namespace

void f32_avgpool_minmax_ukernel_c16__neon(size_t rows, size_t cols, size_t channels, const float* input,
                                          size_t row_stride, float divisor, float* output,
                                          const F32MinMaxParams* params) {
  const float32x4_t lo = vdupq_n_f32(params->min), hi = vdupq_n_f32(params->max);
  const float32x4_t d = vdupq_n_f32(divisor);
  auto finish = [&](float32x4_t sum) { return neon::Clamp(vdivq_f32(sum, d), lo, hi); };
  auto load = [](const float* p) { return vld1q_f32(p); };
  size_t c = 0;
  for (; c + 16 <= channels; c += 16) {
    const float32x4_t v0 = WindowSum(rows, cols, channels, input + c, row_stride, load);
    const float32x4_t v1 = WindowSum(rows, cols, channels, input + c + 4, row_stride, load);
    const float32x4_t v2 = WindowSum(rows, cols, channels, input + c + 8, row_stride, load);
    const float32x4_t v3 = WindowSum(rows, cols, channels, input + c + 12, row_stride, load);
    vst1q_f32(output + c, finish(v0));
    vst1q_f32(output + c + 4, finish(v1));
    vst1q_f32(output + c + 8, finish(v2));
    vst1q_f32(output + c + 12, finish(v3));
  }
  for (; c + 4 <= channels; c += 4)
    vst1q_f32(output + c, finish(WindowSum(rows, cols, channels, input + c, row_stride, load)));
  if (c < channels) {
    const size_t n = channels - c;
    auto partial = [n](const float* p) { return neon::LoadTail(p, n); };
    neon::StoreTail(output + c, finish(WindowSum(rows, cols, channels, input + c, row_stride, partial)), n);
  }
}

}  // namespace edgert
