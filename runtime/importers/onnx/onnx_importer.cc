// ONNX -> .ert importer: graph set-up, layout handling and the op mappers.
#include "runtime/importers/onnx/onnx_importer.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>
#include <new>
#include <set>

#include "runtime/builder.h"
#include "runtime/importers/onnx/onnx_model.h"
#include "runtime/importers/onnx/protobuf_reader.h"
#include "runtime/model.h"

namespace edgert {
namespace onnx_import {
namespace {

using Shape64 = std::vector<int64_t>;

constexpr int64_t kMaxDim = std::numeric_limits<int32_t>::max();
constexpr int64_t kMaxElements = int64_t{1} << 31;
// Logical (NCHW) axis -> index in the NHWC stored tensor, and the inverse.
constexpr int kLogicalToNhwc[4] = {0, 3, 1, 2};
const std::vector<int> kNchwToNhwcPerm = {0, 2, 3, 1};  // stored[j] = logical[perm[j]]
const std::vector<int> kNhwcToNchwPerm = {0, 3, 1, 2};

Status Unsupported(const std::string& msg) { return Status(StatusCode::kUnsupported, msg); }
Status Invalid(const std::string& msg) { return Status(StatusCode::kInvalidModel, msg); }

std::string ShapeStr(const Shape64& s) {
  std::string r = "[";
  for (size_t i = 0; i < s.size(); ++i) r += (i ? "," : "") + std::to_string(s[i]);
  return r + "]";
}

// A named ONNX value: an activation (an .ert tensor) or a constant (data kept here).
struct Value {
  std::string name;
  Shape64 shape;       // logical ONNX shape
  bool is_const = false;
  // Activations:
  int tensor = -1;     // the .ert tensor, in the stored layout
  bool nhwc = false;   // rank 4 and stored NHWC
  int other = -1;      // cached copy in the other layout (-1: none yet)
  // Constants: the source tensor (converted on first use) or values given directly.
  const OnnxTensor* src = nullptr;
  bool loaded = false;
  bool is_int = false;
  std::vector<float> f;
  std::vector<int64_t> i;
  int ert_const = -1;       // cached .ert constant in logical layout
  int ert_const_nhwc = -1;  // cached .ert constant permuted / broadcast-shaped for NHWC
};

// Permutes `data` (shape `shape`): out[j...] with out.dims[k] = shape[perm[k]].
template <typename T>
std::vector<T> Permute(const std::vector<T>& data, const Shape64& shape, const std::vector<int>& perm) {
  const size_t rank = shape.size();
  Shape64 out_shape(rank);
  for (size_t k = 0; k < rank; ++k) out_shape[k] = shape[static_cast<size_t>(perm[k])];
  Shape64 in_strides(rank, 1);
  for (size_t k = rank; k-- > 1;) in_strides[k - 1] = in_strides[k] * shape[k];
  std::vector<T> out(data.size());
  Shape64 idx(rank, 0);
  for (size_t o = 0; o < out.size(); ++o) {
    int64_t src = 0;
    for (size_t k = 0; k < rank; ++k) src += idx[k] * in_strides[static_cast<size_t>(perm[k])];
    out[o] = data[static_cast<size_t>(src)];
    for (size_t k = rank; k-- > 0;) {
      if (++idx[k] < out_shape[k]) break;
      idx[k] = 0;
    }
  }
  return out;
}

class Importer {
 public:
  Importer(const OnnxModel& m, const OnnxImportOptions& opts, ImportReport* report)
      : m_(m), g_(m.graph), opts_(opts), report_(report) {}
  Status Run(std::vector<uint8_t>* out);

 private:
  using Mapper = Status (Importer::*)(size_t node_index);

  // --- values ---
  Status Define(const std::string& name, Value v);
  Status Get(const std::string& name, Value** v);
  Status GetConst(const OnnxNode& n, size_t input, Value** v);  // input must be a constant
  bool HasInput(const OnnxNode& n, size_t i) const { return i < n.inputs.size() && !n.inputs[i].empty(); }
  bool IsConstName(const std::string& name);
  Status Floats(Value* v, const std::vector<float>** out);
  Status Ints(Value* v, const std::vector<int64_t>** out);
  Status CheckShape(const Shape64& s, const std::string& what) const;

  // --- emission ---
  std::string Unique(const std::string& base);
  std::vector<int32_t> Stored(const Value& v) const;
  int NewActivation(const std::string& name, const Shape64& logical, bool nhwc, Value* v);
  int ConstTensor(const std::string& name, const Shape64& shape, const std::vector<float>& data);
  int ConstI32(const std::string& name, const std::vector<int32_t>& data);
  void Emit(schema::OpType type, const std::vector<int32_t>& ins, const std::vector<int32_t>& outs,
            schema::OpOptions ot = schema::OpOptions_NONE, flatbuffers::Offset<void> o = 0);
  int EmitTranspose(int in, const std::vector<int32_t>& in_shape, const std::vector<int>& perm,
                    const std::string& name);
  // The value in the requested layout (rank-4 only; others are returned as stored).
  Status Materialize(Value* v, bool nhwc, int* tensor, const std::string& name = "");
  // A tensor whose memory order is the NCHW element order of `v`.
  Status FlatOrder(Value* v, int* tensor);
  // An operand of a broadcasting op whose other operands are stored NHWC (nhwc) or logical.
  Status BroadcastOperand(Value* v, bool nhwc, int* tensor);

  // --- mappers ---
  Status MapConv(size_t i);
  Status MapBatchNorm(size_t i);
  Status MapUnary(size_t i);
  Status MapClip(size_t i);
  Status MapHardSigmoid(size_t i);
  Status MapBinary(size_t i);
  Status MapPool(size_t i);
  Status MapGlobalPool(size_t i);
  Status MapFlatten(size_t i);
  Status MapReshape(size_t i);
  Status MapGemm(size_t i);
  Status MapMatMul(size_t i);
  Status MapConcat(size_t i);
  Status MapSoftmax(size_t i);
  Status MapTranspose(size_t i);
  Status MapIdentity(size_t i);
  Status MapConstant(size_t i);
  Status MapShape(size_t i);
  Status MapGather(size_t i);
  Status MapUnsqueeze(size_t i);
  Status MapCast(size_t i);

  Status Reshape(Value* in, const Shape64& out_shape, const std::string& out_name);
  Status EmitActivation(Value* x, schema::OpType type, const std::string& out_name);
  // Clip bounds (attributes before opset 11, constant inputs after).
  Status ClipBounds(const OnnxNode& n, float* lo, float* hi);
  // The single node consuming `name` (none when several or a graph output).
  int SoleConsumer(const std::string& name) const;
  Status NodeError(const OnnxNode& n, const std::string& msg, StatusCode code = StatusCode::kUnsupported) const;

  int64_t AttrInt(const OnnxNode& n, const char* name, int64_t dflt) const {
    const OnnxAttribute* a = n.attr(name);
    return a != nullptr ? a->i : dflt;
  }
  float AttrFloat(const OnnxNode& n, const char* name, float dflt) const {
    const OnnxAttribute* a = n.attr(name);
    return a != nullptr ? a->f : dflt;
  }
  std::vector<int64_t> AttrInts(const OnnxNode& n, const char* name) const {
    const OnnxAttribute* a = n.attr(name);
    return a != nullptr ? a->ints : std::vector<int64_t>();
  }

