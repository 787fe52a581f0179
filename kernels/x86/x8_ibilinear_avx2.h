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

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>

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

template <typename T>
inline void X8IBilinearC16(size_t pixels, size_t channels, const T* top, const T* bottom, const int32_t* x_lo,
                           const int32_t* x_hi, const float* dx, float dy, T* output) {
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
