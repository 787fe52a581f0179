// Bilinear interpolation of int8 / uint8 rows (QS8IBilinearUkernelFn and
// QU8IBilinearUkernelFn in kernels/dispatch.h) with AVX-512 F: 16 channels per
// vector (the AVX2 kernels, kernels/x86/x8_ibilinear_avx2.h, take two 8-lane
// halves), then 8 in a 256-bit vector, the last 1..7 channels through 16-byte
// stack buffers. The same
// expression on float(stored value),
//   ((tl * (1-dy)) * (1-dx) + (bl * dy) * (1-dx)) + (tr * (1-dy)) * dx + (br * dy) * dx,
// separate multiplies and adds in that order (the files including this are
// compiled with -ffp-contract=off), then floor(v + 0.5) clamped to the type:
// the reference kernel's arithmetic, so results are bit-identical.
#pragma once

#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>

#include "kernels/x86/x8_ibilinear_avx2.h"

namespace edgert {
namespace x86 {

template <typename T>
inline __m512 X8Load16AsFloat(const T* p) {
  const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  if (static_cast<T>(-1) < T(0)) return _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(b));
  return _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(b));
}

// Stores 16 int32 lanes already within T's range as 16 bytes.
template <typename T>
inline void X8Store16(T* p, __m512i v) {
  const __m128i b = static_cast<T>(-1) < T(0) ? _mm512_cvtsepi32_epi8(v) : _mm512_cvtusepi32_epi8(v);
  _mm_storeu_si128(reinterpret_cast<__m128i*>(p), b);
}

