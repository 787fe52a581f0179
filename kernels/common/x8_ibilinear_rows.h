// Portable pieces of the int8 / uint8 bilinear microkernels of every ISA
// (kernels/x86/x8_ibilinear_avx2.h, x8_ibilinear_avx512.h and
// kernels/arm/x8_ibilinear_neon.h): the input column span of an output row
// for their weighted-rows form, and the scalar rounding of their last
// channels. No intrinsics: includable from files compiled for any ISA.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>

namespace edgert {

// Floats per weighted input row of the weighted-rows forms (8 KiB each, on
// the kernel's stack).
constexpr size_t kX8WeightedRowFloats = 2048;

// The input columns [*lo, hi] an output row of `pixels` pixels reads (its
// x_lo / x_hi), and *n = (hi - *lo + 1) * channels values per weighted row.
// False when those do not fit kX8WeightedRowFloats. pixels >= 1.
inline bool X8WeightedRowSpan(size_t pixels, size_t channels, const int32_t* x_lo, const int32_t* x_hi,
                              int32_t* lo, size_t* n) {
  int32_t first = x_lo[0], last = x_hi[0];
  for (size_t p = 1; p < pixels; ++p) {
    first = x_lo[p] < first ? x_lo[p] : first;
    last = x_hi[p] > last ? x_hi[p] : last;
  }
  *lo = first;
  *n = (static_cast<size_t>(last - first) + 1) * channels;
  return *n <= kX8WeightedRowFloats;
}

// floor(v + 0.5) clamped to T's range: the reference kernel's integer rounding.
template <typename T>
inline T X8RoundToStored(float v) {
  const float r = std::floor(v + 0.5f);
  const float lo = static_cast<float>(std::numeric_limits<T>::min());
  const float hi = static_cast<float>(std::numeric_limits<T>::max());
  return static_cast<T>(r < lo ? lo : (r > hi ? hi : r));
}

}  // namespace edgert
