// Interleaving of 3 planes of bytes (X8Zip3UkernelFn, kernels/dispatch.h),
// 16 positions per step with NEON's 3-way interleaving store, the last 1..15
// one by one.
#include <arm_neon.h>

#include <cstdint>

#include "kernels/arm/ukernels.h"

namespace edgert {

void x8_zip3_ukernel_x16__neon(size_t n, const uint8_t* in, size_t plane_stride, uint8_t* out) {
  const uint8_t* a = in;
  const uint8_t* b = in + plane_stride;
  const uint8_t* c = in + 2 * plane_stride;
  size_t i = 0;
  for (; i + 16 <= n; i += 16, out += 48) {
    uint8x16x3_t v;
    v.val[0] = vld1q_u8(a + i);
    v.val[1] = vld1q_u8(b + i);
    v.val[2] = vld1q_u8(c + i);
    vst3q_u8(out, v);
  }
  for (; i < n; ++i, out += 3) {
    out[0] = a[i];
    out[1] = b[i];
    out[2] = c[i];
  }
}

}  // namespace edgert
