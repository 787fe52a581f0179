#include <cstring>

#include "runtime/importers/optimizer/passes.h"

namespace edgert {
namespace graph {

int CancelTransposes(Graph* g) {
  int changed = 0;
  for (size_t second = 0; second < g->ops.size(); ++second) {
    GOp& t2 = g->ops[second];
    if (t2.dead || t2.type != schema::OpType_TRANSPOSE || t2.inputs.size() != 2) continue;
    const int mid = t2.inputs[0];
    const int p = mid >= 0 ? g->Producer(mid) : -1;
    if (p < 0) continue;
    const GOp& t1 = g->ops[static_cast<size_t>(p)];
    if (t1.type != schema::OpType_TRANSPOSE || t1.inputs.size() != 2) continue;
    std::vector<int64_t> p1, p2;
    if (!g->ConstInts(t1.inputs[1], &p1) || !g->ConstInts(t2.inputs[1], &p2) || p1.size() != p2.size()) continue;
    const size_t rank = p1.size();
    std::vector<int32_t> q(rank);
    bool valid = true, identity = true;
    for (size_t j = 0; j < rank; ++j) {
      if (p2[j] < 0 || static_cast<size_t>(p2[j]) >= rank) {
        valid = false;
        break;
      }
      const int64_t v = p1[static_cast<size_t>(p2[j])];
      if (v < 0 || static_cast<size_t>(v) >= rank) {
        valid = false;
        break;
      }
      q[j] = static_cast<int32_t>(v);
      identity = identity && v == static_cast<int64_t>(j);
    }
    if (!valid) continue;  // the kernels report the bad permutation
    const int x = t1.inputs[0];
    const int out = t2.outputs[0];
    if (identity) {
      if (g->IsGraphOutput(out)) continue;
      t2.dead = true;
      g->ReplaceUses(out, x);
    } else {
      std::vector<uint8_t> bytes(rank * sizeof(int32_t));
      std::memcpy(bytes.data(), q.data(), bytes.size());
      const int perm = g->AddConstant(g->tensors[static_cast<size_t>(out)].name + "/perm", DType::kI32,
                                      {static_cast<int32_t>(rank)}, std::move(bytes));
      GOp& t2again = g->ops[second];
      t2again.inputs = {x, perm};
      g->Refresh();
    }
    ++changed;
  }
  return changed;
}

}  // namespace graph
}  // namespace edgert
