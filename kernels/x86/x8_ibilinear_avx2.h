// Bilinear interpolation of int8 / uint8 rows (QS8IBilinearUkernelFn and
// QU8IBilinearUkernelFn in kernels/dispatch.h), 16 channels per step, then 8,
// then the last 1..7 channels through 8-byte stack buffers. Each value is the
// f32 kernel's expression on float(stored value),
//   ((tl * (1-dy)) * (1-dx) + (bl * dy) * (1-dx)) + (tr * (1-dy)) * dx + (br * dy) * dx,
// with separate multiplies and adds in that order (the files including this
// are compiled with -ffp-contract=off), then floor(v + 0.5) clamped to the
// type: the reference kernel's arithmetic, so results are bit-identical.
#pragma once

#include <immintrin.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>

#include "kernels/common/x8_ibilinear_rows.h"
#include "kernels/dispatch.h"

namespace edgert {
namespace x86 {

template <typename T>
inline __m256 X8Load8AsFloat(const T* p) {
  const __m128i b = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(p));
  if (static_cast<T>(-1) < T(0)) return _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(b));
  return _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(b));
}

// Stores 8 int32 lanes already within T's range as 8 bytes.
template <typename T>
inline void X8Store8(T* p, __m256i v) {
  const __m128i w = _mm_packs_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  const __m128i b = static_cast<T>(-1) < T(0) ? _mm_packs_epi16(w, w) : _mm_packus_epi16(w, w);
  _mm_storel_epi64(reinterpret_cast<__m128i*>(p), b);
}


