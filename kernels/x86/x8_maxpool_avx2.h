// Max pooling over stored int8 / uint8 values (QS8MaxPoolUkernelFn and
// QU8MaxPoolUkernelFn in kernels/dispatch.h): 32 channels per step, then 16,
// then 8, then one channel at a time. Integer maxima are exact, so the order of the
// taps does not matter; the result is clamped to [params->min, params->max].
// Included only by kernels/x86/q{s,u}8_maxpool_c32_minmax_avx2.cc.
#pragma once

#include <immintrin.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "kernels/dispatch.h"

namespace edgert {
namespace x86 {

template <typename T>
inline void X8MaxPoolC32(size_t rows, size_t cols, size_t channels, const T* input, size_t row_stride, T* output,
                         const X8MinMaxParams* params) {
  constexpr bool kSigned = static_cast<T>(-1) < T(0);
  const __m256i lo = _mm256_set1_epi8(static_cast<char>(params->min));
  const __m256i hi = _mm256_set1_epi8(static_cast<char>(params->max));
  auto max32 = [](__m256i a, __m256i b) { return kSigned ? _mm256_max_epi8(a, b) : _mm256_max_epu8(a, b); };
  auto min32 = [](__m256i a, __m256i b) { return kSigned ? _mm256_min_epi8(a, b) : _mm256_min_epu8(a, b); };
  auto max16 = [](__m128i a, __m128i b) { return kSigned ? _mm_max_epi8(a, b) : _mm_max_epu8(a, b); };
  auto min16 = [](__m128i a, __m128i b) { return kSigned ? _mm_min_epi8(a, b) : _mm_min_epu8(a, b); };
  size_t c = 0;
  for (; c + 32 <= channels; c += 32) {
    const T* p = input + c;
    __m256i best = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
    for (size_t r = 0; r < rows; ++r, p += row_stride) {
      for (size_t k = r == 0 ? 1 : 0; k < cols; ++k)
        best = max32(best, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + k * channels)));
    }
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(output + c), min32(hi, max32(lo, best)));
  }
  if (c + 16 <= channels) {
    const T* p = input + c;
    __m128i best = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    for (size_t r = 0; r < rows; ++r, p += row_stride) {
      for (size_t k = r == 0 ? 1 : 0; k < cols; ++k)
        best = max16(best, _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + k * channels)));
    }
    _mm_storeu_si128(reinterpret_cast<__m128i*>(output + c),
                     min16(_mm256_castsi256_si128(hi), max16(_mm256_castsi256_si128(lo), best)));
    c += 16;
  }
  if (c + 8 <= channels) {
    const T* p = input + c;
    __m128i best = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(p));
    for (size_t r = 0; r < rows; ++r, p += row_stride) {
      for (size_t k = r == 0 ? 1 : 0; k < cols; ++k)
        best = max16(best, _mm_loadl_epi64(reinterpret_cast<const __m128i*>(p + k * channels)));
    }
    _mm_storel_epi64(reinterpret_cast<__m128i*>(output + c),
                     min16(_mm256_castsi256_si128(hi), max16(_mm256_castsi256_si128(lo), best)));
    c += 8;
  }
  for (; c < channels; ++c) {
    const T* p = input + c;
    int32_t best = p[0];
    for (size_t r = 0; r < rows; ++r, p += row_stride) {
      for (size_t k = r == 0 ? 1 : 0; k < cols; ++k) best = std::max<int32_t>(best, p[k * channels]);
    }
    output[c] = static_cast<T>(std::min(std::max(best, params->min), params->max));
  }
}

}  // namespace x86
}  // namespace edgert
