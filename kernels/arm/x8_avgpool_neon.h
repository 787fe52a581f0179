// Average pooling of stored int8 / uint8 values (QS8AvgPoolUkernelFn and
// QU8AvgPoolUkernelFn in kernels/dispatch.h) with Advanced SIMD: 16 channels
// per step, then 8, then the last 1..7 channels through stack buffers. The
// window sum is exact in int32 (bytes widened to int16, added into int32
// lanes); the rounded quotient round_half_away((sum + bias) / divisor) is
// trunc((n +/- divisor / 2) / divisor) with a double division (two lanes per
// FDIV): when that quotient is not an integer it is at least 1 / |n|
// (relatively) away from one, far more than a double's rounding error for
// |n| < 2^31, so truncating the double quotient gives the exact integer
// quotient (the argument of kernels/x86/x8_avgpool_avx2.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "kernels/arm/x8_neon.h"
#include "kernels/dispatch.h"

namespace edgert {
namespace neon {

template <typename T>
inline void X8AvgPoolC16(size_t rows, size_t cols, size_t channels, const T* input, size_t row_stride,
                         int32_t bias, int32_t divisor, T* output, const X8MinMaxParams* params) {
  using V = X8<T>;
  const int32x4_t vbias = vdupq_n_s32(bias), vhalf = vdupq_n_s32(divisor / 2);
  const float64x2_t vdiv = vdupq_n_f64(static_cast<double>(divisor));
  const int32x4_t lo = vdupq_n_s32(params->min), hi = vdupq_n_s32(params->max);
  // round_half_away(acc / divisor) clamped, per lane.
  auto finish = [&](int32x4_t acc) {
    // acc > 0: acc + divisor / 2, else acc - divisor / 2.
    const uint32x4_t positive = vcgtq_s32(acc, vdupq_n_s32(0));
    const int32x4_t num = vbslq_s32(positive, vaddq_s32(acc, vhalf), vsubq_s32(acc, vhalf));
    const float64x2_t q0 = vdivq_f64(vcvtq_f64_s64(vmovl_s32(vget_low_s32(num))), vdiv);
    const float64x2_t q1 = vdivq_f64(vcvtq_f64_s64(vmovl_high_s32(num)), vdiv);
    const int32x4_t q = vcombine_s32(vmovn_s64(vcvtq_s64_f64(q0)), vmovn_s64(vcvtq_s64_f64(q1)));
    return vminq_s32(vmaxq_s32(q, lo), hi);
  };
  // Adds the 8 values at p (widened) to acc[0..1].
  auto add8 = [](const T* p, int32x4_t* acc) {
    const int16x8_t w = V::Widen8(V::Load8(p));
    acc[0] = vaddw_s16(acc[0], vget_low_s16(w));
    acc[1] = vaddw_high_s16(acc[1], w);
  };
  size_t c = 0;
  for (; c + 16 <= channels; c += 16) {
    int32x4_t acc[4] = {vbias, vbias, vbias, vbias};
    const T* p = input + c;
    for (size_t r = 0; r < rows; ++r, p += row_stride) {
      for (size_t k = 0; k < cols; ++k) {
        add8(p + k * channels, acc);
        add8(p + k * channels + 8, acc + 2);
      }
    }
    Store8From32(output + c, finish(acc[0]), finish(acc[1]));
    Store8From32(output + c + 8, finish(acc[2]), finish(acc[3]));
  }
  if (c + 8 <= channels) {
    int32x4_t acc[2] = {vbias, vbias};
    const T* p = input + c;
    for (size_t r = 0; r < rows; ++r, p += row_stride) {
      for (size_t k = 0; k < cols; ++k) add8(p + k * channels, acc);
    }
    Store8From32(output + c, finish(acc[0]), finish(acc[1]));
    c += 8;
  }
  if (c < channels) {
    // The last 1..7 channels of each tap through an 8-value buffer.
    const size_t n = channels - c;
    T buf[8] = {}, y[8];
    int32x4_t acc[2] = {vbias, vbias};
    const T* p = input + c;
    for (size_t r = 0; r < rows; ++r, p += row_stride) {
      for (size_t k = 0; k < cols; ++k) {
        std::memcpy(buf, p + k * channels, n * sizeof(T));
        add8(buf, acc);
      }
    }
    Store8From32(y, finish(acc[0]), finish(acc[1]));
    std::memcpy(output + c, y, n * sizeof(T));
  }
}

}  // namespace neon
}  // namespace edgert
