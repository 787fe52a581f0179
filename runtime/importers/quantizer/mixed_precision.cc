#include "runtime/importers/quantizer/mixed_precision.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <memory>

#include "runtime/model.h"

namespace edgert {
namespace {

double WorstCosine(const FidelityReport& r) {
  double w = 1.0;
  for (const TensorFidelity& t : r.outputs) w = std::min(w, t.cosine);
  return w;
}

// The int8 op whose output loses the most SNR relative to its inputs.
std::string MostLossyOp(const std::vector<uint8_t>& quantized, const FidelityReport& r,
                        const std::vector<std::string>& kept) {
  std::map<std::string, double> snr;
  for (const TensorFidelity& t : r.layers) snr[t.name] = t.snr_db;
  std::shared_ptr<const Model> m;
  if (!Model::LoadBuffer(quantized.data(), quantized.size(), /*copy=*/false, &m).ok()) return "";
  // "x/int8" is the quantizer's int8 copy of float tensor "x" (a model input or output).
  auto base = [](std::string n) {
    const std::string suffix = "/int8";
    if (n.size() > suffix.size() && n.compare(n.size() - suffix.size(), suffix.size(), suffix) == 0)
      n.resize(n.size() - suffix.size());
    return n;
  };
  auto input_snr = [&](const std::string& name) {
    auto it = snr.find(base(name));
    return it != snr.end() ? it->second : 99.0;  // a model input: exact up to its own rounding
  };
  std::string best;
  double best_drop = -std::numeric_limits<double>::infinity();
  for (const NodeInfo& n : m->nodes()) {
    if (n.outputs.empty() || n.outputs[0] < 0) continue;
    const TensorInfo& out = m->tensors()[static_cast<size_t>(n.outputs[0])];
    const std::string name = base(out.name);
    if (out.dtype != DType::kI8 || std::find(kept.begin(), kept.end(), name) != kept.end()) continue;
    auto it = snr.find(name);
    if (it == snr.end()) continue;
    double in = -std::numeric_limits<double>::infinity();
    for (int32_t t : n.inputs)
      if (t >= 0 && !m->tensors()[static_cast<size_t>(t)].is_constant())
        in = std::max(in, std::min(99.0, input_snr(m->tensors()[static_cast<size_t>(t)].name)));
    if (!std::isfinite(in)) continue;
    const double drop = in - std::min(99.0, it->second);
    if (drop > best_drop) {
      best_drop = drop;
      best = name;
    }
  }
  return best;
}

}  // namespace

Status QuantizeToFidelityTarget(const std::vector<uint8_t>& f32_ert, const std::vector<TensorRange>& ranges,
                                const std::vector<CalibrationSample>& samples, const QuantizeOptions& base,
                                const MixedPrecisionOptions& options, std::vector<uint8_t>* out,
                                QuantizeReport* quantize_report, FidelityReport* fidelity,
                                MixedPrecisionResult* result) {
  MixedPrecisionResult res;
  QuantizeOptions opts = base;
  std::vector<uint8_t> q;
  QuantizeReport qr;
  FidelityReport fr;
  for (int round = 0;; ++round) {
    EDGERT_RETURN_IF_ERROR(QuantizeInt8(f32_ert, ranges, opts, &q, &qr));
    EDGERT_RETURN_IF_ERROR(CompareModels(f32_ert, q, samples, &fr));
    const double worst = WorstCosine(fr);
    res.worst_cosine.push_back(worst);
    if (worst >= options.min_output_cosine) {
      res.target_met = true;
      break;
    }
    if (round >= options.max_float_ops) break;
    const std::string victim = MostLossyOp(q, fr, res.kept_float);
    if (victim.empty()) break;
    res.kept_float.push_back(victim);
    opts.keep_float.insert(victim);
  }
  *out = std::move(q);
  if (quantize_report != nullptr) *quantize_report = qr;
  if (fidelity != nullptr) *fidelity = std::move(fr);
  if (result != nullptr) *result = std::move(res);
  return Status::Ok();
}

}  // namespace edgert
