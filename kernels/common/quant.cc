#include "kernels/common/quant.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace edgert {

void QuantizeMultiplier(double real_multiplier, int32_t* multiplier, int* shift) {
  if (real_multiplier == 0.0) {
    *multiplier = 0;
    *shift = 0;
    return;
  }
  const double q = std::frexp(real_multiplier, shift);  // q in [0.5, 1)
  int64_t q_fixed = static_cast<int64_t>(std::round(q * (1LL << 31)));
  if (q_fixed == (1LL << 31)) {
    q_fixed /= 2;
    ++*shift;
  }
  if (*shift < -31) {  // too small to represent: flush to zero
    *shift = 0;
    q_fixed = 0;
  }
  if (*shift > 30) {  // saturate very large multipliers
    *shift = 30;
    q_fixed = (1LL << 31) - 1;
  }
  *multiplier = static_cast<int32_t>(q_fixed);
}

int32_t QuantizedMin(DType t) {
  switch (t) {
    case DType::kI8: return -128;
    case DType::kU8: return 0;
    case DType::kI16: return -32768;
    case DType::kI32: return std::numeric_limits<int32_t>::min();
    default: return 0;
  }
}

int32_t QuantizedMax(DType t) {
  switch (t) {
    case DType::kI8: return 127;
    case DType::kU8: return 255;
    case DType::kI16: return 32767;
    case DType::kI32: return std::numeric_limits<int32_t>::max();
    default: return 0;
  }
}

void ActivationRangeFloat(schema::Activation act, float* min, float* max) {
  switch (act) {
    case schema::Activation_RELU: *min = 0.f; *max = std::numeric_limits<float>::infinity(); return;
    case schema::Activation_RELU_N1_TO_1: *min = -1.f; *max = 1.f; return;
    case schema::Activation_RELU6: *min = 0.f; *max = 6.f; return;
    default:
      *min = -std::numeric_limits<float>::infinity();
      *max = std::numeric_limits<float>::infinity();
  }
}

void ActivationRangeQuantized(schema::Activation act, DType type, float scale, int32_t zero_point,
                              int32_t* min, int32_t* max) {
  const int32_t qmin = QuantizedMin(type), qmax = QuantizedMax(type);
  auto quantize = [&](float v) -> int32_t {
    const double q = zero_point + std::round(static_cast<double>(v) / scale);
    return static_cast<int32_t>(std::min<double>(std::max<double>(q, qmin), qmax));
  };
  switch (act) {
    case schema::Activation_RELU: *min = std::max(qmin, quantize(0.f)); *max = qmax; return;
    case schema::Activation_RELU6:
      *min = std::max(qmin, quantize(0.f));
      *max = std::min(qmax, quantize(6.f));
      return;
    case schema::Activation_RELU_N1_TO_1:
      *min = std::max(qmin, quantize(-1.f));
      *max = std::min(qmax, quantize(1.f));
      return;
    default: *min = qmin; *max = qmax;
  }
}

}  // namespace edgert
