// Loop drivers shared by the elementwise aarch64 microkernels (Advanced SIMD):
// 16 floats per step, then 4, then one partial step of 1..3 floats loaded and
// stored lane by lane, so that any n (0 included) is handled without reading
// or writing past the arrays.
#pragma once

#include <arm_neon.h>

#include <cstddef>
#include <cstdint>

#include "kernels/dispatch.h"

namespace edgert {
namespace neon {

// The first n (1 <= n <= 3) floats of p in lanes 0..n-1, zeros above.
inline float32x4_t LoadTail(const float* p, size_t n) {
  float32x4_t v = vld1q_lane_f32(p, vdupq_n_f32(0.f), 0);
  if (n >= 2) v = vld1q_lane_f32(p + 1, v, 1);
  if (n >= 3) v = vld1q_lane_f32(p + 2, v, 2);
  return v;
}

// Stores lanes 0..n-1 (1 <= n <= 3) of v.
inline void StoreTail(float* p, float32x4_t v, size_t n) {
  float32x2_t lo = vget_low_f32(v);
  if (n & 2) {
    vst1_f32(p, lo);
    lo = vget_high_f32(v);
    p += 2;
  }
  if (n & 1) vst1_lane_f32(p, lo, 0);
}

// y[i] = f(x[i]); f maps one float32x4_t to one float32x4_t lane-wise.
template <typename F>
inline void UnaryLoop(size_t n, const float* x, float* y, F f) {
  for (; n >= 16; n -= 16, x += 16, y += 16) {
    const float32x4_t v0 = f(vld1q_f32(x));
    const float32x4_t v1 = f(vld1q_f32(x + 4));
    const float32x4_t v2 = f(vld1q_f32(x + 8));
    const float32x4_t v3 = f(vld1q_f32(x + 12));
    vst1q_f32(y, v0);
    vst1q_f32(y + 4, v1);
    vst1q_f32(y + 8, v2);
    vst1q_f32(y + 12, v3);
  }
  for (; n >= 4; n -= 4, x += 4, y += 4) vst1q_f32(y, f(vld1q_f32(x)));
  if (n != 0) StoreTail(y, f(LoadTail(x, n)), n);
}

// y[i] = f(a[i], b[i]).
template <typename F>
inline void BinaryLoop(size_t n, const float* a, const float* b, float* y, F f) {
  for (; n >= 16; n -= 16, a += 16, b += 16, y += 16) {
    const float32x4_t v0 = f(vld1q_f32(a), vld1q_f32(b));
    const float32x4_t v1 = f(vld1q_f32(a + 4), vld1q_f32(b + 4));
    const float32x4_t v2 = f(vld1q_f32(a + 8), vld1q_f32(b + 8));
    const float32x4_t v3 = f(vld1q_f32(a + 12), vld1q_f32(b + 12));
    vst1q_f32(y, v0);
    vst1q_f32(y + 4, v1);
    vst1q_f32(y + 8, v2);
    vst1q_f32(y + 12, v3);
  }
  for (; n >= 4; n -= 4, a += 4, b += 4, y += 4) vst1q_f32(y, f(vld1q_f32(a), vld1q_f32(b)));
  if (n != 0) StoreTail(y, f(LoadTail(a, n), LoadTail(b, n)), n);
}

// The reference kernels' clamp, v < min ? min : (v > max ? max : v), bit for
// bit: NaN passes through and -0 stays -0 under min = 0 (FMAX / FMIN would
// turn NaN operands and signed zeros differently, so compares and selects).
inline float32x4_t Clamp(float32x4_t v, float32x4_t vmin, float32x4_t vmax) {
  const float32x4_t upper = vbslq_f32(vcgtq_f32(v, vmax), vmax, v);
  return vbslq_f32(vcltq_f32(v, vmin), vmin, upper);
}

// All ones in the lanes whose sign bit is set (-0 and negative NaNs too).
inline uint32x4_t SignMask(float32x4_t v) {
  return vreinterpretq_u32_s32(vshrq_n_s32(vreinterpretq_s32_f32(v), 31));
}

// The three forms of a binary kernel (F32VBinaryUkernelFn, kernels/dispatch.h)
// for an operation Op::Apply(float32x4_t a, float32x4_t b).
template <typename Op>
inline void BinaryVV(size_t n, const float* a, const float* b, float* y, const F32MinMaxParams* params) {
  const float32x4_t vmin = vdupq_n_f32(params->min), vmax = vdupq_n_f32(params->max);
  BinaryLoop(n, a, b, y, [&](float32x4_t va, float32x4_t vb) { return Clamp(Op::Apply(va, vb), vmin, vmax); });
}
template <typename Op>
inline void BinaryVC(size_t n, const float* a, const float* b, float* y, const F32MinMaxParams* params) {
  const float32x4_t vmin = vdupq_n_f32(params->min), vmax = vdupq_n_f32(params->max);
  const float32x4_t vb = vld1q_dup_f32(b);
  UnaryLoop(n, a, y, [&](float32x4_t va) { return Clamp(Op::Apply(va, vb), vmin, vmax); });
}
template <typename Op>
inline void BinaryRVC(size_t n, const float* a, const float* b, float* y, const F32MinMaxParams* params) {
  const float32x4_t vmin = vdupq_n_f32(params->min), vmax = vdupq_n_f32(params->max);
  const float32x4_t vb = vld1q_dup_f32(b);
  UnaryLoop(n, a, y, [&](float32x4_t va) { return Clamp(Op::Apply(vb, va), vmin, vmax); });
}

// The operations, with the reference kernels' f32 semantics
// (kernels/common/elementwise_binary.h). MAXIMUM is a > b ? a : b and MINIMUM
// a < b ? a : b: compares and selects, since FMAX / FMIN differ from those on
// NaN operands and on +-0.
struct AddOp {
  static float32x4_t Apply(float32x4_t a, float32x4_t b) { return vaddq_f32(a, b); }
};
struct SubOp {
  static float32x4_t Apply(float32x4_t a, float32x4_t b) { return vsubq_f32(a, b); }
};
struct MulOp {
  static float32x4_t Apply(float32x4_t a, float32x4_t b) { return vmulq_f32(a, b); }
};
struct DivOp {
  static float32x4_t Apply(float32x4_t a, float32x4_t b) { return vdivq_f32(a, b); }
};
struct MaxOp {
  static float32x4_t Apply(float32x4_t a, float32x4_t b) { return vbslq_f32(vcgtq_f32(a, b), a, b); }
};
struct MinOp {
  static float32x4_t Apply(float32x4_t a, float32x4_t b) { return vbslq_f32(vcltq_f32(a, b), a, b); }
};

}  // namespace neon
}  // namespace edgert
