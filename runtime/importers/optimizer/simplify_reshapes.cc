#include "runtime/importers/optimizer/passes.h"

namespace edgert {
namespace graph {
namespace {

bool IsIdentityPerm(const Graph& g, const GOp& op) {
  std::vector<int64_t> perm;
  if (op.inputs.size() != 2 || !g.ConstInts(op.inputs[1], &perm)) return false;
  for (size_t i = 0; i < perm.size(); ++i)
    if (perm[i] != static_cast<int64_t>(i)) return false;
  return true;
}

}  // namespace

int SimplifyReshapes(Graph* g) {
  int changed = 0;
  for (size_t i = 0; i < g->ops.size(); ++i) {
    GOp& op = g->ops[i];
    if (op.dead || op.inputs.empty() || op.inputs[0] < 0 || op.outputs.size() != 1) continue;
    const int in = op.inputs[0];
    const int out = op.outputs[0];
    if (op.type == schema::OpType_RESHAPE) {
      // RESHAPE of a RESHAPE: the element order is unchanged, only the last shape counts.
      const int p = g->Producer(in);
      if (p >= 0 && g->ops[static_cast<size_t>(p)].type == schema::OpType_RESHAPE) {
        op.inputs[0] = g->ops[static_cast<size_t>(p)].inputs[0];
        g->Refresh();
        ++changed;
        continue;
      }
    } else if (!(op.type == schema::OpType_TRANSPOSE && IsIdentityPerm(*g, op))) {
      continue;
    }
    if (!g->shapes_inferred() || g->IsGraphOutput(out)) continue;
    const GTensor& ti = g->tensors[static_cast<size_t>(in)];
    const GTensor& to = g->tensors[static_cast<size_t>(out)];
    if (ti.shape != to.shape || ti.dtype != to.dtype) continue;
    op.dead = true;
    g->ReplaceUses(out, in);
    ++changed;
  }
  return changed;
}

}  // namespace graph
}  // namespace edgert
