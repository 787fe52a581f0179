// int8 MUL with TFLite's fixed-point semantics (QS8MulParams in
// kernels/dispatch.h), 16 values per step, Advanced SIMD: the products
// (x + offset1) * (y + offset2) in int32 lanes (|each| <= 255, exact), then
// kernels/arm/qs8_requant_neon.h's bit-exact requantization. Two kernels:
// same-shape operands (vmul) and the scalar b[0] (vmulc). Tails (1..15
// values) are loaded through a zeroed copy and stored byte-exact.
#include <arm_neon.h>

#include "kernels/arm/qs8_requant_neon.h"
#include "kernels/arm/ukernels.h"

namespace edgert {
namespace {

struct MulConstants {
  int32x4_t offset1, offset2;
  qs8_neon::Requant4 q;
  qs8_neon::OutputStage out;
};

MulConstants MakeConstants(const QS8MulParams* p) {
  return {vdupq_n_s32(p->offset1), vdupq_n_s32(p->offset2), qs8_neon::UniformRequant4(p->multiplier, p->shift),
          qs8_neon::LoadOutputStage(p->out_zero_point, p->min, p->max)};
}

// 16 outputs from 16 values of a and the 16 offset values of b.
inline int8x16_t Mul16(int8x16_t a, const int32x4_t b_offset[4], const MulConstants& c) {
  int32x4_t x[4], y[4];
  qs8_neon::Widen16(a, x);
  for (int i = 0; i < 4; ++i)
    y[i] = qs8_neon::Requantize(vmulq_s32(vaddq_s32(x[i], c.offset1), b_offset[i]), c.q, c.out);
  return qs8_neon::PackToInt8(y[0], y[1], y[2], y[3]);
}

inline void Offset16(int8x16_t b, const MulConstants& c, int32x4_t out[4]) {
  qs8_neon::Widen16(b, out);
  for (int i = 0; i < 4; ++i) out[i] = vaddq_s32(out[i], c.offset2);
}

}  // namespace

void qs8_vmul_minmax_ukernel_x16__neon(size_t n, const int8_t* a, const int8_t* b, int8_t* y,
                                       const QS8MulParams* p) {
  const MulConstants c = MakeConstants(p);
  int32x4_t bo[4];
  for (; n >= 16; n -= 16, a += 16, b += 16, y += 16) {
    Offset16(vld1q_s8(b), c, bo);
    vst1q_s8(y, Mul16(vld1q_s8(a), bo, c));
  }
  if (n > 0) {
    Offset16(qs8_neon::LoadBytes(b, n), c, bo);
    qs8_neon::StoreBytes(y, Mul16(qs8_neon::LoadBytes(a, n), bo, c), n);
  }
}

void qs8_vmulc_minmax_ukernel_x16__neon(size_t n, const int8_t* a, const int8_t* b, int8_t* y,
                                        const QS8MulParams* p) {
  const MulConstants c = MakeConstants(p);
  int32x4_t bo[4];
  bo[0] = bo[1] = bo[2] = bo[3] = vdupq_n_s32(b[0] + p->offset2);
  for (; n >= 16; n -= 16, a += 16, y += 16) vst1q_s8(y, Mul16(vld1q_s8(a), bo, c));
  if (n > 0) qs8_neon::StoreBytes(y, Mul16(qs8_neon::LoadBytes(a, n), bo, c), n);
}

}  // namespace edgert
