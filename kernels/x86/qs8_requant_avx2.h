// TFLite's fixed-point requantization of 8 int32 accumulators, bit-exact with
// MultiplyByQuantizedMultiplier (kernels/common/quant.h) followed by the output
// zero point and the activation clamp. AVX2; include only from files compiled
// with -mavx2. The helpers have internal linkage (unnamed namespace): files
// compiled with wider ISA flags (AVX-512) include them too, and a shared
// inline definition could let the linker keep their AVX-512 code for the
// AVX2 kernels.
#pragma once

#include <immintrin.h>

#include <cstdint>
#include <cstring>

namespace edgert {
namespace qs8_avx2 {
namespace {

// Per-channel requantization parameters of 8 lanes (see QS8ConvParams).
struct Requant8 {
  __m256i multiplier, left, right;
};

// Output stage constants: the clamp range moved before the zero point is added
// ([min - zp, max - zp], so the sum cannot overflow) and the zero point.
// short_rounding: QS8ConvParams::full_range_short_rounding (the short form of
// Requantize below; the clamp is then the int8 saturation of PackToInt8).
struct OutputStage {
  __m256i lo, hi, zp;
  bool short_rounding;
};

inline OutputStage LoadOutputStage(int32_t output_zp, int32_t min, int32_t max, bool short_rounding = false) {
  return {_mm256_set1_epi32(min - output_zp), _mm256_set1_epi32(max - output_zp), _mm256_set1_epi32(output_zp),
          short_rounding};
}

// SaturatingRoundingDoublingHighMul: its nudged, truncating division equals
// floor((x * m + 2^30) / 2^31) for every product, so bits 31..62 of
// x * m + 2^30 (64-bit) are the result (the multiplier is never INT32_MIN,
// so the saturating case cannot occur).
inline __m256i HighMul(__m256i x, __m256i multiplier) {
  const __m256i nudge = _mm256_set1_epi64x(int64_t{1} << 30);
  const __m256i even = _mm256_srli_epi64(_mm256_add_epi64(_mm256_mul_epi32(x, multiplier), nudge), 31);
  const __m256i odd = _mm256_slli_epi64(
      _mm256_add_epi64(_mm256_mul_epi32(_mm256_srli_epi64(x, 32), _mm256_srli_epi64(multiplier, 32)), nudge), 1);
  return _mm256_blend_epi32(even, odd, 0xAA);
}

// y = clamp(RoundingDivideByPOT(SRDHM(saturate(acc << left), multiplier), right) + zp, min, max).
// kLeft false: the caller knows every lane's left shift is 0 (the usual case
// of a scale below 1), and the saturating shift is skipped.
template <bool kLeft = true>
inline __m256i Requantize(__m256i acc, const Requant8& q, const OutputStage& o) {
  if (o.short_rounding) {
    // Every lane shifts right by 1..31 and no left, and the 32-bit sums below
    // cannot overflow (QS8RoundsInInt32): RoundingDivideByPOT(h, r) =
    // floor((h + 2^(r-1) - [h < 0]) / 2^r); the zero point is added unclamped
    // (|y| < 2^30) and PackToInt8 saturates, which is the full-range clamp.
    const __m256i h = HighMul(acc, q.multiplier);
    const __m256i half = _mm256_srli_epi32(_mm256_sllv_epi32(_mm256_set1_epi32(1), q.right), 1);
    const __m256i y = _mm256_srav_epi32(_mm256_sub_epi32(_mm256_add_epi32(h, half), _mm256_srli_epi32(h, 31)), q.right);
    return _mm256_add_epi32(y, o.zp);
  }
  __m256i x = acc;
  if (kLeft) {
    // Saturating left shift: where shifting back does not restore acc, it overflowed.
    const __m256i shifted = _mm256_sllv_epi32(acc, q.left);
    const __m256i kept = _mm256_cmpeq_epi32(_mm256_srav_epi32(shifted, q.left), acc);
    const __m256i saturated = _mm256_xor_si256(_mm256_srai_epi32(acc, 31), _mm256_set1_epi32(INT32_MAX));
    x = _mm256_blendv_epi8(saturated, shifted, kept);
  }
  const __m256i high = HighMul(x, q.multiplier);
  // RoundingDivideByPOT: (high >> right) + (remainder > threshold), with
  // threshold = mask / 2 + (high < 0).
  const __m256i mask = _mm256_sub_epi32(_mm256_sllv_epi32(_mm256_set1_epi32(1), q.right), _mm256_set1_epi32(1));
  const __m256i remainder = _mm256_and_si256(high, mask);
  const __m256i threshold =
      _mm256_sub_epi32(_mm256_srli_epi32(mask, 1), _mm256_cmpgt_epi32(_mm256_setzero_si256(), high));
  const __m256i rounded =
      _mm256_sub_epi32(_mm256_srav_epi32(high, q.right), _mm256_cmpgt_epi32(remainder, threshold));
  return _mm256_add_epi32(_mm256_min_epi32(_mm256_max_epi32(rounded, o.lo), o.hi), o.zp);
}

// Loads the requantization parameters of 8 lanes from a packed group of n
// channels (QS8ConvParams layout: n acc0, n multipliers, n left, n right),
// starting at lane `first`.
inline Requant8 LoadRequant8(const int32_t* group, size_t n, size_t first) {
  return {_mm256_loadu_si256(reinterpret_cast<const __m256i*>(group + n + first)),
          _mm256_loadu_si256(reinterpret_cast<const __m256i*>(group + 2 * n + first)),
          _mm256_loadu_si256(reinterpret_cast<const __m256i*>(group + 3 * n + first))};
}

// 16 int32 values in [-128, 127] (a: values 0..7, b: 8..15) to 16 int8 in order.
inline __m128i PackToInt8(__m256i a, __m256i b) {
  const __m256i w16 = _mm256_permute4x64_epi64(_mm256_packs_epi32(a, b), 0xD8);
  return _mm_packs_epi16(_mm256_castsi256_si128(w16), _mm256_extracti128_si256(w16, 1));
}

// The first n (1..8) bytes at src as the low bytes of a uint64 (the others
// zero), read with at most two overlapping loads and register shifts, nothing
// past src + n.
inline uint64_t LoadLow64(const int8_t* src, size_t n) {
  if (n == 8) {
    uint64_t v;
    std::memcpy(&v, src, 8);
    return v;
  }
  if (n >= 4) {
    uint32_t lo, hi;
    std::memcpy(&lo, src, 4);
    std::memcpy(&hi, src + n - 4, 4);  // bytes [n - 4, n); drop [n - 4, 4)
    return uint64_t{lo} | (uint64_t{hi} >> (8 * (8 - n)) << 32);
  }
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) v |= uint64_t{static_cast<uint8_t>(src[i])} << (8 * i);
  return v;
}

// Stores the low n (1..8) bytes of v with at most two overlapping stores.
inline void StoreLow64(int8_t* dst, uint64_t v, size_t n) {
  if (n == 8) {
    std::memcpy(dst, &v, 8);
  } else if (n >= 4) {
    const uint32_t lo = static_cast<uint32_t>(v), hi = static_cast<uint32_t>(v >> (8 * (n - 4)));
    std::memcpy(dst, &lo, 4);
    std::memcpy(dst + n - 4, &hi, 4);
  } else {
    for (size_t i = 0; i < n; ++i) dst[i] = static_cast<int8_t>(v >> (8 * i));
  }
}

// Stores the first n (< 16) bytes of v with fixed-size moves from registers
// (no round trip through memory), no library call.
inline void StoreBytes(int8_t* dst, __m128i v, size_t n) {
  if (n >= 8) {
    _mm_storel_epi64(reinterpret_cast<__m128i*>(dst), v);
    if (n > 8) StoreLow64(dst + 8, static_cast<uint64_t>(_mm_extract_epi64(v, 1)), n - 8);
  } else if (n > 0) {
    StoreLow64(dst, static_cast<uint64_t>(_mm_cvtsi128_si64(v)), n);
  }
}

// Loads n (< 16) bytes into the low bytes of a vector (the others zero) with
// fixed-size moves into registers, reading nothing past src + n.
inline __m128i LoadBytes(const int8_t* src, size_t n) {
  if (n == 8) return _mm_loadl_epi64(reinterpret_cast<const __m128i*>(src));
  if (n > 8) {
    uint64_t hi;
    std::memcpy(&hi, src + n - 8, 8);  // bytes [n - 8, n); drop [n - 8, 8)
    return _mm_unpacklo_epi64(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(src)),
                              _mm_cvtsi64_si128(static_cast<int64_t>(hi >> (8 * (16 - n)))));
  }
  if (n == 0) return _mm_setzero_si128();
  return _mm_cvtsi64_si128(static_cast<int64_t>(LoadLow64(src, n)));
}

}  // namespace
}  // namespace qs8_avx2
}  // namespace edgert
