// TFLite's fixed-point requantization of 16 int32 accumulators with AVX-512,
// bit-exact with MultiplyByQuantizedMultiplier (kernels/common/quant.h)
// followed by the output zero point and the activation clamp, in a third of
// the instructions of the AVX2 form (kernels/x86/qs8_requant_avx2.h): the
// AVX-512 64-bit arithmetic shift lets both roundings happen in one 64-bit
// expression per lane. With x the saturated acc * 2^left, m the multiplier
// and r the right shift, p = x * m (exact in int64):
//   SaturatingRoundingDoublingHighMul(x, m) = h = floor((p + 2^30) / 2^31)
//   RoundingDivideByPOT(h, r) = floor((h + b) / 2^r), b = 2^(r-1) for h >= 0,
//                               2^(r-1) - 1 for h < 0 (ties away from zero;
//                               b = 0 when r = 0)
// and floor((floor(t / 2^31) + b) / 2^r) = floor((t + b * 2^31) / 2^(31 + r))
// for t = p + 2^30 (h < 0 exactly when t < 0), so
//   y = (p + 2^30 + b * 2^31) >> (31 + r),
// which stays below 2^63 in magnitude (|p| < 2^62, b < 2^30).
// Include only from files compiled with -mavx512f; internal linkage for the
// reason given in kernels/x86/qs8_requant_avx2.h.
#pragma once

#include <immintrin.h>

#include <climits>
#include <cstddef>
#include <cstdint>

