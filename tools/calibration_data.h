// Calibration samples for edgert-convert --quantize int8: a folder of .npy
// files (float32), read in name order. A file holds one sample (the input's
// shape) or several stacked along a leading dimension ([N, ...input shape] or,
// for an input with batch 1, [N, ...rest]). Or a folder of images (.png,
// .jpg/.jpeg, .ppm/.pgm), preprocessed into the input. Models with one input only.
#pragma once

#include <string>
#include <vector>

#include "runtime/importers/quantizer/calibration.h"
#include "runtime/model.h"
#include "runtime/status.h"
#include "tools/image/preprocess.h"

namespace edgert {

Status LoadCalibrationDir(const std::string& dir, const Model& model, size_t max_samples,
                          std::vector<CalibrationSample>* samples);

// Decodes the images in `dir` (name order, at most max_samples) and turns each
// into one sample of the model's image input. `progress` (may be null) is
// called after each image with (done, total).
Status LoadCalibrationImages(const std::string& dir, const Model& model, const ImagePreprocess& pre,
                             size_t max_samples, std::vector<CalibrationSample>* samples,
                             void (*progress)(size_t, size_t));

}  // namespace edgert
