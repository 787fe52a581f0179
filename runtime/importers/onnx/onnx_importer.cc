// ONNX -> .ert importer: the import driver (graph inputs, node walk, graph
// outputs) and the public entry points. The op mappers live in onnx_ops_*.cc,
// values and layout handling in onnx_import_values.cc.
#include "runtime/importers/onnx/onnx_importer.h"

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <set>

#include "runtime/importers/import_common.h"
#include "runtime/importers/onnx/onnx_import_internal.h"
#include "runtime/importers/onnx/protobuf_reader.h"

namespace edgert {
namespace onnx_import {

// --- driver ------------------------------------------------------------------

namespace {

struct OpEntry {
  const char* name;
  Status (Importer::*fn)(size_t);
};

}  // namespace

Status Importer::Run(std::vector<uint8_t>* out) {
  static const OpEntry kOps[] = {
      {"Conv", &Importer::MapConv},
      {"BatchNormalization", &Importer::MapBatchNorm},
      {"Relu", &Importer::MapUnary},
      {"Sigmoid", &Importer::MapUnary},
      {"HardSwish", &Importer::MapUnary},
      {"Tanh", &Importer::MapUnary},
      {"Clip", &Importer::MapClip},
      {"HardSigmoid", &Importer::MapHardSigmoid},
      {"Add", &Importer::MapBinary},
      {"Sub", &Importer::MapBinary},
      {"Mul", &Importer::MapBinary},
      {"Div", &Importer::MapBinary},
      {"MaxPool", &Importer::MapPool},
      {"AveragePool", &Importer::MapPool},
      {"GlobalAveragePool", &Importer::MapGlobalPool},
      {"GlobalMaxPool", &Importer::MapGlobalPool},
      {"Flatten", &Importer::MapFlatten},
      {"Reshape", &Importer::MapReshape},
      {"Gemm", &Importer::MapGemm},
      {"MatMul", &Importer::MapMatMul},
      {"Concat", &Importer::MapConcat},
      {"Softmax", &Importer::MapSoftmax},
      {"Transpose", &Importer::MapTranspose},
      {"Identity", &Importer::MapIdentity},
      {"Dropout", &Importer::MapIdentity},
      {"Constant", &Importer::MapConstant},
      {"Shape", &Importer::MapShape},
      {"Gather", &Importer::MapGather},
      {"Unsqueeze", &Importer::MapUnsqueeze},
      {"Squeeze", &Importer::MapUnsqueeze},
      {"Cast", &Importer::MapCast},
      {"LayerNormalization", &Importer::MapLayerNorm},
      {"Erf", &Importer::MapErf},
      {"Sqrt", &Importer::MapUnary},
      {"Equal", &Importer::MapEqual},
      {"Where", &Importer::MapWhere},
      {"Expand", &Importer::MapExpand},
      {"ConstantOfShape", &Importer::MapConstantOfShape},
      {"Slice", &Importer::MapSlice},
  };

  // Opset of the default domain.
  for (const OnnxOpset& o : m_.opset_import)
    if (o.domain.empty() || o.domain == "ai.onnx") opset_ = o.version;
  if (opset_ == 0) {
    opset_ = 13;
    report_->warnings.push_back("no opset_import for the default ONNX domain; assuming opset 13");
  } else if (opset_ < 11 || opset_ > 18) {
    report_->warnings.push_back("opset " + std::to_string(opset_) + " is outside the tested range 11-18");
  }
  report_->source_version = static_cast<uint32_t>(std::min<int64_t>(std::max<int64_t>(m_.ir_version, 0), 0xffffffff));
  report_->source_description = m_.producer_name + (m_.producer_version.empty() ? "" : " " + m_.producer_version);
  report_->source_ops = static_cast<int>(g_.nodes.size());

  // 1. Every node must have a mapper: collect all that do not.
  std::vector<Mapper> mappers(g_.nodes.size(), nullptr);
  std::vector<std::pair<std::string, int>> missing;
  for (size_t i = 0; i < g_.nodes.size(); ++i) {
    const OnnxNode& n = g_.nodes[i];
    const bool default_domain = n.domain.empty() || n.domain == "ai.onnx";
    const std::string label = default_domain ? n.op_type : n.domain + ":" + n.op_type;
    ++report_->source_op_counts[label];
    if (default_domain)
      for (const OpEntry& e : kOps)
        if (n.op_type == e.name) mappers[i] = e.fn;
    if (mappers[i] != nullptr) continue;
    bool found = false;
    for (auto& m : missing)
      if (m.first == label) {
        ++m.second;
        found = true;
      }
    if (!found) missing.emplace_back(label, 1);
  }
  if (!missing.empty()) {
    std::string msg = "unsupported ONNX ops: ";
    for (size_t i = 0; i < missing.size(); ++i) {
      const std::string item = missing[i].first + " x" + std::to_string(missing[i].second);
      report_->unsupported.push_back(item);
      msg += (i ? ", " : "") + item;
    }
    return Status(StatusCode::kUnsupported, msg);
  }
  for (size_t i = 0; i < g_.nodes.size(); ++i)
    for (const std::string& in : g_.nodes[i].inputs)
      if (!in.empty()) consumers_[in].push_back(i);
  for (size_t i = 0; i < g_.nodes.size(); ++i)
    for (const std::string& o : g_.nodes[i].outputs)
      if (!o.empty()) producer_.emplace(o, i);
  for (const OnnxValueInfo& o : g_.outputs) graph_outputs_.insert(o.name);
  skip_.assign(g_.nodes.size(), false);

  // 2. Initializers (constants), then the graph inputs that are not initializers.
  for (const OnnxTensor& t : g_.initializers) {
    if (t.name.empty()) return Invalid("an initializer has no name");
    Value v;
    v.is_const = true;
    v.src = &t;
    v.shape = t.dims;
    EDGERT_RETURN_IF_ERROR(CheckShape(v.shape, "initializer '" + t.name + "'"));
    EDGERT_RETURN_IF_ERROR(Define(t.name, std::move(v)));
  }
  std::string unresolved;
  for (const OnnxValueInfo& in : g_.inputs) {
    if (by_name_.count(in.name) != 0) continue;  // an initializer listed as an input (IR < 4)
    if (in.name.empty()) return Invalid("a graph input has no name");
    if (!in.has_tensor_type) return Unsupported("graph input '" + in.name + "' is not a tensor");
    DType dtype = DType::kF32;
    if (in.elem_type == kOnnxInt64) dtype = DType::kI64;
    else if (in.elem_type == kOnnxInt32) dtype = DType::kI32;
    else if (in.elem_type != kOnnxFloat)
      return Unsupported("graph input '" + in.name + "' has element type " + OnnxDataTypeName(in.elem_type) +
                         "; only FLOAT, INT32 and INT64 inputs are supported");
    if (!in.has_shape) return Unsupported("graph input '" + in.name + "' has no shape");
    Shape64 shape;
    for (size_t k = 0; k < in.dims.size(); ++k) {
      const OnnxDim& d = in.dims[k];
      if (d.has_value) {
        shape.push_back(d.value);
      } else {
        auto it = d.param.empty() ? opts_.dims.end() : opts_.dims.find(d.param);
        if (it != opts_.dims.end()) {
          shape.push_back(it->second);
        } else {
          unresolved += std::string(unresolved.empty() ? "" : ", ") + (d.param.empty() ? "?" : d.param) +
                        " (input '" + in.name + "' dim " + std::to_string(k) + ")";
          shape.push_back(1);
        }
      }
    }
    EDGERT_RETURN_IF_ERROR(CheckShape(shape, "graph input '" + in.name + "'"));
    for (int64_t d : shape)
      if (d < 1) return Invalid("graph input '" + in.name + "' has a dimension < 1: " + ShapeStr(shape));
    Value v;
    NewActivation(in.name, shape, false, &v, dtype);
    b_.MarkInput(v.tensor);
    graph_input_tensors_.insert(v.tensor);
    EDGERT_RETURN_IF_ERROR(Define(in.name, std::move(v)));
  }
  if (!unresolved.empty())
    return Status(StatusCode::kInvalidArgument,
                  "unresolved symbolic input dimensions: " + unresolved + "; give their values (--dim NAME=N)");
  if (graph_input_tensors_.empty()) return Unsupported("the graph has no (non-constant) inputs");
  // Rank-4 inputs are transposed into NHWC right away.
  for (const OnnxValueInfo& in : g_.inputs) {
    Value* v = by_name_[in.name];
    int t;
    if (!v->is_const && v->dtype == DType::kF32 && v->shape.size() == 4 && consumers_.count(in.name) != 0)
      EDGERT_RETURN_IF_ERROR(Materialize(v, true, &t));
  }

  FindGeluPatterns();

  // 3. Nodes, in order (ONNX requires topological order).
  for (size_t i = 0; i < g_.nodes.size(); ++i) {
    if (skip_[i]) continue;
    EDGERT_RETURN_IF_ERROR((this->*mappers[i])(i));
  }

  // 4. Graph outputs: rank-4 outputs are transposed back to NCHW.
  if (g_.outputs.empty()) return Invalid("the graph has no outputs");
  std::set<int> marked;
  for (const OnnxValueInfo& o : g_.outputs) {
    Value* v;
    EDGERT_RETURN_IF_ERROR(Get(o.name, &v));
    if (v->is_const) return Unsupported("graph output '" + o.name + "' is a constant");
    int t;
    EDGERT_RETURN_IF_ERROR(Materialize(v, false, &t, o.name));
    if (graph_input_tensors_.count(t) != 0) return Unsupported("graph output '" + o.name + "' is a graph input");
    if (!marked.insert(t).second) continue;
    b_.MarkOutput(t);
  }

  b_.AddMetadata("source_format", "onnx");
  b_.AddMetadata("onnx.ir_version", std::to_string(m_.ir_version));
  b_.AddMetadata("onnx.opset", std::to_string(opset_));
  if (!report_->source_description.empty()) {
    b_.AddMetadata("onnx.producer", report_->source_description);
    b_.SetDescription(report_->source_description);
  }
  report_->source_tensors = static_cast<int>(by_name_.size());
  return FinishImportedModel(&b_, ImportCounts{&emitted_, num_ops_, num_constants_, constant_bytes_},
                             opts_.verify_output, report_, out);
}

}  // namespace onnx_import

Status ImportOnnx(const void* data, size_t size, const OnnxImportOptions& opts, std::vector<uint8_t>* ert_file,
                  ImportReport* report) {
  return RunImport("ImportOnnx", ".onnx", data, size, ert_file, report, [&](ImportReport* r) {
    onnx_import::OnnxModel model;
    EDGERT_RETURN_IF_ERROR(onnx_import::ParseOnnxModel(static_cast<const uint8_t*>(data), size, &model));
    onnx_import::Importer imp(model, opts, r);
    Status s = imp.Run(ert_file);
    if (!s.ok()) ert_file->clear();
    return s;
  });
}

bool IsOnnxBuffer(const void* data, size_t size) {
  if (data == nullptr || size == 0) return false;
  onnx_import::ProtoReader r(static_cast<const uint8_t*>(data), size, "ModelProto");
  onnx_import::ProtoField f;
  bool graph = false;
  while (r.Next(&f)) {
    using onnx_import::WireType;
    switch (f.number) {
      case 1:
      case 5:
        if (f.wire != WireType::kVarint) return false;
        break;
      case 2:
      case 3:
      case 4:
      case 6:
      case 8:
      case 14:
        if (f.wire != WireType::kLengthDelimited) return false;
        break;
      case 7:
        if (f.wire != WireType::kLengthDelimited) return false;
        graph = true;
        break;
      default: break;
    }
  }
  return r.status().ok() && graph;
}

bool ParseOnnxDimOption(const std::string& arg, OnnxImportOptions* opts) {
  const size_t eq = arg.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 >= arg.size()) return false;
  char* end = nullptr;
  const std::string num = arg.substr(eq + 1);
  const long long v = std::strtoll(num.c_str(), &end, 10);
  if (end == num.c_str() || *end != 0 || v < 1 || v > (1LL << 31) - 1) return false;
  opts->dims[arg.substr(0, eq)] = v;
  return true;
}

}  // namespace edgert
