#include <cstring>

#include "runtime/importers/optimizer/passes.h"

namespace edgert {
namespace graph {
namespace {

// The padding fields of a conv-like consumer, or false for other ops.
bool ConvPadding(GOp* op, schema::Padding** padding, std::vector<int32_t>** pads) {
  schema::OpOptionsUnion& o = op->options;
  if (op->type == schema::OpType_CONV_2D && o.AsConv2DOptions() != nullptr) {
    *padding = &o.AsConv2DOptions()->padding;
    *pads = &o.AsConv2DOptions()->pads;
    return true;
  }
  if (op->type == schema::OpType_DEPTHWISE_CONV_2D && o.AsDepthwiseConv2DOptions() != nullptr) {
    *padding = &o.AsDepthwiseConv2DOptions()->padding;
    *pads = &o.AsDepthwiseConv2DOptions()->pads;
    return true;
  }
  return false;
}

// Zero padding of a float32 rank-4 NHWC tensor in H and W only: {top, left, bottom, right}.
bool SpatialZeroPad(const Graph& g, const GOp& pad, int32_t out[4]) {
  if (pad.inputs.size() < 2 || pad.inputs[0] < 0) return false;
  const schema::PadOptionsT* o = pad.options.AsPadOptions();
  if (o != nullptr && o->mode != schema::PadMode_CONSTANT) return false;
  if (g.tensors[static_cast<size_t>(pad.inputs[0])].dtype != DType::kF32) return false;
  if (pad.inputs.size() > 2 && pad.inputs[2] >= 0) {
    const GTensor& v = g.tensors[static_cast<size_t>(pad.inputs[2])];
    if (!v.is_constant || v.data.size() != sizeof(float)) return false;
    float value;
    std::memcpy(&value, v.data.data(), sizeof(float));
    if (value != 0.f) return false;
  }
  std::vector<int64_t> p;
  if (!g.ConstInts(pad.inputs[1], &p) || p.size() != 8) return false;
  if (p[0] != 0 || p[1] != 0 || p[6] != 0 || p[7] != 0) return false;  // N and C untouched
  for (int i = 2; i < 6; ++i)
    if (p[static_cast<size_t>(i)] < 0 || p[static_cast<size_t>(i)] > (1 << 20)) return false;
  out[0] = static_cast<int32_t>(p[2]);  // top
  out[1] = static_cast<int32_t>(p[4]);  // left
  out[2] = static_cast<int32_t>(p[3]);  // bottom
  out[3] = static_cast<int32_t>(p[5]);  // right
  return true;
}

}  // namespace

int FusePadIntoConv(Graph* g) {
  int fused = 0;
  for (size_t i = 0; i < g->ops.size(); ++i) {
    GOp& pad = g->ops[i];
    if (pad.dead || pad.type != schema::OpType_PAD || pad.outputs.size() != 1) continue;
    const int mid = pad.outputs[0];
    if (g->IsGraphOutput(mid) || g->Consumers(mid).size() != 1) continue;
    GOp& conv = g->ops[static_cast<size_t>(g->Consumers(mid)[0])];
    schema::Padding* padding = nullptr;
    std::vector<int32_t>* pads = nullptr;
    if (!ConvPadding(&conv, &padding, &pads) || conv.inputs.empty() || conv.inputs[0] != mid) continue;
    int32_t add[4];
    if (!SpatialZeroPad(*g, pad, add)) continue;
    if (*padding == schema::Padding_VALID) {
      *pads = {add[0], add[1], add[2], add[3]};
    } else if (*padding == schema::Padding_EXPLICIT && pads->size() == 4) {
      for (size_t k = 0; k < 4; ++k) (*pads)[k] += add[k];
    } else {
      continue;  // SAME depends on the padded size; leave it
    }
    *padding = schema::Padding_EXPLICIT;
    conv.inputs[0] = pad.inputs[0];
    pad.dead = true;
    g->Refresh();
    ++fused;
  }
  return fused;
}

}  // namespace graph
}  // namespace edgert
