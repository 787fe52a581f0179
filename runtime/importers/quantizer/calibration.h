// Calibration for post-training quantization: runs the float model over
// sample inputs and records the range of every float32 activation tensor.
//
// Methods:
//   kMinMax      the smallest and largest value seen.
//   kPercentile  the range that keeps `percentile` % of all values seen,
//                cutting the two tails equally (from a histogram).
//   kEntropy     the clipping threshold that minimizes the KL divergence
//                between the histogram of |x| and its 8-bit quantized form
//                (the entropy calibration TensorRT introduced).
//   kMse         the range [lo, hi] that minimizes the expected squared error
//                of 8-bit quantization over the histogram: clipping error of
//                the tails plus step^2 / 12 rounding error of every value kept.
// The model's inputs and outputs keep their observed min / max under every
// method (clipping an output changes what the application reads).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "runtime/status.h"

namespace edgert {

enum class CalibrationMethod { kMinMax, kPercentile, kEntropy, kMse };

// "minmax", "percentile", "kl" (or "entropy"), "mse"; false for anything else.
bool ParseCalibrationMethod(const std::string& s, CalibrationMethod* m);
const char* CalibrationMethodName(CalibrationMethod m);

struct CalibrationOptions {
  CalibrationMethod method = CalibrationMethod::kMinMax;
  double percentile = 99.99;  // kPercentile
  int bins = 2048;            // histogram bins (kPercentile, kEntropy, kMse)
  int num_threads = 1;
  // Called after each sample of each pass: (pass, sample, samples, passes).
  std::function<void(int, int, int, int)> progress;
};

// One sample: the bytes of every model input, in input order.
struct CalibrationSample {
  std::vector<std::vector<uint8_t>> inputs;
};

struct TensorRange {
  bool valid = false;  // a float32 activation that was observed
  float min = 0.f, max = 0.f;
};

// `ranges` gets one entry per tensor of the model in `ert`.
Status Calibrate(const std::vector<uint8_t>& ert, const std::vector<CalibrationSample>& samples,
                 const CalibrationOptions& options, std::vector<TensorRange>* ranges);

// The chosen range from a histogram of `counts` over [lo, hi] (exposed for
// tests). For kEntropy the histogram is of |x| over [0, hi] and `two_sided`
// says whether the data has both signs (128 levels per side, else 255).
void RangeFromHistogram(const std::vector<double>& counts, float lo, float hi, CalibrationMethod method,
                        double percentile, bool two_sided, float* out_lo, float* out_hi);

}  // namespace edgert