namespace edgert {
namespace qs8_avx512 {
namespace {

// Per-channel constants of 16 lanes, split into the even and odd lanes'
// 64-bit forms (even lanes in the low half of each 64-bit lane).
struct Requant16 {
  __m512i left;              // left shifts (int32 lanes)
  bool any_left;             // some left shift is non-zero
  __m512i m_even, m_odd;     // multipliers in the low 32 bits
  __m512i b_pos_even, b_pos_odd, b_neg_even, b_neg_odd;  // 2^30 + b * 2^31 for t >= 0 and t < 0
  __m512i shift_even, shift_odd;                         // 31 + r
};

// From per-lane multipliers, left shifts and right shifts.
inline Requant16 MakeRequant16(__m512i m, __m512i left, __m512i r) {
  Requant16 q;
  q.left = left;
  q.any_left = _mm512_test_epi32_mask(left, left) != 0;
  const __m512i lo32 = _mm512_set1_epi64(0xFFFFFFFFll);
  q.m_even = m;
  q.m_odd = _mm512_srli_epi64(m, 32);
  const __m512i half = _mm512_srli_epi32(_mm512_sllv_epi32(_mm512_set1_epi32(1), r), 1);
  const __m512i half_neg = _mm512_sub_epi32(half, _mm512_min_epu32(r, _mm512_set1_epi32(1)));
  const __m512i nudge = _mm512_set1_epi64(int64_t{1} << 30);
  auto even = [&](__m512i v) { return _mm512_and_si512(v, lo32); };
  auto odd = [&](__m512i v) { return _mm512_srli_epi64(v, 32); };
  q.b_pos_even = _mm512_add_epi64(_mm512_slli_epi64(even(half), 31), nudge);
  q.b_pos_odd = _mm512_add_epi64(_mm512_slli_epi64(odd(half), 31), nudge);
  q.b_neg_even = _mm512_add_epi64(_mm512_slli_epi64(even(half_neg), 31), nudge);
  q.b_neg_odd = _mm512_add_epi64(_mm512_slli_epi64(odd(half_neg), 31), nudge);
  const __m512i k31 = _mm512_set1_epi64(31);
  q.shift_even = _mm512_add_epi64(even(r), k31);
  q.shift_odd = _mm512_add_epi64(odd(r), k31);
  return q;
}


// One multiplier and shift (MultiplyByQuantizedMultiplier's) in every lane.
inline Requant16 UniformRequant16(int32_t multiplier, int32_t shift) {
  return MakeRequant16(_mm512_set1_epi32(multiplier), _mm512_set1_epi32(shift > 0 ? shift : 0),
                       _mm512_set1_epi32(shift > 0 ? 0 : -shift));
}

// Output stage constants: the clamp range moved before the zero point is
// added ([min - zp, max - zp]) and the zero point.
struct OutputStage16 {
  __m512i lo, hi, zp;
};
inline OutputStage16 LoadOutputStage16(int32_t output_zp, int32_t min, int32_t max) {
  return {_mm512_set1_epi32(min - output_zp), _mm512_set1_epi32(max - output_zp), _mm512_set1_epi32(output_zp)};
}

// MultiplyByQuantizedMultiplier of each lane of acc.
inline __m512i MultiplyByQuantizedMultiplier16(__m512i acc, const Requant16& q) {
  __m512i x = acc;
  if (q.any_left) {  // saturating left shift: where shifting back does not restore acc, it overflowed
    const __m512i shifted = _mm512_sllv_epi32(acc, q.left);
    const __mmask16 kept = _mm512_cmpeq_epi32_mask(_mm512_srav_epi32(shifted, q.left), acc);
    const __m512i saturated = _mm512_xor_si512(_mm512_srai_epi32(acc, 31), _mm512_set1_epi32(INT32_MAX));
    x = _mm512_mask_blend_epi32(kept, saturated, shifted);
  }
  const __m512i limit = _mm512_set1_epi64(-(int64_t{1} << 30));  // t < 0 exactly when p < -2^30
  const __m512i p_even = _mm512_mul_epi32(x, q.m_even);
  const __m512i p_odd = _mm512_mul_epi32(_mm512_srli_epi64(x, 32), q.m_odd);
  const __m512i y_even = _mm512_srav_epi64(
      _mm512_add_epi64(p_even, _mm512_mask_blend_epi64(_mm512_cmplt_epi64_mask(p_even, limit), q.b_pos_even,
                                                       q.b_neg_even)),
      q.shift_even);
  const __m512i y_odd = _mm512_srav_epi64(
      _mm512_add_epi64(p_odd, _mm512_mask_blend_epi64(_mm512_cmplt_epi64_mask(p_odd, limit), q.b_pos_odd,
                                                      q.b_neg_odd)),
      q.shift_odd);
  // y fits int32 (it is at most |x| * m / 2^31): take the low words.
  return _mm512_mask_blend_epi32(0xAAAA, y_even, _mm512_slli_epi64(y_odd, 32));
}

// The 16 results of requantizing acc, as int32 lanes within [min, max].
inline __m512i Requantize16(__m512i acc, const Requant16& q, const OutputStage16& o) {
  const __m512i y = MultiplyByQuantizedMultiplier16(acc, q);
  const __m512i clamped = _mm512_min_epi32(_mm512_max_epi32(y, o.lo), o.hi);
  return _mm512_add_epi32(clamped, o.zp);
}

// The output stage under QS8ConvParams::full_range_short_rounding (every
// lane's channel satisfies QS8RoundsInInt32; the range is all of int8). Only
// the high multiply needs 64 bits:
//   h = floor((acc * m + 2^30) / 2^31)          (SaturatingRoundingDoublingHighMul)
// fits int32; RoundingDivideByPOT(h, r) for r >= 1 is then
//   floor((h + 2^(r-1) - [h < 0]) / 2^r)       (ties away from zero)
// in 32-bit lanes, which cannot overflow under QS8RoundsInInt32, and the
// result plus the zero point is saturated to int8 on the store, which is the
// clamp to [-128, 127]. No per-lane sign choice in 64 bits, no clamp.
// Three terms cost no instruction per vector:
// - the zero point joins the rounding term before the shift (zp * 2^r added:
//   QS8RoundsInInt32 leaves room for it);
// - that term, b = 2^(r-1) + zp * 2^r, joins the 64-bit nudge:
//   h + b = floor((acc * m + 2^30 + b * 2^31) / 2^31) exactly (b an integer),
//   with |acc * m + 2^30 + b * 2^31| < 2^62 under QS8RoundsInInt32;
// - [h < 0] is taken as [acc < 0] (m > 0): they differ only where h = 0 and
//   acc < 0, and there floor((b - 1) / 2^r) = floor(b / 2^r) = zp.
struct ShortRequant16 {
  __m512i m_even, m_odd;          // multipliers in the low 32 bits of the 64-bit lanes
  __m512i nudge_even, nudge_odd;  // 2^30 + b * 2^31 of the even / odd lanes (int64)
  __m512i right;                  // r (1..31)
};

// From per-lane multipliers and right shifts, and the output zero point.
inline ShortRequant16 MakeShortRequant16(__m512i m, __m512i r, __m512i zp) {
  const __m512i half = _mm512_srli_epi32(_mm512_sllv_epi32(_mm512_set1_epi32(1), r), 1);
  const __m512i b = _mm512_add_epi32(half, _mm512_sllv_epi32(zp, r));
  const __m512i b_even = _mm512_srai_epi64(_mm512_slli_epi64(b, 32), 32);  // sign-extended low words
  const __m512i b_odd = _mm512_srai_epi64(b, 32);                          // sign-extended high words
  const __m512i nudge = _mm512_set1_epi64(int64_t{1} << 30);
  return {m, _mm512_srli_epi64(m, 32), _mm512_add_epi64(_mm512_slli_epi64(b_even, 31), nudge),
          _mm512_add_epi64(_mm512_slli_epi64(b_odd, 31), nudge), r};
}

// The 16 results plus the zero point, as int32 lanes (to be saturated to int8).
inline __m512i RequantizeShort16(__m512i acc, const ShortRequant16& q) {
  // h + b of the even and odd lanes (in the low words of their 64-bit lanes).
  const __m512i hb_even = _mm512_srai_epi64(_mm512_add_epi64(_mm512_mul_epi32(acc, q.m_even), q.nudge_even), 31);
  const __m512i hb_odd = _mm512_srai_epi64(
      _mm512_add_epi64(_mm512_mul_epi32(_mm512_srli_epi64(acc, 32), q.m_odd), q.nudge_odd), 31);
  // The low words of the 64-bit lanes: even lanes from hb_even, odd lanes from hb_odd moved up.
  const __m512i hb = _mm512_mask_shuffle_epi32(hb_even, 0xAAAA, hb_odd, _MM_PERM_CDAB);
  return _mm512_srav_epi32(_mm512_sub_epi32(hb, _mm512_srli_epi32(acc, 31)), q.right);
}

// Stores the first n (1..16) lanes of v saturated to int8.
inline void StoreInt8Saturated(int8_t* dst, __m512i v, size_t n) {
  if (n >= 16)
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dst), _mm512_cvtsepi32_epi8(v));
  else
    _mm512_mask_cvtsepi32_storeu_epi8(dst, static_cast<__mmask16>((1u << n) - 1), v);
}

// Stores the first n (1..16) lanes of v (values within int8) as bytes.
inline void StoreInt8(int8_t* dst, __m512i v, size_t n) {
  if (n >= 16)
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dst), _mm512_cvtepi32_epi8(v));
  else
    _mm512_mask_cvtepi32_storeu_epi8(dst, static_cast<__mmask16>((1u << n) - 1), v);
}

// Either output stage as one type, for kernels templated on it: the 16 output
// bytes of 16 accumulators (lane order kept).
// Store writes the first n (1..16) results to dst.
struct ExactStage16 {
  Requant16 q;
  OutputStage16 o;
  ExactStage16(__m512i m, __m512i left, __m512i r, const OutputStage16& out) : q(MakeRequant16(m, left, r)), o(out) {}
  __m128i Bytes(__m512i acc) const { return _mm512_cvtepi32_epi8(Requantize16(acc, q, o)); }
  void Store(int8_t* dst, __m512i acc, size_t n) const { StoreInt8(dst, Requantize16(acc, q, o), n); }
};
struct ShortStage16 {
  ShortRequant16 q;
  ShortStage16(__m512i m, __m512i /*left: 0*/, __m512i r, const OutputStage16& out)
      : q(MakeShortRequant16(m, r, out.zp)) {}
  __m128i Bytes(__m512i acc) const { return _mm512_cvtsepi32_epi8(RequantizeShort16(acc, q)); }
  void Store(int8_t* dst, __m512i acc, size_t n) const { StoreInt8Saturated(dst, RequantizeShort16(acc, q), n); }
};

}  // namespace
}  // namespace qs8_avx512
}  // namespace edgert
