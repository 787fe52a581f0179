// Per-channel int32 sums of up to 256 pixels of int8 / uint8 values
// (QS8GSumUkernelFn and QU8GSumUkernelFn in kernels/dispatch.h) with AVX2:
// 16 channels per step, each pixel's 16 values widened to int16 and added in
// int16 lanes (256 values of at most 255 in magnitude fit: 255 * 256 < 2^16,
// and for int8 -128 * 256 = -2^15), widened to int32 once at the end; the
// last 1..15 channels through a zeroed 16-byte copy. Exact. Include only from
// files compiled with -mavx2.
#pragma once

#include <immintrin.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace edgert {
namespace x86 {

template <typename T>
inline __m256i X8Widen16(__m128i v) {
  return static_cast<T>(-1) < T(0) ? _mm256_cvtepi8_epi16(v) : _mm256_cvtepu8_epi16(v);
}

template <typename T>
inline void X8GSumC16(size_t pixels, size_t channels, const T* input, size_t pixel_stride, int32_t* sums) {
  size_t c = 0;
  auto finish = [&](__m256i acc, int32_t* dst, size_t n) {
    // int16 lanes to int32: signed for int8 sums, unsigned for uint8 sums.
    const bool is_signed = static_cast<T>(-1) < T(0);
    const __m128i lo = _mm256_castsi256_si128(acc), hi = _mm256_extracti128_si256(acc, 1);
    const __m256i a = is_signed ? _mm256_cvtepi16_epi32(lo) : _mm256_cvtepu16_epi32(lo);
    const __m256i b = is_signed ? _mm256_cvtepi16_epi32(hi) : _mm256_cvtepu16_epi32(hi);
    alignas(32) int32_t tmp[16];
    _mm256_store_si256(reinterpret_cast<__m256i*>(tmp), a);
    _mm256_store_si256(reinterpret_cast<__m256i*>(tmp + 8), b);
    std::memcpy(dst, tmp, n * sizeof(int32_t));
  };
  for (; c + 16 <= channels; c += 16) {
    __m256i acc0 = _mm256_setzero_si256(), acc1 = acc0;  // two chains: even and odd pixels
    const T* p = input + c;
    size_t i = 0;
    for (; i + 2 <= pixels; i += 2, p += 2 * pixel_stride) {
      acc0 = _mm256_add_epi16(acc0, X8Widen16<T>(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p))));
      acc1 = _mm256_add_epi16(acc1, X8Widen16<T>(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p + pixel_stride))));
    }
    if (i < pixels) acc0 = _mm256_add_epi16(acc0, X8Widen16<T>(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p))));
    finish(_mm256_add_epi16(acc0, acc1), sums + c, 16);
  }
  if (c < channels) {
    const size_t n = channels - c;
    __m256i acc = _mm256_setzero_si256();
    const T* p = input + c;
    for (size_t i = 0; i < pixels; ++i, p += pixel_stride) {
      alignas(16) T tmp[16] = {};
      std::memcpy(tmp, p, n * sizeof(T));
      acc = _mm256_add_epi16(acc, X8Widen16<T>(_mm_load_si128(reinterpret_cast<const __m128i*>(tmp))));
    }
    finish(acc, sums + c, n);
  }
}

}  // namespace x86
}  // namespace edgert