// The same results with the row products taken once per input value instead
// of once per use (as X8IBilinearWeightedRows of x8_ibilinear_avx512.h, 8
// lanes): the input columns the row reads ([lo, hi]) are converted and
// weighted into two float rows (top * (1-dy), bottom * dy), the products
// every output pixel reading them would take; each output value then takes 4
// loads, 4 multiplies and 3 adds in the expression's order: bit-identical.
// False (nothing written) when the columns do not fit kX8WeightedRowFloats.
template <typename T>
inline bool X8IBilinearWeightedRows8(size_t pixels, size_t channels, const T* top, const T* bottom,
                                     const int32_t* x_lo, const int32_t* x_hi, const float* dx, float dy,
                                     T* output) {
  if (pixels == 0 || channels == 0) return true;
  int32_t lo = 0;
  size_t n = 0;
  if (!X8WeightedRowSpan(pixels, channels, x_lo, x_hi, &lo, &n)) return false;
  alignas(32) float wt[kX8WeightedRowFloats], wb[kX8WeightedRowFloats];
  const float dy1 = 1.f - dy;
  const __m256 vdy = _mm256_set1_ps(dy), vdy1 = _mm256_set1_ps(dy1);
  const T* t0 = top + static_cast<size_t>(lo) * channels;
  const T* b0 = bottom + static_cast<size_t>(lo) * channels;
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    _mm256_store_ps(wt + i, _mm256_mul_ps(X8Load8AsFloat(t0 + i), vdy1));
    _mm256_store_ps(wb + i, _mm256_mul_ps(X8Load8AsFloat(b0 + i), vdy));
  }
  for (; i < n; ++i) {
    wt[i] = static_cast<float>(t0[i]) * dy1;
    wb[i] = static_cast<float>(b0[i]) * dy;
  }
  const __m256 half = _mm256_set1_ps(0.5f);
  const __m256 vmin = _mm256_set1_ps(static_cast<float>(std::numeric_limits<T>::min()));
  const __m256 vmax = _mm256_set1_ps(static_cast<float>(std::numeric_limits<T>::max()));
  for (size_t p = 0; p < pixels; ++p) {
    const size_t l = static_cast<size_t>(x_lo[p] - lo) * channels, h = static_cast<size_t>(x_hi[p] - lo) * channels;
    const __m256 vdx = _mm256_set1_ps(dx[p]), vdx1 = _mm256_set1_ps(1.f - dx[p]);
    size_t c = 0;
    for (; c + 8 <= channels; c += 8) {
      __m256 v = _mm256_mul_ps(_mm256_loadu_ps(wt + l + c), vdx1);
      v = _mm256_add_ps(v, _mm256_mul_ps(_mm256_loadu_ps(wb + l + c), vdx1));
      v = _mm256_add_ps(v, _mm256_mul_ps(_mm256_loadu_ps(wt + h + c), vdx));
      v = _mm256_add_ps(v, _mm256_mul_ps(_mm256_loadu_ps(wb + h + c), vdx));
      const __m256 r = _mm256_floor_ps(_mm256_add_ps(v, half));
      X8Store8(output + c, _mm256_cvttps_epi32(_mm256_min_ps(_mm256_max_ps(r, vmin), vmax)));
    }
    for (; c < channels; ++c) {  // the last 1..7 channels, one at a time
      const float dxp = dx[p], dx1 = 1.f - dxp;
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
  if (X8IBilinearWeightedRows8(pixels, channels, top, bottom, x_lo, x_hi, dx, dy, output)) return;
  const __m256 vdy = _mm256_set1_ps(dy), vdy1 = _mm256_set1_ps(1.f - dy);
  const __m256 half = _mm256_set1_ps(0.5f);
  const __m256 lo = _mm256_set1_ps(static_cast<float>(std::numeric_limits<T>::min()));
  const __m256 hi = _mm256_set1_ps(static_cast<float>(std::numeric_limits<T>::max()));
  for (size_t p = 0; p < pixels; ++p) {
    const size_t l = static_cast<size_t>(x_lo[p]) * channels, h = static_cast<size_t>(x_hi[p]) * channels;
    const T* tl = top + l;
    const T* tr = top + h;
    const T* bl = bottom + l;
    const T* br = bottom + h;
    const __m256 vdx = _mm256_set1_ps(dx[p]), vdx1 = _mm256_set1_ps(1.f - dx[p]);
    auto mix8 = [&](const T* a, const T* b, const T* c, const T* d) {
      __m256 v = _mm256_mul_ps(_mm256_mul_ps(X8Load8AsFloat(a), vdy1), vdx1);
      v = _mm256_add_ps(v, _mm256_mul_ps(_mm256_mul_ps(X8Load8AsFloat(b), vdy), vdx1));
      v = _mm256_add_ps(v, _mm256_mul_ps(_mm256_mul_ps(X8Load8AsFloat(c), vdy1), vdx));
      v = _mm256_add_ps(v, _mm256_mul_ps(_mm256_mul_ps(X8Load8AsFloat(d), vdy), vdx));
      const __m256 r = _mm256_floor_ps(_mm256_add_ps(v, half));
      return _mm256_cvttps_epi32(_mm256_min_ps(_mm256_max_ps(r, lo), hi));
    };
    size_t c = 0;
    for (; c + 16 <= channels; c += 16) {
      const __m256i v0 = mix8(tl + c, bl + c, tr + c, br + c);
      const __m256i v1 = mix8(tl + c + 8, bl + c + 8, tr + c + 8, br + c + 8);
      X8Store8(output + c, v0);
      X8Store8(output + c + 8, v1);
    }
    if (c + 8 <= channels) {
      X8Store8(output + c, mix8(tl + c, bl + c, tr + c, br + c));
      c += 8;
    }
    if (c < channels) {
      const size_t n = channels - c;
      T a[8] = {}, b[8] = {}, cc[8] = {}, d[8] = {}, y[8];
      std::memcpy(a, tl + c, n * sizeof(T));
      std::memcpy(b, bl + c, n * sizeof(T));
      std::memcpy(cc, tr + c, n * sizeof(T));
      std::memcpy(d, br + c, n * sizeof(T));
      X8Store8(y, mix8(a, b, cc, d));
      std::memcpy(output + c, y, n * sizeof(T));
    }
    output += channels;
  }
}

}  // namespace x86
}  // namespace edgert
