// Bilinear interpolation of int8 / uint8 rows (QS8IBilinearUkernelFn and
// QU8IBilinearUkernelFn in kernels/dispatch.h) with Advanced SIMD. Each value
// is the f32 kernel's expression on float(stored value),
//   ((tl * (1-dy)) * (1-dx) + (bl * dy) * (1-dx)) + (tr * (1-dy)) * dx + (br * dy) * dx,
// with separate multiplies and adds in that order (aarch64 code is compiled
// with -ffp-contract=off), then floor(v + 0.5) clamped to the type: the
// reference kernel's arithmetic, so results are bit-identical.
// The row products are taken once per input value: the input columns the
// output row reads ([lo, hi]) are converted and weighted into two float rows
// (top * (1-dy), bottom * dy), and each output value takes 4 loads, 4
// multiplies and 3 adds (16 channels per step, then 4, then one at a time).
// Rows too wide for the two stack rows weight each value where it is used.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>

#include "kernels/arm/x8_neon.h"
#include "kernels/common/x8_ibilinear_rows.h"
#include "kernels/dispatch.h"

namespace edgert {
namespace neon {

// floor(v + 0.5) clamped to T's range, as int32 lanes.
template <typename T>
inline int32x4_t X8RoundClamp(float32x4_t v) {
  const float32x4_t r = vrndmq_f32(vaddq_f32(v, vdupq_n_f32(0.5f)));
  const float32x4_t c = vminq_f32(vmaxq_f32(r, vdupq_n_f32(static_cast<float>(std::numeric_limits<T>::min()))),
                                  vdupq_n_f32(static_cast<float>(std::numeric_limits<T>::max())));
  return vcvtq_s32_f32(c);
}

// 4 stored values as floats.
template <typename T>
inline float32x4_t X8Load4AsFloat(const T* p) {
  T buf[8] = {};
  std::memcpy(buf, p, 4 * sizeof(T));
  int32x4_t lo, hi;
  Widen8To32(buf, &lo, &hi);
  return vcvtq_f32_s32(lo);
}

// 8 stored values as two float32x4_t.
template <typename T>
inline void X8Load8AsFloat(const T* p, float32x4_t* lo, float32x4_t* hi) {
  int32x4_t a, b;
  Widen8To32(p, &a, &b);
  *lo = vcvtq_f32_s32(a);
  *hi = vcvtq_f32_s32(b);
}

// Stores the low 4 lanes of int32 values within T's range as 4 bytes.
template <typename T>
inline void X8Store4From32(T* p, int32x4_t v) {
  T out[8];
  Store8From32(out, v, v);
  std::memcpy(p, out, 4 * sizeof(T));
}

template <typename T>
inline bool X8IBilinearWeightedRows(size_t pixels, size_t channels, const T* top, const T* bottom,
                                    const int32_t* x_lo, const int32_t* x_hi, const float* dx, float dy, T* output) {
  if (pixels == 0 || channels == 0) return true;
  int32_t lo = 0;
  size_t n = 0;
  if (!X8WeightedRowSpan(pixels, channels, x_lo, x_hi, &lo, &n)) return false;
  alignas(16) float wt[kX8WeightedRowFloats], wb[kX8WeightedRowFloats];
  const float dy1 = 1.f - dy;
  const float32x4_t vdy = vdupq_n_f32(dy), vdy1 = vdupq_n_f32(dy1);
  const T* t0 = top + static_cast<size_t>(lo) * channels;
  const T* b0 = bottom + static_cast<size_t>(lo) * channels;
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    float32x4_t a0, a1, b0v, b1v;
    X8Load8AsFloat(t0 + i, &a0, &a1);
    X8Load8AsFloat(b0 + i, &b0v, &b1v);
    vst1q_f32(wt + i, vmulq_f32(a0, vdy1));
    vst1q_f32(wt + i + 4, vmulq_f32(a1, vdy1));
    vst1q_f32(wb + i, vmulq_f32(b0v, vdy));
    vst1q_f32(wb + i + 4, vmulq_f32(b1v, vdy));
  }
  for (; i < n; ++i) {
    wt[i] = static_cast<float>(t0[i]) * dy1;
    wb[i] = static_cast<float>(b0[i]) * dy;
  }
  for (size_t p = 0; p < pixels; ++p) {
    const size_t l = static_cast<size_t>(x_lo[p] - lo) * channels, h = static_cast<size_t>(x_hi[p] - lo) * channels;
    const float dxp = dx[p], dx1 = 1.f - dxp;
    const float32x4_t vdx = vdupq_n_f32(dxp), vdx1 = vdupq_n_f32(dx1);
    auto mix4 = [&](size_t c) {
      float32x4_t v = vmulq_f32(vld1q_f32(wt + l + c), vdx1);
      v = vaddq_f32(v, vmulq_f32(vld1q_f32(wb + l + c), vdx1));
      v = vaddq_f32(v, vmulq_f32(vld1q_f32(wt + h + c), vdx));
      v = vaddq_f32(v, vmulq_f32(vld1q_f32(wb + h + c), vdx));
      return X8RoundClamp<T>(v);
    };
    size_t c = 0;
    for (; c + 16 <= channels; c += 16) {
      const int32x4_t v0 = mix4(c), v1 = mix4(c + 4), v2 = mix4(c + 8), v3 = mix4(c + 12);
      Store8From32(output + c, v0, v1);
      Store8From32(output + c + 8, v2, v3);
    }
    for (; c + 4 <= channels; c += 4) X8Store4From32(output + c, mix4(c));
    for (; c < channels; ++c) {  // the last 1..3 channels, one at a time
      float v = wt[l + c] * dx1;
      v = v + wb[l + c] * dx1;
      v = v + wt[h + c] * dxp;
      v = v + wb[h + c] * dxp;
      output[c] = X8RoundToStored<T>(v);
    }
    output += channels;
  }
  return true;
}

template <typename T>
inline void X8IBilinearC16(size_t pixels, size_t channels, const T* top, const T* bottom, const int32_t* x_lo,
                           const int32_t* x_hi, const float* dx, float dy, T* output) {
  if (X8IBilinearWeightedRows(pixels, channels, top, bottom, x_lo, x_hi, dx, dy, output)) return;
  const float dy1 = 1.f - dy;
  const float32x4_t vdy = vdupq_n_f32(dy), vdy1 = vdupq_n_f32(dy1);
  for (size_t p = 0; p < pixels; ++p) {
    const size_t l = static_cast<size_t>(x_lo[p]) * channels, h = static_cast<size_t>(x_hi[p]) * channels;
    const T* tl = top + l;
    const T* tr = top + h;
    const T* bl = bottom + l;
    const T* br = bottom + h;
    const float dxp = dx[p], dx1 = 1.f - dxp;
    const float32x4_t vdx = vdupq_n_f32(dxp), vdx1 = vdupq_n_f32(dx1);
    auto mix = [&](float32x4_t a, float32x4_t b, float32x4_t c, float32x4_t d) {
      float32x4_t v = vmulq_f32(vmulq_f32(a, vdy1), vdx1);
      v = vaddq_f32(v, vmulq_f32(vmulq_f32(b, vdy), vdx1));
      v = vaddq_f32(v, vmulq_f32(vmulq_f32(c, vdy1), vdx));
      v = vaddq_f32(v, vmulq_f32(vmulq_f32(d, vdy), vdx));
      return X8RoundClamp<T>(v);
    };
    size_t c = 0;
    for (; c + 8 <= channels; c += 8) {
      float32x4_t a0, a1, b0, b1, c0, c1, d0, d1;
      X8Load8AsFloat(tl + c, &a0, &a1);
      X8Load8AsFloat(bl + c, &b0, &b1);
      X8Load8AsFloat(tr + c, &c0, &c1);
      X8Load8AsFloat(br + c, &d0, &d1);
      Store8From32(output + c, mix(a0, b0, c0, d0), mix(a1, b1, c1, d1));
    }
    if (c + 4 <= channels) {
      X8Store4From32(output + c, mix(X8Load4AsFloat(tl + c), X8Load4AsFloat(bl + c), X8Load4AsFloat(tr + c),
                                     X8Load4AsFloat(br + c)));
      c += 4;
    }
    for (; c < channels; ++c) {
      float v = (static_cast<float>(tl[c]) * dy1) * dx1;
      v = v + (static_cast<float>(bl[c]) * dy) * dx1;
      v = v + (static_cast<float>(tr[c]) * dy1) * dxp;
      v = v + (static_cast<float>(br[c]) * dy) * dxp;
      output[c] = X8RoundToStored<T>(v);
    }
    output += channels;
  }
}

}  // namespace neon
}  // namespace edgert
