// --quantize dynamic (dynamic-range quantization, for transformers and RNNs):
// FULLY_CONNECTED weights become int8, symmetric per output channel, and the
// kernel quantizes each input row at run time (FULLY_CONNECTED's hybrid mode:
// int32 accumulation, float32 in and out). Weights of other ops (convolutions)
// become int8 behind a DEQUANTIZE that the interpreter expands once at prepare:
// the file shrinks, their arithmetic stays float32.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "runtime/importers/optimizer/graph.h"
#include "runtime/importers/quantizer/quantize.h"

namespace edgert {
namespace {

// Symmetric per-channel int8 along `axis`: scale = max|w| / 127.
std::vector<uint8_t> QuantizeSymmetric(const graph::GTensor& w, int axis, QuantSpec* q) {
  const size_t n = w.data.size() / sizeof(float);
  std::vector<float> v(n);
  std::memcpy(v.data(), w.data.data(), n * sizeof(float));
  const int64_t channels = w.shape[static_cast<size_t>(axis)];
  int64_t inner = 1;
  for (size_t d = static_cast<size_t>(axis) + 1; d < w.shape.size(); ++d) inner *= w.shape[d];
  std::vector<float> absmax(static_cast<size_t>(channels), 0.f);
  for (size_t k = 0; k < n; ++k) {
    const size_t c = static_cast<size_t>((static_cast<int64_t>(k) / inner) % channels);
    absmax[c] = std::max(absmax[c], std::fabs(v[k]));
  }
  *q = QuantSpec();
  q->axis = axis;
  for (float m : absmax) {
    q->scale.push_back(m > 0.f ? m / 127.f : 1.f);
    q->zero_point.push_back(0);
  }
  std::vector<uint8_t> out(n);
  for (size_t k = 0; k < n; ++k) {
    const size_t c = static_cast<size_t>((static_cast<int64_t>(k) / inner) % channels);
    const long r = std::lround(v[k] / q->scale[c]);
    out[k] = static_cast<uint8_t>(static_cast<int8_t>(std::min(127L, std::max(-127L, r))));
  }
  return out;
}

int WeightAxis(schema::OpType t) {
  switch (t) {
    case schema::OpType_CONV_2D:
    case schema::OpType_TRANSPOSE_CONV:
    case schema::OpType_FULLY_CONNECTED:
      return 0;
    case schema::OpType_DEPTHWISE_CONV_2D:
      return 3;
    default:
      return -1;
  }
}

}  // namespace

Status QuantizeDynamic(const std::vector<uint8_t>& in, std::vector<uint8_t>* out, DynamicReport* report) {
  DynamicReport local;
  DynamicReport& rep = report != nullptr ? *report : local;
  rep = DynamicReport();
  graph::Graph g;
  EDGERT_RETURN_IF_ERROR(graph::Graph::FromBuffer(in.data(), in.size(), &g));
  std::vector<graph::GOp> old = std::move(g.ops);
  g.ops.clear();
  for (graph::GOp& op : old) {
    if (op.dead) continue;
    const int axis = WeightAxis(op.type);
    const int wt = op.inputs.size() > 1 ? op.inputs[1] : -1;
    if (axis < 0 || wt < 0 || op.inputs[0] < 0) {
      g.ops.push_back(std::move(op));
      continue;
    }
    const graph::GTensor w = g.tensors[static_cast<size_t>(wt)];
    const graph::GTensor& x = g.tensors[static_cast<size_t>(op.inputs[0])];
    if (!w.is_constant || w.dtype != DType::kF32 || x.dtype != DType::kF32 ||
        axis >= static_cast<int>(w.shape.size())) {
      g.ops.push_back(std::move(op));
      continue;
    }
    QuantSpec q;
    std::vector<uint8_t> bytes = QuantizeSymmetric(w, axis, &q);
    rep.bytes_saved += w.data.size() - bytes.size();
    const int wq = g.AddConstant(w.name + "/int8", DType::kI8, w.shape, std::move(bytes), q);
    if (op.type == schema::OpType_FULLY_CONNECTED) {
      op.inputs[1] = wq;  // hybrid FULLY_CONNECTED
      ++rep.hybrid_ops;
    } else {
      graph::GTensor f;
      f.name = w.name;
      f.dtype = DType::kF32;
      f.shape = w.shape;
      g.tensors.push_back(std::move(f));
      const int ft = static_cast<int>(g.tensors.size()) - 1;
      graph::GOp dq;
      dq.type = schema::OpType_DEQUANTIZE;
      dq.inputs = {wq};
      dq.outputs = {ft};
      g.ops.push_back(std::move(dq));
      op.inputs[1] = ft;
      ++rep.weight_only_ops;
    }
    g.ops.push_back(std::move(op));
  }
  g.Refresh();
  return g.Serialize(out);
}

}  // namespace edgert
