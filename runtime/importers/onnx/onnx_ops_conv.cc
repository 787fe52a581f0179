// ONNX importer: the Conv (with folded BatchNormalization and fused
// activation), BatchNormalization, pooling, Gemm and MatMul mappers.
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "runtime/importers/onnx/onnx_import_internal.h"

namespace edgert {
namespace onnx_import {

Status Importer::MapConv(size_t idx) {
  const OnnxNode& n = node(idx);
  Value* x;
  if (!HasInput(n, 0)) return NodeError(n, "input X is missing", StatusCode::kInvalidModel);
  EDGERT_RETURN_IF_ERROR(Get(n.inputs[0], &x));
  if (x->shape.size() == 3) return MapConv1d(idx);
  return ConvNode(n);
}

Status Importer::MapConv1d(size_t idx) {
  const OnnxNode& n = node(idx);
  Value *x, *w;
  EDGERT_RETURN_IF_ERROR(Get(n.inputs[0], &x));
  EDGERT_RETURN_IF_ERROR(GetConst(n, 1, &w));
  if (w->shape.size() != 3) return NodeError(n, "1-D Conv weights must be rank 3, got " + ShapeStr(w->shape), StatusCode::kInvalidModel);
  if (n.outputs.empty() || n.outputs[0].empty()) return NodeError(n, "has no output", StatusCode::kInvalidModel);
  // [N,C,L] -> [N,C,1,L]; weights [O,I,k] -> [O,I,1,k]; attributes gain a leading unit dim.
  OnnxNode c = n;
  c.inputs[0] = n.inputs[0] + "/as_2d";
  c.inputs[1] = w->name + "/as_2d";
  c.outputs = {n.outputs[0] + "/as_2d"};
  if (by_name_.count(c.inputs[0]) == 0)
    EDGERT_RETURN_IF_ERROR(Reshape(x, {x->shape[0], x->shape[1], 1, x->shape[2]}, c.inputs[0]));
  if (by_name_.count(c.inputs[1]) == 0) {
    const std::vector<float>* wd;
    EDGERT_RETURN_IF_ERROR(Floats(w, &wd));
    Value w4;
    w4.is_const = w4.loaded = true;
    w4.f = *wd;
    w4.shape = {w->shape[0], w->shape[1], 1, w->shape[2]};
    EDGERT_RETURN_IF_ERROR(Define(c.inputs[1], std::move(w4)));
  }
  for (OnnxAttribute& a : c.attributes) {
    if (a.name == "kernel_shape" || a.name == "strides" || a.name == "dilations") {
      if (a.ints.size() != 1) return NodeError(n, a.name + " must have 1 value", StatusCode::kInvalidModel);
      a.ints.insert(a.ints.begin(), 1);
    } else if (a.name == "pads") {
      if (a.ints.size() != 2) return NodeError(n, "pads must have 2 values", StatusCode::kInvalidModel);
      a.ints = {0, a.ints[0], 0, a.ints[1]};
    }
  }
  conv1d_nodes_.push_back(std::move(c));
  EDGERT_RETURN_IF_ERROR(ConvNode(conv1d_nodes_.back()));
  Value* y;
  EDGERT_RETURN_IF_ERROR(Get(conv1d_nodes_.back().outputs[0], &y));
  return Reshape(y, {y->shape[0], y->shape[1], y->shape[3]}, n.outputs[0]);
}

Status Importer::ConvGeometry(const OnnxNode& n, const Shape64& xs, const Shape64& ws, ConvGeom* g) {
  if (xs.size() != 4) return NodeError(n, "only 2-D convolutions (rank-4 input) are supported; input is " + ShapeStr(xs));
  if (ws.size() != 4) return NodeError(n, "weights must be rank 4, got " + ShapeStr(ws), StatusCode::kInvalidModel);
  const int64_t C = xs[1], O = ws[0], Ig = ws[1], kh = ws[2], kw = ws[3];
  const int64_t group = AttrInt(n, "group", 1);
  if (group < 1 || C % group != 0 || O % group != 0 || Ig * group != C || O < 1 || kh < 1 || kw < 1)
    return NodeError(n, "weights " + ShapeStr(ws) + " do not fit input " + ShapeStr(xs) + " with group " +
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
  std::string auto_pad;
  EDGERT_RETURN_IF_ERROR(PadsAttr(n, pads, &auto_pad));
  g->out_shape = {xs[0], O, 0, 0};
  const int64_t k2[2] = {kh, kw};
  for (int k = 0; k < 2; ++k) {
    const int64_t in = xs[static_cast<size_t>(2 + k)], keff = (k2[k] - 1) * dil[k] + 1, s = strides[k];
    int64_t span;
    EDGERT_RETURN_IF_ERROR(SpatialPads(n, auto_pad, pads, k, in, keff, s, &g->pb[k], &g->pe[k], &span));
    g->out_shape[static_cast<size_t>(2 + k)] = span / s + 1;
    g->stride[k] = static_cast<int32_t>(strides[k]);
    g->dilation[k] = static_cast<int32_t>(dil[k]);
  }
  g->depthwise = group == C && Ig == 1 && group > 1;
  return CheckShape(g->out_shape, "output of " + n.op_type);
}

Status Importer::ConvNode(const OnnxNode& n) {
  Value *x, *w, *bias = nullptr;
  EDGERT_RETURN_IF_ERROR(Get(n.inputs[0], &x));
  if (x->shape.size() != 4) return NodeError(n, "only 2-D convolutions (rank-4 input) are supported; input is " + ShapeStr(x->shape));
  EDGERT_RETURN_IF_ERROR(GetConst(n, 1, &w));
  if (HasInput(n, 2)) EDGERT_RETURN_IF_ERROR(GetConst(n, 2, &bias));
  ConvGeom geom;
  EDGERT_RETURN_IF_ERROR(ConvGeometry(n, x->shape, w->shape, &geom));
  const int64_t C = x->shape[1], O = w->shape[0], Ig = w->shape[1], kh = w->shape[2], kw = w->shape[3];
  const Shape64 out_shape = geom.out_shape;
  int64_t pb[2] = {geom.pb[0], geom.pb[1]}, pe[2] = {geom.pe[0], geom.pe[1]};

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
  if (opts_.fold_batchnorm && next >= 0 && node(static_cast<size_t>(next)).op_type == "BatchNormalization" &&
      node(static_cast<size_t>(next)).domain.empty()) {
    const OnnxNode& bn = node(static_cast<size_t>(next));
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
    const OnnxNode& a = node(static_cast<size_t>(next));
    if (a.domain.empty() && !a.outputs.empty() && !a.outputs[0].empty() && !a.inputs.empty() && a.inputs[0] == out_name) {
      if (a.op_type == "Relu") {
        act = schema::Activation_RELU;
      } else if (a.op_type == "Clip") {
        // The bounds may be Constant nodes placed after this Conv (as PyTorch
        // exports them): read them from their producers.
        float lo = -std::numeric_limits<float>::infinity(), hi = std::numeric_limits<float>::infinity();
        bool const_bounds = true;
        if (opset_ < 11) {
          lo = AttrFloat(a, "min", lo);
          hi = AttrFloat(a, "max", hi);
        } else {
          for (size_t k = 1; k < a.inputs.size() && k <= 2; ++k)
            if (!a.inputs[k].empty()) const_bounds = const_bounds && ScalarConst(a.inputs[k], k == 1 ? &lo : &hi);
        }
        if (const_bounds) {
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
  const bool depthwise = geom.depthwise;
  int wt;
  if (depthwise) {
    // [O,1,kh,kw] -> [1,kh,kw,O]; output channel o = c * M + m reads input channel c.
    wt = ConstTensor(w->name + "/dw", {1, kh, kw, O}, Permute(weights, {O, 1, kh, kw}, {1, 2, 3, 0}));
  } else {
    wt = ConstTensor(w->name + "/ohwi", {O, kh, kw, Ig}, Permute(weights, w->shape, {0, 2, 3, 1}));
  }
  const int bt = has_bias ? ConstTensor((bias ? bias->name : out_name + "/bias"), {O}, b) : -1;
  bool explicit_pads;
  const auto pv = PadsVector(pb, pe, &explicit_pads);
  auto& fbb = b_.fbb();
  const schema::Padding pad = explicit_pads ? schema::Padding_EXPLICIT : schema::Padding_VALID;
  Value v;
  const int yt = OutputActivation(out_name, out_shape, true, &v);
  const int32_t sh = geom.stride[0], sw = geom.stride[1];
  const int32_t dh = geom.dilation[0], dw = geom.dilation[1];
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
  const OnnxNode& n = node(idx);
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
  EmitBinary(schema::OpType_MUL, xt, at, mt);
  Value v;
  const int yt = OutputActivation(n.outputs[0], x->shape, nhwc, &v);
  EmitBinary(schema::OpType_ADD, mt, st, yt);
  return Define(n.outputs[0], std::move(v));
}

Status Importer::MapPool(size_t idx) {
  const OnnxNode& n = node(idx);
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
  std::string auto_pad;
  EDGERT_RETURN_IF_ERROR(PadsAttr(n, pads, &auto_pad));
  const bool ceil_mode = AttrInt(n, "ceil_mode", 0) != 0;
  const bool count_include_pad = !is_max && AttrInt(n, "count_include_pad", 0) != 0;
  Shape64 out_shape = {x->shape[0], x->shape[1], 0, 0};
  int64_t pb[2], pe[2];
  for (int k = 0; k < 2; ++k) {
    const int64_t in = x->shape[static_cast<size_t>(2 + k)], kk = ks[static_cast<size_t>(k)], s = strides[static_cast<size_t>(k)];
    int64_t span;
    EDGERT_RETURN_IF_ERROR(SpatialPads(n, auto_pad, pads, k, in, kk, s, &pb[k], &pe[k], &span));
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
  bool explicit_pads;
  const auto pv = PadsVector(pb, pe, &explicit_pads);
  const std::string& o = n.outputs[0];
  Value v;
  const int yt = OutputActivation(o, out_shape, true, &v);
  Emit(is_max ? schema::OpType_MAX_POOL_2D : schema::OpType_AVERAGE_POOL_2D, {xt}, {yt}, schema::OpOptions_Pool2DOptions,
       schema::CreatePool2DOptions(fbb, explicit_pads ? schema::Padding_EXPLICIT : schema::Padding_VALID,
                                   static_cast<int32_t>(strides[0]), static_cast<int32_t>(strides[1]),
                                   static_cast<int32_t>(ks[0]), static_cast<int32_t>(ks[1]), schema::Activation_NONE, pv,
                                   count_include_pad)
           .Union());
  return Define(o, std::move(v));
}

Status Importer::MapGlobalPool(size_t idx) {
  const OnnxNode& n = node(idx);
  Value* x;
  EDGERT_RETURN_IF_ERROR(InputAndOutput(n, &x));
  if (x->shape.size() != 4) return NodeError(n, "only rank-4 inputs are supported");
  int xt;
  EDGERT_RETURN_IF_ERROR(Materialize(x, true, &xt));
  const int axes = ConstI32(n.outputs[0] + "/axes", {1, 2});
  const std::string& o = n.outputs[0];
  Value v;
  const int yt = OutputActivation(o, {x->shape[0], x->shape[1], 1, 1}, true, &v);
  Emit(n.op_type == "GlobalMaxPool" ? schema::OpType_REDUCE_MAX : schema::OpType_MEAN, {xt, axes}, {yt},
       schema::OpOptions_ReduceOptions, schema::CreateReduceOptions(b_.fbb(), true).Union());
  return Define(o, std::move(v));
}

Status Importer::MapGemm(size_t idx) {
  const OnnxNode& n = node(idx);
  Value *a, *bw, *c = nullptr;
  EDGERT_RETURN_IF_ERROR(InputAndOutput(n, &a, "needs inputs A and B and an output"));
  EDGERT_RETURN_IF_ERROR(RequireConst(n, 1, "B must be a constant", &bw));
  if (HasInput(n, 2)) {
    EDGERT_RETURN_IF_ERROR(RequireConst(n, 2, "C must be a constant", &c));
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
  const OnnxNode& n = node(idx);
  Value *a, *bw;
  EDGERT_RETURN_IF_ERROR(InputAndOutput(n, &a, "needs two inputs and an output"));
  if (!HasInput(n, 1)) return NodeError(n, "needs two inputs and an output", StatusCode::kInvalidModel);
  if (!IsConstName(n.inputs[1])) {
    EDGERT_RETURN_IF_ERROR(Get(n.inputs[1], &bw));
    return MapBatchMatMul(n, a, bw);
  }
  EDGERT_RETURN_IF_ERROR(RequireConst(n, 1, "only a constant second input is supported", &bw));
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

}  // namespace onnx_import
}  // namespace edgert
