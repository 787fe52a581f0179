#include "kernels/optimized/qs8_add_f64.h"

#include <cmath>
#include <cstring>
#include <initializer_list>

namespace edgert {
namespace opt {
namespace {

// The real factor of MultiplyByQuantizedMultiplier(., m, shift).
double Factor(int32_t m, int32_t shift) { return std::ldexp(static_cast<double>(m), shift - 31); }

}  // namespace

bool MakeExactQS8AddF64(const QS8AddParams& q, QS8VAddUkernelFn exact, QS8VAddF64UkernelFn fast,
                        QS8AddF64Params* out) {
  if (exact == nullptr || fast == nullptr || q.left_shift < 0 || q.left_shift > 30) return false;
  const double to_out = Factor(q.out_multiplier, q.out_shift);
  const double s1 = std::ldexp(Factor(q.multiplier1, q.shift1), q.left_shift) * to_out;
  const double s2 = std::ldexp(Factor(q.multiplier2, q.shift2), q.left_shift) * to_out;
  // The pairs in 16 blocks of 4096: a = -128..127 against 16 values of b.
  constexpr int kRows = 16, kBlock = 256 * kRows;
  int8_t a[kBlock], b[kBlock], want[kBlock], got[kBlock];
  for (int i = 0; i < kBlock; ++i) a[i] = static_cast<int8_t>(i % 256 - 128);
  // Runs both kernels on every pair; false at the first block that differs,
  // with *up telling whether the fixed-point kernel gave a larger value there
  // and *count the differing values of that block.
  auto equal_everywhere = [&](const QS8AddF64Params& p, bool* up, int* count) {
    for (int b0 = -128; b0 <= 127; b0 += kRows) {
      for (int i = 0; i < kBlock; ++i) b[i] = static_cast<int8_t>(b0 + i / 256);
      exact(kBlock, a, b, want, &q);
      fast(kBlock, a, b, got, &p);
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
  };
  // The fixed-point arithmetic rounds halves away from zero; scaling by
  // 1 + 2^-40 moves exact halves that way (first candidate), which changes no
  // other rounding when the sums are not within |x| * 2^-40 of a boundary.
  for (double nudge : {1.0 + std::ldexp(1.0, -40), 1.0}) {
    QS8AddF64Params p;
    p.scale1 = s1 * nudge;
    p.scale2 = s2 * nudge;
    p.bias = (static_cast<double>(q.offset1) * s1 + static_cast<double>(q.offset2) * s2) * nudge;
    p.out_zero_point = q.out_zero_point;
    p.min = q.min;
    p.max = q.max;
    bool up = false;
    int count = 0;
    if (equal_everywhere(p, &up, &count)) {
      *out = p;
      return true;
    }
    // A lone pair whose sum lies closer to a rounding boundary than the
    // fixed-point arithmetic's own rounding error (about 2^-19 of a step):
    // moving the bias toward that kernel's result by more than this pair's
    // distance and less than every other pair's fixes it. Tried from small to
    // large shifts; each candidate is checked on every pair again.
    if (count > 2) continue;
    const double base = p.bias;
    for (int e = -30; e <= -14; e += 2) {
      p.bias = base + (up ? 1.0 : -1.0) * std::ldexp(1.0, e);
      bool up2 = false;
      int count2 = 0;
      if (equal_everywhere(p, &up2, &count2)) {
        *out = p;
        return true;
      }
      if (count2 > 2 || up2 != up) break;  // moved past other pairs' boundaries
    }
  }
  return false;
}

}  // namespace opt
}  // namespace edgert
