// ONNX importer: activation, Clip, HardSigmoid, broadcasting binary,
// Concat, Softmax and Transpose mappers.
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "runtime/importers/onnx/onnx_import_internal.h"

namespace edgert {
namespace onnx_import {

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
    EDGERT_RETURN_IF_ERROR(RequireConst(n, k, "min / max must be constants", &c));
    const std::vector<float>* d;
    EDGERT_RETURN_IF_ERROR(Floats(c, &d));
    if (d->size() != 1) return NodeError(n, "min / max must be scalars", StatusCode::kInvalidModel);
    (k == 1 ? *lo : *hi) = (*d)[0];
  }
  return Status::Ok();
}

Status Importer::EmitActivation(Value* x, schema::OpType type, const std::string& out_name) {
  int xt;
  EDGERT_RETURN_IF_ERROR(Materialize(x, x->is_const ? false : x->nhwc, &xt));
  const bool nhwc = !x->is_const && x->nhwc;
  Value v;
  const int yt = OutputActivation(out_name, x->shape, nhwc, &v);
  Emit(type, {xt}, {yt});
  return Define(out_name, std::move(v));
}

Status Importer::MapUnary(size_t idx) {
  const OnnxNode& n = node(idx);
  Value* x;
  EDGERT_RETURN_IF_ERROR(InputAndOutput(n, &x, "needs one input and one output"));
  if (x->is_const && n.op_type == "Sqrt") {  // fold (e.g. the attention scale from a shape)
    const std::vector<float>* f;
    EDGERT_RETURN_IF_ERROR(Floats(x, &f));
    Value v;
    v.is_const = v.loaded = true;
    v.shape = x->shape;
    for (float e : *f) v.f.push_back(std::sqrt(e));
    return Define(n.outputs[0], std::move(v));
  }
  if (!x->is_const && x->dtype != DType::kF32) return NodeError(n, "the input must be float32");
  schema::OpType t = schema::OpType_RELU;
  if (n.op_type == "Sqrt") t = schema::OpType_SQRT;
  else if (n.op_type == "Sigmoid") t = schema::OpType_LOGISTIC;
  else if (n.op_type == "HardSwish") t = schema::OpType_HARD_SWISH;
  else if (n.op_type == "Tanh") t = schema::OpType_TANH;
  else if (n.op_type == "Sqrt") t = schema::OpType_SQRT;
  else if (n.op_type == "Exp") t = schema::OpType_EXP;
  return EmitActivation(x, t, n.outputs[0]);
}

Status Importer::MapClip(size_t idx) {
  const OnnxNode& n = node(idx);
  Value* x;
  EDGERT_RETURN_IF_ERROR(InputAndOutput(n, &x));
  float lo, hi;
  EDGERT_RETURN_IF_ERROR(ClipBounds(n, &lo, &hi));
  if (lo == 0.f && hi == 6.f) return EmitActivation(x, schema::OpType_RELU6, n.outputs[0]);
  if (lo == 0.f && std::isinf(hi) && hi > 0) return EmitActivation(x, schema::OpType_RELU, n.outputs[0]);
  const bool nhwc = !x->is_const && x->nhwc;
  int cur;
  EDGERT_RETURN_IF_ERROR(Materialize(x, nhwc, &cur));
  Value v;
  const std::string out = n.outputs[0];
  const bool has_lo = !std::isinf(lo) || lo > 0, has_hi = !std::isinf(hi) || hi < 0;
  if (has_lo) {
    const int c = ConstTensor(out + "/min", {1}, {lo});
    Value tmp;
    const int t = has_hi ? NewActivation(out + "/max", x->shape, nhwc, &tmp)
                         : OutputActivation(out, x->shape, nhwc, &v);
    EmitBinary(schema::OpType_MAXIMUM, cur, c, t);
    cur = t;
  }
  if (has_hi || !has_lo) {
    const int c = ConstTensor(out + "/max", {1}, {hi});
    const int t = OutputActivation(out, x->shape, nhwc, &v);
    EmitBinary(schema::OpType_MINIMUM, cur, c, t);
  }
  return Define(out, std::move(v));
}

