// One entry point for every quantization mode of a converted float32 .ert
// model, shared by edgert-convert and the converter C API
// (include/edgert/edgert_import.h): int8 (calibrate, quantize, or search the
// mixed-precision set that meets a fidelity target), dynamic-range and fp16;
// optionally the fidelity report against the float model.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "runtime/importers/quantizer/bias_correction.h"
#include "runtime/importers/quantizer/calibration.h"
#include "runtime/importers/quantizer/fidelity.h"
#include "runtime/importers/quantizer/mixed_precision.h"
#include "runtime/importers/quantizer/quantize.h"
#include "runtime/status.h"

namespace edgert {

enum class QuantizeMode { kInt8, kDynamic, kFp16 };

// "int8", "dynamic", "fp16"; false for anything else.
bool ParseQuantizeMode(const std::string& s, QuantizeMode* mode);
const char* QuantizeModeName(QuantizeMode mode);

struct QuantizeModelOptions {
  QuantizeMode mode = QuantizeMode::kInt8;
  CalibrationOptions calibration;  // int8
  QuantizeOptions int8;            // int8: ops kept in float32
  bool auto_mixed = false;         // int8: keep the most sensitive ops in float until `mixed` is met
  MixedPrecisionOptions mixed;
  bool bias_correction = false;    // int8 (not with auto_mixed): CorrectBiases on the calibration samples
  bool report = false;             // fill QuantizeModelResult::fidelity
};

struct QuantizeModelResult {
  std::vector<uint8_t> ert;  // the quantized model
  // What was done, one line per fact (as edgert-convert prints it).
  std::string summary;
  bool have_fidelity = false;
  FidelityReport fidelity;
};

// `calibration`: samples for int8 (ignored otherwise). `eval`: held-out
// samples for the report and the mixed-precision search; empty means the
// calibration samples. Checks every sample against the model's inputs.
Status QuantizeModel(const std::vector<uint8_t>& f32_ert, const QuantizeModelOptions& options,
                     const std::vector<CalibrationSample>& calibration, const std::vector<CalibrationSample>& eval,
                     QuantizeModelResult* result);

}  // namespace edgert
