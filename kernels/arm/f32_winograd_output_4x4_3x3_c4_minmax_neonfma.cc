// f32 Winograd F(4x4, 3x3) output transform with bias and clamp, 4 channels
// per step (a tail of 1..3 loaded and stored lane by lane), Advanced SIMD
// with fused multiply-add. Contract: F32WinogradOutputUkernelFn with 6x6
// tiles (kernels/dispatch.h).
#include "kernels/arm/neon_loop.h"
#include "kernels/arm/ukernels.h"

namespace edgert {
namespace {

// y = A^T m for 6 values m[0], m[step], ..., m[5 * step].
inline void Transform6(const float32x4_t* m, size_t step, float32x4_t* y, size_t ystep) {
  const float32x4_t a = vaddq_f32(m[step], m[2 * step]), b = vsubq_f32(m[step], m[2 * step]);
  const float32x4_t c = vaddq_f32(m[3 * step], m[4 * step]), d = vsubq_f32(m[3 * step], m[4 * step]);
  y[0] = vaddq_f32(vaddq_f32(m[0], a), c);
  y[ystep] = vfmaq_n_f32(b, d, 2.f);
  y[2 * ystep] = vfmaq_n_f32(a, c, 4.f);
  y[3 * ystep] = vaddq_f32(vfmaq_n_f32(b, d, 8.f), m[5 * step]);
}

}  // namespace

void f32_winograd_output_minmax_ukernel_4x4_3x3_c4__neonfma(size_t channels, const float* input,
                                                            size_t input_stride, const float* bias,
                                                            float* const* output, const F32MinMaxParams* params) {
  const float32x4_t vmin = vdupq_n_f32(params->min), vmax = vdupq_n_f32(params->max);
  for (size_t c = 0; c < channels; c += 4) {
    const size_t n = channels - c < 4 ? channels - c : 4;
    float32x4_t m[36], s[24], y[4];
    for (int e = 0; e < 36; ++e) {
      const float* p = input + static_cast<size_t>(e) * input_stride + c;
      m[e] = n == 4 ? vld1q_f32(p) : neon::LoadTail(p, n);
    }
    for (int j = 0; j < 6; ++j) Transform6(m + j, 6, s + j, 6);  // down column j: s is 4 x 6
    const float32x4_t b = n == 4 ? vld1q_f32(bias + c) : neon::LoadTail(bias + c, n);
    for (int i = 0; i < 4; ++i) {
      Transform6(s + 6 * i, 1, y, 1);  // along row i
      for (int j = 0; j < 4; ++j) {
        const float32x4_t x = vaddq_f32(y[j], b);
        // x > min ? x : min, then v < max ? v : max (the portable order: NaN gives min).
        float32x4_t v = vbslq_f32(vcgtq_f32(x, vmin), x, vmin);
        v = vbslq_f32(vcltq_f32(v, vmax), v, vmax);
        if (n == 4)
          vst1q_f32(output[4 * i + j] + c, v);
        else
          neon::StoreTail(output[4 * i + j] + c, v, n);
      }
    }
  }
}

}  // namespace edgert
