// Max pooling over stored int8 / uint8 values (QS8MaxPoolUkernelFn and
// QU8MaxPoolUkernelFn in kernels/dispatch.h) with Advanced SIMD: 16 channels
// per step, then 8, then one channel at a time. Integer maxima are exact, so
// the order of the taps does not matter; the result is clamped to
// [params->min, params->max]. Included only by kernels/arm/q{s,u}8_maxpool_c16_minmax_neon.cc.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "kernels/arm/x8_neon.h"
#include "kernels/dispatch.h"

namespace edgert {
namespace neon {

template <typename T>
inline void X8MaxPoolC16(size_t rows, size_t cols, size_t channels, const T* input, size_t row_stride, T* output,
                         const X8MinMaxParams* params) {
  using V = X8<T>;
  const typename V::V16 lo = V::Dup16(params->min), hi = V::Dup16(params->max);
  size_t c = 0;
  for (; c + 16 <= channels; c += 16) {
    const T* p = input + c;
    typename V::V16 best = V::Load16(p);
    for (size_t r = 0; r < rows; ++r, p += row_stride) {
      for (size_t k = r == 0 ? 1 : 0; k < cols; ++k) best = V::Max16(best, V::Load16(p + k * channels));
    }
    V::Store16(output + c, V::Min16(hi, V::Max16(lo, best)));
  }
  if (c + 8 <= channels) {
    const T* p = input + c;
    typename V::V8 best = V::Load8(p);
    for (size_t r = 0; r < rows; ++r, p += row_stride) {
      for (size_t k = r == 0 ? 1 : 0; k < cols; ++k) best = V::Max8(best, V::Load8(p + k * channels));
    }
    best = V::Min8(V::Max8(best, V::Low(lo)), V::Low(hi));
    V::Store8(output + c, best);
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

}  // namespace neon
}  // namespace edgert
