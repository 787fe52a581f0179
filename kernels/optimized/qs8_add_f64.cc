#include "kernels/optimized/qs8_add_f64.h"

#include <cmath>
#include <initializer_list>

#include "kernels/optimized/qs8_all_pairs.h"

namespace edgert {
namespace opt {
namespace {

// The real factor of MultiplyByQuantizedMultiplier(., m, shift).
double Factor(int32_t m, int32_t shift) { return std::ldexp(static_cast<double>(m), shift - 31); }

// The search shared by both precisions: Real is the kernel's floating type,
// nudge_exp the relative scale nudge that moves exact halves away from zero,
// [shift_lo, shift_hi] the exponents of the bias shifts tried.
template <typename Real, typename P>
bool MakeExact(const QS8AddParams& q, QS8VAddUkernelFn exact,
               void (*fast)(size_t, const int8_t*, const int8_t*, int8_t*, const P*), int nudge_exp, int shift_lo,
               int shift_hi, P* out) {
  if (exact == nullptr || fast == nullptr || q.left_shift < 0 || q.left_shift > 30) return false;
  const double to_out = Factor(q.out_multiplier, q.out_shift);
  const double s1 = std::ldexp(Factor(q.multiplier1, q.shift1), q.left_shift) * to_out;
  const double s2 = std::ldexp(Factor(q.multiplier2, q.shift2), q.left_shift) * to_out;
  // The fixed-point arithmetic rounds halves away from zero; scaling by
  // 1 + 2^nudge_exp moves exact halves that way (first candidate), which
  // changes no other rounding when the sums are not within |x| * 2^nudge_exp
  // of a boundary.
  for (double nudge : {1.0 + std::ldexp(1.0, nudge_exp), 1.0}) {
    P p;
    p.scale1 = static_cast<Real>(s1 * nudge);
    p.scale2 = static_cast<Real>(s2 * nudge);
    const double base = (static_cast<double>(q.offset1) * s1 + static_cast<double>(q.offset2) * s2) * nudge;
    p.bias = static_cast<Real>(base);
    p.out_zero_point = q.out_zero_point;
    p.min = q.min;
    p.max = q.max;
    bool up = false;
    int count = 0;
    if (AllPairsEqual(exact, q, fast, p, &up, &count)) {
      *out = p;
      return true;
    }
    // A lone pair whose sum lies closer to a rounding boundary than the
    // arithmetics' own rounding errors: moving the bias toward the fixed-point
    // kernel's result by more than this pair's distance and less than every
    // other pair's fixes it. Tried from small to large shifts; each candidate
    // is checked on every pair again.
    if (count > 2) continue;
    for (int e = shift_lo; e <= shift_hi; e += 2) {
      p.bias = static_cast<Real>(base + (up ? 1.0 : -1.0) * std::ldexp(1.0, e));
      bool up2 = false;
      int count2 = 0;
      if (AllPairsEqual(exact, q, fast, p, &up2, &count2)) {
        *out = p;
        return true;
      }
      if (count2 > 2 || up2 != up) break;  // moved past other pairs' boundaries
    }
  }
  return false;
}

}  // namespace

// The fixed-point kernel's own rounding error is about 2^-19 of a step, the
// double kernel's far below it: nudge 2^-40, shifts 2^-30 .. 2^-14.
bool MakeExactQS8AddF64(const QS8AddParams& q, QS8VAddUkernelFn exact, QS8VAddF64UkernelFn fast,
                        QS8AddF64Params* out) {
  return MakeExact<double>(q, exact, fast, -40, -30, -14, out);
}

// Single precision rounds at 2^-24 of the value (about 2^-17 of a step near
// the ends of the int8 range): nudge 2^-22, shifts 2^-20 .. 2^-10.
bool MakeExactQS8AddF32(const QS8AddParams& q, QS8VAddUkernelFn exact, QS8VAddF32UkernelFn fast,
                        QS8AddF32Params* out) {
  return MakeExact<float>(q, exact, fast, -22, -20, -10, out);
}

}  // namespace opt
}  // namespace edgert
