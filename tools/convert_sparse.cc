#include "tools/convert_sparse.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "runtime/importers/compress/sparsify.h"
#include "runtime/importers/quantizer/fidelity.h"
#include "runtime/model.h"
#include "tools/calibration_data.h"
#include "tools/text_file.h"

namespace edgert {
namespace {

// Every layer, or (all == false) those stored sparse or with >= 20% zero weights.
void PrintLayers(const SparsifyReport& r, bool all) {
  for (const SparsifyLayer& l : r.layers) {
    if (!all && !l.stored_sparse && l.zero_values_after < 0.2) continue;
    std::string shape;
    for (size_t i = 0; i < l.shape.size(); ++i) shape += (i ? "x" : "") + std::to_string(l.shape[i]);
    std::string op = l.op;
    if (op.size() > 44) op = op.substr(0, 18) + "..." + op.substr(op.size() - 23);
    std::printf("  %-44s %-14s zero blocks %5.1f%% -> %5.1f%%, zero weights %5.1f%%, %s (%llu -> %llu bytes)\n",
                op.c_str(), shape.c_str(), 100.0 * l.zero_blocks_before, 100.0 * l.zero_blocks_after,
                100.0 * l.zero_values_after, l.stored_sparse ? "sparse" : "dense ",
                static_cast<unsigned long long>(l.dense_bytes), static_cast<unsigned long long>(l.stored_bytes));
  }
}

Status Prune(const SparseRequest& req, std::vector<uint8_t>* ert) {
  std::vector<CalibrationSample> samples;
  if (req.report) {
    if (req.samples_dir.empty())
      return Status(StatusCode::kInvalidArgument, "--report needs samples: --report-samples DIR (or --calibration DIR)");
    std::shared_ptr<const Model> model;
    EDGERT_RETURN_IF_ERROR(Model::LoadBuffer(ert->data(), ert->size(), /*copy=*/false, &model));
    if (req.images)
      EDGERT_RETURN_IF_ERROR(
          LoadCalibrationImages(req.samples_dir, *model, req.image, req.max_samples, &samples, nullptr));
    else
      EDGERT_RETURN_IF_ERROR(LoadCalibrationDir(req.samples_dir, *model, req.max_samples, &samples));
  }
  SparsifyOptions o;
  o.prune_fraction = req.prune_fraction;
  o.store_sparse = false;
  std::vector<uint8_t> out;
  SparsifyReport r;
  EDGERT_RETURN_IF_ERROR(SparsifyModel(*ert, o, &out, &r));
  if (!req.quiet) {
    std::printf("pruned: %d layers, %.0f%% of each layer's 16-channel block columns (smallest L2 norm) set to zero\n",
                r.pruned, 100.0 * req.prune_fraction);
    PrintLayers(r, true);
  }
  if (req.report) {
    FidelityReport f;
    EDGERT_RETURN_IF_ERROR(CompareModels(*ert, out, samples, &f));
    if (!req.quiet) std::printf("pruning fidelity (pruned vs unpruned float model):\n%s", f.ToTable().c_str());
    if (!req.report_json.empty()) EDGERT_RETURN_IF_ERROR(WriteTextFile(req.report_json + ".prune.json", f.ToJson()));
  }
  *ert = std::move(out);
  return Status::Ok();
}

}  // namespace

bool ParsePruneOption(const char* s, double* fraction) {
  const char* prefix = "magnitude:";
  if (std::strncmp(s, prefix, std::strlen(prefix)) != 0) return false;
  const char* v = s + std::strlen(prefix);
  char* end = nullptr;
  const double f = std::strtod(v, &end);
  if (end == v || *end != 0 || !(f > 0.0 && f < 1.0)) return false;
  *fraction = f;
  return true;
}

bool PruneConverted(const SparseRequest& req, std::vector<uint8_t>* ert) {
  Status s = Prune(req, ert);
  if (!s.ok()) std::fprintf(stderr, "edgert-convert: pruning: %s\n", s.message().c_str());
  return s.ok();
}

bool StoreSparseConverted(const SparseRequest& req, std::vector<uint8_t>* ert) {
  SparsifyOptions o;
  o.store_sparse = true;
  std::vector<uint8_t> out;
  SparsifyReport r;
  Status s = SparsifyModel(*ert, o, &out, &r);
  if (!s.ok()) {
    std::fprintf(stderr, "edgert-convert: sparse storage: %s\n", s.message().c_str());
    return false;
  }
  if (!req.quiet && !r.layers.empty()) {
    std::printf("%s", r.Summary().c_str());
    PrintLayers(r, false);
    std::printf("(stored sparse where >= %.0f%% of the block columns are zero and the layer runs the sparse kernel)\n",
                100.0 * kSparseBreakEvenZeroBlocks);
  }
  if (!req.quiet && r.masked > 0 && r.layers.empty()) std::printf("%s", r.Summary().c_str());
  if (r.sparse > 0 || r.masked > 0) *ert = std::move(out);
  return true;
}

}  // namespace edgert