Status Importer::MapHardSigmoid(size_t idx) {
  const OnnxNode& n = node(idx);
  Value* x;
  EDGERT_RETURN_IF_ERROR(InputAndOutput(n, &x));
  const float alpha = AttrFloat(n, "alpha", 0.2f), beta = AttrFloat(n, "beta", 0.5f);
  // max(0, min(1, alpha x + beta)) = relu6(6 alpha x + 6 beta) / 6
  const bool nhwc = !x->is_const && x->nhwc;
  int xt;
  EDGERT_RETURN_IF_ERROR(Materialize(x, nhwc, &xt));
  const std::string out = n.outputs[0];
  Value t1, t2, t3, v;
  const int c1 = ConstTensor(out + "/scale", {1}, {6.f * alpha}), c2 = ConstTensor(out + "/offset", {1}, {6.f * beta});
  const int c3 = ConstTensor(out + "/sixth", {1}, {1.f / 6.f});
  const int a = NewActivation(out + "/mul", x->shape, nhwc, &t1), b = NewActivation(out + "/add", x->shape, nhwc, &t2);
  const int c = NewActivation(out + "/relu6", x->shape, nhwc, &t3);
  const int y = OutputActivation(out, x->shape, nhwc, &v);
  EmitBinary(schema::OpType_MUL, xt, c1, a);
  EmitBinary(schema::OpType_ADD, a, c2, b);
  Emit(schema::OpType_RELU6, {b}, {c});
  EmitBinary(schema::OpType_MUL, c, c3, y);
  return Define(out, std::move(v));
}

Status Importer::MapBinary(size_t idx) {
  const OnnxNode& n = node(idx);
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
  if (a->is_const && b->is_const) {
    EDGERT_RETURN_IF_ERROR(CheckShape(out, "output of " + n.op_type));
    return FoldBinary(n, a, b, out);
  }
  for (Value* v : {a, b})
    if (!v->is_const && v->dtype != DType::kF32) return NodeError(n, "activations must be float32");
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
  const int yt = OutputActivation(o, out, nhwc, &v);
  EmitBinary(t, at, bt, yt);
  return Define(o, std::move(v));
}

Status Importer::MapConcat(size_t idx) {
  const OnnxNode& n = node(idx);
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
  const int yt = OutputActivation(o, out, nhwc, &v);
  Emit(schema::OpType_CONCATENATION, ts, {yt}, schema::OpOptions_ConcatenationOptions,
       schema::CreateConcatenationOptions(b_.fbb(), stored_axis).Union());
  return Define(o, std::move(v));
}

Status Importer::MapSoftmax(size_t idx) {
  const OnnxNode& n = node(idx);
  Value* x;
  EDGERT_RETURN_IF_ERROR(InputAndOutput(n, &x));
  const int64_t r = static_cast<int64_t>(x->shape.size());
  int64_t axis;
  EDGERT_RETURN_IF_ERROR(Axis(n, r, opset_ >= 13 ? -1 : 1, /*allow_end=*/false, &axis));
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
  const int yt = OutputActivation(o, x->shape, nhwc, &v);
  Emit(schema::OpType_SOFTMAX, {xt}, {yt}, schema::OpOptions_SoftmaxOptions,
       schema::CreateSoftmaxOptions(b_.fbb(), 1.f, stored_axis).Union());
  return Define(o, std::move(v));
}

Status Importer::MapTranspose(size_t idx) {
  const OnnxNode& n = node(idx);
  Value* x;
  EDGERT_RETURN_IF_ERROR(InputAndOutput(n, &x));
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
  v.dtype = x->dtype;
  v.quant = x->quant;
  if (identity) {  // e.g. NCHW -> NHWC of an NHWC-stored tensor: the data is already in place
    v.tensor = x->tensor;
    return Define(n.outputs[0], std::move(v));
  }
  std::vector<int32_t> ps(sp.begin(), sp.end());
  const int pt = ConstI32(n.outputs[0] + "/perm", ps);
  const int yt = NewActivation(n.outputs[0], out, false, &v, x->dtype);
  Emit(schema::OpType_TRANSPOSE, {x->tensor, pt}, {yt});
  return Define(n.outputs[0], std::move(v));
}

}  // namespace onnx_import
}  // namespace edgert
