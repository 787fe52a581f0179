// Fidelity of a quantized model against its float original: both run on the
// same samples and every output and every intermediate tensor (matched by
// name) is compared. Per tensor: cosine similarity, SNR in dB (signal power
// over error power), max abs error; for outputs also top-1 agreement
// (classifier-like outputs: argmax over the last axis) and mask IoU (outputs
// in [0, 1] with spatial dims, thresholded at 0.5). Int8 tensors are
// dequantized with their own parameters before comparing.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "runtime/importers/quantizer/calibration.h"
#include "runtime/status.h"

namespace edgert {

struct TensorFidelity {
  std::string name;
  std::string producer;   // "CONV_2D 'name'" of the quantized model's producing op ("" for inputs)
  bool quantized = false; // int8 in the quantized model
  int64_t elements = 0;   // per sample
  double cosine = 1.0;
  double snr_db = 0.0;    // +inf (printed as "inf") when the error is zero
  double max_abs = 0.0;
  double top1 = -1.0;     // fraction of samples (rows) with the same argmax; -1: not a classifier-like output
  double iou = -1.0;      // mask IoU at 0.5; -1: not a mask-like output
};

struct FidelityReport {
  int samples = 0;
  uint64_t float_bytes = 0, quantized_bytes = 0;  // file sizes
  std::vector<TensorFidelity> outputs;
  std::vector<TensorFidelity> layers;  // in execution order
  std::string ToTable() const;
  std::string ToJson() const;
};

// The lowest cosine over the report's model outputs (1 with none).
double WorstOutputCosine(const FidelityReport& report);

Status CompareModels(const std::vector<uint8_t>& float_ert, const std::vector<uint8_t>& quantized_ert,
                     const std::vector<CalibrationSample>& samples, FidelityReport* report);

}  // namespace edgert
