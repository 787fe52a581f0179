// Shared by the microkernel tests that call the ISA table's kernels directly
// (gemm_ukernel_test.cc, dwconv_ukernel_test.cc): the levels to run and random
// int8 requantization parameters.
#pragma once

#include <catch2/catch.hpp>

#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include "kernels/dispatch.h"

namespace edgert {
namespace testing {

// The levels with microkernels (not reference) this CPU runs; each test sets
// them in turn (ScopedIsaLevel).
inline std::vector<IsaLevel> SupportedMicrokernelLevels() {
  const IsaLevel all[] = {IsaLevel::kAvx2, IsaLevel::kAvx512,  IsaLevel::kAvx512Vnni, IsaLevel::kAvx512Amx,
                          IsaLevel::kNeon, IsaLevel::kNeonDot, IsaLevel::kNeonI8mm};
  std::vector<IsaLevel> v;
  const IsaLevel previous = SetKernelIsaLevelForTesting(IsaLevel::kReference);
  for (IsaLevel l : all) {
    SetKernelIsaLevelForTesting(l);
    if (GetKernelIsa().level == l) v.push_back(l);
  }
  SetKernelIsaLevelForTesting(previous);
  if (v.empty()) WARN("no microkernels on this CPU (reference ISA level): nothing to test");
  return v;
}

// One output channel's requantization (QS8ConvParams).
struct QS8Channel {
  int32_t acc0, multiplier, shift;
};

// Multipliers and shifts: tiny to saturating left shifts, ties included (a
// multiplier of 2^30 halves exactly, so right shifts meet exact halves).
inline QS8Channel RandomQS8Channel(std::mt19937& rng) {
  const int32_t shifts[] = {-31, -30, -24, -17, -9, -5, -2, -1, 0, 1, 2, 6, 14, 30};
  std::uniform_int_distribution<int> pick_shift(0, sizeof(shifts) / sizeof(shifts[0]) - 1);
  std::uniform_int_distribution<int32_t> pick_mult(1 << 30, std::numeric_limits<int32_t>::max());
  std::uniform_int_distribution<int32_t> pick_acc0(-(1 << 20), 1 << 20);
  QS8Channel ch;
  ch.acc0 = pick_acc0(rng);
  ch.multiplier = std::uniform_int_distribution<int>(0, 3)(rng) == 0 ? (1 << 30) : pick_mult(rng);
  ch.shift = shifts[pick_shift(rng)];
  return ch;
}

// Right shifts only (1 to 23, the small ones often: their ties are frequent),
// and accumulators from small to within reach of QS8RoundsInInt32's limit:
// channels for the short-rounding output stage (QS8ConvParams::
// full_range_short_rounding). `spread` bounds |acc - acc0| over the test's
// inputs; an acc0 is kept where |acc0| + spread passes QS8RoundsInInt32 with
// any output zero point (|zp| <= 128, kShortRoundingZp), which leaves no
// room for right shifts above 23.
constexpr int32_t kShortRoundingZp = 128;
inline QS8Channel RandomShortRoundingQS8Channel(std::mt19937& rng, int64_t spread) {
  const int32_t shifts[] = {-1, -1, -2, -2, -3, -5, -8, -13, -20, -23};
  std::uniform_int_distribution<int> pick_shift(0, sizeof(shifts) / sizeof(shifts[0]) - 1);
  std::uniform_int_distribution<int32_t> pick_mult(1 << 30, std::numeric_limits<int32_t>::max());
  QS8Channel ch;
  ch.multiplier = std::uniform_int_distribution<int>(0, 3)(rng) == 0 ? (1 << 30) : pick_mult(rng);
  ch.shift = shifts[pick_shift(rng)];
  const int64_t limit = std::numeric_limits<int32_t>::max() - (int64_t{1} << (-ch.shift - 1)) - 2 -
                        (int64_t{kShortRoundingZp} << -ch.shift) - spread;
  const int64_t big = limit < (1 << 20) ? 0 : limit;
  const int64_t range = std::uniform_int_distribution<int>(0, 2)(rng) == 0 ? big : (1 << 20);
  ch.acc0 = static_cast<int32_t>(std::uniform_int_distribution<int64_t>(-range, range)(rng));
  return ch;
}

}  // namespace testing
}  // namespace edgert
