// Fixed-point arithmetic with TFLite's rounding semantics, shared by all
// quantized kernels. real = scale * (q - zero_point).
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>

#include "edgert_generated.h"
#include "runtime/dtype.h"

namespace edgert {

// real_multiplier = multiplier * 2^(shift - 31), multiplier in [2^30, 2^31).
// shift may be positive (left) or negative (right). real_multiplier == 0 gives 0, 0.
void QuantizeMultiplier(double real_multiplier, int32_t* multiplier, int* shift);

// The per-element fixed-point steps below are inline: quantized kernels call
// them for every value.

// round(a * b / 2^31), ties rounded toward +infinity as TFLite does; saturates the one overflow case.
inline int32_t SaturatingRoundingDoublingHighMul(int32_t a, int32_t b) {
  if (a == b && a == std::numeric_limits<int32_t>::min()) return std::numeric_limits<int32_t>::max();
  const int64_t ab = static_cast<int64_t>(a) * static_cast<int64_t>(b);
  const int64_t nudge = ab >= 0 ? (1LL << 30) : (1 - (1LL << 30));
  return static_cast<int32_t>((ab + nudge) / (1LL << 31));
}

// round(x / 2^exponent), ties away from zero. 0 <= exponent <= 31.
inline int32_t RoundingDivideByPOT(int32_t x, int exponent) {
  if (exponent == 0) return x;
  const int32_t mask = static_cast<int32_t>((1LL << exponent) - 1);
  const int32_t remainder = x & mask;
  const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

// x * multiplier * 2^(shift - 31) with TFLite's rounding.
inline int32_t MultiplyByQuantizedMultiplier(int32_t x, int32_t multiplier, int shift) {
  const int left = shift > 0 ? shift : 0;
  const int right = shift > 0 ? 0 : -shift;
  // x * 2^left may overflow int32 only for inputs the caller must not produce;
  // compute in 64 bits and saturate to stay defined.
  int64_t shifted = static_cast<int64_t>(x) * (1LL << left);
  shifted = std::min<int64_t>(std::max<int64_t>(shifted, std::numeric_limits<int32_t>::min()),
                              std::numeric_limits<int32_t>::max());
  return RoundingDivideByPOT(SaturatingRoundingDoublingHighMul(static_cast<int32_t>(shifted), multiplier),
                             right);
}


int32_t QuantizedMin(DType t);  // -128 for i8, 0 for u8, -32768 for i16
int32_t QuantizedMax(DType t);
inline bool IsQuantizedType(DType t) { return t == DType::kI8 || t == DType::kU8 || t == DType::kI16; }

// Clamp range of a fused activation.
void ActivationRangeFloat(schema::Activation act, float* min, float* max);
// The same range in the quantized domain of an output (scale, zero_point, type).
void ActivationRangeQuantized(schema::Activation act, DType type, float scale, int32_t zero_point,
                              int32_t* min, int32_t* max);

inline float ApplyActivation(float v, float lo, float hi) { return v < lo ? lo : (v > hi ? hi : v); }

}  // namespace edgert