// The same results with the row products taken once per input value instead
// of once per use: tl * (1-dy) and tr * (1-dy) are top-row values times
// (1 - dy), bl * dy and br * dy bottom-row values times dy, the same float
// products whichever output pixel reads them. So the input columns the row
// reads ([lo, hi]) are converted and weighted into two float rows first
// (top * (1-dy), bottom * dy), and each output value then takes 4 loads,
// 4 multiplies and 3 adds in the expression's order: bit-identical, with a
// quarter of the conversions for a 2x upsampling. False (nothing written)
// when the columns do not fit kX8WeightedRowFloats.
template <typename T>
inline bool X8IBilinearWeightedRows(size_t pixels, size_t channels, const T* top, const T* bottom,
                                    const int32_t* x_lo, const int32_t* x_hi, const float* dx, float dy,
                                    T* output) {
  if (pixels == 0 || channels == 0) return true;
  int32_t lo = 0;
  size_t n = 0;
  if (!X8WeightedRowSpan(pixels, channels, x_lo, x_hi, &lo, &n)) return false;
  alignas(64) float wt[kX8WeightedRowFloats], wb[kX8WeightedRowFloats];
  const float dy1 = 1.f - dy;
  const __m512 vdy = _mm512_set1_ps(dy), vdy1 = _mm512_set1_ps(dy1);
  const T* t0 = top + static_cast<size_t>(lo) * channels;
  const T* b0 = bottom + static_cast<size_t>(lo) * channels;
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    _mm512_store_ps(wt + i, _mm512_mul_ps(X8Load16AsFloat(t0 + i), vdy1));
    _mm512_store_ps(wb + i, _mm512_mul_ps(X8Load16AsFloat(b0 + i), vdy));
  }
  for (; i < n; ++i) {
    wt[i] = static_cast<float>(t0[i]) * dy1;
    wb[i] = static_cast<float>(b0[i]) * dy;
  }
  const __m512 half = _mm512_set1_ps(0.5f);
  const __m512 vmin = _mm512_set1_ps(static_cast<float>(std::numeric_limits<T>::min()));
  const __m512 vmax = _mm512_set1_ps(static_cast<float>(std::numeric_limits<T>::max()));
  for (size_t p = 0; p < pixels; ++p) {
    const size_t l = static_cast<size_t>(x_lo[p] - lo) * channels, h = static_cast<size_t>(x_hi[p] - lo) * channels;
    const __m512 vdx = _mm512_set1_ps(dx[p]), vdx1 = _mm512_set1_ps(1.f - dx[p]);
    size_t c = 0;
    for (; c + 16 <= channels; c += 16) {
      __m512 v = _mm512_mul_ps(_mm512_loadu_ps(wt + l + c), vdx1);
      v = _mm512_add_ps(v, _mm512_mul_ps(_mm512_loadu_ps(wb + l + c), vdx1));
      v = _mm512_add_ps(v, _mm512_mul_ps(_mm512_loadu_ps(wt + h + c), vdx));
      v = _mm512_add_ps(v, _mm512_mul_ps(_mm512_loadu_ps(wb + h + c), vdx));
      const __m512 r = _mm512_roundscale_ps(_mm512_add_ps(v, half), _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
      X8Store16(output + c, _mm512_cvttps_epi32(_mm512_min_ps(_mm512_max_ps(r, vmin), vmax)));
    }
    if (c + 8 <= channels) {  // 8 more (24 channels: selfie_segmentation's decoder)
      const __m256 dx8 = _mm512_castps512_ps256(vdx), dx18 = _mm512_castps512_ps256(vdx1);
      __m256 v = _mm256_mul_ps(_mm256_loadu_ps(wt + l + c), dx18);
      v = _mm256_add_ps(v, _mm256_mul_ps(_mm256_loadu_ps(wb + l + c), dx18));
      v = _mm256_add_ps(v, _mm256_mul_ps(_mm256_loadu_ps(wt + h + c), dx8));
      v = _mm256_add_ps(v, _mm256_mul_ps(_mm256_loadu_ps(wb + h + c), dx8));
      const __m256 r = _mm256_floor_ps(_mm256_add_ps(v, _mm512_castps512_ps256(half)));
      X8Store8(output + c, _mm256_cvttps_epi32(_mm256_min_ps(_mm256_max_ps(r, _mm512_castps512_ps256(vmin)),
                                                             _mm512_castps512_ps256(vmax))));
      c += 8;
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
inline void X8IBilinearC16Avx512(size_t pixels, size_t channels, const T* top, const T* bottom, const int32_t* x_lo,
                                 const int32_t* x_hi, const float* dx, float dy, T* output) {
  if (X8IBilinearWeightedRows(pixels, channels, top, bottom, x_lo, x_hi, dx, dy, output)) return;
  const __m512 vdy = _mm512_set1_ps(dy), vdy1 = _mm512_set1_ps(1.f - dy);
  const __m512 half = _mm512_set1_ps(0.5f);
  const __m512 lo = _mm512_set1_ps(static_cast<float>(std::numeric_limits<T>::min()));
  const __m512 hi = _mm512_set1_ps(static_cast<float>(std::numeric_limits<T>::max()));
  for (size_t p = 0; p < pixels; ++p) {
    const size_t l = static_cast<size_t>(x_lo[p]) * channels, h = static_cast<size_t>(x_hi[p]) * channels;
    const T* tl = top + l;
    const T* tr = top + h;
    const T* bl = bottom + l;
    const T* br = bottom + h;
    const __m512 vdx = _mm512_set1_ps(dx[p]), vdx1 = _mm512_set1_ps(1.f - dx[p]);
    auto mix16 = [&](const T* a, const T* b, const T* c, const T* d) {
      __m512 v = _mm512_mul_ps(_mm512_mul_ps(X8Load16AsFloat(a), vdy1), vdx1);
      v = _mm512_add_ps(v, _mm512_mul_ps(_mm512_mul_ps(X8Load16AsFloat(b), vdy), vdx1));
      v = _mm512_add_ps(v, _mm512_mul_ps(_mm512_mul_ps(X8Load16AsFloat(c), vdy1), vdx));
      v = _mm512_add_ps(v, _mm512_mul_ps(_mm512_mul_ps(X8Load16AsFloat(d), vdy), vdx));
      const __m512 r = _mm512_roundscale_ps(_mm512_add_ps(v, half), _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
      return _mm512_cvttps_epi32(_mm512_min_ps(_mm512_max_ps(r, lo), hi));
    };
    size_t c = 0;
    for (; c + 16 <= channels; c += 16) X8Store16(output + c, mix16(tl + c, bl + c, tr + c, br + c));
    if (c + 8 <= channels) {  // 8 more in 256-bit vectors (24 channels: selfie_segmentation's decoder)
      const __m256 vdy8 = _mm512_castps512_ps256(vdy), vdy18 = _mm512_castps512_ps256(vdy1);
      const __m256 vdx8 = _mm512_castps512_ps256(vdx), vdx18 = _mm512_castps512_ps256(vdx1);
      __m256 v = _mm256_mul_ps(_mm256_mul_ps(X8Load8AsFloat(tl + c), vdy18), vdx18);
      v = _mm256_add_ps(v, _mm256_mul_ps(_mm256_mul_ps(X8Load8AsFloat(bl + c), vdy8), vdx18));
      v = _mm256_add_ps(v, _mm256_mul_ps(_mm256_mul_ps(X8Load8AsFloat(tr + c), vdy18), vdx8));
      v = _mm256_add_ps(v, _mm256_mul_ps(_mm256_mul_ps(X8Load8AsFloat(br + c), vdy8), vdx8));
      const __m256 r = _mm256_floor_ps(_mm256_add_ps(v, _mm512_castps512_ps256(half)));
      X8Store8(output + c, _mm256_cvttps_epi32(_mm256_min_ps(_mm256_max_ps(r, _mm512_castps512_ps256(lo)),
                                                             _mm512_castps512_ps256(hi))));
      c += 8;
    }
    if (c < channels) {
      const size_t n = channels - c;
      T a[16] = {}, b[16] = {}, cc[16] = {}, d[16] = {}, y[16];
      std::memcpy(a, tl + c, n * sizeof(T));
      std::memcpy(b, bl + c, n * sizeof(T));
      std::memcpy(cc, tr + c, n * sizeof(T));
      std::memcpy(d, br + c, n * sizeof(T));
      X8Store16(y, mix16(a, b, cc, d));
      std::memcpy(output + c, y, n * sizeof(T));
    }
    output += channels;
  }
}

}  // namespace x86
}  // namespace edgert
