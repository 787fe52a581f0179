// The pruning / sparse-storage step of edgert-convert (--prune, --sparse),
// run on the converted model (runtime/importers/compress/sparsify.h).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tools/image/preprocess.h"

namespace edgert {

struct SparseRequest {
  double prune_fraction = 0.0;  // --prune magnitude:F
  bool store_sparse = true;     // --sparse auto (false: off)
  bool report = false;          // --report: fidelity of the pruned model against the unpruned one
  std::string samples_dir;      // samples for the report (--report-samples, else --calibration)
  bool images = false;          // samples_dir holds images (--calibration-images), preprocessed by `image`
  ImagePreprocess image;
  std::string report_json;      // also write the pruning fidelity report here (as PATH.prune.json)
  size_t max_samples = 1000;
  bool quiet = false;
};

// Parses "magnitude:F" with 0 < F < 1.
bool ParsePruneOption(const char* s, double* fraction);

// Prunes (store_sparse ignored). Prints the summary (and the fidelity report);
// on failure prints the error and returns false, leaving `ert` as it was.
bool PruneConverted(const SparseRequest& req, std::vector<uint8_t>* ert);
// Stores eligible weights block-sparse where that wins (no pruning); `ert`
// changes only when some layer is stored sparse.
bool StoreSparseConverted(const SparseRequest& req, std::vector<uint8_t>* ert);

}  // namespace edgert
