// Fixed-point arithmetic with TFLite's rounding semantics, shared by all
// quantized kernels. real = scale * (q - zero_point).
#pragma once

#include <cstdint>

#include "edgert_generated.h"
#include "runtime/dtype.h"

namespace edgert {

// real_multiplier = multiplier * 2^(shift - 31), multiplier in [2^30, 2^31).
// shift may be positive (left) or negative (right). real_multiplier == 0 gives 0, 0.
void QuantizeMultiplier(double real_multiplier, int32_t* multiplier, int* shift);

// round(a * b / 2^31), ties rounded toward +infinity as TFLite does; saturates the one overflow case.
int32_t SaturatingRoundingDoublingHighMul(int32_t a, int32_t b);
// round(x / 2^exponent), ties away from zero. 0 <= exponent <= 31.
int32_t RoundingDivideByPOT(int32_t x, int exponent);
// x * multiplier * 2^(shift - 31) with TFLite's rounding.
int32_t MultiplyByQuantizedMultiplier(int32_t x, int32_t multiplier, int shift);

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
