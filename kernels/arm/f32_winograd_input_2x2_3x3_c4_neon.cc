// f32 Winograd F(2x2, 3x3) input transform, 4 channels per step (a tail of
// 1..3 loaded and stored lane by lane), Advanced SIMD. Contract:
// F32WinogradInputUkernelFn (kernels/dispatch.h); only adds and subtracts, in
// the contract's order, so the results equal the portable transform's.
#include "kernels/arm/neon_loop.h"
#include "kernels/arm/ukernels.h"

namespace edgert {

void f32_winograd_input_ukernel_2x2_3x3_c4__neon(size_t channels, const float* const* input, float* output,
                                                 size_t output_stride) {
  for (size_t c = 0; c < channels; c += 4) {
    const size_t n = channels - c < 4 ? channels - c : 4;
    float32x4_t d[16], w[16];
    for (int e = 0; e < 16; ++e) d[e] = n == 4 ? vld1q_f32(input[e] + c) : neon::LoadTail(input[e] + c, n);
    for (int j = 0; j < 4; ++j) {
      w[j] = vsubq_f32(d[j], d[8 + j]);
      w[4 + j] = vaddq_f32(d[4 + j], d[8 + j]);
      w[8 + j] = vsubq_f32(d[8 + j], d[4 + j]);
      w[12 + j] = vsubq_f32(d[4 + j], d[12 + j]);
    }
    for (int i = 0; i < 4; ++i) {
      const float32x4_t* r = w + 4 * i;
      const float32x4_t v[4] = {vsubq_f32(r[0], r[2]), vaddq_f32(r[1], r[2]), vsubq_f32(r[2], r[1]),
                                vsubq_f32(r[1], r[3])};
      for (int j = 0; j < 4; ++j) {
        float* o = output + static_cast<size_t>(4 * i + j) * output_stride + c;
        if (n == 4)
          vst1q_f32(o, v[j]);
        else
          neon::StoreTail(o, v[j], n);
      }
    }
  }
}

}  // namespace edgert
