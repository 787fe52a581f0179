// Interleaving of 3 planes of 32-bit values (X32Zip3UkernelFn,
// kernels/dispatch.h), 4 positions per step with NEON's 3-way interleaving
// store, the last 1..3 one by one.
#include <arm_neon.h>

#include <cstdint>

#include "kernels/arm/ukernels.h"

namespace edgert {

void x32_zip3_ukernel_x4__neon(size_t n, const uint32_t* in, size_t plane_stride, uint32_t* out) {
  const uint32_t* a = in;
  const uint32_t* b = in + plane_stride;
  const uint32_t* c = in + 2 * plane_stride;
  size_t i = 0;
  for (; i + 4 <= n; i += 4, out += 12) {
    uint32x4x3_t v;
    v.val[0] = vld1q_u32(a + i);
    v.val[1] = vld1q_u32(b + i);
    v.val[2] = vld1q_u32(c + i);
    vst3q_u32(out, v);
  }
  for (; i < n; ++i, out += 3) {
    out[0] = a[i];
    out[1] = b[i];
    out[2] = c[i];
  }
}

}  // namespace edgert
