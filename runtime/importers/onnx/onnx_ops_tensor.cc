// ONNX importer: Slice, Pad, Split, Gather (activation data), Pow and
// ReduceMean / ReduceSum / ReduceMax / ReduceMin mappers for activations.
// Rank-4 NHWC-stored inputs are first restored to NCHW (the ops work on the
// logical layout).
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "runtime/importers/onnx/onnx_import_internal.h"

namespace edgert {
namespace onnx_import {

Status Importer::MapSlice(size_t idx) {
  const OnnxNode& n = node(idx);
  Value* x;
  EDGERT_RETURN_IF_ERROR(InputAndOutput(n, &x));
  Shape64 begin, step, out;
  EDGERT_RETURN_IF_ERROR(SliceRanges(n, x->shape, &begin, &step, &out));
  EDGERT_RETURN_IF_ERROR(CheckShape(out, "output of Slice"));
  int xt;
  EDGERT_RETURN_IF_ERROR(Materialize(x, false, &xt));
  bool unit = true;
  for (int64_t s : step) unit = unit && s == 1;
  std::vector<int32_t> b32, e32, s32;
  for (size_t k = 0; k < out.size(); ++k) {
    b32.push_back(static_cast<int32_t>(begin[k]));
    s32.push_back(static_cast<int32_t>(step[k]));
    e32.push_back(static_cast<int32_t>(out[k]));  // the size for SLICE
  }
  Value v;
  const int yt = NewActivation(n.outputs[0], out, false, &v);
  if (unit) {
    Emit(schema::OpType_SLICE, {xt, ConstI32(n.outputs[0] + "/begin", b32), ConstI32(n.outputs[0] + "/size", e32)}, {yt});
  } else {
    // STRIDED_SLICE with explicit ends: begin + size * step, with end_mask where
    // a negative step runs to the start of the dimension.
    int32_t end_mask = 0;
    for (size_t k = 0; k < out.size(); ++k) {
      const int64_t end = begin[k] + out[k] * step[k];
      if (end < 0) end_mask |= 1 << k;
      e32[k] = static_cast<int32_t>(end < 0 ? 0 : end);
    }
    Emit(schema::OpType_STRIDED_SLICE,
         {xt, ConstI32(n.outputs[0] + "/begin", b32), ConstI32(n.outputs[0] + "/end", e32),
          ConstI32(n.outputs[0] + "/strides", s32)},
         {yt}, schema::OpOptions_StridedSliceOptions,
         schema::CreateStridedSliceOptions(b_.fbb(), 0, end_mask).Union());
  }
  return Define(n.outputs[0], std::move(v));
}

Status Importer::MapPad(size_t idx) {
  const OnnxNode& n = node(idx);
  Value* x;
  EDGERT_RETURN_IF_ERROR(InputAndOutput(n, &x));
  const int64_t r = static_cast<int64_t>(x->shape.size());
  std::vector<int64_t> pads;
  float value = 0.f;
  if (opset_ < 11) {
    pads = AttrInts(n, "pads");
    value = AttrFloat(n, "value", 0.f);
  } else {
    Value* p;
    EDGERT_RETURN_IF_ERROR(RequireConst(n, 1, "pads must be a constant", &p));
    const std::vector<int64_t>* pv;
    EDGERT_RETURN_IF_ERROR(Ints(p, &pv));
    pads = *pv;
    if (HasInput(n, 2)) {
      Value* c;
      EDGERT_RETURN_IF_ERROR(RequireConst(n, 2, "constant_value must be a constant", &c));
      const std::vector<float>* cv;
      EDGERT_RETURN_IF_ERROR(Floats(c, &cv));
      if (cv->size() != 1) return NodeError(n, "constant_value must be a scalar", StatusCode::kInvalidModel);
      value = (*cv)[0];
    }
  }
  std::vector<int64_t> axes;
  if (HasInput(n, 3)) {
    Value* a;
    EDGERT_RETURN_IF_ERROR(RequireConst(n, 3, "axes must be a constant", &a));
    const std::vector<int64_t>* av;
    EDGERT_RETURN_IF_ERROR(Ints(a, &av));
    for (int64_t k : *av) axes.push_back(k < 0 ? k + r : k);
  } else {
    for (int64_t k = 0; k < r; ++k) axes.push_back(k);
  }
  if (pads.size() != 2 * axes.size())
    return NodeError(n, "pads must hold 2 values per padded axis", StatusCode::kInvalidModel);
  const OnnxAttribute* ma = n.attr("mode");
  const std::string mode = ma != nullptr ? ma->s : "constant";
  schema::PadMode pm;
  if (mode == "constant") pm = schema::PadMode_CONSTANT;
  else if (mode == "reflect") pm = schema::PadMode_REFLECT;
  else if (mode == "edge") pm = schema::PadMode_EDGE;
  else return NodeError(n, "mode '" + mode + "' is not supported (constant, reflect, edge)");
  std::vector<int32_t> p32(static_cast<size_t>(2 * r), 0);
  Shape64 out = x->shape;
  for (size_t j = 0; j < axes.size(); ++j) {
    const int64_t a = axes[j];
    if (a < 0 || a >= r) return NodeError(n, "invalid axes", StatusCode::kInvalidModel);
    const int64_t pb = pads[j], pe = pads[j + axes.size()];
    if (pb < -kMaxDim || pb > 65536 || pe < -kMaxDim || pe > 65536)
      return NodeError(n, "pads out of range", StatusCode::kInvalidModel);
    const int64_t d = x->shape[static_cast<size_t>(a)];
    if (pm == schema::PadMode_REFLECT && (pb >= d || pe >= d))
      return NodeError(n, "reflect padding must be smaller than the padded dimension", StatusCode::kInvalidModel);
    out[static_cast<size_t>(a)] = d + pb + pe;
    if (out[static_cast<size_t>(a)] < 0) return NodeError(n, "pads crop below zero", StatusCode::kInvalidModel);
    p32[static_cast<size_t>(2 * a)] = static_cast<int32_t>(pb);
    p32[static_cast<size_t>(2 * a + 1)] = static_cast<int32_t>(pe);
  }
  EDGERT_RETURN_IF_ERROR(CheckShape(out, "output of Pad"));
  int xt;
  EDGERT_RETURN_IF_ERROR(Materialize(x, false, &xt));
  ++num_constants_;
  constant_bytes_ += p32.size() * sizeof(int32_t);
  const int pt = b_.AddConstant(Unique(n.outputs[0] + "/paddings"), DType::kI32, {static_cast<int32_t>(r), 2},
                                p32.data(), p32.size() * sizeof(int32_t));
  std::vector<int32_t> ins = {xt, pt};
  if (pm == schema::PadMode_CONSTANT && value != 0.f) ins.push_back(ConstTensor(n.outputs[0] + "/value", {1}, {value}));
  Value v;
  const int yt = NewActivation(n.outputs[0], out, false, &v);
  Emit(schema::OpType_PAD, ins, {yt}, schema::OpOptions_PadOptions, schema::CreatePadOptions(b_.fbb(), pm).Union());
  return Define(n.outputs[0], std::move(v));
}

Status Importer::MapPow(size_t idx) {
  const OnnxNode& n = node(idx);
  Value *x, *e;
  EDGERT_RETURN_IF_ERROR(InputAndOutput(n, &x));
  EDGERT_RETURN_IF_ERROR(RequireConst(n, 1, "only a constant exponent is supported", &e));
  const std::vector<float>* ev;
  EDGERT_RETURN_IF_ERROR(Floats(e, &ev));
  if (ev->empty()) return NodeError(n, "the exponent is empty", StatusCode::kInvalidModel);
  for (float f : *ev)
    if (f != (*ev)[0]) return NodeError(n, "only a uniform exponent is supported");
  const float p = (*ev)[0];
  const bool nhwc = !x->is_const && x->nhwc;
  Shape64 out = x->shape;
  if (e->shape.size() > out.size()) return NodeError(n, "the exponent must not raise the rank");
  for (size_t k = 0; k < e->shape.size(); ++k)
    if (e->shape[e->shape.size() - 1 - k] != 1) return NodeError(n, "the exponent must broadcast to the base");
  if (p == 1.f) return MapIdentity(idx);
  if (p == 0.5f) return EmitActivation(x, schema::OpType_SQRT, n.outputs[0]);
  if (p == -0.5f) return EmitActivation(x, schema::OpType_RSQRT, n.outputs[0]);
  if (p != 2.f) return NodeError(n, "exponent " + std::to_string(p) + " is not supported (1, 2, 0.5, -0.5)");
  int xt;
  EDGERT_RETURN_IF_ERROR(Materialize(x, nhwc, &xt));
  Value v;
  const int yt = OutputActivation(n.outputs[0], out, nhwc, &v);
  EmitBinary(schema::OpType_MUL, xt, xt, yt);
  return Define(n.outputs[0], std::move(v));
}

Status Importer::MapReduce(size_t idx) {
  const OnnxNode& n = node(idx);
  Value* x;
  EDGERT_RETURN_IF_ERROR(InputAndOutput(n, &x));
  const int64_t r = static_cast<int64_t>(x->shape.size());
  std::vector<int64_t> axes = AttrInts(n, "axes");
  if (HasInput(n, 1)) {
    Value* a;
    EDGERT_RETURN_IF_ERROR(RequireConst(n, 1, "axes must be a constant", &a));
    const std::vector<int64_t>* av;
    EDGERT_RETURN_IF_ERROR(Ints(a, &av));
    axes = *av;
  }
  const bool keep = AttrInt(n, "keepdims", 1) != 0;
  if (axes.empty()) {
    if (AttrInt(n, "noop_with_empty_axes", 0) != 0) return MapIdentity(idx);
    for (int64_t k = 0; k < r; ++k) axes.push_back(k);
  }
  std::vector<bool> mark(static_cast<size_t>(r), false);
  for (int64_t& a : axes) {
    if (a < 0) a += r;
    if (a < 0 || a >= r) return NodeError(n, "axes out of range", StatusCode::kInvalidModel);
    mark[static_cast<size_t>(a)] = true;
  }
  Shape64 out;
  for (int64_t k = 0; k < r; ++k) {
    if (!mark[static_cast<size_t>(k)]) out.push_back(x->shape[static_cast<size_t>(k)]);
    else if (keep) out.push_back(1);
  }
  int xt;
  EDGERT_RETURN_IF_ERROR(Materialize(x, false, &xt));
  std::vector<int32_t> a32;
  for (int64_t k = 0; k < r; ++k)
    if (mark[static_cast<size_t>(k)]) a32.push_back(static_cast<int32_t>(k));
  schema::OpType t = schema::OpType_MEAN;
  if (n.op_type == "ReduceSum") t = schema::OpType_SUM;
  else if (n.op_type == "ReduceMax") t = schema::OpType_REDUCE_MAX;
  else if (n.op_type == "ReduceMin") t = schema::OpType_REDUCE_MIN;
  Value v;
  const int yt = NewActivation(n.outputs[0], out, false, &v);
  Emit(t, {xt, ConstI32(n.outputs[0] + "/axes", a32)}, {yt}, schema::OpOptions_ReduceOptions,
       schema::CreateReduceOptions(b_.fbb(), keep).Union());
  return Define(n.outputs[0], std::move(v));
}

Status Importer::MapSplit(size_t idx) {
  const OnnxNode& n = node(idx);
  Value* x;
  EDGERT_RETURN_IF_ERROR(InputAndOutput(n, &x));
  const int64_t r = static_cast<int64_t>(x->shape.size());
  int64_t axis;
  EDGERT_RETURN_IF_ERROR(Axis(n, r, 0, /*allow_end=*/false, &axis));
  const int64_t d = x->shape[static_cast<size_t>(axis)];
  const size_t num = n.outputs.size();
  std::vector<int64_t> sizes = AttrInts(n, "split");
  if (HasInput(n, 1)) {
    Value* s;
    EDGERT_RETURN_IF_ERROR(RequireConst(n, 1, "split must be a constant", &s));
    const std::vector<int64_t>* sv;
    EDGERT_RETURN_IF_ERROR(Ints(s, &sv));
    sizes = *sv;
  }
  if (sizes.empty()) {
    // Equal parts; with num_outputs (opset 18) the last part may be smaller.
    const int64_t part = (d + static_cast<int64_t>(num) - 1) / static_cast<int64_t>(num);
    for (size_t k = 0; k < num; ++k) sizes.push_back(std::max<int64_t>(0, std::min(part, d - part * static_cast<int64_t>(k))));
  }
  int64_t total = 0;
  for (int64_t s : sizes) {
    if (s < 0) return NodeError(n, "split sizes must be >= 0", StatusCode::kInvalidModel);
    total += s;
  }
  if (sizes.size() != num || total != d)
    return NodeError(n, "split sizes do not match the outputs or the axis length", StatusCode::kInvalidModel);
  int xt;
  EDGERT_RETURN_IF_ERROR(Materialize(x, false, &xt));
  std::vector<int32_t> s32(sizes.begin(), sizes.end()), outs;
  std::vector<Value> vals(num);
  for (size_t k = 0; k < num; ++k) {
    Shape64 os = x->shape;
    os[static_cast<size_t>(axis)] = sizes[k];
    const std::string name = n.outputs[k].empty() ? n.outputs[0] + "/unused" + std::to_string(k) : n.outputs[k];
    outs.push_back(NewActivation(name, os, false, &vals[k]));
  }
  Emit(schema::OpType_SPLIT, {xt, ConstI32(n.outputs[0] + "/sizes", s32)}, outs, schema::OpOptions_SplitOptions,
       schema::CreateSplitOptions(b_.fbb(), static_cast<int32_t>(axis)).Union());
  for (size_t k = 0; k < num; ++k)
    if (!n.outputs[k].empty()) EDGERT_RETURN_IF_ERROR(Define(n.outputs[k], std::move(vals[k])));
  return Status::Ok();
}

Status Importer::MapGatherActivation(size_t idx) {
  const OnnxNode& n = node(idx);
  Value *x, *ix;
  EDGERT_RETURN_IF_ERROR(InputAndOutput(n, &x));
  EDGERT_RETURN_IF_ERROR(GetConst(n, 1, &ix));
  const int64_t r = static_cast<int64_t>(x->shape.size());
  int64_t axis;
  EDGERT_RETURN_IF_ERROR(Axis(n, r, 0, /*allow_end=*/false, &axis));
  const std::vector<int64_t>* iv;
  EDGERT_RETURN_IF_ERROR(Ints(ix, &iv));
  const int64_t d = x->shape[static_cast<size_t>(axis)];
  std::vector<int32_t> i32;
  for (int64_t k : *iv) {
    if (k < -d || k >= d) return NodeError(n, "index " + std::to_string(k) + " out of range", StatusCode::kInvalidModel);
    i32.push_back(static_cast<int32_t>(k < 0 ? k + d : k));
  }
  Shape64 out(x->shape.begin(), x->shape.begin() + axis);
  out.insert(out.end(), ix->shape.begin(), ix->shape.end());
  out.insert(out.end(), x->shape.begin() + axis + 1, x->shape.end());
  EDGERT_RETURN_IF_ERROR(CheckShape(out, "output of Gather"));
  int xt;
  EDGERT_RETURN_IF_ERROR(Materialize(x, false, &xt));
  if (i32.size() == 1) {
    // One index: a SLICE of length 1, reshaped (no copy) to drop the axis.
    std::vector<int32_t> b32(static_cast<size_t>(r), 0), s32;
    for (int64_t k = 0; k < r; ++k) s32.push_back(static_cast<int32_t>(x->shape[static_cast<size_t>(k)]));
    b32[static_cast<size_t>(axis)] = i32[0];
    s32[static_cast<size_t>(axis)] = 1;
    Value sl;
    Shape64 ss = x->shape;
    ss[static_cast<size_t>(axis)] = 1;
    const int st = NewActivation(n.outputs[0] + "/slice", ss, false, &sl);
    Emit(schema::OpType_SLICE, {xt, ConstI32(n.outputs[0] + "/begin", b32), ConstI32(n.outputs[0] + "/size", s32)}, {st});
    return Reshape(&sl, out, n.outputs[0]);
  }
  ++num_constants_;
  constant_bytes_ += i32.size() * sizeof(int32_t);
  std::vector<int32_t> is32;
  for (int64_t dd : ix->shape) is32.push_back(static_cast<int32_t>(dd));
  const int it = b_.AddConstant(Unique(n.outputs[0] + "/indices"), DType::kI32, is32, i32.data(), i32.size() * sizeof(int32_t));
  Value v;
  const int yt = NewActivation(n.outputs[0], out, false, &v);
  Emit(schema::OpType_GATHER, {xt, it}, {yt}, schema::OpOptions_GatherOptions,
       schema::CreateGatherOptions(b_.fbb(), static_cast<int32_t>(axis)).Union());
  return Define(n.outputs[0], std::move(v));
}

}  // namespace onnx_import
}  // namespace edgert
