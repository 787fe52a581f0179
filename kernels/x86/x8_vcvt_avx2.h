// Conversions between f32 and int8 / uint8 (F32QS8VCvtUkernelFn,
// QS8F32VCvtUkernelFn and their uint8 twins in kernels/dispatch.h): 16 values
// per step, then 8, then the last 1..7 through stack buffers.
//   quantize:   r = x / scale (correctly rounded, as the reference's division),
//               rounded half away from zero (floor(|r|) plus one where the
//               exact remainder |r| - floor(|r|) is >= 0.5, sign restored),
//               NaN -> 0, clamped to [min - zp, max - zp], + zp. r is first
//               taken as x * (1 / scale), within 2^-22 |x / scale| of the
//               quotient; only where that lands within 2^-12 of a half-integer
//               could the rounded integer differ (beyond 512 in magnitude the
//               clamp decides), and those 8 values are divided again. A scale
//               whose reciprocal is not a normal float is always divided.
//   dequantize: scale * float(x - zp), one rounding.
// Both are bit-identical to the reference QUANTIZE / DEQUANTIZE kernels.
#pragma once

#include <immintrin.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "kernels/dispatch.h"
#include "kernels/x86/x8_ibilinear_avx2.h"

namespace edgert {
namespace x86 {

template <typename T>
inline void F32ToX8(size_t n, const float* x, T* y, const F32QuantizeParams* params) {
  const __m256 scale = _mm256_set1_ps(params->scale);
  const __m256 sign = _mm256_set1_ps(-0.f), half = _mm256_set1_ps(0.5f), one = _mm256_set1_ps(1.f);
  const __m256 lo = _mm256_set1_ps(static_cast<float>(params->min - params->zero_point));
  const __m256 hi = _mm256_set1_ps(static_cast<float>(params->max - params->zero_point));
  const __m256i zp = _mm256_set1_epi32(params->zero_point);
  const float inverse = 1.f / params->scale;
  const bool multiply = std::isnormal(inverse);
  const __m256 inv = _mm256_set1_ps(inverse), near = _mm256_set1_ps(1.f / 4096);
  auto cvt8 = [&](const float* p) {
    const __m256 v = _mm256_loadu_ps(p);
    __m256 r = multiply ? _mm256_mul_ps(v, inv) : _mm256_div_ps(v, scale);
    __m256 a = _mm256_andnot_ps(sign, r);
    __m256 t = _mm256_round_ps(a, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
    __m256 frac = _mm256_sub_ps(a, t);
    if (multiply &&
        _mm256_movemask_ps(_mm256_cmp_ps(_mm256_andnot_ps(sign, _mm256_sub_ps(frac, half)), near, _CMP_LT_OQ)) != 0) {
      r = _mm256_div_ps(v, scale);
      a = _mm256_andnot_ps(sign, r);
      t = _mm256_round_ps(a, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
      frac = _mm256_sub_ps(a, t);
    }
    t = _mm256_add_ps(t, _mm256_and_ps(_mm256_cmp_ps(frac, half, _CMP_GE_OQ), one));
    t = _mm256_or_ps(t, _mm256_and_ps(sign, r));
    t = _mm256_and_ps(t, _mm256_cmp_ps(r, r, _CMP_ORD_Q));  // NaN -> 0
    t = _mm256_min_ps(_mm256_max_ps(t, lo), hi);
    return _mm256_add_epi32(_mm256_cvttps_epi32(t), zp);
  };
  for (; n >= 16; n -= 16, x += 16, y += 16) {
    const __m256i v0 = cvt8(x), v1 = cvt8(x + 8);
    X8Store8(y, v0);
    X8Store8(y + 8, v1);
  }
  if (n >= 8) {
    X8Store8(y, cvt8(x));
    n -= 8;
    x += 8;
    y += 8;
  }
  if (n != 0) {
    float buf[8] = {};
    T out[8];
    std::memcpy(buf, x, n * sizeof(float));
    X8Store8(out, cvt8(buf));
    std::memcpy(y, out, n * sizeof(T));
  }
}

template <typename T>
inline void X8ToF32(size_t n, const T* x, float* y, const X8DequantizeParams* params) {
  const __m256 scale = _mm256_set1_ps(params->scale);
  const __m256i zp = _mm256_set1_epi32(params->zero_point);
  auto cvt8 = [&](const T* p) {
    const __m128i b = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(p));
    const __m256i w = static_cast<T>(-1) < T(0) ? _mm256_cvtepi8_epi32(b) : _mm256_cvtepu8_epi32(b);
    return _mm256_mul_ps(scale, _mm256_cvtepi32_ps(_mm256_sub_epi32(w, zp)));
  };
  for (; n >= 16; n -= 16, x += 16, y += 16) {
    const __m256 v0 = cvt8(x), v1 = cvt8(x + 8);
    _mm256_storeu_ps(y, v0);
    _mm256_storeu_ps(y + 8, v1);
  }
  if (n >= 8) {
    _mm256_storeu_ps(y, cvt8(x));
    n -= 8;
    x += 8;
    y += 8;
  }
  if (n != 0) {
    T buf[8] = {};
    float out[8];
    std::memcpy(buf, x, n * sizeof(T));
    _mm256_storeu_ps(out, cvt8(buf));
    std::memcpy(y, out, n * sizeof(float));
  }
}

}  // namespace x86
}  // namespace edgert
