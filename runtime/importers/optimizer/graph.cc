#include "runtime/importers/optimizer/graph.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>

#include "runtime/interpreter.h"
#include "runtime/op_resolver.h"
#include "runtime/sparse_weights.h"

namespace edgert {
namespace graph {

namespace {

bool TakesQuantizedBias(schema::OpType type) {
  return type == schema::OpType_CONV_2D || type == schema::OpType_DEPTHWISE_CONV_2D ||
         type == schema::OpType_FULLY_CONNECTED || type == schema::OpType_TRANSPOSE_CONV;
}

// The int32 biases whose scales need not be written (schema/README.md): each
// is read only as the bias of quantized convolutions / fully connected layers
// whose input_scale * weight_scale equals its scale in every channel, zero
// points 0. The kernels imply those scales; writing them would spend 4 bytes per
// channel (a third of a small int8 model's non-weight bytes) on a copy.
std::vector<bool> ImpliedBiasScales(const Graph& g) {
  const size_t n = g.tensors.size();
  std::vector<bool> implied(n, false), other_use(n, false);
  for (size_t i = 0; i < n; ++i) {
    const GTensor& t = g.tensors[i];
    implied[i] = t.is_constant && t.dtype == DType::kI32 && !t.quant.scale.empty();
  }
  for (int32_t t : g.outputs) other_use[static_cast<size_t>(t)] = true;
  for (const GOp& op : g.ops) {
    if (op.dead) continue;
    for (size_t k = 0; k < op.inputs.size(); ++k) {
      const int32_t b = op.inputs[k];
      if (b < 0 || !implied[static_cast<size_t>(b)]) continue;
      if (k != 2 || !TakesQuantizedBias(op.type) || op.inputs[0] < 0 || op.inputs[1] < 0) {
        other_use[static_cast<size_t>(b)] = true;
        continue;
      }
      const QuantSpec& in = g.tensors[static_cast<size_t>(op.inputs[0])].quant;
      const QuantSpec& w = g.tensors[static_cast<size_t>(op.inputs[1])].quant;
      const QuantSpec& bq = g.tensors[static_cast<size_t>(b)].quant;
      bool match = in.scale.size() == 1 && !w.scale.empty() && bq.zero_point.size() == bq.scale.size();
      for (size_t c = 0; match && c < bq.scale.size(); ++c) {
        const double want = static_cast<double>(in.scale[0]) * w.scale[w.scale.size() == 1 ? 0 : c];
        match = (bq.scale.size() == w.scale.size() || (bq.scale.size() == 1 && w.scale.size() == 1)) &&
                bq.zero_point[c] == 0 && std::fabs(bq.scale[c] - want) <= 1e-6 * want;
      }
      if (!match) other_use[static_cast<size_t>(b)] = true;
    }
  }
  for (size_t i = 0; i < n; ++i) implied[i] = implied[i] && !other_use[i];
  return implied;
}

// The reverse on reading: biases written without their implied scales get
// them back, so that the graph holds what the kernels use.
void RestoreImpliedBiasScales(Graph* g) {
  for (const GOp& op : g->ops) {
    if (!TakesQuantizedBias(op.type) || op.inputs.size() < 3 || op.inputs[0] < 0 || op.inputs[1] < 0 ||
        op.inputs[2] < 0)
      continue;
    GTensor& b = g->tensors[static_cast<size_t>(op.inputs[2])];
    const QuantSpec& in = g->tensors[static_cast<size_t>(op.inputs[0])].quant;
    const QuantSpec& w = g->tensors[static_cast<size_t>(op.inputs[1])].quant;
    if (!b.is_constant || b.dtype != DType::kI32 || !b.quant.scale.empty() || in.scale.size() != 1 ||
        w.scale.empty())
      continue;
    for (float ws : w.scale) b.quant.scale.push_back(static_cast<float>(static_cast<double>(in.scale[0]) * ws));
    b.quant.zero_point.assign(b.quant.scale.size(), 0);
    b.quant.axis = 0;
  }
}

}  // namespace

Status Graph::FromModel(const Model& model, Graph* out) {
  Graph g;
  const auto& infos = model.tensors();
  g.tensors.resize(infos.size());
  for (size_t i = 0; i < infos.size(); ++i) {
    const TensorInfo& ti = infos[i];
    GTensor& t = g.tensors[i];
    t.name = ti.name;
    t.dtype = ti.dtype;
    t.shape.assign(ti.shape.dims, ti.shape.dims + ti.shape.rank);
    t.quant.scale = ti.scale;
    t.quant.zero_point.assign(ti.zero_point.begin(), ti.zero_point.end());
    t.quant.axis = ti.quant_axis;
    t.is_constant = ti.is_constant();
    t.sparse_block = ti.sparse.block_size;
    t.zero_mask = ti.zero_mask;
    if (ti.const_data != nullptr) {
      const auto* p = static_cast<const uint8_t*>(ti.const_data);
      t.data.assign(p, p + ti.const_bytes);
    }
  }
  for (const NodeInfo& n : model.nodes()) {
    GOp op;
    op.type = n.type;
    op.inputs = n.inputs;
    op.outputs = n.outputs;
    std::unique_ptr<schema::OperatorT> unpacked(n.op->UnPack());
    op.options = std::move(unpacked->options);
    op.name = unpacked->name;
    op.custom_code = unpacked->custom_code;
    op.custom_options = unpacked->custom_options;
    g.ops.push_back(std::move(op));
  }
  g.inputs = model.inputs();
  g.outputs = model.outputs();
  const schema::Model* fb = model.fb();
  if (fb->description() != nullptr) g.description = fb->description()->str();
  if (fb->metadata() != nullptr)
    for (const schema::Metadata* m : *fb->metadata())
      g.metadata.emplace_back(m->key() != nullptr ? m->key()->str() : "", m->value() != nullptr ? m->value()->str() : "");
  RestoreImpliedBiasScales(&g);
  g.Refresh();
  *out = std::move(g);
  return Status::Ok();
}

Status Graph::FromBuffer(const void* data, size_t size, Graph* out) {
  std::shared_ptr<const Model> model;
  EDGERT_RETURN_IF_ERROR(Model::LoadBuffer(data, size, /*copy=*/true, &model));
  return FromModel(*model, out);
}

void Graph::Refresh() {
  producer_.assign(tensors.size(), -1);
  consumers_.assign(tensors.size(), {});
  for (size_t o = 0; o < ops.size(); ++o) {
    if (ops[o].dead) continue;
    for (int32_t t : ops[o].inputs)
      if (t >= 0) consumers_[static_cast<size_t>(t)].push_back(static_cast<int>(o));
    for (int32_t t : ops[o].outputs)
      if (t >= 0) producer_[static_cast<size_t>(t)] = static_cast<int>(o);
  }
}

bool Graph::IsGraphOutput(int t) const { return std::find(outputs.begin(), outputs.end(), t) != outputs.end(); }
bool Graph::IsGraphInput(int t) const { return std::find(inputs.begin(), inputs.end(), t) != inputs.end(); }

void Graph::ReplaceUses(int from, int to) {
  for (GOp& op : ops) {
    if (op.dead) continue;
    for (int32_t& t : op.inputs)
      if (t == from) t = to;
  }
  Refresh();
}

int Graph::AddConstant(const std::string& name, DType dtype, const std::vector<int32_t>& shape,
                       std::vector<uint8_t> data, const QuantSpec& quant) {
  GTensor t;
  t.name = name;
  t.dtype = dtype;
  t.shape = shape;
  t.quant = quant;
  t.is_constant = true;
  t.data = std::move(data);
  tensors.push_back(std::move(t));
  producer_.push_back(-1);
  consumers_.emplace_back();
  return static_cast<int>(tensors.size()) - 1;
}

bool Graph::ConstInts(int t, std::vector<int64_t>* values) const {
  if (t < 0 || static_cast<size_t>(t) >= tensors.size()) return false;
  const GTensor& g = tensors[static_cast<size_t>(t)];
  if (!g.is_constant) return false;
  values->clear();
  if (g.dtype == DType::kI32) {
    for (size_t i = 0; i + 4 <= g.data.size(); i += 4) {
      int32_t v;
      std::memcpy(&v, g.data.data() + i, 4);
      values->push_back(v);
    }
    return true;
  }
  if (g.dtype == DType::kI64) {
    for (size_t i = 0; i + 8 <= g.data.size(); i += 8) {
      int64_t v;
      std::memcpy(&v, g.data.data() + i, 8);
      values->push_back(v);
    }
    return true;
  }
  return false;
}

Status Graph::Serialize(std::vector<uint8_t>* out, std::vector<int>* index_map) const {
  std::vector<bool> used(tensors.size(), false);
  for (const GOp& op : ops) {
    if (op.dead) continue;
    for (int32_t t : op.inputs)
      if (t >= 0) used[static_cast<size_t>(t)] = true;
    for (int32_t t : op.outputs)
      if (t >= 0) used[static_cast<size_t>(t)] = true;
  }
  for (int32_t t : inputs) used[static_cast<size_t>(t)] = true;
  for (int32_t t : outputs) used[static_cast<size_t>(t)] = true;

  const std::vector<bool> implied_scales = ImpliedBiasScales(*this);
  ModelBuilder b;
  std::vector<int> map(tensors.size(), -1);
  for (size_t i = 0; i < tensors.size(); ++i) {
    if (!used[i]) continue;
    const GTensor& t = tensors[i];
    const QuantSpec& quant = implied_scales[i] ? QuantSpec() : t.quant;
    int64_t elements = 1;
    for (int32_t d : t.shape) elements *= d;
    const bool sparse = t.is_constant && t.sparse_block > 0 && IsSparseStorableDType(t.dtype) && !t.shape.empty() &&
                        t.data.size() == static_cast<size_t>(elements) * DTypeSize(t.dtype);
    const size_t element_bytes = DTypeSize(t.dtype);
    if (sparse)
      map[i] = b.AddSparseConstant(t.name, t.dtype, t.shape, t.data.data(), t.sparse_block, quant);
    else if (t.is_constant && t.zero_mask &&
             ZeroMaskSaves(ZeroMaskStoredBytes(t.data.data(), t.data.size() / element_bytes, element_bytes),
                           t.data.size()))
      map[i] = b.AddZeroMaskConstant(t.name, t.dtype, t.shape, t.data.data(), t.data.size(), quant);
    else
      map[i] = t.is_constant ? b.AddConstant(t.name, t.dtype, t.shape, t.data.data(), t.data.size(), quant)
                             : b.AddTensor(t.name, t.dtype, t.shape, quant);
  }
  auto remap = [&](const std::vector<int32_t>& v) {
    std::vector<int32_t> r;
    r.reserve(v.size());
    for (int32_t t : v) r.push_back(t < 0 ? -1 : map[static_cast<size_t>(t)]);
    return r;
  };
  for (const GOp& op : ops) {
    if (op.dead) continue;
    if (op.type == schema::OpType_CUSTOM) {
      b.AddCustomOp(op.custom_code, remap(op.inputs), remap(op.outputs), op.custom_options, op.name);
    } else {
      flatbuffers::Offset<void> o = op.options.type != schema::OpOptions_NONE ? op.options.Pack(b.fbb()) : 0;
      b.AddOp(op.type, remap(op.inputs), remap(op.outputs), op.options.type, o, op.name);
    }
  }
  for (int32_t t : inputs) b.MarkInput(map[static_cast<size_t>(t)]);
  for (int32_t t : outputs) b.MarkOutput(map[static_cast<size_t>(t)]);
  for (const auto& kv : metadata) b.AddMetadata(kv.first, kv.second);
  if (!description.empty()) b.SetDescription(description);
  std::vector<uint8_t> file = b.Finish();
  std::shared_ptr<const Model> check;
  Status s = Model::LoadBuffer(file.data(), file.size(), /*copy=*/false, &check);
  if (!s.ok()) return Status(s.code(), "the optimized model does not validate: " + s.message());
  *out = std::move(file);
  if (index_map != nullptr) *index_map = std::move(map);
  return Status::Ok();
}

Status Graph::InferShapes() {
  std::vector<uint8_t> file;
  std::vector<int> map;
  EDGERT_RETURN_IF_ERROR(Serialize(&file, &map));
  std::shared_ptr<const Model> model;
  EDGERT_RETURN_IF_ERROR(Model::LoadBuffer(file.data(), file.size(), /*copy=*/false, &model));
  OpResolver resolver;
  AddReferenceKernels(&resolver);
  Interpreter interp(model, &resolver);
  EDGERT_RETURN_IF_ERROR(interp.Prepare());
  for (size_t i = 0; i < tensors.size(); ++i) {
    if (map[i] < 0) continue;
    const Shape& s = interp.tensor(map[i])->shape;
    tensors[i].shape.assign(s.dims, s.dims + s.rank);
  }
  shapes_inferred_ = true;
  return Status::Ok();
}

}  // namespace graph
}  // namespace edgert
