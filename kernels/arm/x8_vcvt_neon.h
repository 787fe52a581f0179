// Conversions between f32 and int8 / uint8 (F32QS8VCvtUkernelFn,
// QS8F32VCvtUkernelFn and their uint8 twins in kernels/dispatch.h) with
// Advanced SIMD: 16 values per step, then 8, then the last 1..7 through stack
// buffers.
//   quantize:   r = x / scale (correctly rounded, as the reference's division),
//               rounded half away from zero (FCVTAS), NaN -> 0 (FCVTAS gives
//               0), clamped to [min - zp, max - zp], + zp. r is first taken as
//               x * (1 / scale), within 2^-22 |x / scale| of the quotient; only
//               where that lands within 2^-12 of a half-integer could the
//               rounded integer differ (beyond 512 in magnitude the clamp
//               decides), and those 4 values are divided again. A scale whose
//               reciprocal is not a normal float is always divided. (The
//               criterion of kernels/x86/x8_vcvt_avx2.h.)
//   dequantize: scale * float(x - zp), one rounding.
// Both are bit-identical to the reference QUANTIZE / DEQUANTIZE kernels.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "kernels/arm/x8_neon.h"
#include "kernels/dispatch.h"

namespace edgert {
namespace neon {

template <typename T>
inline void F32ToX8(size_t n, const float* x, T* y, const F32QuantizeParams* params) {
  const float32x4_t scale = vdupq_n_f32(params->scale);
  const float inverse = 1.f / params->scale;
  const bool multiply = std::isnormal(inverse);
  const float32x4_t inv = vdupq_n_f32(inverse), half = vdupq_n_f32(0.5f), near = vdupq_n_f32(1.f / 4096);
  const int32x4_t lo = vdupq_n_s32(params->min - params->zero_point);
  const int32x4_t hi = vdupq_n_s32(params->max - params->zero_point);
  const int32x4_t zp = vdupq_n_s32(params->zero_point);
  auto cvt4 = [&](const float* p) {
    const float32x4_t v = vld1q_f32(p);
    float32x4_t r = multiply ? vmulq_f32(v, inv) : vdivq_f32(v, scale);
    if (multiply) {
      const float32x4_t a = vabsq_f32(r);
      const float32x4_t frac = vsubq_f32(a, vrndmq_f32(a));
      // Any lane within 2^-12 of a half-integer (NaN lanes compare false).
      if (vmaxvq_u32(vcltq_f32(vabdq_f32(frac, half), near)) != 0) r = vdivq_f32(v, scale);
    }
    const int32x4_t q = vminq_s32(vmaxq_s32(vcvtaq_s32_f32(r), lo), hi);
    return vaddq_s32(q, zp);
  };
  for (; n >= 16; n -= 16, x += 16, y += 16) {
    const int32x4_t v0 = cvt4(x), v1 = cvt4(x + 4), v2 = cvt4(x + 8), v3 = cvt4(x + 12);
    Store8From32(y, v0, v1);
    Store8From32(y + 8, v2, v3);
  }
  if (n >= 8) {
    const int32x4_t v0 = cvt4(x), v1 = cvt4(x + 4);
    Store8From32(y, v0, v1);
    n -= 8;
    x += 8;
    y += 8;
  }
  if (n != 0) {
    float buf[8] = {};
    T out[8];
    std::memcpy(buf, x, n * sizeof(float));
    const int32x4_t v0 = cvt4(buf), v1 = cvt4(buf + 4);
    Store8From32(out, v0, v1);
    std::memcpy(y, out, n * sizeof(T));
  }
}

template <typename T>
inline void X8ToF32(size_t n, const T* x, float* y, const X8DequantizeParams* params) {
  const float32x4_t scale = vdupq_n_f32(params->scale);
  const int32x4_t zp = vdupq_n_s32(params->zero_point);
  auto cvt8 = [&](const T* p, float* out) {
    int32x4_t lo, hi;
    Widen8To32(p, &lo, &hi);
    vst1q_f32(out, vmulq_f32(scale, vcvtq_f32_s32(vsubq_s32(lo, zp))));
    vst1q_f32(out + 4, vmulq_f32(scale, vcvtq_f32_s32(vsubq_s32(hi, zp))));
  };
  for (; n >= 8; n -= 8, x += 8, y += 8) cvt8(x, y);
  if (n != 0) {
    T buf[8] = {};
    float out[8];
    std::memcpy(buf, x, n * sizeof(T));
    cvt8(buf, out);
    std::memcpy(y, out, n * sizeof(float));
  }
}

}  // namespace neon
}  // namespace edgert
