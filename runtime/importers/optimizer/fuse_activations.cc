#include "runtime/importers/optimizer/passes.h"

namespace edgert {
namespace graph {
namespace {

// The producer's fused-activation field, or nullptr when the op has none.
schema::Activation* ActivationField(GOp* op) {
  schema::OpOptionsUnion& o = op->options;
  switch (op->type) {
    case schema::OpType_CONV_2D:
      return o.AsConv2DOptions() ? &o.AsConv2DOptions()->activation : nullptr;
    case schema::OpType_DEPTHWISE_CONV_2D:
      return o.AsDepthwiseConv2DOptions() ? &o.AsDepthwiseConv2DOptions()->activation : nullptr;
    case schema::OpType_TRANSPOSE_CONV:
      return o.AsTransposeConvOptions() ? &o.AsTransposeConvOptions()->activation : nullptr;
    case schema::OpType_FULLY_CONNECTED:
      return o.AsFullyConnectedOptions() ? &o.AsFullyConnectedOptions()->activation : nullptr;
    case schema::OpType_ADD:
    case schema::OpType_SUB:
    case schema::OpType_MUL:
    case schema::OpType_DIV:
      return o.AsBinaryOptions() ? &o.AsBinaryOptions()->activation : nullptr;
    case schema::OpType_CONCATENATION:
      return o.AsConcatenationOptions() ? &o.AsConcatenationOptions()->activation : nullptr;
    default:
      return nullptr;
  }
}

}  // namespace

int FuseActivations(Graph* g) {
  int fused = 0;
  for (size_t a = 0; a < g->ops.size(); ++a) {
    GOp& act = g->ops[a];
    if (act.dead || act.inputs.size() != 1 || act.outputs.size() != 1) continue;
    schema::Activation kind;
    if (act.type == schema::OpType_RELU) {
      kind = schema::Activation_RELU;
    } else if (act.type == schema::OpType_RELU6) {
      kind = schema::Activation_RELU6;
    } else {
      continue;
    }
    const int mid = act.inputs[0];
    const int out = act.outputs[0];
    if (mid < 0 || g->IsGraphOutput(mid) || g->Consumers(mid).size() != 1) continue;
    const int p = g->Producer(mid);
    if (p < 0) continue;
    GOp& prod = g->ops[static_cast<size_t>(p)];
    if (prod.outputs.size() != 1) continue;
    schema::Activation* field = ActivationField(&prod);
    if (field == nullptr || *field != schema::Activation_NONE) continue;
    if (g->tensors[static_cast<size_t>(mid)].dtype != DType::kF32 ||
        g->tensors[static_cast<size_t>(out)].dtype != DType::kF32)
      continue;
    *field = kind;
    prod.outputs[0] = out;
    act.dead = true;
    g->Refresh();
    ++fused;
  }
  return fused;
}

}  // namespace graph
}  // namespace edgert
