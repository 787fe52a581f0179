// ONNX importer: named values, constant loading, tensor emission and the
// NCHW <-> NHWC layout handling.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "runtime/importers/onnx/onnx_import_internal.h"

namespace edgert {
namespace onnx_import {

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
    if (v->src->data_type == kOnnxInt64 || v->src->data_type == kOnnxInt32 || v->src->data_type == kOnnxInt8 ||
        v->src->data_type == kOnnxUint8 || v->src->data_type == kOnnxInt16 || v->src->data_type == kOnnxUint16) {
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

int Importer::NewActivation(const std::string& name, const Shape64& logical, bool nhwc, Value* v, DType dtype,
                            const QuantSpec* quant) {
  if (quant == nullptr && quant_scope_ != nullptr && (dtype == DType::kF32 || dtype == DType::kI8)) {
    quant = quant_scope_;
    dtype = DType::kI8;
  }
  v->shape = logical;
  v->nhwc = nhwc && logical.size() == 4;
  v->dtype = dtype;
  v->quant = quant != nullptr ? *quant : QuantSpec();
  v->tensor = b_.AddTensor(Unique(name), dtype, Stored(*v), v->quant);
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
                            const std::string& name, DType dtype, const QuantSpec& quant) {
  std::vector<int32_t> p(perm.begin(), perm.end()), out_shape;
  for (int k : perm) out_shape.push_back(in_shape[static_cast<size_t>(k)]);
  const int pt = ConstI32(name + "/perm", p);
  const int out = b_.AddTensor(Unique(name), dtype, out_shape, quant);
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
    v->other = EmitTranspose(v->tensor, Stored(*v), v->nhwc ? kNhwcToNchwPerm : kNchwToNhwcPerm, n, v->dtype, v->quant);
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


// --- shared by the mappers ---------------------------------------------------

Status Importer::InputAndOutput(const OnnxNode& n, Value** x, const char* msg) {
  if (!HasInput(n, 0) || n.outputs.empty()) return NodeError(n, msg, StatusCode::kInvalidModel);
  return Get(n.inputs[0], x);
}

Status Importer::RequireConst(const OnnxNode& n, size_t k, const std::string& msg, Value** v) {
  if (!HasInput(n, k) || !IsConstName(n.inputs[k])) return NodeError(n, msg);
  return GetConst(n, k, v);
}

int Importer::OutputActivation(const std::string& name, const Shape64& shape, bool nhwc, Value* v, DType dtype,
                               const QuantSpec* quant) {
  return NewActivation(name + (nhwc && graph_outputs_.count(name) ? "/nhwc" : ""), shape, nhwc, v, dtype, quant);
}

void Importer::EmitBinary(schema::OpType type, int a, int b, int y) {
  Emit(type, {a, b}, {y}, schema::OpOptions_BinaryOptions, schema::CreateBinaryOptions(b_.fbb()).Union());
}

Status Importer::Axis(const OnnxNode& n, int64_t r, int64_t dflt, bool allow_end, int64_t* axis) const {
  int64_t a = AttrInt(n, "axis", dflt);
  if (a < 0) a += r;
  if (a < 0 || (allow_end ? a > r : a >= r)) return NodeError(n, "axis out of range", StatusCode::kInvalidModel);
  *axis = a;
  return Status::Ok();
}

Status Importer::PadsAttr(const OnnxNode& n, const std::vector<int64_t>& pads, std::string* auto_pad) const {
  for (int64_t p : pads)
    if (p < 0 || p > 65536) return NodeError(n, "pads must be in [0, 65536]", StatusCode::kInvalidModel);
  const OnnxAttribute* ap = n.attr("auto_pad");
  *auto_pad = ap != nullptr ? ap->s : "NOTSET";
  return Status::Ok();
}

Status Importer::SpatialPads(const OnnxNode& n, const std::string& auto_pad, const std::vector<int64_t>& pads, int k,
                             int64_t in, int64_t keff, int64_t s, int64_t* pb, int64_t* pe, int64_t* span) const {
  if (auto_pad == "NOTSET" || auto_pad.empty()) {
    *pb = pads[static_cast<size_t>(k)];
    *pe = pads[static_cast<size_t>(k + 2)];
  } else if (auto_pad == "VALID") {
    *pb = *pe = 0;
  } else if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
    const int64_t out = (in + s - 1) / s;
    const int64_t total = std::max<int64_t>((out - 1) * s + keff - in, 0);
    *pb = auto_pad == "SAME_UPPER" ? total / 2 : total - total / 2;
    *pe = total - *pb;
  } else {
    return NodeError(n, "unknown auto_pad '" + auto_pad + "'", StatusCode::kInvalidModel);
  }
  *span = in + *pb + *pe - keff;
  if (*span < 0) return NodeError(n, "the kernel is larger than the padded input", StatusCode::kInvalidModel);
  return Status::Ok();
}

flatbuffers::Offset<flatbuffers::Vector<int32_t>> Importer::PadsVector(const int64_t pb[2], const int64_t pe[2],
                                                                        bool* explicit_pads) {
  *explicit_pads = pb[0] || pb[1] || pe[0] || pe[1];
  if (!*explicit_pads) return 0;
  return b_.fbb().CreateVector(std::vector<int32_t>{static_cast<int32_t>(pb[0]), static_cast<int32_t>(pb[1]),
                                                    static_cast<int32_t>(pe[0]), static_cast<int32_t>(pe[1])});
}

}  // namespace onnx_import
}  // namespace edgert
