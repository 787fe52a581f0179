// Int8 ADD / SUB in single precision (QS8VAddF32UkernelFn, kernels/dispatch.h),
// 16 values per step, Advanced SIMD: each operand widened to 4 float vectors,
// y = fma(b, scale2, fma(a, scale1, bias)) (FMLA: one rounding, as the
// contract's fma), rounded to the nearest integer with ties to even (FCVTNS,
// whatever the FPCR says), then narrowed with saturation to int16, offset by
// the output zero point, narrowed with saturation to int8 and clamped (the
// saturations are monotone and within the int8 clamp, so they give the
// contract's clamp(round(v) + zp)). About half the instructions of the
// fixed-point kernel (qs8_vadd_x16_minmax_neon.cc: three requantizations),
// whose results it reproduces where it is used (every input pair checked at
// prepare, kernels/optimized/qs8_add_f64.h). Tails (1..15 values) go through
// the fixed-point kernel's byte loads and stores.
#include <arm_neon.h>

#include "kernels/arm/qs8_requant_neon.h"
#include "kernels/arm/ukernels.h"

namespace edgert {
namespace {

struct Constants {
  float32x4_t s1, s2, bias;
  int16x8_t zp;
  int8x16_t lo, hi;
};

// The 16 float values of v, 4 per vector.
inline void WidenToFloat(int8x16_t v, float32x4_t out[4]) {
  const int16x8_t lo = vmovl_s8(vget_low_s8(v)), hi = vmovl_high_s8(v);
  out[0] = vcvtq_f32_s32(vmovl_s16(vget_low_s16(lo)));
  out[1] = vcvtq_f32_s32(vmovl_high_s16(lo));
  out[2] = vcvtq_f32_s32(vmovl_s16(vget_low_s16(hi)));
  out[3] = vcvtq_f32_s32(vmovl_high_s16(hi));
}

inline int8x16_t Add16(int8x16_t a, int8x16_t b, const Constants& c) {
  float32x4_t fa[4], fb[4];
  WidenToFloat(a, fa);
  WidenToFloat(b, fb);
  int32x4_t r[4];
  for (int i = 0; i < 4; ++i) r[i] = vcvtnq_s32_f32(vfmaq_f32(vfmaq_f32(c.bias, fa[i], c.s1), fb[i], c.s2));
  const int16x8_t lo = vqaddq_s16(vqmovn_high_s32(vqmovn_s32(r[0]), r[1]), c.zp);
  const int16x8_t hi = vqaddq_s16(vqmovn_high_s32(vqmovn_s32(r[2]), r[3]), c.zp);
  const int8x16_t y = vqmovn_high_s16(vqmovn_s16(lo), hi);
  return vminq_s8(vmaxq_s8(y, c.lo), c.hi);
}

}  // namespace

void qs8_vadd_minmax_f32_ukernel_x16__neon(size_t n, const int8_t* a, const int8_t* b, int8_t* y,
                                           const QS8AddF32Params* p) {
  const Constants c = {vdupq_n_f32(p->scale1),
                       vdupq_n_f32(p->scale2),
                       vdupq_n_f32(p->bias),
                       vdupq_n_s16(static_cast<int16_t>(p->out_zero_point)),
                       vdupq_n_s8(static_cast<int8_t>(p->min)),
                       vdupq_n_s8(static_cast<int8_t>(p->max))};
  for (; n >= 16; n -= 16, a += 16, b += 16, y += 16) vst1q_s8(y, Add16(vld1q_s8(a), vld1q_s8(b), c));
  if (n > 0) qs8_neon::StoreBytes(y, Add16(qs8_neon::LoadBytes(a, n), qs8_neon::LoadBytes(b, n), c), n);
}

}  // namespace edgert
