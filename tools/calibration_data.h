// Calibration samples for edgert-convert --quantize int8: a folder of .npy
// files (float32), read in name order. A file holds one sample (the input's
// shape) or several stacked along a leading dimension ([N, ...input shape] or,
// for an input with batch 1, [N, ...rest]). Models with one input only.
#pragma once

#include <string>
#include <vector>

#include "runtime/importers/quantizer/calibration.h"
#include "runtime/model.h"
#include "runtime/status.h"

namespace edgert {

Status LoadCalibrationDir(const std::string& dir, const Model& model, size_t max_samples,
                          std::vector<CalibrationSample>* samples);

}  // namespace edgert
