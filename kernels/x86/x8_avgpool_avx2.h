// Average pooling of stored int8 / uint8 values (QS8AvgPoolUkernelFn and
// QU8AvgPoolUkernelFn in kernels/dispatch.h), 16 channels per step, then 8,
// then the last 1..7 channels through stack buffers. The window sum is exact
// in int32; the rounded quotient round_half_away((sum + bias) / divisor) is
// computed as trunc((n +/- divisor / 2) / divisor) with a double division:
// when the quotient is not an integer it is at least 1 / |n| (relatively)
// away from one, far more than a double's rounding error for |n| < 2^31, so
// truncating the double quotient gives the exact integer quotient.
#pragma once

#include <immintrin.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "kernels/dispatch.h"
#include "kernels/x86/x8_ibilinear_avx2.h"

namespace edgert {
namespace x86 {

template <typename T>
inline __m256i X8Load8AsInt32(const T* p) {
  const __m128i b = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(p));
  return static_cast<T>(-1) < T(0) ? _mm256_cvtepi8_epi32(b) : _mm256_cvtepu8_epi32(b);
}

template <typename T>
inline void X8AvgPoolC16(size_t rows, size_t cols, size_t channels, const T* input, size_t row_stride,
                         int32_t bias, int32_t divisor, T* output, const X8MinMaxParams* params) {
  const __m256i vbias = _mm256_set1_epi32(bias);
  const __m256i vhalf = _mm256_set1_epi32(divisor / 2);
  const __m256d vdiv = _mm256_set1_pd(static_cast<double>(divisor));
  const __m256i lo = _mm256_set1_epi32(params->min), hi = _mm256_set1_epi32(params->max);
  // round_half_away(acc / divisor) clamped, per lane.
  auto finish = [&](__m256i acc) {
    // acc > 0: acc + divisor / 2, else acc - divisor / 2.
    const __m256i positive = _mm256_cmpgt_epi32(acc, _mm256_setzero_si256());
    const __m256i sign_half =
        _mm256_sub_epi32(_mm256_and_si256(positive, vhalf), _mm256_andnot_si256(positive, vhalf));
    const __m256i num = _mm256_add_epi32(acc, sign_half);
    const __m128i q0 = _mm256_cvttpd_epi32(_mm256_div_pd(_mm256_cvtepi32_pd(_mm256_castsi256_si128(num)), vdiv));
    const __m128i q1 =
        _mm256_cvttpd_epi32(_mm256_div_pd(_mm256_cvtepi32_pd(_mm256_extracti128_si256(num, 1)), vdiv));
    const __m256i q = _mm256_inserti128_si256(_mm256_castsi128_si256(q0), q1, 1);
    return _mm256_min_epi32(_mm256_max_epi32(q, lo), hi);
  };
  // bias + the window sum of 8 channels starting at p.
  auto sum8 = [&](const T* p) {
    __m256i acc = vbias;
    for (size_t r = 0; r < rows; ++r) {
      for (size_t k = 0; k < cols; ++k)
        acc = _mm256_add_epi32(acc, X8Load8AsInt32(p + r * row_stride + k * channels));
    }
    return acc;
  };
  size_t c = 0;
  for (; c + 16 <= channels; c += 16) {
    const __m256i v0 = finish(sum8(input + c));
    const __m256i v1 = finish(sum8(input + c + 8));
    X8Store8(output + c, v0);
    X8Store8(output + c + 8, v1);
  }
  if (c + 8 <= channels) {
    X8Store8(output + c, finish(sum8(input + c)));
    c += 8;
  }
  if (c < channels) {
    // The last 1..7 channels of each tap through an 8-value buffer.
    const size_t n = channels - c;
    T buf[8] = {}, y[8];
    __m256i acc = vbias;
    for (size_t r = 0; r < rows; ++r) {
      for (size_t k = 0; k < cols; ++k) {
        std::memcpy(buf, input + c + r * row_stride + k * channels, n * sizeof(T));
        acc = _mm256_add_epi32(acc, X8Load8AsInt32(buf));
      }
    }
    X8Store8(y, finish(acc));
    std::memcpy(output + c, y, n * sizeof(T));
  }
}

}  // namespace x86
}  // namespace edgert
