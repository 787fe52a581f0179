// The quantization step of edgert-convert (--quantize int8|dynamic|fp16,
// calibration, fidelity report, mixed precision), run on the converted model.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "runtime/importers/quantizer/calibration.h"
#include "runtime/importers/quantizer/mixed_precision.h"
#include "runtime/importers/quantizer/quantize.h"
#include "tools/image/preprocess.h"

namespace edgert {

struct QuantizeRequest {
  std::string mode;         // "int8", "dynamic", "fp16"
  std::string calib_dir;    // int8: calibration samples
  bool calib_images = false;  // calib_dir and report_dir hold images, preprocessed by `image`
  ImagePreprocess image;
  std::string report_dir;   // held-out samples for the report / mixed precision (default: calib_dir)
  std::string report_json;  // also write the fidelity report here
  bool report = false;
  bool auto_mixed = false;
  bool bias_correction = false;
  size_t max_samples = 1000;
  bool quiet = false;
  CalibrationOptions calib;
  QuantizeOptions options;
  MixedPrecisionOptions mixed;
};

// Replaces the float model in `ert` by its quantized form and prints the
// summary (and the fidelity report); on failure prints the error to stderr
// and returns false, leaving `ert` as it was.
bool QuantizeConverted(const QuantizeRequest& req, std::vector<uint8_t>* ert);

}  // namespace edgert
