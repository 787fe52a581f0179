// 256-entry byte table lookup, y[i] = table[x[i]], 16 bytes per step.
// Contract: X8LutUkernelFn (kernels/dispatch.h).
//
// vqtbl4q_u8 looks up a 64-byte table (four q registers) and gives 0 for
// indices 64..255; vqtbx4q_u8 leaves those lanes as they were. The table is
// four such quarters: quarter q is looked up with x - 64 q (mod 256), which
// is in 0..63 exactly for the x of that quarter and at least 64 for every
// other x. Exact: the result is the table's byte.
#include <arm_neon.h>

#include <cstring>

#include "kernels/arm/ukernels.h"

namespace edgert {

void x8_lut_ukernel_x16__neon(size_t n, const uint8_t* x, uint8_t* y, const uint8_t* table) {
  const uint8x16x4_t t0 = vld1q_u8_x4(table), t1 = vld1q_u8_x4(table + 64), t2 = vld1q_u8_x4(table + 128),
                     t3 = vld1q_u8_x4(table + 192);
  const uint8x16_t k64 = vdupq_n_u8(64);
  auto lookup = [&](uint8x16_t v) {
    uint8x16_t r = vqtbl4q_u8(t0, v);
    v = vsubq_u8(v, k64);
    r = vqtbx4q_u8(r, t1, v);
    v = vsubq_u8(v, k64);
    r = vqtbx4q_u8(r, t2, v);
    v = vsubq_u8(v, k64);
    return vqtbx4q_u8(r, t3, v);
  };
  for (; n >= 16; n -= 16, x += 16, y += 16) vst1q_u8(y, lookup(vld1q_u8(x)));
  if (n > 0) {  // 1..15 bytes through a copy, reading and writing nothing past the arrays
    uint8_t buf[16] = {};
    std::memcpy(buf, x, n);
    vst1q_u8(buf, lookup(vld1q_u8(buf)));
    std::memcpy(y, buf, n);
  }
}

}  // namespace edgert
