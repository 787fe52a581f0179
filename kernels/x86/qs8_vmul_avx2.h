// The arithmetic of the int8 MUL microkernels (qs8_vmul*_x16_minmax_avx2.cc):
// 16 products (x + offset1) * (y + offset2), requantized as
// MultiplyByQuantizedMultiplier does, plus the output zero point and clamp.
// Where the output range is all of int8 and the rounding fits 32-bit lanes for
// products up to 255 * 255 (QS8RoundsInInt32), the requantization's short form
// runs (the zero point inside its rounding, int8 saturation as the clamp), as
// in the AVX-512 kernels; otherwise the saturating left shift is skipped when
// the shift is a right one. AVX2; include only from files compiled with
// -mavx2, after qs8_requant_avx2.h. Internal linkage for the reason that
// header gives.
#pragma once

#include <immintrin.h>

#include "kernels/dispatch.h"
#include "kernels/x86/qs8_requant_avx2.h"

namespace edgert {
namespace qs8_avx2 {
namespace {

struct MulConstants {
  __m256i offset1, offset2;  // int16 lanes
  Requant8 q;
  OutputStage out;
  bool left;  // the shift is a left one (Mul16<true> needed)
};

inline MulConstants LoadMulConstants(const QS8MulParams& p) {
  const int32_t left = p.shift > 0 ? p.shift : 0, right = p.shift > 0 ? 0 : -p.shift;
  const bool short_rounding = p.min == -128 && p.max == 127 && p.multiplier > 0 &&
                              QS8RoundsInInt32(int64_t{255} * 255, left, right, p.out_zero_point);
  return {_mm256_set1_epi16(static_cast<int16_t>(p.offset1)),
          _mm256_set1_epi16(static_cast<int16_t>(p.offset2)),
          {_mm256_set1_epi32(p.multiplier), _mm256_set1_epi32(left), _mm256_set1_epi32(right)},
          LoadOutputStage(p.out_zero_point, p.min, p.max, short_rounding),
          left > 0};
}

// 16 int8 x values (va) times 16 int16 values b16 (already offset) -> 16 int8.
// kLeft false: the caller knows the shift is not a left one (!c.left).
template <bool kLeft>
inline __m128i Mul16(__m128i va, __m256i b16, const MulConstants& c) {
  const __m256i a16 = _mm256_add_epi16(_mm256_cvtepi8_epi16(va), c.offset1);
  // |a16|, |b16| <= 255: the product needs 17 bits; interleave its halves.
  const __m256i lo = _mm256_mullo_epi16(a16, b16);
  const __m256i hi = _mm256_mulhi_epi16(a16, b16);
  const __m256i p0 = _mm256_unpacklo_epi16(lo, hi);  // values 0-3 and 8-11
  const __m256i p1 = _mm256_unpackhi_epi16(lo, hi);  // values 4-7 and 12-15
  const __m256i r0 = Requantize<kLeft>(p0, c.q, c.out);
  const __m256i r1 = Requantize<kLeft>(p1, c.q, c.out);
  // packs_epi32 works per 128-bit lane, which undoes the interleave: 0..15 in order.
  const __m256i w16 = _mm256_packs_epi32(r0, r1);
  return _mm_packs_epi16(_mm256_castsi256_si128(w16), _mm256_extracti128_si256(w16, 1));
}

}  // namespace
}  // namespace qs8_avx2
}  // namespace edgert
