// TFLite's fixed-point requantization of int32 accumulators, four lanes at a
// time, bit-exact with MultiplyByQuantizedMultiplier (kernels/common/quant.h)
// followed by the output zero point and the activation clamp. Advanced SIMD.
#pragma once

#include <arm_neon.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace edgert {
namespace qs8_neon {

// Per-channel requantization parameters of 4 lanes (see QS8ConvParams);
// neg_right = -right (the shift count of a right shift by vrshlq_s32).
struct Requant4 {
  int32x4_t multiplier, left, neg_right;
};

// Output stage constants: the clamp range moved before the zero point is added
// ([min - zp, max - zp], so the sum cannot overflow) and the zero point.
// short_rounding: QS8ConvParams::full_range_short_rounding (the short form of
// Requantize below; the clamp is then the saturating narrowing to int8).
struct OutputStage {
  int32x4_t lo, hi, zp;
  bool short_rounding;
};

inline OutputStage LoadOutputStage(int32_t output_zp, int32_t min, int32_t max, bool short_rounding = false) {
  return {vdupq_n_s32(min - output_zp), vdupq_n_s32(max - output_zp), vdupq_n_s32(output_zp), short_rounding};
}

// Loads the parameters of lanes first..first+3 of a packed group of n channels
// (n acc0, n multipliers, n left, n right).
inline Requant4 LoadRequant4(const int32_t* group, size_t n, size_t first) {
  return {vld1q_s32(group + n + first), vld1q_s32(group + 2 * n + first), vnegq_s32(vld1q_s32(group + 3 * n + first))};
}

// One multiplier and shift (MultiplyByQuantizedMultiplier's) in every lane.
inline Requant4 UniformRequant4(int32_t multiplier, int32_t shift) {
  return {vdupq_n_s32(multiplier), vdupq_n_s32(shift > 0 ? shift : 0), vdupq_n_s32(shift > 0 ? 0 : shift)};
}

// MultiplyByQuantizedMultiplier of each lane:
// RoundingDivideByPOT(SRDHM(saturate(acc << left), multiplier), right).
inline int32x4_t MultiplyByQuantizedMultiplier4(int32x4_t acc, const Requant4& q) {
  // SQSHL saturates exactly like saturate(acc * 2^left).
  const int32x4_t x = vqshlq_s32(acc, q.left);
  // SQRDMULH is saturate((2 * x * m + 2^31) >> 32) = floor((x * m + 2^30) / 2^31),
  // which equals TFLite's nudged, truncating division for every product (and
  // saturates its one overflowing case the same way).
  const int32x4_t high = vqrdmulhq_s32(x, q.multiplier);
  // RoundingDivideByPOT rounds ties away from zero; SRSHL by -right rounds
  // them up. Subtracting 1 from negative values where right > 0 turns a
  // negative tie downwards and changes no other result (neg_right has its sign
  // bit set exactly when right > 0). The saturating add keeps INT32_MIN, whose
  // shifted value is exact anyway.
  const int32x4_t fixup = vshrq_n_s32(vandq_s32(high, q.neg_right), 31);
  return vrshlq_s32(vqaddq_s32(high, fixup), q.neg_right);
}

// y = clamp(MultiplyByQuantizedMultiplier(acc) + zp, min, max). Under
// short_rounding (no left shift, right shifts of 1..31, and sums that fit
// int32: QS8RoundsInInt32), RoundingDivideByPOT(h, r) is SRSHL of h - [h < 0]
// (one SSRA), and y + zp is returned unclamped (|y| < 2^30) for the
// saturating narrowing to int8, which is the full-range clamp.
inline int32x4_t Requantize(int32x4_t acc, const Requant4& q, const OutputStage& o) {
  if (o.short_rounding) {
    const int32x4_t high = vqrdmulhq_s32(acc, q.multiplier);
    return vaddq_s32(vrshlq_s32(vsraq_n_s32(high, high, 31), q.neg_right), o.zp);
  }
  return vaddq_s32(vminq_s32(vmaxq_s32(MultiplyByQuantizedMultiplier4(acc, q), o.lo), o.hi), o.zp);
}

// 16 int8 values as four int32x4 (values 0-3, 4-7, 8-11, 12-15).
inline void Widen16(int8x16_t v, int32x4_t out[4]) {
  const int16x8_t lo = vmovl_s8(vget_low_s8(v)), hi = vmovl_s8(vget_high_s8(v));
  out[0] = vmovl_s16(vget_low_s16(lo));
  out[1] = vmovl_s16(vget_high_s16(lo));
  out[2] = vmovl_s16(vget_low_s16(hi));
  out[3] = vmovl_s16(vget_high_s16(hi));
}

// 16 int32 values in [-128, 127] to 16 int8 in order.
inline int8x16_t PackToInt8(int32x4_t v0, int32x4_t v1, int32x4_t v2, int32x4_t v3) {
  const int16x8_t lo = vcombine_s16(vqmovn_s32(v0), vqmovn_s32(v1));
  const int16x8_t hi = vcombine_s16(vqmovn_s32(v2), vqmovn_s32(v3));
  return vcombine_s8(vqmovn_s16(lo), vqmovn_s16(hi));
}

// Stores the first n (1..16) bytes of v.
inline void StoreBytes(int8_t* dst, int8x16_t v, size_t n) {
  if (n >= 16) {
    vst1q_s8(dst, v);
    return;
  }
  int8x8_t part = vget_low_s8(v);
  if (n & 8) {
    vst1_s8(dst, part);
    dst += 8;
    part = vget_high_s8(v);
  }
  if (n & 4) {
    const int32_t word = vget_lane_s32(vreinterpret_s32_s8(part), 0);
    std::memcpy(dst, &word, 4);
    dst += 4;
    part = vext_s8(part, part, 4);
  }
  if (n & 2) {
    const int16_t half = vget_lane_s16(vreinterpret_s16_s8(part), 0);
    std::memcpy(dst, &half, 2);
    dst += 2;
    part = vext_s8(part, part, 2);
  }
  if (n & 1) vst1_lane_s8(dst, part, 0);
}

// Loads n (< 16) bytes into the low bytes of a vector, the others zero,
// reading nothing past src + n.
inline int8x16_t LoadBytes(const int8_t* src, size_t n) {
  int8_t tmp[16] = {};
  for (size_t i = 0; i < n; ++i) tmp[i] = src[i];
  return vld1q_s8(tmp);
}

// The A and C rows of a 4-row int8 GEMM tile of mr (1..4) rows: rows past mr
// alias the previous row (they compute and store the same values).
struct Rows4 {
  const int8_t* a[4];
  int8_t* c[4];
};
inline Rows4 TileRows4(size_t mr, const int8_t* a, size_t a_stride, int8_t* c, size_t c_stride) {
  Rows4 r;
  r.a[0] = a;
  r.c[0] = c;
  for (size_t i = 1; i < 4; ++i) {
    r.a[i] = mr > i ? r.a[i - 1] + a_stride : r.a[i - 1];
    r.c[i] = mr > i ? r.c[i - 1] + c_stride : r.c[i - 1];
  }
  return r;
}

// The epilogue of the 4x16 int8 GEMMs: requantizes the 4 rows x 16 channels of
// accumulators (channel parameters from the packed panel `header`) and stores
// the first n (1..16) channels of each row at column `col` of rows.c. Highest
// row first, so that aliased rows (fewer than 4 rows) end with the lowest
// row's identical values.
inline void RequantizeStore4x16(const int32x4_t acc0[4], const int32x4_t acc1[4], const int32x4_t acc2[4],
                                const int32x4_t acc3[4], const int32_t* header, const OutputStage& out,
                                const Rows4& rows, size_t col, size_t n) {
  int32x4_t y0[4], y1[4], y2[4], y3[4];
  for (int q = 0; q < 4; ++q) {
    const Requant4 rq = LoadRequant4(header, 16, 4 * static_cast<size_t>(q));
    y0[q] = Requantize(acc0[q], rq, out);
    y1[q] = Requantize(acc1[q], rq, out);
    y2[q] = Requantize(acc2[q], rq, out);
    y3[q] = Requantize(acc3[q], rq, out);
  }
  StoreBytes(rows.c[3] + col, PackToInt8(y3[0], y3[1], y3[2], y3[3]), n);
  StoreBytes(rows.c[2] + col, PackToInt8(y2[0], y2[1], y2[2], y2[3]), n);
  StoreBytes(rows.c[1] + col, PackToInt8(y1[0], y1[1], y1[2], y1[3]), n);
  StoreBytes(rows.c[0] + col, PackToInt8(y0[0], y0[1], y0[2], y0[3]), n);
}

}  // namespace qs8_neon
}  // namespace edgert