  const OnnxModel& m_;
  const OnnxGraph& g_;
  const OnnxImportOptions& opts_;
  ImportReport* report_;
  int64_t opset_ = 0;
  ModelBuilder b_;
  std::vector<std::unique_ptr<Value>> values_;
  std::map<std::string, Value*> by_name_;
  std::map<std::string, std::vector<size_t>> consumers_;
  std::set<std::string> graph_outputs_;
  std::set<std::string> names_;
  std::vector<bool> skip_;  // nodes folded into an earlier one
  std::map<std::string, int> emitted_;
  int num_ops_ = 0, num_constants_ = 0;
  uint64_t constant_bytes_ = 0;
  std::set<int> graph_input_tensors_;
};

Status Importer::NodeError(const OnnxNode& n, const std::string& msg, StatusCode code) const {
  std::string label = n.op_type + " node";
  if (!n.name.empty()) label += " '" + n.name + "'";
  else if (!n.outputs.empty()) label += " producing '" + n.outputs[0] + "'";
  return Status(code, label + ": " + msg);
}

Status Importer::CheckShape(const Shape64& s, const std::string& what) const {
  if (s.size() > 8) return Unsupported(what + " has rank " + std::to_string(s.size()) + " (at most 8)");
  int64_t n = 1;
  for (int64_t d : s) {
    if (d < 0 || d > kMaxDim) return Invalid(what + " has an invalid dimension in " + ShapeStr(s));
    if (d != 0 && n > kMaxElements / d) return Unsupported(what + " is too large: " + ShapeStr(s));
    n *= d;
  }
  return Status::Ok();
}

Status Importer::Define(const std::string& name, Value v) {
  if (name.empty()) return Status::Ok();
  if (by_name_.count(name) != 0) return Invalid("value '" + name + "' is defined more than once");
  v.name = name;
  values_.emplace_back(new Value(std::move(v)));
  by_name_[name] = values_.back().get();
  return Status::Ok();
}

Status Importer::Get(const std::string& name, Value** v) {
  auto it = by_name_.find(name);
  if (it == by_name_.end())
    return Invalid("value '" + name + "' is used before it is defined (or never defined)");
  *v = it->second;
  return Status::Ok();
}

bool Importer::IsConstName(const std::string& name) {
  auto it = by_name_.find(name);
  return it != by_name_.end() && it->second->is_const;
}

Status Importer::GetConst(const OnnxNode& n, size_t input, Value** v) {
  if (!HasInput(n, input)) return NodeError(n, "input " + std::to_string(input) + " is missing", StatusCode::kInvalidModel);
  EDGERT_RETURN_IF_ERROR(Get(n.inputs[input], v));
  if (!(*v)->is_const) return NodeError(n, "input '" + n.inputs[input] + "' must be a constant");
  return Status::Ok();
}

Status Importer::Floats(Value* v, const std::vector<float>** out) {
  if (!v->loaded) {
    if (v->src->data_type == kOnnxInt64 || v->src->data_type == kOnnxInt32) {
      EDGERT_RETURN_IF_ERROR(TensorToInt64s(*v->src, &v->i));
      v->is_int = true;
    } else {
      EDGERT_RETURN_IF_ERROR(TensorToFloats(*v->src, &v->f));
    }
    v->loaded = true;
  }
  if (v->is_int) {
    if (v->f.size() != v->i.size()) {
      v->f.clear();
      for (int64_t x : v->i) v->f.push_back(static_cast<float>(x));
    }
  }
  *out = &v->f;
  return Status::Ok();
}

Status Importer::Ints(Value* v, const std::vector<int64_t>** out) {
  if (!v->loaded) {
    const std::vector<float>* unused;
    EDGERT_RETURN_IF_ERROR(Floats(v, &unused));
  }
  if (!v->is_int) {
    if (v->i.size() != v->f.size()) {
      v->i.clear();
      for (float x : v->f) {
        if (!(std::fabs(x) < 9.0e15f)) return Invalid("constant '" + v->name + "' holds a non-integer where integers are expected");
        v->i.push_back(static_cast<int64_t>(x));
      }
    }
  }
  *out = &v->i;
  return Status::Ok();
}

std::string Importer::Unique(const std::string& base) {
  std::string n = base.empty() ? std::string("t") : base;
  if (names_.insert(n).second) return n;
  for (int k = 1;; ++k) {
    std::string c = n + "_" + std::to_string(k);
    if (names_.insert(c).second) return c;
  }
}

std::vector<int32_t> Importer::Stored(const Value& v) const {
  std::vector<int32_t> s;
  if (v.nhwc)
    for (int k : kNchwToNhwcPerm) s.push_back(static_cast<int32_t>(v.shape[static_cast<size_t>(k)]));
  else
    for (int64_t d : v.shape) s.push_back(static_cast<int32_t>(d));
  return s;
}

int Importer::NewActivation(const std::string& name, const Shape64& logical, bool nhwc, Value* v) {
  v->shape = logical;
  v->nhwc = nhwc && logical.size() == 4;
  v->tensor = b_.AddTensor(Unique(name), DType::kF32, Stored(*v));
  return v->tensor;
}

int Importer::ConstTensor(const std::string& name, const Shape64& shape, const std::vector<float>& data) {
  std::vector<int32_t> s;
  for (int64_t d : shape) s.push_back(static_cast<int32_t>(d));
  ++num_constants_;
  constant_bytes_ += data.size() * sizeof(float);
  return b_.AddConstant(Unique(name), DType::kF32, s, data.data(), data.size() * sizeof(float));
}

int Importer::ConstI32(const std::string& name, const std::vector<int32_t>& data) {
  ++num_constants_;
  constant_bytes_ += data.size() * sizeof(int32_t);
  return b_.AddConstant(Unique(name), DType::kI32, {static_cast<int32_t>(data.size())}, data.data(),
                        data.size() * sizeof(int32_t));
}

void Importer::Emit(schema::OpType type, const std::vector<int32_t>& ins, const std::vector<int32_t>& outs,
                    schema::OpOptions ot, flatbuffers::Offset<void> o) {
  b_.AddOp(type, ins, outs, ot, o);
  ++emitted_[schema::EnumNameOpType(type)];
  ++num_ops_;
}

int Importer::EmitTranspose(int in, const std::vector<int32_t>& in_shape, const std::vector<int>& perm,
                            const std::string& name) {
  std::vector<int32_t> p(perm.begin(), perm.end()), out_shape;
  for (int k : perm) out_shape.push_back(in_shape[static_cast<size_t>(k)]);
  const int pt = ConstI32(name + "/perm", p);
  const int out = b_.AddTensor(Unique(name), DType::kF32, out_shape);
  Emit(schema::OpType_TRANSPOSE, {in, pt}, {out});
  return out;
}

Status Importer::Materialize(Value* v, bool nhwc, int* tensor, const std::string& name) {
  if (v->is_const) {
    const std::vector<float>* data;
    EDGERT_RETURN_IF_ERROR(Floats(v, &data));
    if (v->shape.size() == 4 && nhwc) {
      if (v->ert_const_nhwc < 0) {
        Shape64 s;
        for (int k : kNchwToNhwcPerm) s.push_back(v->shape[static_cast<size_t>(k)]);
        v->ert_const_nhwc = ConstTensor(v->name + "/nhwc", s, Permute(*data, v->shape, kNchwToNhwcPerm));
      }
      *tensor = v->ert_const_nhwc;
    } else {
      if (v->ert_const < 0) v->ert_const = ConstTensor(v->name, v->shape.empty() ? Shape64{1} : v->shape, *data);
      *tensor = v->ert_const;
    }
    return Status::Ok();
  }
  if (v->shape.size() != 4 || v->nhwc == nhwc) {
    *tensor = v->tensor;
    return Status::Ok();
  }
  if (v->other < 0) {
    const std::string n = !name.empty() ? name : v->name + (nhwc ? "/nhwc" : "/nchw");
    v->other = EmitTranspose(v->tensor, Stored(*v), v->nhwc ? kNhwcToNchwPerm : kNchwToNhwcPerm, n);
  }
  *tensor = v->other;
  return Status::Ok();
}

Status Importer::FlatOrder(Value* v, int* tensor) {
  if (!v->is_const && v->nhwc && (v->shape[1] == 1 || v->shape[2] * v->shape[3] == 1)) {
    *tensor = v->tensor;  // NHWC and NCHW element orders agree
    return Status::Ok();
  }
  return Materialize(v, false, tensor);
}

Status Importer::BroadcastOperand(Value* v, bool nhwc, int* tensor) {
  if (!v->is_const || !nhwc || v->shape.size() >= 4) return Materialize(v, nhwc, tensor);
  // A constant of rank < 4 against NHWC operands: align it to rank 4, then permute.
  if (v->ert_const_nhwc < 0) {
    const std::vector<float>* data;
    EDGERT_RETURN_IF_ERROR(Floats(v, &data));
    Shape64 s4(4 - v->shape.size(), 1);
    s4.insert(s4.end(), v->shape.begin(), v->shape.end());
    Shape64 s;
    for (int k : kNchwToNhwcPerm) s.push_back(s4[static_cast<size_t>(k)]);
    v->ert_const_nhwc = ConstTensor(v->name + "/nhwc", s, Permute(*data, s4, kNchwToNhwcPerm));
  }
  *tensor = v->ert_const_nhwc;
  return Status::Ok();
}

int Importer::SoleConsumer(const std::string& name) const {
  if (graph_outputs_.count(name) != 0) return -1;
  auto it = consumers_.find(name);
  if (it == consumers_.end() || it->second.size() != 1) return -1;
  return static_cast<int>(it->second[0]);
}

// --- mappers ---------------------------------------------------------------

Status Importer::ClipBounds(const OnnxNode& n, float* lo, float* hi) {
  *lo = -std::numeric_limits<float>::infinity();
  *hi = std::numeric_limits<float>::infinity();
  if (opset_ < 11) {
    *lo = AttrFloat(n, "min", *lo);
    *hi = AttrFloat(n, "max", *hi);
    return Status::Ok();
  }
  for (size_t k = 1; k <= 2; ++k) {
    if (!HasInput(n, k)) continue;
    Value* c;
    if (!IsConstName(n.inputs[k])) return NodeError(n, "min / max must be constants");
    EDGERT_RETURN_IF_ERROR(GetConst(n, k, &c));
    const std::vector<float>* d;
    EDGERT_RETURN_IF_ERROR(Floats(c, &d));
    if (d->size() != 1) return NodeError(n, "min / max must be scalars", StatusCode::kInvalidModel);
    (k == 1 ? *lo : *hi) = (*d)[0];
  }
  return Status::Ok();
}

Status Importer::MapConv(size_t idx) {
  const OnnxNode& n = g_.nodes[idx];
  Value *x, *w, *bias = nullptr;
  if (!HasInput(n, 0)) return NodeError(n, "input X is missing", StatusCode::kInvalidModel);
  EDGERT_RETURN_IF_ERROR(Get(n.inputs[0], &x));
  if (x->shape.size() != 4) return NodeError(n, "only 2-D convolutions (rank-4 input) are supported; input is " + ShapeStr(x->shape));
  EDGERT_RETURN_IF_ERROR(GetConst(n, 1, &w));
  if (HasInput(n, 2)) EDGERT_RETURN_IF_ERROR(GetConst(n, 2, &bias));
  if (w->shape.size() != 4) return NodeError(n, "weights must be rank 4, got " + ShapeStr(w->shape), StatusCode::kInvalidModel);
  const int64_t C = x->shape[1], O = w->shape[0], Ig = w->shape[1], kh = w->shape[2], kw = w->shape[3];
  const int64_t group = AttrInt(n, "group", 1);
  if (group < 1 || C % group != 0 || O % group != 0 || Ig * group != C || O < 1 || kh < 1 || kw < 1)
    return NodeError(n, "weights " + ShapeStr(w->shape) + " do not fit input " + ShapeStr(x->shape) + " with group " +
                            std::to_string(group), StatusCode::kInvalidModel);
  const std::vector<int64_t> ks = AttrInts(n, "kernel_shape");
  if (!ks.empty() && (ks.size() != 2 || ks[0] != kh || ks[1] != kw))
    return NodeError(n, "kernel_shape does not match the weights", StatusCode::kInvalidModel);
  std::vector<int64_t> strides = AttrInts(n, "strides"), dil = AttrInts(n, "dilations"), pads = AttrInts(n, "pads");
  if (strides.empty()) strides = {1, 1};
  if (dil.empty()) dil = {1, 1};
  if (pads.empty()) pads = {0, 0, 0, 0};
  if (strides.size() != 2 || dil.size() != 2 || pads.size() != 4)
    return NodeError(n, "strides, dilations and pads must have 2, 2 and 4 values", StatusCode::kInvalidModel);
  for (int k = 0; k < 2; ++k)
    if (strides[k] < 1 || strides[k] > 1024 || dil[k] < 1 || dil[k] > 1024)
      return NodeError(n, "strides and dilations must be in [1, 1024]", StatusCode::kInvalidModel);
  for (int64_t p : pads)
    if (p < 0 || p > 65536) return NodeError(n, "pads must be in [0, 65536]", StatusCode::kInvalidModel);
  const OnnxAttribute* ap = n.attr("auto_pad");
  const std::string auto_pad = ap != nullptr ? ap->s : "NOTSET";
  Shape64 out_shape = {x->shape[0], O, 0, 0};
  int64_t pb[2], pe[2];
  const int64_t k2[2] = {kh, kw};
  for (int k = 0; k < 2; ++k) {
    const int64_t in = x->shape[static_cast<size_t>(2 + k)], keff = (k2[k] - 1) * dil[k] + 1, s = strides[k];
    if (auto_pad == "NOTSET" || auto_pad.empty()) {
      pb[k] = pads[static_cast<size_t>(k)];
      pe[k] = pads[static_cast<size_t>(k + 2)];
    } else if (auto_pad == "VALID") {
      pb[k] = pe[k] = 0;
    } else if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
      const int64_t out = (in + s - 1) / s;
      const int64_t total = std::max<int64_t>((out - 1) * s + keff - in, 0);
      const int64_t small = total / 2;
      pb[k] = auto_pad == "SAME_UPPER" ? small : total - small;
      pe[k] = total - pb[k];
    } else {
      return NodeError(n, "unknown auto_pad '" + auto_pad + "'", StatusCode::kInvalidModel);
    }
    const int64_t span = in + pb[k] + pe[k] - keff;
    if (span < 0) return NodeError(n, "the kernel is larger than the padded input", StatusCode::kInvalidModel);
    out_shape[static_cast<size_t>(2 + k)] = span / s + 1;
  }
  EDGERT_RETURN_IF_ERROR(CheckShape(out_shape, "output of " + n.op_type));

