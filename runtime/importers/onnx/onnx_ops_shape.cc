// ONNX importer: reshaping mappers and constant folding (Flatten, Reshape,
// Identity, Constant, Shape, Gather, Unsqueeze / Squeeze, Cast).
#include <algorithm>
#include <string>
#include <vector>

#include "runtime/importers/onnx/onnx_import_internal.h"

namespace edgert {
namespace onnx_import {

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
  const int yt = NewActivation(out_name, out_shape, false, &v, in->dtype);
  Emit(schema::OpType_RESHAPE, {xt}, {yt}, schema::OpOptions_ReshapeOptions,
       schema::CreateReshapeOptions(b_.fbb(), nsv).Union());
  return Define(out_name, std::move(v));
}

Status Importer::MapFlatten(size_t idx) {
  const OnnxNode& n = node(idx);
  Value* x;
  EDGERT_RETURN_IF_ERROR(InputAndOutput(n, &x));
  const int64_t r = static_cast<int64_t>(x->shape.size());
  int64_t axis;
  EDGERT_RETURN_IF_ERROR(Axis(n, r, 1, /*allow_end=*/true, &axis));
  int64_t a = 1, b = 1;
  for (int64_t k = 0; k < r; ++k) (k < axis ? a : b) *= x->shape[static_cast<size_t>(k)];
  return Reshape(x, {a, b}, n.outputs[0]);
}

Status Importer::MapReshape(size_t idx) {
  const OnnxNode& n = node(idx);
  Value *x, *s;
  EDGERT_RETURN_IF_ERROR(InputAndOutput(n, &x));
  EDGERT_RETURN_IF_ERROR(RequireConst(n, 1, "the shape input must be a constant", &s));
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

Status Importer::MapIdentity(size_t idx) {
  const OnnxNode& n = node(idx);
  if (!HasInput(n, 0) || n.outputs.empty() || n.outputs[0].empty())
    return NodeError(n, "needs an input and an output", StatusCode::kInvalidModel);
  Value* x;
  EDGERT_RETURN_IF_ERROR(Get(n.inputs[0], &x));
  if (by_name_.count(n.outputs[0]) != 0) return Invalid("value '" + n.outputs[0] + "' is defined more than once");
  by_name_[n.outputs[0]] = x;  // alias (Dropout's mask output is not supported: nothing defines it)
  return Status::Ok();
}

Status Importer::MapConstant(size_t idx) {
  const OnnxNode& n = node(idx);
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
  const OnnxNode& n = node(idx);
  Value* x;
  EDGERT_RETURN_IF_ERROR(InputAndOutput(n, &x));
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
  const OnnxNode& n = node(idx);
  if (!HasInput(n, 0) || !HasInput(n, 1) || n.outputs.empty()) return NodeError(n, "needs two inputs and an output", StatusCode::kInvalidModel);
  if (!IsConstName(n.inputs[0]) && IsConstName(n.inputs[1])) return MapGatherActivation(idx);
  Value *d, *ix;
  EDGERT_RETURN_IF_ERROR(Get(n.inputs[0], &d));
  EDGERT_RETURN_IF_ERROR(Get(n.inputs[1], &ix));
  const int64_t r = static_cast<int64_t>(d->shape.size());
  if (r == 0) return NodeError(n, "data must not be a scalar", StatusCode::kInvalidModel);
  int64_t axis;
  EDGERT_RETURN_IF_ERROR(Axis(n, r, 0, /*allow_end=*/false, &axis));
  const size_t ax = static_cast<size_t>(axis);
  Shape64 out(d->shape.begin(), d->shape.begin() + axis);
  out.insert(out.end(), ix->shape.begin(), ix->shape.end());
  out.insert(out.end(), d->shape.begin() + axis + 1, d->shape.end());
  EDGERT_RETURN_IF_ERROR(CheckShape(out, "output of Gather"));
  const int64_t dim = d->shape[ax];
  std::vector<int64_t> indices;  // constant indices, made non-negative
  if (ix->is_const) {
    const std::vector<int64_t>* ii;
    EDGERT_RETURN_IF_ERROR(Ints(ix, &ii));
    for (int64_t k : *ii) {
      if (k < 0) k += dim;
      if (k < 0 || k >= dim) return NodeError(n, "index out of range", StatusCode::kInvalidModel);
      indices.push_back(k);
    }
  } else if (ix->dtype != DType::kI64 && ix->dtype != DType::kI32) {
    return NodeError(n, "indices must be int32 or int64");
  }
  if (d->is_const && ix->is_const) {  // fold (shape computations, constant tables)
    EDGERT_RETURN_IF_ERROR(CheckFoldSize(n, out));
    const std::vector<float>* f;
    EDGERT_RETURN_IF_ERROR(Floats(d, &f));
    Value v;
    v.is_const = v.loaded = true;
    v.is_int = d->is_int;
    v.shape = out;
    int64_t outer = 1, inner = 1;
    for (size_t k = 0; k < ax; ++k) outer *= d->shape[k];
    for (size_t k = ax + 1; k < d->shape.size(); ++k) inner *= d->shape[k];
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t k : indices)
        for (int64_t i = 0; i < inner; ++i) {
          const size_t src = static_cast<size_t>((o * dim + k) * inner + i);
          v.f.push_back((*f)[src]);
          if (v.is_int) v.i.push_back(d->i[src]);
        }
    return Define(n.outputs[0], std::move(v));
  }
  if (d->is_const && d->is_int) return NodeError(n, "integer data with runtime indices is not supported");
  // Embedding lookups (constant table, runtime ids) and picks from activations (constant index).
  int dt, it;
  EDGERT_RETURN_IF_ERROR(Materialize(d, false, &dt));
  if (ix->is_const) {
    std::vector<int32_t> i32(indices.begin(), indices.end());
    std::vector<int32_t> s;
    for (int64_t k : ix->shape) s.push_back(static_cast<int32_t>(k));
    ++num_constants_;
    constant_bytes_ += i32.size() * sizeof(int32_t);
    it = b_.AddConstant(Unique(n.outputs[0] + "/indices"), DType::kI32, s, i32.data(), i32.size() * sizeof(int32_t));
  } else {
    EDGERT_RETURN_IF_ERROR(Materialize(ix, false, &it));
  }
  Value v;
  const int yt = NewActivation(n.outputs[0], out, false, &v, d->is_const ? DType::kF32 : d->dtype);
  Emit(schema::OpType_GATHER, {dt, it}, {yt}, schema::OpOptions_GatherOptions,
       schema::CreateGatherOptions(b_.fbb(), static_cast<int32_t>(axis), 0).Union());
  return Define(n.outputs[0], std::move(v));
}

Status Importer::MapUnsqueeze(size_t idx) {
  const OnnxNode& n = node(idx);
  Value* x;
  EDGERT_RETURN_IF_ERROR(InputAndOutput(n, &x));
  std::vector<int64_t> axes = AttrInts(n, "axes");
  if (HasInput(n, 1)) {
    Value* a;
    EDGERT_RETURN_IF_ERROR(RequireConst(n, 1, "axes must be a constant", &a));
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
  const OnnxNode& n = node(idx);
  Value* x;
  EDGERT_RETURN_IF_ERROR(InputAndOutput(n, &x));
  const int64_t to = AttrInt(n, "to", 0);
  if (!x->is_const) {
    DType dt;
    if (to == kOnnxFloat) dt = DType::kF32;
    else if (to == kOnnxInt64) dt = DType::kI64;
    else if (to == kOnnxInt32) dt = DType::kI32;
    else if (to == kOnnxBool) dt = DType::kBool;
    else return NodeError(n, std::string("casting activations to ") + OnnxDataTypeName(static_cast<int32_t>(to)) +
                                 " is not supported");
    if (dt == x->dtype) return MapIdentity(idx);
    int xt;
    EDGERT_RETURN_IF_ERROR(Materialize(x, x->nhwc, &xt));
    Value v;
    const int yt = OutputActivation(n.outputs[0], x->shape, x->nhwc, &v, dt);
    Emit(schema::OpType_CAST, {xt}, {yt});
    return Define(n.outputs[0], std::move(v));
  }
  Value v;
  v.is_const = v.loaded = true;
  v.shape = x->shape;
  if (to == kOnnxFloat || to == kOnnxDouble) {
    const std::vector<float>* f;
    EDGERT_RETURN_IF_ERROR(Floats(x, &f));
    v.f = *f;
  } else if (to == kOnnxBool) {
    const std::vector<float>* f;
    EDGERT_RETURN_IF_ERROR(Floats(x, &f));
    for (float e : *f) v.i.push_back(e != 0.f);
    v.is_int = true;
  } else if (to == kOnnxInt64 || to == kOnnxInt32 || to == kOnnxInt16 || to == kOnnxInt8 || to == kOnnxUint8 ||
             to == kOnnxUint16 || to == kOnnxUint32 || to == kOnnxUint64) {
    const std::vector<int64_t>* i;
    EDGERT_RETURN_IF_ERROR(Ints(x, &i));
    v.i = *i;
    v.is_int = true;
  } else {
    return NodeError(n, "cast to this type is not supported");
  }
  return Define(n.outputs[0], std::move(v));
}

}  // namespace onnx_import
}  // namespace edgert
