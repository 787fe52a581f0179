// ONNX -> .ert importer: the import driver (graph inputs, node walk, graph
// outputs) and the public entry points. The op mappers live in onnx_ops_*.cc,
// values and layout handling in onnx_import_values.cc.
#include "runtime/importers/onnx/onnx_importer.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <memory>
#include <set>

#include "runtime/importers/import_common.h"
#include "runtime/importers/onnx/onnx_import_internal.h"
#include "runtime/importers/onnx/protobuf_reader.h"

namespace edgert {
namespace onnx_import {

// --- driver ------------------------------------------------------------------

const Importer::OpEntry* Importer::FindOp(const OnnxNode& n) {
  static const OpEntry kOps[] = {
    {"Conv", &Importer::MapConv},
    {"BatchNormalization", &Importer::MapBatchNorm},
    {"Relu", &Importer::MapUnary},
    {"Sigmoid", &Importer::MapUnary},
    {"HardSwish", &Importer::MapUnary},
    {"Tanh", &Importer::MapUnary},
    {"Sqrt", &Importer::MapUnary},
    {"Exp", &Importer::MapUnary},
    {"Clip", &Importer::MapClip},
    {"HardSigmoid", &Importer::MapHardSigmoid},
    {"Add", &Importer::MapBinary},
    {"Sub", &Importer::MapBinary},
    {"Mul", &Importer::MapBinary},
    {"Div", &Importer::MapBinary},
    {"Pow", &Importer::MapPow},
    {"MaxPool", &Importer::MapPool},
    {"AveragePool", &Importer::MapPool},
    {"GlobalAveragePool", &Importer::MapGlobalPool},
    {"GlobalMaxPool", &Importer::MapGlobalPool},
    {"ReduceMean", &Importer::MapReduce},
    {"ReduceSum", &Importer::MapReduce},
    {"ReduceMax", &Importer::MapReduce},
    {"ReduceMin", &Importer::MapReduce},
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
    {"Slice", &Importer::MapSlice},
    {"Pad", &Importer::MapPad},
    {"Split", &Importer::MapSplit},
    {"LSTM", &Importer::MapLstm},
    {"LayerNormalization", &Importer::MapLayerNorm},
    {"Erf", &Importer::MapErf},
    {"Where", &Importer::MapWhere},
    {"Expand", &Importer::MapExpand},
    {"QuantizeLinear", &Importer::MapQuantizeLinear},
    {"DequantizeLinear", &Importer::MapDequantizeLinear},
    {"DynamicQuantizeLinear", &Importer::MapDynamicQuantOnly},
    {"MatMulInteger", &Importer::MapDynamicQuantOnly},
    // Only with constant inputs (folded by TryFold); fail otherwise.
    {"Equal", &Importer::MapConstOnly},
    {"Not", &Importer::MapConstOnly},
    {"Size", &Importer::MapConstOnly},
    {"ConstantOfShape", &Importer::MapConstOnly},
    // Inlined (InlineIf): its condition must fold to a constant.
    {"If", nullptr},
  };
  if (!(n.domain.empty() || n.domain == "ai.onnx")) return nullptr;
  for (const OpEntry& e : kOps)
    if (n.op_type == e.name) return &e;
  return nullptr;
}

namespace {

// Counts the ops of `g` and of its subgraphs; collects those without a mapping.
void CountOps(const OnnxGraph& g, ImportReport* report, std::vector<std::pair<std::string, int>>* missing) {
  for (const OnnxNode& n : g.nodes) {
    const bool default_domain = n.domain.empty() || n.domain == "ai.onnx";
    const std::string label = default_domain ? n.op_type : n.domain + ":" + n.op_type;
    ++report->source_op_counts[label];
    for (const OnnxAttribute& a : n.attributes)
      if (a.g != nullptr) CountOps(*a.g, report, missing);
    if (Importer::FindOp(n) != nullptr) continue;
    bool found = false;
    for (auto& m : *missing)
      if (m.first == label) {
        ++m.second;
        found = true;
      }
    if (!found) missing->emplace_back(label, 1);
  }
}

// Names `g` (and its subgraphs) read, including values of enclosing scopes.
void CollectUses(const OnnxGraph& g, std::vector<std::string>* uses) {
  for (const OnnxNode& n : g.nodes) {
    for (const std::string& in : n.inputs)
      if (!in.empty()) uses->push_back(in);
    for (const OnnxAttribute& a : n.attributes)
      if (a.g != nullptr) CollectUses(*a.g, uses);
  }
  for (const OnnxValueInfo& o : g.outputs) uses->push_back(o.name);
}

}  // namespace

void Importer::IndexConsumers() {
  consumers_.clear();
  producer_.clear();
  for (size_t i = 0; i < nodes_.size(); ++i)
    for (const std::string& o : nodes_[i]->outputs)
      if (!o.empty()) producer_.emplace(o, i);
  for (size_t i = 0; i < nodes_.size(); ++i) {
    std::vector<std::string> uses;
    for (const std::string& in : nodes_[i]->inputs)
      if (!in.empty()) uses.push_back(in);
    for (const OnnxAttribute& a : nodes_[i]->attributes)
      if (a.g != nullptr) CollectUses(*a.g, &uses);
    for (const std::string& u : uses) {
      std::vector<size_t>& c = consumers_[u];
      if (c.empty() || c.back() != i) c.push_back(i);
    }
  }
}

Status Importer::InlineIf(size_t i) {
  const OnnxNode& n = node(i);
  if (!HasInput(n, 0)) return NodeError(n, "the condition input is missing", StatusCode::kInvalidModel);
  Value* c;
  EDGERT_RETURN_IF_ERROR(Get(n.inputs[0], &c));
  if (!c->is_const)
    return NodeError(n, "its condition '" + n.inputs[0] +
                            "' is not a constant after constant folding; only If nodes whose branch is known at "
                            "conversion time are supported. If the condition depends on a graph input, fix that "
                            "input's value (--input-value NAME=V, OnnxImportOptions::input_values)");
  const std::vector<int64_t>* cv;
  EDGERT_RETURN_IF_ERROR(Ints(c, &cv));
  if (cv->size() != 1) return NodeError(n, "the condition must hold one element", StatusCode::kInvalidModel);
  const char* branch = (*cv)[0] != 0 ? "then_branch" : "else_branch";
  const OnnxAttribute* a = n.attr(branch);
  if (a == nullptr || a->g == nullptr)
    return NodeError(n, std::string("the ") + branch + " graph is missing", StatusCode::kInvalidModel);
  const OnnxGraph& g = *a->g;
  if (g.outputs.size() != n.outputs.size())
    return NodeError(n, std::string("the ") + branch + " has " + std::to_string(g.outputs.size()) +
                            " outputs; the node has " + std::to_string(n.outputs.size()), StatusCode::kInvalidModel);
  if (nodes_.size() + g.nodes.size() > 1000000) return NodeError(n, "too many nodes after inlining branches");
  for (const OnnxTensor& t : g.initializers) {
    Value v;
    v.is_const = true;
    v.src = &t;
    v.shape = t.dims;
    EDGERT_RETURN_IF_ERROR(CheckShape(v.shape, "initializer '" + t.name + "'"));
    EDGERT_RETURN_IF_ERROR(Define(t.name, std::move(v)));
  }
  std::vector<const OnnxNode*> spliced;
  for (const OnnxNode& b : g.nodes) spliced.push_back(&b);
  for (size_t k = 0; k < n.outputs.size(); ++k) {
    if (n.outputs[k].empty()) continue;
    OnnxNode bind;
    bind.op_type = "Identity";
    bind.name = n.name.empty() ? std::string() : n.name + "/output" + std::to_string(k);
    bind.inputs = {g.outputs[k].name};
    bind.outputs = {n.outputs[k]};
    synth_.push_back(std::move(bind));
    spliced.push_back(&synth_.back());
  }
  nodes_.insert(nodes_.begin() + static_cast<std::ptrdiff_t>(i) + 1, spliced.begin(), spliced.end());
  skip_.insert(skip_.begin() + static_cast<std::ptrdiff_t>(i) + 1, spliced.size(), false);
  ++report_->inlined_if;
  IndexConsumers();
  return Status::Ok();
}

Status Importer::DefineGraphInputs() {
  std::string unresolved;
  for (const OnnxValueInfo& in : g_.inputs) {
    if (by_name_.count(in.name) != 0) continue;  // an initializer listed as an input (IR < 4)
    if (in.name.empty()) return Invalid("a graph input has no name");
    if (!in.has_tensor_type) return Unsupported("graph input '" + in.name + "' is not a tensor");
    Shape64 shape;
    auto given = opts_.input_shapes.find(in.name);
    if (given != opts_.input_shapes.end()) {
      shape = given->second;
      if (in.has_shape && in.dims.size() != shape.size())
        return Status(StatusCode::kInvalidArgument, "the shape given for input '" + in.name + "' " + ShapeStr(shape) +
                                                        " has rank " + std::to_string(shape.size()) + "; the model's has rank " +
                                                        std::to_string(in.dims.size()));
      for (size_t k = 0; in.has_shape && k < in.dims.size(); ++k)
        if (in.dims[k].has_value && in.dims[k].value != shape[k])
          return Status(StatusCode::kInvalidArgument, "the shape given for input '" + in.name + "' " + ShapeStr(shape) +
                                                          " differs from the model's in dim " + std::to_string(k));
    } else {
      if (!in.has_shape) return Unsupported("graph input '" + in.name + "' has no shape; give it (--input-shape)");
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
    }
    EDGERT_RETURN_IF_ERROR(CheckShape(shape, "graph input '" + in.name + "'"));
    auto fixed = opts_.input_values.find(in.name);
    if (fixed != opts_.input_values.end()) {
      // A constant from now on: the input leaves the model.
      int64_t count = 1;
      for (int64_t d : shape) count *= d;
      if (static_cast<int64_t>(fixed->second.size()) != count)
        return Status(StatusCode::kInvalidArgument, "input '" + in.name + "' has shape " + ShapeStr(shape) + " (" +
                                                        std::to_string(count) + " elements); " +
                                                        std::to_string(fixed->second.size()) + " values were given");
      Value v;
      v.is_const = v.loaded = true;
      v.shape = shape;
      const bool is_float = in.elem_type == kOnnxFloat || in.elem_type == kOnnxDouble || in.elem_type == kOnnxFloat16;
      for (double x : fixed->second) {
        if (is_float) {
          v.f.push_back(static_cast<float>(x));
        } else {
          if (x != static_cast<double>(static_cast<int64_t>(x)))
            return Status(StatusCode::kInvalidArgument, "input '" + in.name + "' has element type " +
                                                            OnnxDataTypeName(in.elem_type) + "; the value given is not an integer");
          v.i.push_back(static_cast<int64_t>(x));
        }
      }
      v.is_int = !is_float;
      ++report_->fixed_inputs;
      EDGERT_RETURN_IF_ERROR(Define(in.name, std::move(v)));
      continue;
    }
    DType dtype = DType::kF32;
    if (in.elem_type == kOnnxInt64) dtype = DType::kI64;
    else if (in.elem_type == kOnnxInt32) dtype = DType::kI32;
    else if (in.elem_type != kOnnxFloat)
      return Unsupported("graph input '" + in.name + "' has element type " + OnnxDataTypeName(in.elem_type) +
                         "; only FLOAT, INT32 and INT64 inputs are supported (an input that only selects a "
                         "branch can be fixed to a value: --input-value NAME=V)");
    for (int64_t d : shape)
      if (d < 1) return Invalid("graph input '" + in.name + "' has a dimension < 1: " + ShapeStr(shape));
    Value v;
    NewActivation(in.name, shape, false, &v, dtype);
    b_.MarkInput(v.tensor);
    graph_input_tensors_.insert(v.tensor);
    EDGERT_RETURN_IF_ERROR(Define(in.name, std::move(v)));
  }
  if (!unresolved.empty())
    return Status(StatusCode::kInvalidArgument, "unresolved input dimensions: " + unresolved +
                                                    "; give their values (--dim NAME=N for named ones, or the whole "
                                                    "shape with --input-shape NAME=D0,D1,...)");
  for (const auto& kv : opts_.input_values) {
    bool found = false;
    for (const OnnxValueInfo& in : g_.inputs) found = found || in.name == kv.first;
    if (!found) return Status(StatusCode::kInvalidArgument, "--input-value names '" + kv.first + "', which is not a graph input");
  }
  for (const auto& kv : opts_.input_shapes) {
    bool found = false;
    for (const OnnxValueInfo& in : g_.inputs) found = found || in.name == kv.first;
    if (!found) return Status(StatusCode::kInvalidArgument, "--input-shape names '" + kv.first + "', which is not a graph input");
  }
  if (graph_input_tensors_.empty()) return Unsupported("the graph has no (non-constant) inputs");
  return Status::Ok();
}

Status Importer::Run(std::vector<uint8_t>* out) {
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

  // 1. Every node, in subgraphs too, must have a mapper: collect all that do not.
  std::vector<std::pair<std::string, int>> missing;
  CountOps(g_, report_, &missing);
  if (!missing.empty()) {
    std::string msg = "unsupported ONNX ops: ";
    for (size_t i = 0; i < missing.size(); ++i) {
      const std::string item = missing[i].first + " x" + std::to_string(missing[i].second);
      report_->unsupported.push_back(item);
      msg += (i ? ", " : "") + item;
    }
    return Status(StatusCode::kUnsupported, msg);
  }
  for (const OnnxNode& n : g_.nodes) nodes_.push_back(&n);
  IndexConsumers();
  for (const OnnxValueInfo& o : g_.outputs) graph_outputs_.insert(o.name);
  skip_.assign(nodes_.size(), false);

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
  EDGERT_RETURN_IF_ERROR(DefineGraphInputs());
  // Rank-4 inputs are transposed into NHWC right away.
  for (const OnnxValueInfo& in : g_.inputs) {
    Value* v = by_name_[in.name];
    int t;
    if (!v->is_const && v->dtype == DType::kF32 && v->shape.size() == 4 && consumers_.count(in.name) != 0)
      EDGERT_RETURN_IF_ERROR(Materialize(v, true, &t));
  }

  FindGeluPatterns();
  FindDynamicQuantPatterns();

  // 3. Nodes, in order (ONNX requires topological order); If nodes splice their
  // taken branch in after themselves.
  for (size_t i = 0; i < nodes_.size(); ++i) {
    if (skip_[i]) continue;
    const OnnxNode& n = node(i);
    if (n.op_type == "If") {
      EDGERT_RETURN_IF_ERROR(InlineIf(i));
      continue;
    }
    bool folded = false;
    EDGERT_RETURN_IF_ERROR(TryFold(n, &folded));
    if (folded) continue;
    bool quantized = false;
    EDGERT_RETURN_IF_ERROR(TryQdqGroup(i, &quantized));
    if (quantized) continue;
    const OpEntry* e = FindOp(n);
    if (e == nullptr || e->fn == nullptr) return NodeError(n, "has no mapping");
    EDGERT_RETURN_IF_ERROR((this->*(e->fn))(i));
  }

  report_->qdq_int8_groups = qdq_folded_;
  report_->qdq_float_groups = static_cast<int>(qdq_float_ops_.size());
  if (!qdq_float_ops_.empty()) {
    std::string msg = std::to_string(qdq_float_ops_.size()) +
                      " op(s) between DequantizeLinear and QuantizeLinear run in float32 (DEQUANTIZE / QUANTIZE around them): ";
    for (size_t k = 0; k < qdq_float_ops_.size() && k < 8; ++k) msg += (k ? "; " : "") + qdq_float_ops_[k];
    if (qdq_float_ops_.size() > 8) msg += "; ...";
    report_->warnings.push_back(msg);
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
    // An output defined inside an inlined branch keeps the graph output's name.
    if (b_.tensor_name(t) != o.name && names_.insert(o.name).second) b_.RenameTensor(t, o.name);
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
                             opts_.verify_output, opts_.optimize, report_, out);
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

namespace {

// Splits "NAME=A,B,..." into NAME and the comma-separated numbers (none when
// nothing follows '='); false when malformed.
bool ParseNamedList(const std::string& arg, std::string* name, std::vector<double>* values) {
  const size_t eq = arg.find('=');
  if (eq == std::string::npos || eq == 0) return false;
  *name = arg.substr(0, eq);
  values->clear();
  std::string rest = arg.substr(eq + 1);
  if (rest.empty()) return true;
  size_t pos = 0;
  while (true) {
    const size_t comma = rest.find(',', pos);
    const std::string item = rest.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    char* end = nullptr;
    const double v = std::strtod(item.c_str(), &end);
    if (item.empty() || end == item.c_str() || *end != 0 || !std::isfinite(v)) return false;
    values->push_back(v);
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  return values->size() <= 1u << 20;
}

}  // namespace

bool ParseOnnxInputShapeOption(const std::string& arg, OnnxImportOptions* opts) {
  std::string name;
  std::vector<double> v;
  if (!ParseNamedList(arg, &name, &v) || v.size() > 8) return false;
  std::vector<int64_t> shape;
  for (double d : v) {
    if (d < 1 || d > (1LL << 31) - 1 || d != static_cast<double>(static_cast<int64_t>(d))) return false;
    shape.push_back(static_cast<int64_t>(d));
  }
  opts->input_shapes[name] = shape;
  return true;
}

bool ParseOnnxInputValueOption(const std::string& arg, OnnxImportOptions* opts) {
  std::string name;
  std::vector<double> v;
  if (!ParseNamedList(arg, &name, &v) || v.empty()) return false;
  opts->input_values[name] = v;
  return true;
}

}  // namespace edgert
