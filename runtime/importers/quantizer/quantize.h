// Full-integer post-training quantization of a float32 .ert model:
// activations int8 asymmetric per tensor (from calibrated ranges), weights
// int8 symmetric per output channel, biases int32 (scale = input scale x
// weight scale). Ops without an int8 kernel, and ops the user keeps in float,
// stay float32 with QUANTIZE / DEQUANTIZE inserted where int8 and float meet;
// model inputs and outputs stay float32.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "runtime/importers/quantizer/calibration.h"
#include "runtime/status.h"

namespace edgert {

struct QuantizeOptions {
  // Ops kept in float32, named by op name, op type ("SOFTMAX") or the name of
  // one of their output tensors.
  std::set<std::string> keep_float;
};

struct QuantizeReport {
  int quantized_ops = 0;
  std::map<std::string, int> float_ops;  // "TYPE (reason)" -> count of ops left in float32
  int inserted_quantize = 0, inserted_dequantize = 0;
  uint64_t constant_bytes_before = 0, constant_bytes_after = 0;
};

// `ranges`: Calibrate()'s result for the model in `in` (one entry per tensor).
Status QuantizeInt8(const std::vector<uint8_t>& in, const std::vector<TensorRange>& ranges,
                    const QuantizeOptions& options, std::vector<uint8_t>* out, QuantizeReport* report);

struct Fp16Report {
  int converted_tensors = 0;
  uint64_t bytes_saved = 0;
  int saturated = 0;  // values beyond float16's range, clamped to +-65504
};

// Float32 constants (256 elements or more) stored as float16 behind DEQUANTIZE;
// the interpreter expands them once at prepare and computes in float32.
Status QuantizeFp16(const std::vector<uint8_t>& in, std::vector<uint8_t>* out, Fp16Report* report);

struct DynamicReport {
  int hybrid_ops = 0;       // FULLY_CONNECTED with int8 weights, inputs quantized at run time
  int weight_only_ops = 0;  // convolutions with int8 weights behind DEQUANTIZE (float32 arithmetic)
  uint64_t bytes_saved = 0;
};

// Dynamic-range quantization: int8 weights (symmetric, per output channel);
// FULLY_CONNECTED quantizes its input rows at run time.
Status QuantizeDynamic(const std::vector<uint8_t>& in, std::vector<uint8_t>* out, DynamicReport* report);

// Asymmetric int8 parameters for the real range [lo, hi] (widened to hold 0).
void ChooseInt8Params(float lo, float hi, float* scale, int32_t* zero_point);

}  // namespace edgert