  const std::vector<float>* wd;
  EDGERT_RETURN_IF_ERROR(Floats(w, &wd));
  std::vector<float> weights = *wd, b(static_cast<size_t>(O), 0.f);
  bool has_bias = bias != nullptr;
  if (bias != nullptr) {
    const std::vector<float>* bd;
    EDGERT_RETURN_IF_ERROR(Floats(bias, &bd));
    if (bd->size() != static_cast<size_t>(O)) return NodeError(n, "bias must have O values", StatusCode::kInvalidModel);
    b = *bd;
  }

  // Fold a following BatchNormalization, then fuse a following Relu / Clip(0, 6).
  std::string out_name = n.outputs.empty() ? std::string() : n.outputs[0];
  if (out_name.empty()) return NodeError(n, "has no output", StatusCode::kInvalidModel);
  int next = SoleConsumer(out_name);
  if (opts_.fold_batchnorm && next >= 0 && g_.nodes[static_cast<size_t>(next)].op_type == "BatchNormalization" &&
      g_.nodes[static_cast<size_t>(next)].domain.empty()) {
    const OnnxNode& bn = g_.nodes[static_cast<size_t>(next)];
    bool ok = bn.inputs.size() >= 5 && bn.inputs[0] == out_name && !bn.outputs.empty() && !bn.outputs[0].empty();
    for (size_t k = 1; ok && k < 5; ++k) ok = IsConstName(bn.inputs[k]);
    for (size_t k = 1; ok && k < bn.outputs.size(); ++k) ok = bn.outputs[k].empty();
    std::vector<const std::vector<float>*> p(5, nullptr);
    for (size_t k = 1; ok && k < 5; ++k) {
      EDGERT_RETURN_IF_ERROR(Floats(by_name_[bn.inputs[k]], &p[k]));
      ok = p[k]->size() == static_cast<size_t>(O);
    }
    if (ok) {
      const float eps = AttrFloat(bn, "epsilon", 1e-5f);
      const size_t per_o = weights.size() / static_cast<size_t>(O);
      for (size_t o = 0; o < static_cast<size_t>(O); ++o) {
        const double a = (*p[1])[o] / std::sqrt(static_cast<double>((*p[4])[o]) + eps);
        for (size_t k = 0; k < per_o; ++k) weights[o * per_o + k] = static_cast<float>(weights[o * per_o + k] * a);
        b[o] = static_cast<float>((b[o] - (*p[3])[o]) * a + (*p[2])[o]);
      }
      has_bias = true;
      skip_[static_cast<size_t>(next)] = true;
      out_name = bn.outputs[0];
      ++report_->folded_batchnorm;
      next = SoleConsumer(out_name);
    }
  }
  schema::Activation act = schema::Activation_NONE;
  if (next >= 0) {
    const OnnxNode& a = g_.nodes[static_cast<size_t>(next)];
    if (a.domain.empty() && !a.outputs.empty() && !a.outputs[0].empty() && !a.inputs.empty() && a.inputs[0] == out_name) {
      if (a.op_type == "Relu") {
        act = schema::Activation_RELU;
      } else if (a.op_type == "Clip") {
        float lo, hi;
        bool const_bounds = true;
        for (size_t k = 1; k < a.inputs.size() && k <= 2; ++k)
          const_bounds = const_bounds && (a.inputs[k].empty() || IsConstName(a.inputs[k]));
        if (const_bounds && ClipBounds(a, &lo, &hi).ok()) {
          if (lo == 0.f && hi == 6.f) act = schema::Activation_RELU6;
          else if (lo == 0.f && std::isinf(hi) && hi > 0) act = schema::Activation_RELU;
          else if (lo == -1.f && hi == 1.f) act = schema::Activation_RELU_N1_TO_1;
        }
      }
      if (act != schema::Activation_NONE) {
        skip_[static_cast<size_t>(next)] = true;
        out_name = a.outputs[0];
      }
    }
  }

