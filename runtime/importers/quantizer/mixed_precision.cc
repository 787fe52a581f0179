#include "runtime/importers/quantizer/mixed_precision.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <memory>

#include "runtime/model.h"

namespace edgert {
namespace {

// The int8 ops ordered by how much SNR their output loses relative to their
// inputs (most first), at most `limit` of them.
std::vector<std::string> LossiestOps(const std::vector<uint8_t>& quantized, const FidelityReport& r,
                                     const std::vector<std::string>& kept, size_t limit) {
  std::map<std::string, double> snr;
  for (const TensorFidelity& t : r.layers) snr[t.name] = t.snr_db;
  std::shared_ptr<const Model> m;
  if (!Model::LoadBuffer(quantized.data(), quantized.size(), /*copy=*/false, &m).ok()) return {};
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
  std::vector<std::pair<double, std::string>> drops;
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
    drops.emplace_back(in - std::min(99.0, it->second), name);
  }
  std::stable_sort(drops.begin(), drops.end(),
                   [](const std::pair<double, std::string>& a, const std::pair<double, std::string>& b) {
                     return a.first > b.first;
                   });
  std::vector<std::string> names;
  for (size_t i = 0; i < drops.size() && i < limit; ++i) names.push_back(drops[i].second);
  return names;
}

}  // namespace

Status QuantizeToFidelityTarget(const std::vector<uint8_t>& f32_ert, const std::vector<TensorRange>& ranges,
                                const std::vector<CalibrationSample>& samples, const QuantizeOptions& base,
                                const MixedPrecisionOptions& options, std::vector<uint8_t>* out,
                                QuantizeReport* quantize_report, FidelityReport* fidelity,
                                MixedPrecisionResult* result, const BiasCorrector& correct) {
  MixedPrecisionResult res;
  QuantizeOptions opts = base;
  std::vector<uint8_t> q;
  QuantizeReport qr;
  FidelityReport fr;
  EDGERT_RETURN_IF_ERROR(QuantizeInt8(f32_ert, ranges, opts, &q, &qr));
  if (correct) EDGERT_RETURN_IF_ERROR(correct(&q));
  EDGERT_RETURN_IF_ERROR(CompareModels(f32_ert, q, samples, &fr));
  double worst = WorstOutputCosine(fr);
  res.worst_cosine.push_back(worst);
  // Each round tries the `candidates` lossiest int8 ops one at a time (each
  // moved to float32 on top of the ops already moved) and keeps the one whose
  // model has the best worst-output cosine (then corrects it, with a corrector). The best model seen is returned:
  // a move can make things worse (new QUANTIZE/DEQUANTIZE boundaries round too).
  std::vector<uint8_t> best_q = q;
  QuantizeReport best_qr = qr;
  FidelityReport best_fr = fr;
  double best = worst;
  size_t best_kept = 0;
  std::vector<std::string> kept;
  for (int round = 0; best < options.min_output_cosine && round < options.max_float_ops; ++round) {
    const std::vector<std::string> candidates =
        LossiestOps(q, fr, kept, static_cast<size_t>(std::max(1, options.candidates)));
    if (candidates.empty()) break;
    double round_best = -std::numeric_limits<double>::infinity();
    std::string pick;
    std::vector<uint8_t> pick_q;
    QuantizeReport pick_qr;
    FidelityReport pick_fr;
    for (const std::string& c : candidates) {
      QuantizeOptions trial = opts;
      trial.keep_float.insert(c);
      std::vector<uint8_t> tq;
      QuantizeReport tqr;
      FidelityReport tfr;
      EDGERT_RETURN_IF_ERROR(QuantizeInt8(f32_ert, ranges, trial, &tq, &tqr));
      EDGERT_RETURN_IF_ERROR(CompareModels(f32_ert, tq, samples, &tfr));
      const double w = WorstOutputCosine(tfr);
      if (w > round_best) {
        round_best = w;
        pick = c;
        pick_q = std::move(tq);
        pick_qr = tqr;
        pick_fr = std::move(tfr);
      }
    }
    if (correct) {
      EDGERT_RETURN_IF_ERROR(correct(&pick_q));
      EDGERT_RETURN_IF_ERROR(CompareModels(f32_ert, pick_q, samples, &pick_fr));
      round_best = WorstOutputCosine(pick_fr);
    }
    kept.push_back(pick);
    opts.keep_float.insert(pick);
    q = std::move(pick_q);
    qr = pick_qr;
    fr = std::move(pick_fr);
    res.worst_cosine.push_back(round_best);
    if (round_best > best) {
      best = round_best;
      best_q = q;
      best_qr = qr;
      best_fr = fr;
      best_kept = kept.size();
    }
  }
  res.kept_float.assign(kept.begin(), kept.begin() + static_cast<std::ptrdiff_t>(best_kept));
  res.target_met = best >= options.min_output_cosine;
  q = std::move(best_q);
  qr = best_qr;
  fr = std::move(best_fr);
  *out = std::move(q);
  if (quantize_report != nullptr) *quantize_report = qr;
  if (fidelity != nullptr) *fidelity = std::move(fr);
  if (result != nullptr) *result = std::move(res);
  return Status::Ok();
}

}  // namespace edgert
