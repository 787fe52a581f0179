// The graph optimizer shared by the importers: runs the passes of
// runtime/importers/optimizer/passes.h to a fixed point over an imported .ert
// model. edgert-convert --no-optimize (or the importers' `optimize = false`)
// skips it, to compare against the plain translation when debugging.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "runtime/status.h"

namespace edgert {

struct OptimizeOptions {
  bool fold_constants = true;
  bool simplify_reshapes = true;
  bool cancel_transposes = true;
  bool fuse_activations = true;
  bool fuse_pads = true;
  bool remove_dead_ops = true;
};

struct OptimizeStats {
  bool ran = false;
  int folded_constants = 0;
  int simplified_reshapes = 0;
  int cancelled_transposes = 0;
  int fused_activations = 0;
  int fused_pads = 0;
  int removed_dead_ops = 0;
  int ops_before = 0, ops_after = 0;
  // Why shape-dependent rewrites were skipped (empty when shapes were inferred).
  std::string shape_note;
  // One line: "optimizer: 40 -> 18 ops (fused activations 22, ...)".
  std::string Summary() const;
};

// Optimizes the .ert model in `in` into `out` (which may be the same object).
Status OptimizeModel(const std::vector<uint8_t>& in, const OptimizeOptions& options, std::vector<uint8_t>* out,
                     OptimizeStats* stats);

}  // namespace edgert
