// Comparison of two int8 binary microkernels on all 65536 (a, b) input pairs,
// for the floating-point forms of int8 ADD that run only where they reproduce
// the fixed-point kernel exactly (kernels/optimized/qs8_add_f64.h). About
// 60 us per comparison on one core.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace edgert {
namespace opt {

// True when exact(.., pe) and fast(.., pf) agree on every pair. Otherwise
// false at the first block of 4096 pairs that differs, with *up telling
// whether the exact kernel gave the larger value at a differing pair there and
// *count the number of differing pairs in that block.
template <typename PE, typename PF>
bool AllPairsEqual(void (*exact)(size_t, const int8_t*, const int8_t*, int8_t*, const PE*), const PE& pe,
                   void (*fast)(size_t, const int8_t*, const int8_t*, int8_t*, const PF*), const PF& pf, bool* up,
                   int* count) {
  // a = -128..127 against 16 values of b per block.
  constexpr int kRows = 16, kBlock = 256 * kRows;
  int8_t a[kBlock], b[kBlock], want[kBlock], got[kBlock];
  for (int i = 0; i < kBlock; ++i) a[i] = static_cast<int8_t>(i % 256 - 128);
  for (int b0 = -128; b0 <= 127; b0 += kRows) {
    for (int i = 0; i < kBlock; ++i) b[i] = static_cast<int8_t>(b0 + i / 256);
    exact(kBlock, a, b, want, &pe);
    fast(kBlock, a, b, got, &pf);
    if (std::memcmp(want, got, sizeof(want)) == 0) continue;
    *count = 0;
    for (int i = 0; i < kBlock; ++i)
      if (want[i] != got[i]) {
        *up = want[i] > got[i];
        ++*count;
      }
    return false;
  }
  return true;
}

}  // namespace opt
}  // namespace edgert
