// Automatic mixed precision: quantize, measure fidelity, and move ops back to
// float32 one per round until every model output reaches the user's cosine
// target (or the float budget is spent). Each round tries the few int8 ops
// whose outputs lose the most SNR and keeps the move that helps the outputs
// most; the best model seen is the result. With a bias corrector, the first
// model and each round's pick are bias-corrected before they are measured
// (the candidates of a round are ranked uncorrected: one correction per
// round), so the target is judged, and the next candidates chosen, on the
// corrected models.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "runtime/importers/quantizer/calibration.h"
#include "runtime/importers/quantizer/fidelity.h"
#include "runtime/importers/quantizer/quantize.h"
#include "runtime/status.h"

namespace edgert {

struct MixedPrecisionOptions {
  double min_output_cosine = 0.9999;  // every output must reach it
  int max_float_ops = 16;             // at most this many ops moved back to float32
  int candidates = 6;                 // ops tried per round (the lossiest by SNR drop)
};

// Corrects the biases of a quantized model in place (CorrectBiases with the
// float model and calibration samples bound), adding to a running count.
using BiasCorrector = std::function<Status(std::vector<uint8_t>* quantized)>;

struct MixedPrecisionResult {
  std::vector<std::string> kept_float;  // output tensor names of the ops moved to float32 (the best model's)
  std::vector<double> worst_cosine;     // the worst output cosine after each round (first: all int8)
  bool target_met = false;
};

// Quantizes `f32_ert` with `base` (plus the ops this search keeps in float);
// `samples` are the held-out samples fidelity is measured on.
Status QuantizeToFidelityTarget(const std::vector<uint8_t>& f32_ert, const std::vector<TensorRange>& ranges,
                                const std::vector<CalibrationSample>& samples, const QuantizeOptions& base,
                                const MixedPrecisionOptions& options, std::vector<uint8_t>* out,
                                QuantizeReport* quantize_report, FidelityReport* fidelity,
                                MixedPrecisionResult* result, const BiasCorrector& correct = nullptr);

}  // namespace edgert
