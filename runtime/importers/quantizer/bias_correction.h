// Empirical bias correction of an int8 model (after Nagel et al., "Data-Free
// Quantization Through Weight Equalization and Bias Correction", 2019, in its
// data-driven form): rounding int8 weights shifts the mean of each output
// channel of a convolution or fully connected layer, and the shift passes
// down the network. For each int8 CONV_2D, DEPTHWISE_CONV_2D and
// FULLY_CONNECTED with an int32 bias, in execution order, both models run on
// the samples and the mean of (quantized - float) over the layer's output
// elements of each channel is subtracted from that channel's bias (in bias
// units, input scale x weight scale), so the layers after it see the
// corrected output when their own shift is measured.
// Only elements the fused activation leaves unclamped in the float model and
// that are not at the int8 limits in the quantized one are counted: the
// error of a clamped value says nothing about the pre-activation shift.
// Layers whose output is a model output keep their bias: correcting
// mobilenet_v2's 1000 logits, one value per sample each, cost 1.8 dB of SNR
// on held-out photographs (41.3 -> 39.5 dB) where every other layer's
// correction gained 0.8. Channels with fewer than kMinBiasCorrectionElements
// such elements keep their bias, and so do channels whose mean error is within
// kBiasCorrectionSignificance standard errors of zero: a shift estimated from
// few values (a classifier's logits: one per sample) would be fitted to the
// calibration samples rather than to the quantization.
#pragma once

#include <cstdint>
#include <vector>

#include "runtime/importers/quantizer/calibration.h"
#include "runtime/status.h"

namespace edgert {

constexpr int64_t kMinBiasCorrectionElements = 16;
constexpr double kBiasCorrectionSignificance = 3.0;
// Samples used at most, evenly spaced over the calibration set: each layer
// runs both models on every sample used, so the cost is layers x samples x
// two invokes.
constexpr size_t kMaxBiasCorrectionSamples = 16;

struct BiasCorrectionReport {
  int corrected_layers = 0;     // layers with at least one channel changed
  int64_t corrected_channels = 0;
  double mean_abs_shift = 0.0;  // mean |correction| in output units (float), over corrected channels
};

// Corrects the biases of `quantized_ert` (QuantizeInt8's output for the float
// model `float_ert`) in place, from `samples` (the calibration samples).
Status CorrectBiases(const std::vector<uint8_t>& float_ert, const std::vector<CalibrationSample>& samples,
                     std::vector<uint8_t>* quantized_ert, BiasCorrectionReport* report);

}  // namespace edgert
