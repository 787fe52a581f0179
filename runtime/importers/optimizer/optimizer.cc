#include "runtime/importers/optimizer/optimizer.h"

#include "runtime/importers/optimizer/graph.h"
#include "runtime/importers/optimizer/passes.h"

namespace edgert {

std::string OptimizeStats::Summary() const {
  if (!ran) return "optimizer: off";
  std::string s = "optimizer: " + std::to_string(ops_before) + " -> " + std::to_string(ops_after) + " ops (";
  s += "folded constants " + std::to_string(folded_constants);
  s += ", fused activations " + std::to_string(fused_activations);
  s += ", fused pads " + std::to_string(fused_pads);
  s += ", cancelled transposes " + std::to_string(cancelled_transposes);
  s += ", simplified reshapes " + std::to_string(simplified_reshapes);
  s += ", removed dead ops " + std::to_string(removed_dead_ops) + ")";
  if (!shape_note.empty()) s += "; " + shape_note;
  return s;
}

Status OptimizeModel(const std::vector<uint8_t>& in, const OptimizeOptions& options, std::vector<uint8_t>* out,
                     OptimizeStats* stats) {
  OptimizeStats local;
  OptimizeStats& st = stats != nullptr ? *stats : local;
  st = OptimizeStats();
  graph::Graph g;
  EDGERT_RETURN_IF_ERROR(graph::Graph::FromBuffer(in.data(), in.size(), &g));
  st.ops_before = static_cast<int>(g.ops.size());
  Status shapes = g.InferShapes();
  if (!shapes.ok()) st.shape_note = "shapes not inferred (" + shapes.message() + "), identity reshapes kept";

  // Each pass can expose work for another (a folded constant makes a
  // transpose pair visible, a fused activation leaves a dead op); stop when a
  // round changes nothing. Every rewrite removes an op or a constant input, so
  // the rounds are bounded; the cap only guards against a pass bug.
  for (int round = 0; round < 16; ++round) {
    int changed = 0;
    if (options.fold_constants) {
      int n = 0;
      EDGERT_RETURN_IF_ERROR(graph::FoldConstants(&g, &n));
      st.folded_constants += n;
      changed += n;
    }
    if (options.simplify_reshapes) {
      const int n = graph::SimplifyReshapes(&g);
      st.simplified_reshapes += n;
      changed += n;
    }
    if (options.cancel_transposes) {
      const int n = graph::CancelTransposes(&g);
      st.cancelled_transposes += n;
      changed += n;
    }
    if (options.fuse_activations) {
      const int n = graph::FuseActivations(&g);
      st.fused_activations += n;
      changed += n;
    }
    if (options.fuse_pads) {
      const int n = graph::FusePadIntoConv(&g);
      st.fused_pads += n;
      changed += n;
    }
    if (options.remove_dead_ops) {
      const int n = graph::RemoveDeadOps(&g);
      st.removed_dead_ops += n;
      changed += n;
    }
    if (changed == 0) break;
  }
  int live = 0;
  for (const graph::GOp& op : g.ops) live += op.dead ? 0 : 1;
  st.ops_after = live;
  st.ran = true;
  return g.Serialize(out);
}

}  // namespace edgert
