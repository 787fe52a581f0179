// f32 global average pooling with double accumulation, 8 channels per step
// (then 4, then 1..3 loaded and stored lane by lane). Contract:
// F32GAvgPoolUkernelFn (kernels/dispatch.h). Each channel's sum starts at 0.0
// and adds the pixels in order as doubles, is divided by the pixel count in
// double and rounded to float once: the reference MEAN's arithmetic, so
// results are bit-identical.
#include "kernels/arm/neon_loop.h"
#include "kernels/arm/ukernels.h"

namespace edgert {
namespace {

// The mean of 4 channels starting at p (loaded by `load`).
template <typename Load>
inline float32x4_t Mean4(size_t pixels, const float* p, size_t pixel_stride, float64x2_t n, Load load) {
  float64x2_t lo = vdupq_n_f64(0.0), hi = vdupq_n_f64(0.0);
  for (size_t i = 0; i < pixels; ++i, p += pixel_stride) {
    const float32x4_t v = load(p);
    lo = vaddq_f64(lo, vcvt_f64_f32(vget_low_f32(v)));
    hi = vaddq_f64(hi, vcvt_high_f64_f32(v));
  }
  return vcvt_high_f32_f64(vcvt_f32_f64(vdivq_f64(lo, n)), vdivq_f64(hi, n));
}

}  // namespace

void f32_gavgpool_f64acc_ukernel_c8__neon(size_t pixels, size_t channels, const float* input, size_t pixel_stride,
                                          float* output) {
  const float64x2_t n = vdupq_n_f64(static_cast<double>(pixels));
  auto load = [](const float* p) { return vld1q_f32(p); };
  size_t c = 0;
  for (; c + 8 <= channels; c += 8) {
    const float32x4_t a = Mean4(pixels, input + c, pixel_stride, n, load);
    const float32x4_t b = Mean4(pixels, input + c + 4, pixel_stride, n, load);
    vst1q_f32(output + c, a);
    vst1q_f32(output + c + 4, b);
  }
  if (c + 4 <= channels) {
    vst1q_f32(output + c, Mean4(pixels, input + c, pixel_stride, n, load));
    c += 4;
  }
  if (c < channels) {
    const size_t k = channels - c;
    auto partial = [k](const float* p) { return neon::LoadTail(p, k); };
    neon::StoreTail(output + c, Mean4(pixels, input + c, pixel_stride, n, partial), k);
  }
}

}  // namespace edgert
