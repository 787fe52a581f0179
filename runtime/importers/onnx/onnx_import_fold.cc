// ONNX importer: constant folding of nodes whose inputs are all constants
// (Add, Sub, Mul, Div, Pow, Equal, Not, Neg, Sqrt, Slice, Transpose,
// ConstantOfShape; Size of any value with a known shape). Integer constants
// stay exact (int64); float constants are computed in double and stored as
// float. Shape, Gather, Unsqueeze / Squeeze, Concat, Reshape and Cast fold in
// their own mappers. Folding is what resolves the conditions of If nodes.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "runtime/importers/onnx/onnx_import_internal.h"

namespace edgert {
namespace onnx_import {
namespace {

bool IsElementwise(const std::string& op) {
  return op == "Add" || op == "Sub" || op == "Mul" || op == "Div" || op == "Pow" || op == "Equal" || op == "Not" ||
         op == "Neg" || op == "Sqrt";
}

// Row-major strides of `shape`, aligned to rank `r` (leading broadcast dims get stride 0).
Shape64 BroadcastStrides(const Shape64& shape, size_t r) {
  Shape64 st(r, 0);
  int64_t s = 1;
  for (size_t k = shape.size(); k-- > 0;) {
    const size_t o = k + (r - shape.size());
    st[o] = shape[k] == 1 ? 0 : s;
    s *= shape[k];
  }
  return st;
}

}  // namespace

Status Importer::SliceRanges(const OnnxNode& n, const Shape64& shape, Shape64* begin, Shape64* step,
                             Shape64* out_shape) {
  const int64_t r = static_cast<int64_t>(shape.size());
  std::vector<int64_t> starts, ends, axes, steps;
  if (opset_ < 10) {
    starts = AttrInts(n, "starts");
    ends = AttrInts(n, "ends");
    axes = AttrInts(n, "axes");
  } else {
    const char* names[4] = {"starts", "ends", "axes", "steps"};
    std::vector<int64_t>* dst[4] = {&starts, &ends, &axes, &steps};
    for (size_t k = 1; k <= 4; ++k) {
      if (!HasInput(n, k)) {
        if (k <= 2) return NodeError(n, std::string(names[k - 1]) + " is missing", StatusCode::kInvalidModel);
        continue;
      }
      Value* c;
      EDGERT_RETURN_IF_ERROR(RequireConst(n, k, std::string(names[k - 1]) + " must be a constant", &c));
      const std::vector<int64_t>* v;
      EDGERT_RETURN_IF_ERROR(Ints(c, &v));
      *dst[k - 1] = *v;
    }
  }
  if (axes.empty())
    for (int64_t k = 0; k < static_cast<int64_t>(starts.size()); ++k) axes.push_back(k);
  if (steps.empty()) steps.assign(starts.size(), 1);
  if (starts.size() != ends.size() || axes.size() != starts.size() || steps.size() != starts.size())
    return NodeError(n, "starts, ends, axes and steps differ in length", StatusCode::kInvalidModel);
  begin->assign(shape.size(), 0);
  step->assign(shape.size(), 1);
  *out_shape = shape;
  std::vector<bool> seen(shape.size(), false);
  for (size_t j = 0; j < axes.size(); ++j) {
    int64_t a = axes[j] < 0 ? axes[j] + r : axes[j];
    if (a < 0 || a >= r || seen[static_cast<size_t>(a)]) return NodeError(n, "invalid axes", StatusCode::kInvalidModel);
    seen[static_cast<size_t>(a)] = true;
    const int64_t d = shape[static_cast<size_t>(a)], s = steps[j];
    if (s == 0 || s < -kMaxDim || s > kMaxDim) return NodeError(n, "steps must be non-zero", StatusCode::kInvalidModel);
    int64_t b = starts[j], e = ends[j];
    // Clamp like ONNX: begin into [0, d] (step > 0) or [0, d - 1] (step < 0),
    // end into [0, d] or [-1, d - 1]. Values may be INT64_MAX / INT64_MIN.
    if (b < 0) b = b < -d ? -d - 1 : b + d;
    if (e < 0) e = e < -d ? -d - 1 : e + d;
    if (s > 0) {
      b = std::min(std::max<int64_t>(b, 0), d);
      e = std::min(std::max<int64_t>(e, 0), d);
    } else {
      b = std::min(std::max<int64_t>(b, 0), d - 1);
      e = std::min(std::max<int64_t>(e, -1), d - 1);
    }
    const int64_t len = s > 0 ? (e > b ? (e - b + s - 1) / s : 0) : (b > e ? (b - e + (-s) - 1) / (-s) : 0);
    (*begin)[static_cast<size_t>(a)] = b;
    (*step)[static_cast<size_t>(a)] = s;
    (*out_shape)[static_cast<size_t>(a)] = len;
  }
  return Status::Ok();
}

Status Importer::TryFold(const OnnxNode& n, bool* folded) {
  *folded = false;
  const std::string& op = n.op_type;
  if (!(n.domain.empty() || n.domain == "ai.onnx") || n.outputs.empty() || n.outputs[0].empty()) return Status::Ok();
  if (op == "Size") {  // any value with a known shape
    Value* x;
    EDGERT_RETURN_IF_ERROR(InputAndOutput(n, &x));
    Value v;
    v.is_const = v.loaded = v.is_int = true;
    int64_t c = 1;
    for (int64_t d : x->shape) c *= d;
    v.i = {c};
    *folded = true;
    return Define(n.outputs[0], std::move(v));
  }
  const bool foldable = IsElementwise(op) || op == "Slice" || op == "Transpose" || op == "ConstantOfShape";
  if (!foldable) return Status::Ok();
  std::vector<Value*> ins;
  for (const std::string& name : n.inputs) {
    if (name.empty()) {
      ins.push_back(nullptr);
      continue;
    }
    Value* v;
    EDGERT_RETURN_IF_ERROR(Get(name, &v));
    if (!v->is_const) return Status::Ok();
    ins.push_back(v);
  }
  if (ins.empty() || ins[0] == nullptr) return Status::Ok();
  for (Value* v : ins) {
    if (v == nullptr) continue;
    const std::vector<float>* f;
    EDGERT_RETURN_IF_ERROR(Floats(v, &f));  // loads; ints keep v->i exact
  }
  Value out;
  out.is_const = out.loaded = true;

  if (op == "ConstantOfShape") {
    const std::vector<int64_t>* dims;
    EDGERT_RETURN_IF_ERROR(Ints(ins[0], &dims));
    out.shape = *dims;
    EDGERT_RETURN_IF_ERROR(CheckShape(out.shape, "output of ConstantOfShape"));
    int64_t count = 1;
    for (int64_t d : out.shape) count *= d;
    if (count > (int64_t{1} << 26)) return NodeError(n, "the constant is too large to fold");
    const OnnxAttribute* a = n.attr("value");
    double val = 0;
    bool is_int = false;
    if (a != nullptr && a->has_t) {
      const int32_t t = a->t.data_type;
      is_int = t != kOnnxFloat && t != kOnnxDouble && t != kOnnxFloat16;
      if (is_int) {
        std::vector<int64_t> iv;
        EDGERT_RETURN_IF_ERROR(TensorToInt64s(a->t, &iv));
        if (iv.size() != 1) return NodeError(n, "value must hold one element", StatusCode::kInvalidModel);
        val = static_cast<double>(iv[0]);
        out.i.assign(static_cast<size_t>(count), iv[0]);
      } else {
        std::vector<float> fv;
        EDGERT_RETURN_IF_ERROR(TensorToFloats(a->t, &fv));
        if (fv.size() != 1) return NodeError(n, "value must hold one element", StatusCode::kInvalidModel);
        val = fv[0];
      }
    }
    out.is_int = is_int;
    out.f.assign(static_cast<size_t>(count), static_cast<float>(val));
    *folded = true;
    return Define(n.outputs[0], std::move(out));
  }

  if (op == "Transpose") {
    Value* x = ins[0];
    const size_t r = x->shape.size();
    std::vector<int64_t> p = AttrInts(n, "perm");
    if (p.empty())
      for (size_t k = r; k-- > 0;) p.push_back(static_cast<int64_t>(k));
    if (p.size() != r) return NodeError(n, "perm must have one entry per dimension", StatusCode::kInvalidModel);
    std::vector<int> perm;
    std::vector<bool> seen(r, false);
    for (int64_t a : p) {
      if (a < 0 || a >= static_cast<int64_t>(r) || seen[static_cast<size_t>(a)])
        return NodeError(n, "perm is not a permutation", StatusCode::kInvalidModel);
      seen[static_cast<size_t>(a)] = true;
      perm.push_back(static_cast<int>(a));
      out.shape.push_back(x->shape[static_cast<size_t>(a)]);
    }
    out.is_int = x->is_int;
    out.f = Permute(x->f, x->shape, perm);
    if (x->is_int) out.i = Permute(x->i, x->shape, perm);
    *folded = true;
    return Define(n.outputs[0], std::move(out));
  }

  if (op == "Slice") {
    Value* x = ins[0];
    Shape64 begin, step;
    EDGERT_RETURN_IF_ERROR(SliceRanges(n, x->shape, &begin, &step, &out.shape));
    const size_t r = x->shape.size();
    Shape64 st(r, 1);
    for (size_t k = r; k-- > 1;) st[k - 1] = st[k] * x->shape[k];
    int64_t count = 1;
    for (int64_t d : out.shape) count *= d;
    Shape64 idx(r, 0);
    out.is_int = x->is_int;
    for (int64_t o = 0; o < count; ++o) {
      int64_t src = 0;
      for (size_t k = 0; k < r; ++k) src += (begin[k] + idx[k] * step[k]) * st[k];
      out.f.push_back(x->f[static_cast<size_t>(src)]);
      if (x->is_int) out.i.push_back(x->i[static_cast<size_t>(src)]);
      for (size_t k = r; k-- > 0;) {
        if (++idx[k] < out.shape[k]) break;
        idx[k] = 0;
      }
    }
    *folded = true;
    return Define(n.outputs[0], std::move(out));
  }

  // Elementwise (numpy broadcasting).
  const bool unary = op == "Not" || op == "Neg" || op == "Sqrt";
  if (ins.size() != (unary ? 1u : 2u) || ins.back() == nullptr)
    return NodeError(n, unary ? "needs one input" : "needs two inputs", StatusCode::kInvalidModel);
  Value* a = ins[0];
  Value* b = unary ? ins[0] : ins[1];
  const size_t r = std::max(a->shape.size(), b->shape.size());
  out.shape.assign(r, 1);
  for (size_t k = 0; k < r; ++k) {
    const int64_t da = k + a->shape.size() >= r ? a->shape[k + a->shape.size() - r] : 1;
    const int64_t db = k + b->shape.size() >= r ? b->shape[k + b->shape.size() - r] : 1;
    if (da != db && da != 1 && db != 1)
      return NodeError(n, "shapes " + ShapeStr(a->shape) + " and " + ShapeStr(b->shape) + " do not broadcast",
                       StatusCode::kInvalidModel);
    out.shape[k] = da == 1 ? db : da;
  }
  int64_t count = 1;
  for (int64_t d : out.shape) count *= d;
  if (count > (int64_t{1} << 26)) return NodeError(n, "the constant is too large to fold");
  const Shape64 sa = BroadcastStrides(a->shape, r), sb = BroadcastStrides(b->shape, r);
  const bool ints = a->is_int && b->is_int && op != "Sqrt";
  out.is_int = ints || op == "Equal" || op == "Not";
  Shape64 idx(r, 0);
  for (int64_t o = 0; o < count; ++o) {
    int64_t ia = 0, ib = 0;
    for (size_t k = 0; k < r; ++k) {
      ia += idx[k] * sa[k];
      ib += idx[k] * sb[k];
    }
    if (ints) {
      const int64_t x = a->i[static_cast<size_t>(ia)], y = b->i[static_cast<size_t>(ib)];
      int64_t z = 0;
      if (op == "Add") z = static_cast<int64_t>(static_cast<uint64_t>(x) + static_cast<uint64_t>(y));
      else if (op == "Sub") z = static_cast<int64_t>(static_cast<uint64_t>(x) - static_cast<uint64_t>(y));
      else if (op == "Mul") z = static_cast<int64_t>(static_cast<uint64_t>(x) * static_cast<uint64_t>(y));
      else if (op == "Div") {
        if (y == 0 || (x == INT64_MIN && y == -1)) return NodeError(n, "integer division by zero or overflow", StatusCode::kInvalidModel);
        z = x / y;
      } else if (op == "Pow") {
        if (y < 0 || y > 64) return NodeError(n, "integer exponent out of range");
        z = 1;
        for (int64_t e = 0; e < y; ++e) z = static_cast<int64_t>(static_cast<uint64_t>(z) * static_cast<uint64_t>(x));
      } else if (op == "Equal") z = x == y;
      else if (op == "Not") z = x == 0;
      else if (op == "Neg") z = static_cast<int64_t>(0 - static_cast<uint64_t>(x));
      out.i.push_back(z);
      out.f.push_back(static_cast<float>(z));
    } else {
      const double x = a->f[static_cast<size_t>(ia)], y = b->f[static_cast<size_t>(ib)];
      double z = 0;
      if (op == "Add") z = x + y;
      else if (op == "Sub") z = x - y;
      else if (op == "Mul") z = x * y;
      else if (op == "Div") z = x / y;
      else if (op == "Pow") z = std::pow(x, y);
      else if (op == "Equal") z = x == y;
      else if (op == "Not") z = x == 0;
      else if (op == "Neg") z = -x;
      else if (op == "Sqrt") z = std::sqrt(x);
      out.f.push_back(static_cast<float>(z));
      if (out.is_int) out.i.push_back(static_cast<int64_t>(z));
    }
    for (size_t k = r; k-- > 0;) {
      if (++idx[k] < out.shape[k]) break;
      idx[k] = 0;
    }
  }
  *folded = true;
  return Define(n.outputs[0], std::move(out));
}

Status Importer::MapConstOnly(size_t idx) {
  const OnnxNode& n = node(idx);
  return NodeError(n, "is supported only with constant inputs (folded at conversion time); a value computed from a graph input becomes constant when that input is fixed (--input-value NAME=V)");
}

}  // namespace onnx_import
}  // namespace edgert
