// Stores of f32 microkernel rows (Advanced SIMD).
#pragma once

#include <arm_neon.h>

#include <cstddef>

namespace edgert {
namespace neon_f32 {

// Stores the first n (>= 1) floats of the 16 in v[0..3] (all 16 when n >= 16).
inline void StoreRow16(float* p, const float32x4_t* v, size_t n) {
  if (n >= 16) {
    vst1q_f32(p, v[0]);
    vst1q_f32(p + 4, v[1]);
    vst1q_f32(p + 8, v[2]);
    vst1q_f32(p + 12, v[3]);
    return;
  }
  size_t q = 0;
  for (; n >= 4; n -= 4, ++q, p += 4) vst1q_f32(p, v[q]);
  if (n == 0) return;
  float32x2_t lo = vget_low_f32(v[q]);
  if (n & 2) {
    vst1_f32(p, lo);
    lo = vget_high_f32(v[q]);
    p += 2;
  }
  if (n & 1) vst1_lane_f32(p, lo, 0);
}

}  // namespace neon_f32
}  // namespace edgert
