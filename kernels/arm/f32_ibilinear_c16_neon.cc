// f32 bilinear interpolation of one output row, 16 channels per step (then 4,
// then 1..3 loaded and stored lane by lane). Contract: F32IBilinearUkernelFn
// (kernels/dispatch.h). Each value is
//   ((tl * (1-dy)) * (1-dx) + (bl * dy) * (1-dx)) + (tr * (1-dy)) * dx + (br * dy) * dx
// with the products and sums in that order (separate multiplies and adds, no
// FMA; CMakeLists.txt builds aarch64 code with -ffp-contract=off): the
// reference kernel's arithmetic, so results are bit-identical.
#include "kernels/arm/neon_loop.h"
#include "kernels/arm/ukernels.h"

namespace edgert {

void f32_ibilinear_ukernel_c16__neon(size_t pixels, size_t channels, const float* top, const float* bottom,
                                     const int32_t* x_lo, const int32_t* x_hi, const float* dx, float dy,
                                     float* output) {
  const float32x4_t vdy = vdupq_n_f32(dy), vdy1 = vdupq_n_f32(1.f - dy);
  for (size_t p = 0; p < pixels; ++p) {
    const size_t lo = static_cast<size_t>(x_lo[p]) * channels, hi = static_cast<size_t>(x_hi[p]) * channels;
    const float* tl = top + lo;
    const float* tr = top + hi;
    const float* bl = bottom + lo;
    const float* br = bottom + hi;
    const float32x4_t vdx = vdupq_n_f32(dx[p]), vdx1 = vdupq_n_f32(1.f - dx[p]);
    auto mix = [&](float32x4_t a, float32x4_t b, float32x4_t c, float32x4_t d) {
      float32x4_t v = vmulq_f32(vmulq_f32(a, vdy1), vdx1);
      v = vaddq_f32(v, vmulq_f32(vmulq_f32(b, vdy), vdx1));
      v = vaddq_f32(v, vmulq_f32(vmulq_f32(c, vdy1), vdx));
      return vaddq_f32(v, vmulq_f32(vmulq_f32(d, vdy), vdx));
    };
    auto at = [&](size_t c) {
      return mix(vld1q_f32(tl + c), vld1q_f32(bl + c), vld1q_f32(tr + c), vld1q_f32(br + c));
    };
    size_t c = 0;
    for (; c + 16 <= channels; c += 16) {
      const float32x4_t v0 = at(c), v1 = at(c + 4), v2 = at(c + 8), v3 = at(c + 12);
      vst1q_f32(output + c, v0);
      vst1q_f32(output + c + 4, v1);
      vst1q_f32(output + c + 8, v2);
      vst1q_f32(output + c + 12, v3);
    }
    for (; c + 4 <= channels; c += 4) vst1q_f32(output + c, at(c));
    if (c < channels) {
      const size_t n = channels - c;
      neon::StoreTail(output + c,
                      mix(neon::LoadTail(tl + c, n), neon::LoadTail(bl + c, n), neon::LoadTail(tr + c, n),
                          neon::LoadTail(br + c, n)),
                      n);
    }
    output += channels;
  }
}

}  // namespace edgert
