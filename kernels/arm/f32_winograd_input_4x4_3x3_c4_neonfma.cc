// f32 Winograd F(4x4, 3x3) input transform, 4 channels per step (a tail of
// 1..3 loaded and stored lane by lane), Advanced SIMD with fused
// multiply-add. Contract: F32WinogradInputUkernelFn with 6x6 tiles
// (kernels/dispatch.h).
#include "kernels/arm/neon_loop.h"
#include "kernels/arm/ukernels.h"

namespace edgert {
namespace {

// w = B^T d for 6 values d[0], d[step], ..., d[5 * step].
inline void Transform6(const float32x4_t* d, size_t step, float32x4_t* w, size_t wstep) {
  const float32x4_t d0 = d[0], d1 = d[step], d2 = d[2 * step], d3 = d[3 * step], d4 = d[4 * step], d5 = d[5 * step];
  w[0] = vfmaq_n_f32(vfmaq_n_f32(d4, d2, -5.f), d0, 4.f);
  w[wstep] = vfmaq_n_f32(vaddq_f32(d3, d4), vaddq_f32(d1, d2), -4.f);
  w[2 * wstep] = vfmaq_n_f32(vsubq_f32(d4, d3), vsubq_f32(d1, d2), 4.f);
  w[3 * wstep] = vfmaq_n_f32(vsubq_f32(d4, d2), vsubq_f32(d3, d1), 2.f);
  w[4 * wstep] = vfmaq_n_f32(vsubq_f32(d4, d2), vsubq_f32(d1, d3), 2.f);
  w[5 * wstep] = vfmaq_n_f32(vfmaq_n_f32(d5, d3, -5.f), d1, 4.f);
}

}  // namespace

void f32_winograd_input_ukernel_4x4_3x3_c4__neonfma(size_t channels, const float* const* input, float* output,
                                                    size_t output_stride) {
  for (size_t c = 0; c < channels; c += 4) {
    const size_t n = channels - c < 4 ? channels - c : 4;
    float32x4_t d[36], t[36], v[6];
    for (int e = 0; e < 36; ++e) d[e] = n == 4 ? vld1q_f32(input[e] + c) : neon::LoadTail(input[e] + c, n);
    for (int j = 0; j < 6; ++j) Transform6(d + j, 6, t + j, 6);  // down column j
    for (int i = 0; i < 6; ++i) {
      Transform6(t + 6 * i, 1, v, 1);  // along row i
      for (int j = 0; j < 6; ++j) {
        float* o = output + static_cast<size_t>(6 * i + j) * output_stride + c;
        if (n == 4)
          vst1q_f32(o, v[j]);
        else
          neon::StoreTail(o, v[j], n);
      }
    }
  }
}

}  // namespace edgert
