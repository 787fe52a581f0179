// f32 Winograd F(2x2, 3x3) output transform with bias and clamp, 4 channels
// per step (a tail of 1..3 loaded and stored lane by lane), Advanced SIMD.
// Contract: F32WinogradOutputUkernelFn (kernels/dispatch.h); only adds,
// subtracts, compares and selects, in the contract's order, so the results
// equal the portable transform's.
#include "kernels/arm/neon_loop.h"
#include "kernels/arm/ukernels.h"

namespace edgert {

void f32_winograd_output_minmax_ukernel_2x2_3x3_c4__neon(size_t channels, const float* input, size_t input_stride,
                                                         const float* bias, float* const* output,
                                                         const F32MinMaxParams* params) {
  const float32x4_t vmin = vdupq_n_f32(params->min), vmax = vdupq_n_f32(params->max);
  for (size_t c = 0; c < channels; c += 4) {
    const size_t n = channels - c < 4 ? channels - c : 4;
    auto load = [&](const float* p) { return n == 4 ? vld1q_f32(p) : neon::LoadTail(p, n); };
    float32x4_t s0[4], s1[4];
    for (int j = 0; j < 4; ++j) {
      const float32x4_t m0 = load(input + static_cast<size_t>(j) * input_stride + c);
      const float32x4_t m1 = load(input + static_cast<size_t>(4 + j) * input_stride + c);
      const float32x4_t m2 = load(input + static_cast<size_t>(8 + j) * input_stride + c);
      const float32x4_t m3 = load(input + static_cast<size_t>(12 + j) * input_stride + c);
      s0[j] = vaddq_f32(vaddq_f32(m0, m1), m2);
      s1[j] = vsubq_f32(vsubq_f32(m1, m2), m3);
    }
    const float32x4_t b = load(bias + c);
    const float32x4_t y[4] = {vaddq_f32(vaddq_f32(vaddq_f32(s0[0], s0[1]), s0[2]), b),
                              vaddq_f32(vsubq_f32(vsubq_f32(s0[1], s0[2]), s0[3]), b),
                              vaddq_f32(vaddq_f32(vaddq_f32(s1[0], s1[1]), s1[2]), b),
                              vaddq_f32(vsubq_f32(vsubq_f32(s1[1], s1[2]), s1[3]), b)};
    for (int p = 0; p < 4; ++p) {
      // y > min ? y : min, then v < max ? v : max (the portable order: NaN gives min).
      float32x4_t v = vbslq_f32(vcgtq_f32(y[p], vmin), y[p], vmin);
      v = vbslq_f32(vcltq_f32(v, vmax), v, vmax);
      if (n == 4)
        vst1q_f32(output[p] + c, v);
      else
        neon::StoreTail(output[p] + c, v, n);
    }
  }
}

}  // namespace edgert
