// int8 ADD / SUB with TFLite's fixed-point semantics (QS8AddParams in
// kernels/dispatch.h), 16 values per step, Advanced SIMD: each input term is
// MultiplyByQuantizedMultiplier((x + offset) << left_shift) and the sum is
// requantized, all with kernels/arm/qs8_requant_neon.h (SQRDMULH and a
// rounding shift with a sign fix-up: bit-exact). Two kernels: same-shape
// operands (vadd) and the scalar b[0] (vaddc, its term computed once). Tails
// (1..15 values) are loaded through a zeroed copy and stored byte-exact.
#include <arm_neon.h>

#include "kernels/arm/qs8_requant_neon.h"
#include "kernels/arm/ukernels.h"

namespace edgert {
namespace {

struct AddConstants {
  int32x4_t offset1, offset2, left_shift;
  qs8_neon::Requant4 q1, q2, qout;
  qs8_neon::OutputStage out;
};

AddConstants MakeConstants(const QS8AddParams* p) {
  return {vdupq_n_s32(p->offset1),
          vdupq_n_s32(p->offset2),
          vdupq_n_s32(p->left_shift),
          qs8_neon::UniformRequant4(p->multiplier1, p->shift1),
          qs8_neon::UniformRequant4(p->multiplier2, p->shift2),
          qs8_neon::UniformRequant4(p->out_multiplier, p->out_shift),
          qs8_neon::LoadOutputStage(p->out_zero_point, p->min, p->max)};
}

// The rescaled term of 4 input values (|x + offset| <= 255, so the shift by
// left_shift <= 22 cannot overflow).
inline int32x4_t Term(int32x4_t x, int32x4_t offset, const qs8_neon::Requant4& q, const AddConstants& c) {
  return qs8_neon::MultiplyByQuantizedMultiplier4(vshlq_s32(vaddq_s32(x, offset), c.left_shift), q);
}

// 16 outputs from 16 values of a and the 16 rescaled terms of b.
inline int8x16_t Add16(int8x16_t a, const int32x4_t term2[4], const AddConstants& c) {
  int32x4_t x[4], y[4];
  qs8_neon::Widen16(a, x);
  for (int i = 0; i < 4; ++i)
    y[i] = qs8_neon::Requantize(vaddq_s32(Term(x[i], c.offset1, c.q1, c), term2[i]), c.qout, c.out);
  return qs8_neon::PackToInt8(y[0], y[1], y[2], y[3]);
}

inline void Terms2(int8x16_t b, const AddConstants& c, int32x4_t term2[4]) {
  int32x4_t x[4];
  qs8_neon::Widen16(b, x);
  for (int i = 0; i < 4; ++i) term2[i] = Term(x[i], c.offset2, c.q2, c);
}

}  // namespace

void qs8_vadd_minmax_ukernel_x16__neon(size_t n, const int8_t* a, const int8_t* b, int8_t* y,
                                       const QS8AddParams* p) {
  const AddConstants c = MakeConstants(p);
  int32x4_t term2[4];
  for (; n >= 16; n -= 16, a += 16, b += 16, y += 16) {
    Terms2(vld1q_s8(b), c, term2);
    vst1q_s8(y, Add16(vld1q_s8(a), term2, c));
  }
  if (n > 0) {
    Terms2(qs8_neon::LoadBytes(b, n), c, term2);
    qs8_neon::StoreBytes(y, Add16(qs8_neon::LoadBytes(a, n), term2, c), n);
  }
}

void qs8_vaddc_minmax_ukernel_x16__neon(size_t n, const int8_t* a, const int8_t* b, int8_t* y,
                                        const QS8AddParams* p) {
  const AddConstants c = MakeConstants(p);
  int32x4_t term2[4];
  term2[0] = term2[1] = term2[2] = term2[3] = Term(vdupq_n_s32(b[0]), c.offset2, c.q2, c);
  for (; n >= 16; n -= 16, a += 16, y += 16) vst1q_s8(y, Add16(vld1q_s8(a), term2, c));
  if (n > 0) qs8_neon::StoreBytes(y, Add16(qs8_neon::LoadBytes(a, n), term2, c), n);
}

}  // namespace edgert
