// --quantize fp16: float32 constants of 256 elements or more become float16
// constants behind a DEQUANTIZE. The interpreter runs a DEQUANTIZE of a
// constant once, at prepare, so the ops after it see float32 constants again
// (and the optimized kernels pack them): the file halves, the arithmetic stays
// float32. Values beyond float16's range saturate to +-65504 (counted).
#include <cmath>
#include <cstring>

#include "runtime/dtype.h"
#include "runtime/importers/optimizer/graph.h"
#include "runtime/importers/quantizer/quantize.h"

namespace edgert {

Status QuantizeFp16(const std::vector<uint8_t>& in, std::vector<uint8_t>* out, Fp16Report* report) {
  Fp16Report local;
  Fp16Report& rep = report != nullptr ? *report : local;
  rep = Fp16Report();
  graph::Graph g;
  EDGERT_RETURN_IF_ERROR(graph::Graph::FromBuffer(in.data(), in.size(), &g));
  std::vector<int> f16_of(g.tensors.size(), -1);  // float32 constant -> its DEQUANTIZE output
  std::vector<graph::GOp> old = std::move(g.ops);
  g.ops.clear();
  for (graph::GOp& op : old) {
    if (op.dead) continue;
    for (int32_t& t : op.inputs) {
      if (t < 0) continue;
      const graph::GTensor c = g.tensors[static_cast<size_t>(t)];
      if (!c.is_constant || c.dtype != DType::kF32 || c.data.size() < 256 * sizeof(float)) continue;
      if (f16_of[static_cast<size_t>(t)] < 0) {
        const size_t n = c.data.size() / sizeof(float);
        std::vector<uint8_t> half(n * 2);
        for (size_t i = 0; i < n; ++i) {
          float v;
          std::memcpy(&v, c.data.data() + i * 4, 4);
          if (std::fabs(v) > 65504.f && std::isfinite(v)) {
            v = v > 0 ? 65504.f : -65504.f;
            ++rep.saturated;
          }
          const uint16_t h = FloatToHalf(v);
          std::memcpy(half.data() + i * 2, &h, 2);
        }
        const int hc = g.AddConstant(c.name + "/f16", DType::kF16, c.shape, std::move(half));
        graph::GTensor act;
        act.name = c.name;
        act.dtype = DType::kF32;
        act.shape = c.shape;
        g.tensors.push_back(std::move(act));
        const int f = static_cast<int>(g.tensors.size()) - 1;
        graph::GOp dq;
        dq.type = schema::OpType_DEQUANTIZE;
        dq.inputs = {hc};
        dq.outputs = {f};
        g.ops.push_back(std::move(dq));
        f16_of.resize(g.tensors.size(), -1);
        f16_of[static_cast<size_t>(t)] = f;
        ++rep.converted_tensors;
        rep.bytes_saved += n * 2;
      }
      t = f16_of[static_cast<size_t>(t)];
    }
    g.ops.push_back(std::move(op));
  }
  g.Refresh();
  return g.Serialize(out);
}

}  // namespace edgert
