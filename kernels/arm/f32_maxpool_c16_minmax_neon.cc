// f32 max pooling over one clamped window, 16 channels per step (then 4, then
// 1..3 loaded and stored lane by lane). Contract: F32MaxPoolUkernelFn
// (kernels/dispatch.h). The first tap initializes the maximum and each later
// tap v replaces it when v > max (a compare and select, not FMAX, which would
// differ on NaN and +-0): the reference kernel's comparison order, NaN
// handling included, so results are bit-identical.
#include "kernels/arm/neon_loop.h"
#include "kernels/arm/ukernels.h"

namespace edgert {
namespace {

template <typename Load>
inline float32x4_t WindowMax(size_t rows, size_t cols, size_t channels, const float* in, size_t row_stride,
                             Load load) {
  float32x4_t best = load(in);
  for (size_t r = 0; r < rows; ++r) {
    const float* p = in + r * row_stride;
    for (size_t c = r == 0 ? 1 : 0; c < cols; ++c) {
      const float32x4_t v = load(p + c * channels);
      best = vbslq_f32(vcgtq_f32(v, best), v, best);
    }
  }
  return best;
}

}  // namespace

void f32_maxpool_minmax_ukernel_c16__neon(size_t rows, size_t cols, size_t channels, const float* input,
                                          size_t row_stride, float* output, const F32MinMaxParams* params) {
  const float32x4_t lo = vdupq_n_f32(params->min), hi = vdupq_n_f32(params->max);
  auto load = [](const float* p) { return vld1q_f32(p); };
  size_t c = 0;
  for (; c + 16 <= channels; c += 16) {
    const float32x4_t v0 = WindowMax(rows, cols, channels, input + c, row_stride, load);
    const float32x4_t v1 = WindowMax(rows, cols, channels, input + c + 4, row_stride, load);
    const float32x4_t v2 = WindowMax(rows, cols, channels, input + c + 8, row_stride, load);
    const float32x4_t v3 = WindowMax(rows, cols, channels, input + c + 12, row_stride, load);
    vst1q_f32(output + c, neon::Clamp(v0, lo, hi));
    vst1q_f32(output + c + 4, neon::Clamp(v1, lo, hi));
    vst1q_f32(output + c + 8, neon::Clamp(v2, lo, hi));
    vst1q_f32(output + c + 12, neon::Clamp(v3, lo, hi));
  }
  for (; c + 4 <= channels; c += 4)
    vst1q_f32(output + c, neon::Clamp(WindowMax(rows, cols, channels, input + c, row_stride, load), lo, hi));
  if (c < channels) {
    const size_t n = channels - c;
    auto partial = [n](const float* p) { return neon::LoadTail(p, n); };
    neon::StoreTail(output + c, neon::Clamp(WindowMax(rows, cols, channels, input + c, row_stride, partial), lo, hi),
                    n);
  }
}

}  // namespace edgert
