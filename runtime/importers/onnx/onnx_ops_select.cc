// ONNX importer: the mask arithmetic PyTorch exports around attention masks
// and position ids: Where and Expand (on constants folded; on activations
// Where becomes SELECT and Expand a chain of GATHERs with zero indices), and
// the constant folding of the broadcasting binary ops. Equal, ConstantOfShape
// and Slice of constants fold in onnx_import_fold.cc.
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "runtime/importers/onnx/onnx_import_internal.h"

namespace edgert {
namespace onnx_import {

bool BroadcastShape64(const Shape64& a, const Shape64& b, Shape64* out) {
  const size_t r = std::max(a.size(), b.size());
  out->assign(r, 1);
  for (size_t k = 0; k < r; ++k) {
    const int64_t da = k + a.size() >= r ? a[k + a.size() - r] : 1;
    const int64_t db = k + b.size() >= r ? b[k + b.size() - r] : 1;
    if (da != db && da != 1 && db != 1) return false;
    (*out)[k] = da == 1 ? db : da;
  }
  return true;
}

std::vector<size_t> BroadcastIndices(const Shape64& in, const Shape64& out) {
  const size_t r = out.size(), off = r - in.size();
  Shape64 strides(r, 0);
  int64_t st = 1;
  for (size_t k = in.size(); k-- > 0;) {
    strides[k + off] = in[k] == 1 ? 0 : st;
    st *= in[k];
  }
  int64_t n = 1;
  for (int64_t d : out) n *= d;
  std::vector<size_t> idx(static_cast<size_t>(n));
  Shape64 c(r, 0);
  int64_t src = 0;
  for (int64_t i = 0; i < n; ++i) {
    idx[static_cast<size_t>(i)] = static_cast<size_t>(src);
    for (size_t k = r; k-- > 0;) {
      src += strides[k];
      if (++c[k] < out[k]) break;
      src -= strides[k] * c[k];
      c[k] = 0;
    }
  }
  return idx;
}

Status Importer::CheckFoldSize(const OnnxNode& n, const Shape64& out) const {
  int64_t count = 1;
  for (int64_t d : out) count *= d;  // CheckShape bounds the product by 2^31
  if (count > kMaxFoldElements)
    return NodeError(n, "a constant of " + std::to_string(count) + " elements is too large to fold (at most " +
                            std::to_string(kMaxFoldElements) + ")");
  return Status::Ok();
}

Status Importer::FoldBinary(const OnnxNode& n, Value* a, Value* b, const Shape64& out) {
  EDGERT_RETURN_IF_ERROR(CheckFoldSize(n, out));
  const std::vector<float>*fa, *fb;
  EDGERT_RETURN_IF_ERROR(Floats(a, &fa));
  EDGERT_RETURN_IF_ERROR(Floats(b, &fb));
  const std::vector<size_t> ia = BroadcastIndices(a->shape, out), ib = BroadcastIndices(b->shape, out);
  const std::string& op = n.op_type;
  Value v;
  v.is_const = v.loaded = true;
  v.shape = out;
  v.is_int = (a->is_int && b->is_int) || op == "Equal";
  for (size_t k = 0; k < ia.size(); ++k) {
    if (op == "Equal") {
      const bool eq = a->is_int && b->is_int ? a->i[ia[k]] == b->i[ib[k]] : (*fa)[ia[k]] == (*fb)[ib[k]];
      v.i.push_back(eq ? 1 : 0);
      v.f.push_back(eq ? 1.f : 0.f);
    } else if (v.is_int) {
      const int64_t x = a->i[ia[k]], y = b->i[ib[k]];
      // Two's complement wrap-around (no signed overflow); ONNX integer Div truncates.
      const uint64_t ux = static_cast<uint64_t>(x), uy = static_cast<uint64_t>(y);
      int64_t r;
      if (op == "Add") r = static_cast<int64_t>(ux + uy);
      else if (op == "Sub") r = static_cast<int64_t>(ux - uy);
      else if (op == "Mul") r = static_cast<int64_t>(ux * uy);
      else if (y == 0) return NodeError(n, "integer division by zero in a constant", StatusCode::kInvalidModel);
      else if (y == -1) r = static_cast<int64_t>(0 - ux);
      else r = x / y;
      v.i.push_back(r);
      v.f.push_back(static_cast<float>(r));
    } else {
      const float x = (*fa)[ia[k]], y = (*fb)[ib[k]];
      v.f.push_back(op == "Add" ? x + y : op == "Sub" ? x - y : op == "Mul" ? x * y : x / y);
    }
  }
  return Define(n.outputs[0], std::move(v));
}

Status Importer::MapWhere(size_t idx) {
  const OnnxNode& n = node(idx);
  if (!HasInput(n, 0) || !HasInput(n, 1) || !HasInput(n, 2) || n.outputs.empty())
    return NodeError(n, "needs inputs condition, X, Y and an output", StatusCode::kInvalidModel);
  Value *c, *x, *y;
  EDGERT_RETURN_IF_ERROR(Get(n.inputs[0], &c));
  EDGERT_RETURN_IF_ERROR(Get(n.inputs[1], &x));
  EDGERT_RETURN_IF_ERROR(Get(n.inputs[2], &y));
  Shape64 xy, out;
  if (!BroadcastShape64(x->shape, y->shape, &xy) || !BroadcastShape64(c->shape, xy, &out))
    return NodeError(n, "shapes " + ShapeStr(c->shape) + ", " + ShapeStr(x->shape) + " and " + ShapeStr(y->shape) +
                            " do not broadcast", StatusCode::kInvalidModel);
  EDGERT_RETURN_IF_ERROR(CheckShape(out, "output of Where"));
  if (c->is_const && x->is_const && y->is_const) {
    EDGERT_RETURN_IF_ERROR(CheckFoldSize(n, out));
    const std::vector<int64_t>* ci;
    const std::vector<float>*xf, *yf;
    EDGERT_RETURN_IF_ERROR(Ints(c, &ci));
    EDGERT_RETURN_IF_ERROR(Floats(x, &xf));
    EDGERT_RETURN_IF_ERROR(Floats(y, &yf));
    const std::vector<size_t> ic = BroadcastIndices(c->shape, out), ix = BroadcastIndices(x->shape, out),
                              iy = BroadcastIndices(y->shape, out);
    Value v;
    v.is_const = v.loaded = true;
    v.shape = out;
    v.is_int = x->is_int && y->is_int;
    for (size_t k = 0; k < ic.size(); ++k) {
      const bool pick_x = (*ci)[ic[k]] != 0;
      v.f.push_back(pick_x ? (*xf)[ix[k]] : (*yf)[iy[k]]);
      if (v.is_int) v.i.push_back(pick_x ? x->i[ix[k]] : y->i[iy[k]]);
    }
    return Define(n.outputs[0], std::move(v));
  }
  if (!c->is_const && c->dtype != DType::kBool) return NodeError(n, "the condition must be bool");
  for (Value* v : {x, y})
    if (!v->is_const && v->dtype != DType::kF32) return NodeError(n, "X and Y must be float32");
  int ct, xt, yt;
  if (c->is_const) {  // a constant condition against activations: a bool constant
    const std::vector<int64_t>* ci;
    EDGERT_RETURN_IF_ERROR(Ints(c, &ci));
    std::vector<uint8_t> bytes;
    for (int64_t b : *ci) bytes.push_back(b != 0 ? 1 : 0);
    std::vector<int32_t> s;
    for (int64_t d : c->shape) s.push_back(static_cast<int32_t>(d));
    ++num_constants_;
    constant_bytes_ += bytes.size();
    ct = b_.AddConstant(Unique(n.outputs[0] + "/condition"), DType::kBool, s, bytes.data(), bytes.size());
  } else {
    EDGERT_RETURN_IF_ERROR(Materialize(c, false, &ct));
  }
  EDGERT_RETURN_IF_ERROR(Materialize(x, false, &xt));
  EDGERT_RETURN_IF_ERROR(Materialize(y, false, &yt));
  Value v;
  const int ot = NewActivation(n.outputs[0], out, false, &v);
  Emit(schema::OpType_SELECT, {ct, xt, yt}, {ot});
  return Define(n.outputs[0], std::move(v));
}

Status Importer::MapExpand(size_t idx) {
  const OnnxNode& n = node(idx);
  Value *x, *s;
  EDGERT_RETURN_IF_ERROR(InputAndOutput(n, &x, "needs inputs and an output"));
  EDGERT_RETURN_IF_ERROR(RequireConst(n, 1, "the shape input must be a constant", &s));
  const std::vector<int64_t>* req;
  EDGERT_RETURN_IF_ERROR(Ints(s, &req));
  Shape64 out;
  if (!BroadcastShape64(x->shape, *req, &out))
    return NodeError(n, "shape " + ShapeStr(*req) + " does not broadcast with " + ShapeStr(x->shape),
                     StatusCode::kInvalidModel);
  EDGERT_RETURN_IF_ERROR(CheckShape(out, "output of Expand"));
  const std::string& o = n.outputs[0];
  if (x->is_const) {
    EDGERT_RETURN_IF_ERROR(CheckFoldSize(n, out));
    const std::vector<float>* f;
    EDGERT_RETURN_IF_ERROR(Floats(x, &f));
    const std::vector<size_t> ix = BroadcastIndices(x->shape, out);
    Value v;
    v.is_const = v.loaded = true;
    v.is_int = x->is_int;
    v.shape = out;
    for (size_t k : ix) {
      v.f.push_back((*f)[k]);
      if (v.is_int) v.i.push_back(x->i[k]);
    }
    return Define(o, std::move(v));
  }
  // Activations: raise the rank with a reshape, then repeat each size-1 dim by
  // gathering index 0 out[k] times along it (any dtype).
  Value* cur = x;
  if (x->shape.size() < out.size()) {
    Shape64 r(out.size() - x->shape.size(), 1);
    r.insert(r.end(), x->shape.begin(), x->shape.end());
    EDGERT_RETURN_IF_ERROR(Reshape(x, r, o + "/expand_rank"));
    EDGERT_RETURN_IF_ERROR(Get(o + "/expand_rank", &cur));
  }
  std::vector<size_t> grow;
  for (size_t k = 0; k < out.size(); ++k)
    if (cur->shape[k] != out[k]) grow.push_back(k);
  if (grow.empty()) {
    if (by_name_.count(o) != 0) return Invalid("value '" + o + "' is defined more than once");
    by_name_[o] = cur;
    return Status::Ok();
  }
  int t;
  EDGERT_RETURN_IF_ERROR(Materialize(cur, false, &t));
  Shape64 shape = cur->shape;
  const DType dt = cur->dtype;
  Value v;
  for (size_t j = 0; j < grow.size(); ++j) {
    const size_t k = grow[j];
    const int ix = ConstI32(o + "/expand_index", std::vector<int32_t>(static_cast<size_t>(out[k]), 0));
    shape[k] = out[k];
    Value tmp;
    const int y = j + 1 == grow.size() ? NewActivation(o, shape, false, &v, dt)
                                       : NewActivation(o + "/expand", shape, false, &tmp, dt);
    Emit(schema::OpType_GATHER, {t, ix}, {y}, schema::OpOptions_GatherOptions,
         schema::CreateGatherOptions(b_.fbb(), static_cast<int32_t>(k), 0).Union());
    t = y;
  }
  return Define(o, std::move(v));
}

}  // namespace onnx_import
}  // namespace edgert
