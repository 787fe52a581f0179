#include "runtime/importers/optimizer/passes.h"

namespace edgert {
namespace graph {

int RemoveDeadOps(Graph* g) {
  int removed = 0;
  for (size_t i = g->ops.size(); i-- > 0;) {
    GOp& op = g->ops[i];
    if (op.dead) continue;
    bool used = false;
    for (int32_t t : op.outputs)
      if (t >= 0 && (g->IsGraphOutput(t) || !g->Consumers(t).empty())) used = true;
    if (used) continue;
    op.dead = true;
    g->Refresh();
    ++removed;
  }
  return removed;
}

}  // namespace graph
}  // namespace edgert