  int xt;
  EDGERT_RETURN_IF_ERROR(Materialize(x, true, &xt));
  const bool depthwise = group == C && Ig == 1 && group > 1;
  int wt;
  if (depthwise) {
    // [O,1,kh,kw] -> [1,kh,kw,O]; output channel o = c * M + m reads input channel c.
    wt = ConstTensor(w->name + "/dw", {1, kh, kw, O}, Permute(weights, {O, 1, kh, kw}, {1, 2, 3, 0}));
  } else {
    wt = ConstTensor(w->name + "/ohwi", {O, kh, kw, Ig}, Permute(weights, w->shape, {0, 2, 3, 1}));
  }
  const int bt = has_bias ? ConstTensor((bias ? bias->name : out_name + "/bias"), {O}, b) : -1;
  const bool explicit_pads = pb[0] || pb[1] || pe[0] || pe[1];
  auto& fbb = b_.fbb();
  flatbuffers::Offset<flatbuffers::Vector<int32_t>> pv = 0;
  if (explicit_pads)
    pv = fbb.CreateVector(std::vector<int32_t>{static_cast<int32_t>(pb[0]), static_cast<int32_t>(pb[1]),
                                                static_cast<int32_t>(pe[0]), static_cast<int32_t>(pe[1])});
  const schema::Padding pad = explicit_pads ? schema::Padding_EXPLICIT : schema::Padding_VALID;
  Value v;
  const int yt = NewActivation(graph_outputs_.count(out_name) ? out_name + "/nhwc" : out_name, out_shape, true, &v);
  const int32_t sh = static_cast<int32_t>(strides[0]), sw = static_cast<int32_t>(strides[1]);
  const int32_t dh = static_cast<int32_t>(dil[0]), dw = static_cast<int32_t>(dil[1]);
  if (depthwise) {
    Emit(schema::OpType_DEPTHWISE_CONV_2D, {xt, wt, bt}, {yt}, schema::OpOptions_DepthwiseConv2DOptions,
         schema::CreateDepthwiseConv2DOptions(fbb, pad, sh, sw, dh, dw, act, pv, static_cast<int32_t>(O / C)).Union());
  } else {
    Emit(schema::OpType_CONV_2D, {xt, wt, bt}, {yt}, schema::OpOptions_Conv2DOptions,
         schema::CreateConv2DOptions(fbb, pad, sh, sw, dh, dw, act, pv).Union());
  }
  return Define(out_name, std::move(v));
}

Status Importer::MapBatchNorm(size_t idx) {
  const OnnxNode& n = g_.nodes[idx];
  Value* x;
  if (!HasInput(n, 0) || n.inputs.size() < 5) return NodeError(n, "needs 5 inputs", StatusCode::kInvalidModel);
  for (size_t k = 1; k < n.outputs.size(); ++k)
    if (!n.outputs[k].empty()) return NodeError(n, "training-mode outputs are not supported");
  EDGERT_RETURN_IF_ERROR(Get(n.inputs[0], &x));
  if (x->shape.size() < 2) return NodeError(n, "input must have rank >= 2", StatusCode::kInvalidModel);
  const int64_t C = x->shape[1];
  std::vector<const std::vector<float>*> p(5, nullptr);
  for (size_t k = 1; k < 5; ++k) {
    Value* c;
    EDGERT_RETURN_IF_ERROR(GetConst(n, k, &c));
    EDGERT_RETURN_IF_ERROR(Floats(c, &p[k]));
    if (p[k]->size() != static_cast<size_t>(C)) return NodeError(n, "parameters must have C values", StatusCode::kInvalidModel);
  }
  const float eps = AttrFloat(n, "epsilon", 1e-5f);
  std::vector<float> a(static_cast<size_t>(C)), sh(static_cast<size_t>(C));
  for (size_t c = 0; c < static_cast<size_t>(C); ++c) {
    const double s = (*p[1])[c] / std::sqrt(static_cast<double>((*p[4])[c]) + eps);
    a[c] = static_cast<float>(s);
    sh[c] = static_cast<float>((*p[2])[c] - (*p[3])[c] * s);
  }
  const bool nhwc = x->shape.size() == 4;
  int xt;
  EDGERT_RETURN_IF_ERROR(Materialize(x, nhwc, &xt));
  Shape64 cs = {C};
  if (!nhwc)
    for (size_t k = 2; k < x->shape.size(); ++k) cs.push_back(1);
  const int at = ConstTensor(n.outputs[0] + "/scale", cs, a), st = ConstTensor(n.outputs[0] + "/shift", cs, sh);
  Value tmp;
  const int mt = NewActivation(n.outputs[0] + "/mul", x->shape, nhwc, &tmp);
  auto& fbb = b_.fbb();
  Emit(schema::OpType_MUL, {xt, at}, {mt}, schema::OpOptions_BinaryOptions, schema::CreateBinaryOptions(fbb).Union());
  Value v;
  const int yt = NewActivation(n.outputs[0] + (nhwc && graph_outputs_.count(n.outputs[0]) ? "/nhwc" : ""), x->shape, nhwc, &v);
  Emit(schema::OpType_ADD, {mt, st}, {yt}, schema::OpOptions_BinaryOptions, schema::CreateBinaryOptions(fbb).Union());
  return Define(n.outputs[0], std::move(v));
}

Status Importer::EmitActivation(Value* x, schema::OpType type, const std::string& out_name) {
  int xt;
  EDGERT_RETURN_IF_ERROR(Materialize(x, x->is_const ? false : x->nhwc, &xt));
  const bool nhwc = !x->is_const && x->nhwc;
  Value v;
  const int yt = NewActivation(out_name + (nhwc && graph_outputs_.count(out_name) ? "/nhwc" : ""), x->shape, nhwc, &v);
  Emit(type, {xt}, {yt});
  return Define(out_name, std::move(v));
}

Status Importer::MapUnary(size_t idx) {
  const OnnxNode& n = g_.nodes[idx];
  if (!HasInput(n, 0) || n.outputs.empty()) return NodeError(n, "needs one input and one output", StatusCode::kInvalidModel);
  Value* x;
  EDGERT_RETURN_IF_ERROR(Get(n.inputs[0], &x));
  schema::OpType t = schema::OpType_RELU;
  if (n.op_type == "Sigmoid") t = schema::OpType_LOGISTIC;
  else if (n.op_type == "HardSwish") t = schema::OpType_HARD_SWISH;
  else if (n.op_type == "Tanh") t = schema::OpType_TANH;
  return EmitActivation(x, t, n.outputs[0]);
}

Status Importer::MapClip(size_t idx) {
  const OnnxNode& n = g_.nodes[idx];
  if (!HasInput(n, 0) || n.outputs.empty()) return NodeError(n, "needs an input and an output", StatusCode::kInvalidModel);
  Value* x;
  EDGERT_RETURN_IF_ERROR(Get(n.inputs[0], &x));
  float lo, hi;
  EDGERT_RETURN_IF_ERROR(ClipBounds(n, &lo, &hi));
  if (lo == 0.f && hi == 6.f) return EmitActivation(x, schema::OpType_RELU6, n.outputs[0]);
  if (lo == 0.f && std::isinf(hi) && hi > 0) return EmitActivation(x, schema::OpType_RELU, n.outputs[0]);
  const bool nhwc = !x->is_const && x->nhwc;
  int cur;
  EDGERT_RETURN_IF_ERROR(Materialize(x, nhwc, &cur));
  auto& fbb = b_.fbb();
  Value v;
  const std::string out = n.outputs[0];
  const bool has_lo = !std::isinf(lo) || lo > 0, has_hi = !std::isinf(hi) || hi < 0;
  if (has_lo) {
    const int c = ConstTensor(out + "/min", {1}, {lo});
    Value tmp;
    const int t = has_hi ? NewActivation(out + "/max", x->shape, nhwc, &tmp)
                         : NewActivation(out + (nhwc && graph_outputs_.count(out) ? "/nhwc" : ""), x->shape, nhwc, &v);
    Emit(schema::OpType_MAXIMUM, {cur, c}, {t}, schema::OpOptions_BinaryOptions, schema::CreateBinaryOptions(fbb).Union());
    cur = t;
  }
  if (has_hi || !has_lo) {
    const int c = ConstTensor(out + "/max", {1}, {hi});
    const int t = NewActivation(out + (nhwc && graph_outputs_.count(out) ? "/nhwc" : ""), x->shape, nhwc, &v);
    Emit(schema::OpType_MINIMUM, {cur, c}, {t}, schema::OpOptions_BinaryOptions, schema::CreateBinaryOptions(fbb).Union());
  }
  return Define(out, std::move(v));
}

Status Importer::MapHardSigmoid(size_t idx) {
  const OnnxNode& n = g_.nodes[idx];
  if (!HasInput(n, 0) || n.outputs.empty()) return NodeError(n, "needs an input and an output", StatusCode::kInvalidModel);
  Value* x;
  EDGERT_RETURN_IF_ERROR(Get(n.inputs[0], &x));
  const float alpha = AttrFloat(n, "alpha", 0.2f), beta = AttrFloat(n, "beta", 0.5f);
  // max(0, min(1, alpha x + beta)) = relu6(6 alpha x + 6 beta) / 6
  const bool nhwc = !x->is_const && x->nhwc;
  int xt;
  EDGERT_RETURN_IF_ERROR(Materialize(x, nhwc, &xt));
  const std::string out = n.outputs[0];
  auto& fbb = b_.fbb();
  Value t1, t2, t3, v;
  const int c1 = ConstTensor(out + "/scale", {1}, {6.f * alpha}), c2 = ConstTensor(out + "/offset", {1}, {6.f * beta});
  const int c3 = ConstTensor(out + "/sixth", {1}, {1.f / 6.f});
  const int a = NewActivation(out + "/mul", x->shape, nhwc, &t1), b = NewActivation(out + "/add", x->shape, nhwc, &t2);
  const int c = NewActivation(out + "/relu6", x->shape, nhwc, &t3);
  const int y = NewActivation(out + (nhwc && graph_outputs_.count(out) ? "/nhwc" : ""), x->shape, nhwc, &v);
  Emit(schema::OpType_MUL, {xt, c1}, {a}, schema::OpOptions_BinaryOptions, schema::CreateBinaryOptions(fbb).Union());
  Emit(schema::OpType_ADD, {a, c2}, {b}, schema::OpOptions_BinaryOptions, schema::CreateBinaryOptions(fbb).Union());
  Emit(schema::OpType_RELU6, {b}, {c});
  Emit(schema::OpType_MUL, {c, c3}, {y}, schema::OpOptions_BinaryOptions, schema::CreateBinaryOptions(fbb).Union());
  return Define(out, std::move(v));
}

Status Importer::MapBinary(size_t idx) {
  const OnnxNode& n = g_.nodes[idx];
  if (!HasInput(n, 0) || !HasInput(n, 1) || n.outputs.empty())
    return NodeError(n, "needs two inputs and an output", StatusCode::kInvalidModel);
  Value *a, *b;
  EDGERT_RETURN_IF_ERROR(Get(n.inputs[0], &a));
  EDGERT_RETURN_IF_ERROR(Get(n.inputs[1], &b));
  // numpy broadcasting of the logical shapes
  const size_t rank = std::max(a->shape.size(), b->shape.size());
  Shape64 out(rank);
  for (size_t k = 0; k < rank; ++k) {
    const int64_t da = k + a->shape.size() >= rank ? a->shape[k + a->shape.size() - rank] : 1;
    const int64_t db = k + b->shape.size() >= rank ? b->shape[k + b->shape.size() - rank] : 1;
    if (da != db && da != 1 && db != 1)
      return NodeError(n, "shapes " + ShapeStr(a->shape) + " and " + ShapeStr(b->shape) + " do not broadcast",
                       StatusCode::kInvalidModel);
    out[k] = da == 1 ? db : da;
  }
  // NHWC when an activation operand is stored NHWC and every activation operand is rank 4.
  bool nhwc = false, all4 = true;
  for (Value* v : {a, b}) {
    if (v->is_const) continue;
    nhwc = nhwc || v->nhwc;
    all4 = all4 && v->shape.size() == 4;
  }
  nhwc = nhwc && all4 && rank == 4;
  int at, bt;
  EDGERT_RETURN_IF_ERROR(BroadcastOperand(a, nhwc, &at));
  EDGERT_RETURN_IF_ERROR(BroadcastOperand(b, nhwc, &bt));
  schema::OpType t = schema::OpType_ADD;
  if (n.op_type == "Sub") t = schema::OpType_SUB;
  else if (n.op_type == "Mul") t = schema::OpType_MUL;
  else if (n.op_type == "Div") t = schema::OpType_DIV;
  EDGERT_RETURN_IF_ERROR(CheckShape(out, "output of " + n.op_type));
  const std::string& o = n.outputs[0];
  Value v;
  const int yt = NewActivation(o + (nhwc && graph_outputs_.count(o) ? "/nhwc" : ""), out, nhwc, &v);
  Emit(t, {at, bt}, {yt}, schema::OpOptions_BinaryOptions, schema::CreateBinaryOptions(b_.fbb()).Union());
  return Define(o, std::move(v));
}

Status Importer::MapPool(size_t idx) {
  const OnnxNode& n = g_.nodes[idx];
  const bool is_max = n.op_type == "MaxPool";
  if (!HasInput(n, 0) || n.outputs.empty()) return NodeError(n, "needs an input and an output", StatusCode::kInvalidModel);
  if (n.outputs.size() > 1 && !n.outputs[1].empty()) return NodeError(n, "the Indices output is not supported");
  Value* x;
  EDGERT_RETURN_IF_ERROR(Get(n.inputs[0], &x));
  if (x->shape.size() != 4) return NodeError(n, "only 2-D pooling (rank-4 input) is supported");
  const std::vector<int64_t> ks = AttrInts(n, "kernel_shape");
  std::vector<int64_t> strides = AttrInts(n, "strides"), dil = AttrInts(n, "dilations"), pads = AttrInts(n, "pads");
  if (strides.empty()) strides = {1, 1};
  if (pads.empty()) pads = {0, 0, 0, 0};
  if (ks.size() != 2 || strides.size() != 2 || pads.size() != 4)
    return NodeError(n, "kernel_shape, strides and pads must have 2, 2 and 4 values", StatusCode::kInvalidModel);
  for (int64_t d : dil)
    if (d != 1) return NodeError(n, "dilations other than 1 are not supported");
  for (int k = 0; k < 2; ++k)
    if (ks[k] < 1 || ks[k] > 65536 || strides[k] < 1 || strides[k] > 65536)
      return NodeError(n, "kernel_shape and strides must be in [1, 65536]", StatusCode::kInvalidModel);
  for (int64_t p : pads)
    if (p < 0 || p > 65536) return NodeError(n, "pads must be in [0, 65536]", StatusCode::kInvalidModel);
  const OnnxAttribute* ap = n.attr("auto_pad");
  const std::string auto_pad = ap != nullptr ? ap->s : "NOTSET";
  const bool ceil_mode = AttrInt(n, "ceil_mode", 0) != 0;
  const bool count_include_pad = !is_max && AttrInt(n, "count_include_pad", 0) != 0;
  Shape64 out_shape = {x->shape[0], x->shape[1], 0, 0};
  int64_t pb[2], pe[2];
  for (int k = 0; k < 2; ++k) {
    const int64_t in = x->shape[static_cast<size_t>(2 + k)], kk = ks[static_cast<size_t>(k)], s = strides[static_cast<size_t>(k)];
    if (auto_pad == "NOTSET" || auto_pad.empty()) {
      pb[k] = pads[static_cast<size_t>(k)];
      pe[k] = pads[static_cast<size_t>(k + 2)];
    } else if (auto_pad == "VALID") {
      pb[k] = pe[k] = 0;
    } else if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
      const int64_t out = (in + s - 1) / s;
      const int64_t total = std::max<int64_t>((out - 1) * s + kk - in, 0);
      pb[k] = auto_pad == "SAME_UPPER" ? total / 2 : total - total / 2;
      pe[k] = total - pb[k];
    } else {
      return NodeError(n, "unknown auto_pad '" + auto_pad + "'", StatusCode::kInvalidModel);
    }
    const int64_t span = in + pb[k] + pe[k] - kk;
    if (span < 0) return NodeError(n, "the kernel is larger than the padded input", StatusCode::kInvalidModel);
    int64_t out = span / s + 1;
    if (ceil_mode) {
      int64_t oc = (span + s - 1) / s + 1;
      if ((oc - 1) * s >= in + pb[k]) --oc;  // the last window must start inside the input or the leading pad
      if (oc > out) {
        if (count_include_pad) return NodeError(n, "ceil_mode with count_include_pad is not supported");
        pe[k] += (oc - 1) * s + kk - (in + pb[k] + pe[k]);
        out = oc;
      }
    }
    if (pb[k] >= kk || pe[k] >= kk) return NodeError(n, "pads must be smaller than the kernel");
    out_shape[static_cast<size_t>(2 + k)] = out;
  }
  EDGERT_RETURN_IF_ERROR(CheckShape(out_shape, "output of " + n.op_type));
  int xt;
  EDGERT_RETURN_IF_ERROR(Materialize(x, true, &xt));
  auto& fbb = b_.fbb();
  const bool explicit_pads = pb[0] || pb[1] || pe[0] || pe[1];
  flatbuffers::Offset<flatbuffers::Vector<int32_t>> pv = 0;
  if (explicit_pads)
    pv = fbb.CreateVector(std::vector<int32_t>{static_cast<int32_t>(pb[0]), static_cast<int32_t>(pb[1]),
                                                static_cast<int32_t>(pe[0]), static_cast<int32_t>(pe[1])});
  const std::string& o = n.outputs[0];
  Value v;
  const int yt = NewActivation(o + (graph_outputs_.count(o) ? "/nhwc" : ""), out_shape, true, &v);
  Emit(is_max ? schema::OpType_MAX_POOL_2D : schema::OpType_AVERAGE_POOL_2D, {xt}, {yt}, schema::OpOptions_Pool2DOptions,
       schema::CreatePool2DOptions(fbb, explicit_pads ? schema::Padding_EXPLICIT : schema::Padding_VALID,
                                   static_cast<int32_t>(strides[0]), static_cast<int32_t>(strides[1]),
                                   static_cast<int32_t>(ks[0]), static_cast<int32_t>(ks[1]), schema::Activation_NONE, pv,
                                   count_include_pad)
           .Union());
  return Define(o, std::move(v));
}

Status Importer::MapGlobalPool(size_t idx) {
  const OnnxNode& n = g_.nodes[idx];
  if (!HasInput(n, 0) || n.outputs.empty()) return NodeError(n, "needs an input and an output", StatusCode::kInvalidModel);
  Value* x;
  EDGERT_RETURN_IF_ERROR(Get(n.inputs[0], &x));
  if (x->shape.size() != 4) return NodeError(n, "only rank-4 inputs are supported");
  int xt;
  EDGERT_RETURN_IF_ERROR(Materialize(x, true, &xt));
  const int axes = ConstI32(n.outputs[0] + "/axes", {1, 2});
  const std::string& o = n.outputs[0];
  Value v;
  const int yt = NewActivation(o + (graph_outputs_.count(o) ? "/nhwc" : ""), {x->shape[0], x->shape[1], 1, 1}, true, &v);
  Emit(n.op_type == "GlobalMaxPool" ? schema::OpType_REDUCE_MAX : schema::OpType_MEAN, {xt, axes}, {yt},
       schema::OpOptions_ReduceOptions, schema::CreateReduceOptions(b_.fbb(), true).Union());
  return Define(o, std::move(v));
}

Status Importer::Reshape(Value* in, const Shape64& out_shape, const std::string& out_name) {
  EDGERT_RETURN_IF_ERROR(CheckShape(out_shape, "output '" + out_name + "'"));
  if (in->is_const) {
    Value v;
    v.is_const = true;
    v.loaded = true;
    const std::vector<float>* f;
    EDGERT_RETURN_IF_ERROR(Floats(in, &f));
    v.f = *f;
    v.is_int = in->is_int;
    v.i = in->i;
    v.shape = out_shape;
    return Define(out_name, std::move(v));
  }
  int xt;
  EDGERT_RETURN_IF_ERROR(FlatOrder(in, &xt));
  std::vector<int32_t> ns;
  for (int64_t d : out_shape) ns.push_back(static_cast<int32_t>(d));
  auto nsv = b_.fbb().CreateVector(ns);
  Value v;
  const int yt = NewActivation(out_name, out_shape, false, &v);
  Emit(schema::OpType_RESHAPE, {xt}, {yt}, schema::OpOptions_ReshapeOptions,
       schema::CreateReshapeOptions(b_.fbb(), nsv).Union());
  return Define(out_name, std::move(v));
}

Status Importer::MapFlatten(size_t idx) {
  const OnnxNode& n = g_.nodes[idx];
  if (!HasInput(n, 0) || n.outputs.empty()) return NodeError(n, "needs an input and an output", StatusCode::kInvalidModel);
  Value* x;
  EDGERT_RETURN_IF_ERROR(Get(n.inputs[0], &x));
  const int64_t r = static_cast<int64_t>(x->shape.size());
  int64_t axis = AttrInt(n, "axis", 1);
  if (axis < 0) axis += r;
  if (axis < 0 || axis > r) return NodeError(n, "axis out of range", StatusCode::kInvalidModel);
  int64_t a = 1, b = 1;
  for (int64_t k = 0; k < r; ++k) (k < axis ? a : b) *= x->shape[static_cast<size_t>(k)];
  return Reshape(x, {a, b}, n.outputs[0]);
}

Status Importer::MapReshape(size_t idx) {
  const OnnxNode& n = g_.nodes[idx];
  if (!HasInput(n, 0) || n.outputs.empty()) return NodeError(n, "needs an input and an output", StatusCode::kInvalidModel);
  Value *x, *s;
  EDGERT_RETURN_IF_ERROR(Get(n.inputs[0], &x));
  if (!HasInput(n, 1) || !IsConstName(n.inputs[1])) return NodeError(n, "the shape input must be a constant");
  EDGERT_RETURN_IF_ERROR(GetConst(n, 1, &s));
  const std::vector<int64_t>* req;
  EDGERT_RETURN_IF_ERROR(Ints(s, &req));
  if (req->size() > 8) return NodeError(n, "shape has more than 8 values");
  const bool allow_zero = AttrInt(n, "allowzero", 0) != 0;
  int64_t total = 1;
  for (int64_t d : x->shape) total *= d;
  Shape64 out;
  int infer = -1;
  int64_t known = 1;
  for (size_t k = 0; k < req->size(); ++k) {
    int64_t d = (*req)[k];
    if (d == 0 && !allow_zero) {
      if (k >= x->shape.size()) return NodeError(n, "shape copies a dimension the input does not have", StatusCode::kInvalidModel);
      d = x->shape[k];
    }
    if (d == -1) {
      if (infer >= 0) return NodeError(n, "shape has more than one -1", StatusCode::kInvalidModel);
      infer = static_cast<int>(k);
      out.push_back(1);
      continue;
    }
    if (d < 0 || d > kMaxDim) return NodeError(n, "invalid shape value", StatusCode::kInvalidModel);
    if (d != 0 && known > kMaxElements / d) return NodeError(n, "shape too large", StatusCode::kInvalidModel);
    known *= d;
    out.push_back(d);
  }
  if (infer >= 0) {
    if (known == 0 || total % known != 0) return NodeError(n, "cannot infer the -1 dimension", StatusCode::kInvalidModel);
    out[static_cast<size_t>(infer)] = total / known;
  } else if (known != total) {
    return NodeError(n, "shape " + ShapeStr(out) + " does not match the input " + ShapeStr(x->shape),
                     StatusCode::kInvalidModel);
  }
  return Reshape(x, out, n.outputs[0]);
}

Status Importer::MapGemm(size_t idx) {
  const OnnxNode& n = g_.nodes[idx];
  if (!HasInput(n, 0) || n.outputs.empty()) return NodeError(n, "needs inputs A and B and an output", StatusCode::kInvalidModel);
  Value *a, *bw, *c = nullptr;
  EDGERT_RETURN_IF_ERROR(Get(n.inputs[0], &a));
  if (!HasInput(n, 1) || !IsConstName(n.inputs[1])) return NodeError(n, "B must be a constant");
  EDGERT_RETURN_IF_ERROR(GetConst(n, 1, &bw));
  if (HasInput(n, 2)) {
    if (!IsConstName(n.inputs[2])) return NodeError(n, "C must be a constant");
    EDGERT_RETURN_IF_ERROR(GetConst(n, 2, &c));
  }
  if (AttrInt(n, "transA", 0) != 0) return NodeError(n, "transA = 1 is not supported");
  if (a->shape.size() != 2 || bw->shape.size() != 2) return NodeError(n, "A and B must be rank 2", StatusCode::kInvalidModel);
  const bool trans_b = AttrInt(n, "transB", 0) != 0;
  const int64_t K = a->shape[1], N = trans_b ? bw->shape[0] : bw->shape[1];
  if ((trans_b ? bw->shape[1] : bw->shape[0]) != K) return NodeError(n, "A and B do not match", StatusCode::kInvalidModel);
  const float alpha = AttrFloat(n, "alpha", 1.f), beta = AttrFloat(n, "beta", 1.f);
  const std::vector<float>* bd;
  EDGERT_RETURN_IF_ERROR(Floats(bw, &bd));
  std::vector<float> w = trans_b ? *bd : Permute(*bd, bw->shape, {1, 0});
  if (alpha != 1.f)
    for (float& x : w) x *= alpha;
  int ct = -1;
  if (c != nullptr && beta != 0.f) {
    const std::vector<float>* cd;
    EDGERT_RETURN_IF_ERROR(Floats(c, &cd));
    int64_t rows = 1;
    for (size_t k = 0; k + 1 < c->shape.size(); ++k) rows *= c->shape[k];
    std::vector<float> bias(static_cast<size_t>(N));
    if (cd->size() == 1) {
      std::fill(bias.begin(), bias.end(), (*cd)[0] * beta);
    } else if (rows == 1 && !c->shape.empty() && c->shape.back() == N && cd->size() == static_cast<size_t>(N)) {
      for (size_t k = 0; k < bias.size(); ++k) bias[k] = (*cd)[k] * beta;
    } else {
      return NodeError(n, "C of shape " + ShapeStr(c->shape) + " is not a per-output bias");
    }
    ct = ConstTensor(c->name + "/bias", {N}, bias);
  }
  int at;
  EDGERT_RETURN_IF_ERROR(Materialize(a, false, &at));
  const int wt = ConstTensor(bw->name + (trans_b ? "" : "/t"), {N, K}, w);
  Value v;
  const int yt = NewActivation(n.outputs[0], {a->shape[0], N}, false, &v);
  Emit(schema::OpType_FULLY_CONNECTED, {at, wt, ct}, {yt}, schema::OpOptions_FullyConnectedOptions,
       schema::CreateFullyConnectedOptions(b_.fbb()).Union());
  return Define(n.outputs[0], std::move(v));
}

Status Importer::MapMatMul(size_t idx) {
  const OnnxNode& n = g_.nodes[idx];
  if (!HasInput(n, 0) || n.outputs.empty()) return NodeError(n, "needs two inputs and an output", StatusCode::kInvalidModel);
  Value *a, *bw;
  EDGERT_RETURN_IF_ERROR(Get(n.inputs[0], &a));
  if (!HasInput(n, 1) || !IsConstName(n.inputs[1])) return NodeError(n, "only a constant second input is supported");
  EDGERT_RETURN_IF_ERROR(GetConst(n, 1, &bw));
  if (a->shape.size() < 2 || bw->shape.size() != 2) return NodeError(n, "A must have rank >= 2 and B rank 2");
  const int64_t K = bw->shape[0], N = bw->shape[1];
  if (a->shape.back() != K) return NodeError(n, "A and B do not match", StatusCode::kInvalidModel);
  const std::vector<float>* bd;
  EDGERT_RETURN_IF_ERROR(Floats(bw, &bd));
  int at;
  EDGERT_RETURN_IF_ERROR(Materialize(a, false, &at));
  const int wt = ConstTensor(bw->name + "/t", {N, K}, Permute(*bd, bw->shape, {1, 0}));
  Shape64 out = a->shape;
  out.back() = N;
  Value v;
  const int yt = NewActivation(n.outputs[0], out, false, &v);
  Emit(schema::OpType_FULLY_CONNECTED, {at, wt, -1}, {yt}, schema::OpOptions_FullyConnectedOptions,
       schema::CreateFullyConnectedOptions(b_.fbb(), schema::Activation_NONE, a->shape.size() > 2).Union());
  return Define(n.outputs[0], std::move(v));
}

Status Importer::MapConcat(size_t idx) {
  const OnnxNode& n = g_.nodes[idx];
  if (n.inputs.empty() || n.outputs.empty()) return NodeError(n, "needs inputs and an output", StatusCode::kInvalidModel);
  std::vector<Value*> ins;
  bool all_const = true, nhwc = false;
  for (const std::string& name : n.inputs) {
    if (name.empty()) continue;
    Value* v;
    EDGERT_RETURN_IF_ERROR(Get(name, &v));
    ins.push_back(v);
    all_const = all_const && v->is_const;
    nhwc = nhwc || (!v->is_const && v->nhwc);
  }
  if (ins.empty()) return NodeError(n, "needs inputs", StatusCode::kInvalidModel);
  const Shape64& s0 = ins[0]->shape;
  const int64_t r = static_cast<int64_t>(s0.size());
  const OnnxAttribute* ax = n.attr("axis");
  if (ax == nullptr) return NodeError(n, "the axis attribute is missing", StatusCode::kInvalidModel);
  int64_t axis = ax->i < 0 ? ax->i + r : ax->i;
  if (r == 0 || axis < 0 || axis >= r) return NodeError(n, "axis out of range", StatusCode::kInvalidModel);
  Shape64 out = s0;
  out[static_cast<size_t>(axis)] = 0;
  for (Value* v : ins) {
    if (v->shape.size() != s0.size()) return NodeError(n, "inputs differ in rank", StatusCode::kInvalidModel);
    for (size_t k = 0; k < s0.size(); ++k)
      if (static_cast<int64_t>(k) != axis && v->shape[k] != s0[k])
        return NodeError(n, "inputs differ outside the axis", StatusCode::kInvalidModel);
    out[static_cast<size_t>(axis)] += v->shape[static_cast<size_t>(axis)];
    if (out[static_cast<size_t>(axis)] > kMaxDim) return NodeError(n, "output too large", StatusCode::kInvalidModel);
  }
  EDGERT_RETURN_IF_ERROR(CheckShape(out, "output of Concat"));
  if (all_const) {  // fold (shape computations)
    Value v;
    v.is_const = v.loaded = true;
    v.shape = out;
    int64_t outer = 1;
    for (int64_t k = 0; k < axis; ++k) outer *= out[static_cast<size_t>(k)];
    bool ints = true;
    for (Value* c : ins) {
      const std::vector<float>* f;
      EDGERT_RETURN_IF_ERROR(Floats(c, &f));
      ints = ints && c->is_int;
    }
    v.is_int = ints;
    for (int64_t o = 0; o < outer; ++o)
      for (Value* c : ins) {
        const size_t chunk = c->f.size() / static_cast<size_t>(std::max<int64_t>(outer, 1));
        for (size_t k = 0; k < chunk; ++k) {
          v.f.push_back(c->f[static_cast<size_t>(o) * chunk + k]);
          if (ints) v.i.push_back(c->i[static_cast<size_t>(o) * chunk + k]);
        }
      }
    return Define(n.outputs[0], std::move(v));
  }
  nhwc = nhwc && r == 4;
  std::vector<int32_t> ts;
  for (Value* v : ins) {
    int t;
    EDGERT_RETURN_IF_ERROR(Materialize(v, nhwc, &t));
    ts.push_back(t);
  }
  const int stored_axis = nhwc ? kLogicalToNhwc[axis] : static_cast<int>(axis);
  const std::string& o = n.outputs[0];
  Value v;
  const int yt = NewActivation(o + (nhwc && graph_outputs_.count(o) ? "/nhwc" : ""), out, nhwc, &v);
  Emit(schema::OpType_CONCATENATION, ts, {yt}, schema::OpOptions_ConcatenationOptions,
       schema::CreateConcatenationOptions(b_.fbb(), stored_axis).Union());
  return Define(o, std::move(v));
}

Status Importer::MapSoftmax(size_t idx) {
  const OnnxNode& n = g_.nodes[idx];
  if (!HasInput(n, 0) || n.outputs.empty()) return NodeError(n, "needs an input and an output", StatusCode::kInvalidModel);
  Value* x;
  EDGERT_RETURN_IF_ERROR(Get(n.inputs[0], &x));
  const int64_t r = static_cast<int64_t>(x->shape.size());
  int64_t axis = AttrInt(n, "axis", opset_ >= 13 ? -1 : 1);
  if (axis < 0) axis += r;
  if (r == 0 || axis < 0 || axis >= r) return NodeError(n, "axis out of range", StatusCode::kInvalidModel);
  if (opset_ < 13) {
    // Before opset 13 the input is coerced to 2-D at `axis`: the same as a
    // one-axis softmax only when every later dimension is 1.
    for (int64_t k = axis + 1; k < r; ++k)
      if (x->shape[static_cast<size_t>(k)] != 1)
        return NodeError(n, "softmax over several axes (opset < 13 with trailing dims > 1) is not supported");
  }
  const bool nhwc = !x->is_const && x->nhwc;
  int xt;
  EDGERT_RETURN_IF_ERROR(Materialize(x, nhwc, &xt));
  const int stored_axis = nhwc ? kLogicalToNhwc[axis] : static_cast<int>(axis);
  const std::string& o = n.outputs[0];
  Value v;
  const int yt = NewActivation(o + (nhwc && graph_outputs_.count(o) ? "/nhwc" : ""), x->shape, nhwc, &v);
  Emit(schema::OpType_SOFTMAX, {xt}, {yt}, schema::OpOptions_SoftmaxOptions,
       schema::CreateSoftmaxOptions(b_.fbb(), 1.f, stored_axis).Union());
  return Define(o, std::move(v));
}

Status Importer::MapTranspose(size_t idx) {
  const OnnxNode& n = g_.nodes[idx];
  if (!HasInput(n, 0) || n.outputs.empty()) return NodeError(n, "needs an input and an output", StatusCode::kInvalidModel);
  Value* x;
  EDGERT_RETURN_IF_ERROR(Get(n.inputs[0], &x));
  const size_t r = x->shape.size();
  std::vector<int64_t> perm = AttrInts(n, "perm");
  if (perm.empty())
    for (size_t k = 0; k < r; ++k) perm.push_back(static_cast<int64_t>(r - 1 - k));
  if (perm.size() != r) return NodeError(n, "perm does not match the input rank", StatusCode::kInvalidModel);
  std::vector<bool> seen(r, false);
  std::vector<int> p;
  Shape64 out;
  for (int64_t k : perm) {
    if (k < 0 || k >= static_cast<int64_t>(r) || seen[static_cast<size_t>(k)])
      return NodeError(n, "perm is not a permutation", StatusCode::kInvalidModel);
    seen[static_cast<size_t>(k)] = true;
    p.push_back(static_cast<int>(k));
    out.push_back(x->shape[static_cast<size_t>(k)]);
  }
  if (x->is_const) {
    const std::vector<float>* f;
    EDGERT_RETURN_IF_ERROR(Floats(x, &f));
    Value v;
    v.is_const = v.loaded = true;
    v.shape = out;
    v.f = Permute(*f, x->shape, p);
    return Define(n.outputs[0], std::move(v));
  }
  // Stored perm: out (logical) dim i = in logical dim p[i] = stored dim L2S[p[i]].
  std::vector<int> sp;
  for (int k : p) sp.push_back(x->nhwc ? kLogicalToNhwc[k] : k);
  bool identity = true;
  for (size_t k = 0; k < sp.size(); ++k) identity = identity && sp[k] == static_cast<int>(k);
  Value v;
  v.shape = out;
  if (identity) {  // e.g. NCHW -> NHWC of an NHWC-stored tensor: the data is already in place
    v.tensor = x->tensor;
    return Define(n.outputs[0], std::move(v));
  }
  std::vector<int32_t> ps(sp.begin(), sp.end());
  const int pt = ConstI32(n.outputs[0] + "/perm", ps);
  const int yt = NewActivation(n.outputs[0], out, false, &v);
  Emit(schema::OpType_TRANSPOSE, {x->tensor, pt}, {yt});
  return Define(n.outputs[0], std::move(v));
}

Status Importer::MapIdentity(size_t idx) {
  const OnnxNode& n = g_.nodes[idx];
  if (!HasInput(n, 0) || n.outputs.empty() || n.outputs[0].empty())
    return NodeError(n, "needs an input and an output", StatusCode::kInvalidModel);
  Value* x;
  EDGERT_RETURN_IF_ERROR(Get(n.inputs[0], &x));
  if (by_name_.count(n.outputs[0]) != 0) return Invalid("value '" + n.outputs[0] + "' is defined more than once");
  by_name_[n.outputs[0]] = x;  // alias (Dropout's mask output is not supported: nothing defines it)
  return Status::Ok();
}

Status Importer::MapConstant(size_t idx) {
  const OnnxNode& n = g_.nodes[idx];
  if (n.outputs.empty()) return NodeError(n, "needs an output", StatusCode::kInvalidModel);
  Value v;
  v.is_const = true;
  if (n.attributes.size() != 1) return NodeError(n, "needs exactly one attribute", StatusCode::kInvalidModel);
  const OnnxAttribute& a = n.attributes[0];
  if (a.name == "value" && a.has_t) {
    v.src = &a.t;
    v.shape = a.t.dims;
  } else if (a.name == "value_float") {
    v.loaded = true;
    v.f = {a.f};
  } else if (a.name == "value_floats") {
    v.loaded = true;
    v.f = a.floats;
    v.shape = {static_cast<int64_t>(a.floats.size())};
  } else if (a.name == "value_int") {
    v.loaded = v.is_int = true;
    v.i = {a.i};
  } else if (a.name == "value_ints") {
    v.loaded = v.is_int = true;
    v.i = a.ints;
    v.shape = {static_cast<int64_t>(a.ints.size())};
  } else {
    return NodeError(n, "attribute '" + a.name + "' is not supported");
  }
  EDGERT_RETURN_IF_ERROR(CheckShape(v.shape, "constant '" + n.outputs[0] + "'"));
  if (v.src != nullptr) {  // load now so a bad constant fails here with its name
    const std::vector<float>* f;
    v.name = n.outputs[0];
    EDGERT_RETURN_IF_ERROR(Floats(&v, &f));
  }
  return Define(n.outputs[0], std::move(v));
}

Status Importer::MapShape(size_t idx) {
  const OnnxNode& n = g_.nodes[idx];
  if (!HasInput(n, 0) || n.outputs.empty()) return NodeError(n, "needs an input and an output", StatusCode::kInvalidModel);
  Value* x;
  EDGERT_RETURN_IF_ERROR(Get(n.inputs[0], &x));
  const int64_t r = static_cast<int64_t>(x->shape.size());
  int64_t start = AttrInt(n, "start", 0), end = AttrInt(n, "end", r);
  if (start < 0) start += r;
  if (end < 0) end += r;
  start = std::min(std::max<int64_t>(start, 0), r);
  end = std::min(std::max<int64_t>(end, start), r);
  Value v;
  v.is_const = v.loaded = v.is_int = true;
  v.i.assign(x->shape.begin() + start, x->shape.begin() + end);
  v.shape = {end - start};
  return Define(n.outputs[0], std::move(v));
}

Status Importer::MapGather(size_t idx) {
  const OnnxNode& n = g_.nodes[idx];
  if (!HasInput(n, 0) || !HasInput(n, 1) || n.outputs.empty()) return NodeError(n, "needs two inputs and an output", StatusCode::kInvalidModel);
  if (!IsConstName(n.inputs[0]) || !IsConstName(n.inputs[1])) return NodeError(n, "only constant inputs (folded) are supported");
  Value *d, *ix;
  EDGERT_RETURN_IF_ERROR(GetConst(n, 0, &d));
  EDGERT_RETURN_IF_ERROR(GetConst(n, 1, &ix));
  if (d->shape.size() != 1 || ix->shape.size() > 1 || AttrInt(n, "axis", 0) != 0)
    return NodeError(n, "only 1-D data with scalar or 1-D indices on axis 0 is folded");
  const std::vector<int64_t> *di, *ii;
  EDGERT_RETURN_IF_ERROR(Ints(d, &di));
  EDGERT_RETURN_IF_ERROR(Ints(ix, &ii));
  Value v;
  v.is_const = v.loaded = v.is_int = true;
  v.shape = ix->shape;
  const int64_t len = static_cast<int64_t>(di->size());
  for (int64_t k : *ii) {
    if (k < 0) k += len;
    if (k < 0 || k >= len) return NodeError(n, "index out of range", StatusCode::kInvalidModel);
    v.i.push_back((*di)[static_cast<size_t>(k)]);
  }
  return Define(n.outputs[0], std::move(v));
}

Status Importer::MapUnsqueeze(size_t idx) {
  const OnnxNode& n = g_.nodes[idx];
  if (!HasInput(n, 0) || n.outputs.empty()) return NodeError(n, "needs an input and an output", StatusCode::kInvalidModel);
  Value* x;
  EDGERT_RETURN_IF_ERROR(Get(n.inputs[0], &x));
  std::vector<int64_t> axes = AttrInts(n, "axes");
  if (HasInput(n, 1)) {
    Value* a;
    if (!IsConstName(n.inputs[1])) return NodeError(n, "axes must be a constant");
    EDGERT_RETURN_IF_ERROR(GetConst(n, 1, &a));
    const std::vector<int64_t>* ai;
    EDGERT_RETURN_IF_ERROR(Ints(a, &ai));
    axes = *ai;
  }
  const bool un = n.op_type == "Unsqueeze";
  const int64_t r = static_cast<int64_t>(x->shape.size()) + (un ? static_cast<int64_t>(axes.size()) : 0);
  if (r > 8) return NodeError(n, "rank too large");
  std::vector<bool> mark(static_cast<size_t>(std::max<int64_t>(r, 0)), false);
  for (int64_t a : axes) {
    if (a < 0) a += r;
    if (a < 0 || a >= r || mark[static_cast<size_t>(a)]) return NodeError(n, "invalid axes", StatusCode::kInvalidModel);
    mark[static_cast<size_t>(a)] = true;
  }
  Shape64 out;
  if (un) {
    size_t src = 0;
    for (int64_t k = 0; k < r; ++k) out.push_back(mark[static_cast<size_t>(k)] ? 1 : x->shape[src++]);
  } else {
    for (int64_t k = 0; k < r; ++k) {
      const int64_t d = x->shape[static_cast<size_t>(k)];
      if (axes.empty() ? d == 1 : mark[static_cast<size_t>(k)]) {
        if (d != 1) return NodeError(n, "squeezed dimension is not 1", StatusCode::kInvalidModel);
        continue;
      }
      out.push_back(d);
    }
  }
  return Reshape(x, out, n.outputs[0]);
}

Status Importer::MapCast(size_t idx) {
  const OnnxNode& n = g_.nodes[idx];
  if (!HasInput(n, 0) || n.outputs.empty()) return NodeError(n, "needs an input and an output", StatusCode::kInvalidModel);
  Value* x;
  EDGERT_RETURN_IF_ERROR(Get(n.inputs[0], &x));
  const int64_t to = AttrInt(n, "to", 0);
  if (!x->is_const) {
    if (to == kOnnxFloat) return MapIdentity(idx);  // activations are float32 already
    return NodeError(n, "casting activations to non-float types is not supported");
  }
  Value v;
  v.is_const = v.loaded = true;
  v.shape = x->shape;
  if (to == kOnnxFloat || to == kOnnxDouble) {
    const std::vector<float>* f;
    EDGERT_RETURN_IF_ERROR(Floats(x, &f));
    v.f = *f;
  } else if (to == kOnnxInt64 || to == kOnnxInt32) {
    const std::vector<int64_t>* i;
    EDGERT_RETURN_IF_ERROR(Ints(x, &i));
    v.i = *i;
    v.is_int = true;
  } else {
    return NodeError(n, "cast to this type is not supported");
  }
  return Define(n.outputs[0], std::move(v));
}

// --- driver ------------------------------------------------------------------

struct OpEntry {
  const char* name;
  Status (Importer::*fn)(size_t);
};

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
    if (in.elem_type != kOnnxFloat)
      return Unsupported("graph input '" + in.name + "' has element type " + OnnxDataTypeName(in.elem_type) +
                         "; only FLOAT inputs are supported");
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
    NewActivation(in.name, shape, false, &v);
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
    if (!v->is_const && v->shape.size() == 4 && consumers_.count(in.name) != 0)
      EDGERT_RETURN_IF_ERROR(Materialize(v, true, &t));
  }

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
  *out = b_.Finish();
  report_->op_counts = emitted_;
  report_->num_ops = num_ops_;
  report_->num_tensors = b_.num_tensors();
  report_->num_constants = num_constants_;
  report_->constant_bytes = constant_bytes_;
  report_->source_tensors = static_cast<int>(by_name_.size());

  if (opts_.verify_output) {
    std::shared_ptr<const Model> check;
    Status s = Model::LoadBuffer(out->data(), out->size(), /*copy=*/false, &check);
    if (!s.ok()) {
      out->clear();
      return Status(s.code(), "the imported model does not validate: " + s.message());
    }
  }
  return Status::Ok();
}

}  // namespace
}  // namespace onnx_import

Status ImportOnnx(const void* data, size_t size, const OnnxImportOptions& opts, std::vector<uint8_t>* ert_file,
                  ImportReport* report) {
  if (ert_file == nullptr) return Status::Error(StatusCode::kInvalidArgument, "ImportOnnx: ert_file is null");
  ert_file->clear();
  if (data == nullptr || size == 0) return Status::Error(StatusCode::kInvalidArgument, "the .onnx buffer is empty");
  ImportReport local;
  ImportReport* r = report != nullptr ? report : &local;
  *r = ImportReport();
  try {
    onnx_import::OnnxModel model;
    EDGERT_RETURN_IF_ERROR(onnx_import::ParseOnnxModel(static_cast<const uint8_t*>(data), size, &model));
    onnx_import::Importer imp(model, opts, r);
    Status s = imp.Run(ert_file);
    if (!s.ok()) ert_file->clear();
    return s;
  } catch (const std::bad_alloc&) {
    ert_file->clear();
    return Status::Error(StatusCode::kOutOfMemory, "out of memory while importing the .onnx model");
  }
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
