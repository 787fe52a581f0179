// ONNX importer: QuantizeLinear / DequantizeLinear (QDQ) models, as ONNX
// Runtime's static quantizer writes them.
//
// - QuantizeLinear of a float activation -> QUANTIZE; DequantizeLinear of a
//   quantized activation -> DEQUANTIZE (dropped by the optimizer when nothing
//   reads it); DequantizeLinear of a constant folds into a float constant.
// - A group DequantizeLinear(s) -> op -> QuantizeLinear whose op has an int8
//   kernel becomes that int8 op, reading the quantized inputs and writing the
//   QuantizeLinear's output: Conv (CONV_2D / DEPTHWISE_CONV_2D with int8
//   weights, per-tensor or per-channel, and int32 bias), Gemm / MatMul with a
//   constant B (FULLY_CONNECTED), Add / Mul (ADD / MUL), MaxPool, AveragePool,
//   GlobalAveragePool / GlobalMaxPool, Reshape, Flatten, Transpose, Squeeze,
//   Unsqueeze, Concat. Other groups run in float between DEQUANTIZE and
//   QUANTIZE; the import report lists them.
// - uint8 activations are held as int8 with the zero point less 128 (the same
//   real values and the same rounding), so uint8 and int8 models share the
//   int8 kernels; int8 kernels need per-channel weights with zero point 0.
#include <algorithm>
#include <map>
#include <set>
#include <cmath>
#include <string>
#include <vector>

#include "runtime/importers/onnx/onnx_import_internal.h"

namespace edgert {
namespace onnx_import {

struct Importer::QdqGroup {
  std::vector<Value*> qin;  // per input: the quantized activation behind its DequantizeLinear (null: other)
  size_t q_node = 0;        // the QuantizeLinear consuming the op's output
  QuantSpec out;            // its parameters (int8 form)
  std::string out_name;     // its output
};

namespace {

bool SameQuant(const QuantSpec& a, const QuantSpec& b) { return a.scale == b.scale && a.zero_point == b.zero_point; }

bool IsQdqOp(const OnnxNode& n, const char* op) {
  return n.op_type == op && (n.domain.empty() || n.domain == "ai.onnx" || n.domain == "com.microsoft");
}

}  // namespace

Status Importer::QdqParams(const OnnxNode& n, int64_t rank, QuantSpec* q, bool* is_u8, int32_t data_type) {
  if (n.inputs.size() < 2 || n.inputs[1].empty()) return NodeError(n, "needs a scale input", StatusCode::kInvalidModel);
  if (n.outputs.empty() || n.outputs[0].empty()) return NodeError(n, "has no output", StatusCode::kInvalidModel);
  Value* s;
  EDGERT_RETURN_IF_ERROR(RequireConst(n, 1, "the scale must be a constant", &s));
  const std::vector<float>* sv;
  EDGERT_RETURN_IF_ERROR(Floats(s, &sv));
  if (sv->empty()) return NodeError(n, "the scale is empty", StatusCode::kInvalidModel);
  for (float x : *sv)
    if (!(x > 0.f) || !std::isfinite(x)) return NodeError(n, "scales must be positive and finite", StatusCode::kInvalidModel);
  std::vector<int64_t> zp(sv->size(), 0);
  // Without a zero point the type is the input's (a constant's), else uint8.
  int32_t zp_type = data_type == kOnnxInt8 || data_type == kOnnxInt32 ? data_type : kOnnxUint8;
  if (HasInput(n, 2)) {
    Value* z;
    EDGERT_RETURN_IF_ERROR(RequireConst(n, 2, "the zero point must be a constant", &z));
    if (z->src != nullptr) zp_type = z->src->data_type;
    else return NodeError(n, "the zero point must be an initializer (its element type gives the quantized type)");
    const std::vector<int64_t>* zv;
    EDGERT_RETURN_IF_ERROR(Ints(z, &zv));
    if (zv->size() != sv->size()) return NodeError(n, "scale and zero point sizes differ", StatusCode::kInvalidModel);
    zp = *zv;
  } else if (const OnnxAttribute* a = n.attr("output_dtype")) {
    zp_type = static_cast<int32_t>(a->i);
  }
  if (zp_type != kOnnxInt8 && zp_type != kOnnxUint8 && !(zp_type == kOnnxInt32 && data_type == kOnnxInt32))
    return NodeError(n, std::string("quantized type ") + OnnxDataTypeName(zp_type) +
                            " is not supported (int8 and uint8 are, and int32 for constants)");
  *is_u8 = zp_type == kOnnxUint8;
  const int64_t lo = zp_type == kOnnxInt32 ? 0 : *is_u8 ? 0 : -128, hi = zp_type == kOnnxInt32 ? 0 : *is_u8 ? 255 : 127;
  for (int64_t& z : zp) {
    if (z < lo || z > hi) return NodeError(n, "zero point out of range", StatusCode::kInvalidModel);
    if (*is_u8) z -= 128;
  }
  int64_t axis = AttrInt(n, "axis", 1);
  if (sv->size() > 1) {
    if (axis < 0) axis += rank;
    if (axis < 0 || axis >= rank) return NodeError(n, "axis out of range", StatusCode::kInvalidModel);
  } else {
    axis = 0;
  }
  if (AttrInt(n, "block_size", 0) != 0) return NodeError(n, "blocked quantization is not supported");
  q->scale = *sv;
  q->zero_point = zp;
  q->axis = static_cast<int>(axis);
  return Status::Ok();
}

Status Importer::MapQuantizeLinear(size_t idx) {
  const OnnxNode& n = node(idx);
  Value* x;
  EDGERT_RETURN_IF_ERROR(InputAndOutput(n, &x));
  if (x->is_const) return NodeError(n, "a constant input is not supported (the quantizer stores quantized constants)");
  if (x->dtype != DType::kF32) return NodeError(n, "the input must be float32");
  QuantSpec q;
  bool u8;
  EDGERT_RETURN_IF_ERROR(QdqParams(n, static_cast<int64_t>(x->shape.size()), &q, &u8));
  if (q.scale.size() != 1) return NodeError(n, "per-axis quantization of activations is not supported");
  const std::string& o = n.outputs[0];
  Value v;
  // A uint8 graph output keeps its type; inside the graph uint8 is held as int8.
  const bool keep_u8 = graph_outputs_.count(o) != 0 && u8;
  if (keep_u8) q.zero_point[0] += 128;
  const int yt = OutputActivation(o, x->shape, x->nhwc, &v, keep_u8 ? DType::kU8 : DType::kI8, &q);
  Emit(schema::OpType_QUANTIZE, {x->tensor}, {yt});
  return Define(o, std::move(v));
}

Status Importer::MapDequantizeLinear(size_t idx) {
  const OnnxNode& n = node(idx);
  Value* x;
  EDGERT_RETURN_IF_ERROR(InputAndOutput(n, &x));
  const int64_t rank = static_cast<int64_t>(x->shape.size());
  QuantSpec q;
  bool u8;
  EDGERT_RETURN_IF_ERROR(QdqParams(n, rank, &q, &u8, x->src != nullptr ? x->src->data_type : 0));
  const std::string& o = n.outputs[0];
  if (x->is_const) {
    // Folded: y = (q - zero_point[c]) * scale[c] along the axis.
    if (x->src != nullptr && x->src->data_type != kOnnxInt8 && x->src->data_type != kOnnxUint8 &&
        x->src->data_type != kOnnxInt32)
      return NodeError(n, std::string("constant input of type ") + OnnxDataTypeName(x->src->data_type) +
                              " is not supported (int8, uint8 and int32 are)");
    const std::vector<int64_t>* qv;
    EDGERT_RETURN_IF_ERROR(Ints(x, &qv));
    int64_t inner = 1, ch = 1;
    if (q.scale.size() > 1) {
      ch = x->shape[static_cast<size_t>(q.axis)];
      if (ch != static_cast<int64_t>(q.scale.size()))
        return NodeError(n, "the scale has " + std::to_string(q.scale.size()) + " values; axis " +
                                std::to_string(q.axis) + " of " + ShapeStr(x->shape) + " has " + std::to_string(ch),
                         StatusCode::kInvalidModel);
      for (size_t k = static_cast<size_t>(q.axis) + 1; k < x->shape.size(); ++k) inner *= x->shape[k];
    }
    const int64_t shift = (u8 && (x->src == nullptr || x->src->data_type == kOnnxUint8)) ? 128 : 0;
    Value v;
    v.is_const = v.loaded = true;
    v.shape = x->shape;
    v.f.resize(qv->size());
    for (size_t k = 0; k < qv->size(); ++k) {
      const size_t c = static_cast<size_t>((static_cast<int64_t>(k) / inner) % ch);
      // zero_point is held in int8 form; (q - shift) - zp_int8 = q - zp_original.
      v.f[k] = static_cast<float>((*qv)[k] - shift - q.zero_point[c]) * q.scale[c];
    }
    ++report_->folded_dequantize;
    return Define(o, std::move(v));
  }
  if (q.scale.size() != 1) return NodeError(n, "per-axis quantization of activations is not supported");
  if (x->dtype == DType::kF32) {
    // Integer values computed in float (e.g. rows gathered from an int8
    // constant): y = (x - zero_point) * scale in float.
    const float zp = static_cast<float>(q.zero_point[0] + (u8 ? 128 : 0));
    const int zt = ConstTensor(o + "/zero_point", {1}, {-zp}), st = ConstTensor(o + "/scale", {1}, {q.scale[0]});
    Value t, v;
    const int tt = NewActivation(o + "/centered", x->shape, x->nhwc, &t);
    EmitBinary(schema::OpType_ADD, x->tensor, zt, tt);
    const int yt = OutputActivation(o, x->shape, x->nhwc, &v);
    EmitBinary(schema::OpType_MUL, tt, st, yt);
    return Define(o, std::move(v));
  }
  if (x->dtype != DType::kI8 && x->dtype != DType::kU8) return NodeError(n, "the input must be a quantized activation");
  if (!SameQuant(x->quant, q))
    report_->warnings.push_back("DequantizeLinear '" + n.name + "' uses other parameters than its input's QuantizeLinear");
  QuantSpec in_q = q;
  if (x->dtype == DType::kU8) in_q.zero_point[0] += 128;
  // The stored tensor carries its own parameters; a DEQUANTIZE with different
  // ones reads it through a requantized copy.
  int xt = x->tensor;
  if (!SameQuant(x->quant, in_q)) {
    Value r;
    EDGERT_RETURN_IF_ERROR(Requantize(x, q, &r));
    xt = r.tensor;
  }
  Value v;
  const int yt = OutputActivation(o, x->shape, x->nhwc, &v);
  Emit(schema::OpType_DEQUANTIZE, {xt}, {yt});
  return Define(o, std::move(v));
}

Status Importer::Requantize(Value* x, const QuantSpec& q, Value* out) {
  NewActivation(x->name + "/requant", x->shape, x->nhwc, out, DType::kI8, &q);
  Emit(schema::OpType_QUANTIZE, {x->tensor}, {out->tensor});
  return Status::Ok();
}

Status Importer::QdqConstInput(const std::string& name, std::vector<int64_t>* q, QuantSpec* spec, int32_t* elem_type,
                               std::string* why) {
  auto p = producer_.find(name);
  if (p == producer_.end() || !IsQdqOp(node(p->second), "DequantizeLinear") || node(p->second).inputs.empty()) {
    *why = "'" + name + "' is not a DequantizeLinear output";
    return Status::Ok();
  }
  const OnnxNode& d = node(p->second);
  Value* x;
  EDGERT_RETURN_IF_ERROR(Get(d.inputs[0], &x));
  if (!x->is_const || x->src == nullptr) {
    *why = "'" + name + "' is not a dequantized initializer";
    return Status::Ok();
  }
  bool u8;
  EDGERT_RETURN_IF_ERROR(QdqParams(d, static_cast<int64_t>(x->shape.size()), spec, &u8, x->src->data_type));
  *elem_type = x->src->data_type;
  const std::vector<int64_t>* v;
  EDGERT_RETURN_IF_ERROR(Ints(x, &v));
  *q = *v;
  if (*elem_type == kOnnxUint8)
    for (int64_t& e : *q) e -= 128;  // int8 form, like the zero point
  return Status::Ok();
}

Status Importer::MatchQdqGroup(size_t idx, QdqGroup* g, std::string* why) {
  const OnnxNode& n = node(idx);
  g->qin.assign(n.inputs.size(), nullptr);
  bool any = false;
  for (size_t k = 0; k < n.inputs.size(); ++k) {
    if (n.inputs[k].empty() || IsConstName(n.inputs[k])) continue;
    auto p = producer_.find(n.inputs[k]);
    if (p == producer_.end() || !IsQdqOp(node(p->second), "DequantizeLinear") || node(p->second).inputs.empty()) {
      *why = "input '" + n.inputs[k] + "' is not dequantized";
      return Status::Ok();
    }
    Value* x;
    EDGERT_RETURN_IF_ERROR(Get(node(p->second).inputs[0], &x));
    if (x->is_const || x->dtype != DType::kI8) {
      *why = "input '" + n.inputs[k] + "' is not an int8 activation";
      return Status::Ok();
    }
    QuantSpec dq;
    bool u8;
    EDGERT_RETURN_IF_ERROR(QdqParams(node(p->second), static_cast<int64_t>(x->shape.size()), &dq, &u8));
    if (!SameQuant(dq, x->quant)) {
      *why = "input '" + n.inputs[k] + "' is dequantized with other parameters than it was quantized with";
      return Status::Ok();
    }
    g->qin[k] = x;
    any = true;
  }
  if (!any) {
    *why = "no dequantized activation input";
    return Status::Ok();
  }
  for (size_t k = 1; k < n.outputs.size(); ++k)
    if (!n.outputs[k].empty()) {
      *why = "more than one output";
      return Status::Ok();
    }
  const int q = n.outputs.empty() ? -1 : SoleConsumer(n.outputs[0]);
  if (q < 0 || !IsQdqOp(node(static_cast<size_t>(q)), "QuantizeLinear") || node(static_cast<size_t>(q)).inputs[0] != n.outputs[0]) {
    *why = "the output is not quantized (read by one QuantizeLinear only)";
    return Status::Ok();
  }
  const OnnxNode& qn = node(static_cast<size_t>(q));
  if (qn.inputs.size() < 2 || qn.outputs.empty() || qn.outputs[0].empty() || graph_outputs_.count(qn.outputs[0]) != 0) {
    *why = "the QuantizeLinear output is a graph output";
    return Status::Ok();
  }
  bool u8;
  EDGERT_RETURN_IF_ERROR(QdqParams(qn, 4, &g->out, &u8));
  if (g->out.scale.size() != 1) {
    *why = "the output is quantized per axis";
    return Status::Ok();
  }
  g->q_node = static_cast<size_t>(q);
  g->out_name = qn.outputs[0];
  why->clear();
  return Status::Ok();
}

Status Importer::TryQdqGroup(size_t idx, bool* done) {
  *done = false;
  const OnnxNode& n = node(idx);
  if (!(n.domain.empty() || n.domain == "ai.onnx")) return Status::Ok();
  const std::string& op = n.op_type;
  if (op == "QuantizeLinear" || op == "DequantizeLinear") return Status::Ok();
  QdqGroup g;
  std::string why;
  EDGERT_RETURN_IF_ERROR(MatchQdqGroup(idx, &g, &why));
  if (why.empty()) {
    if (op == "Conv") {
      EDGERT_RETURN_IF_ERROR(QuantConv(idx, &g, &why));
    } else if (op == "Gemm" || op == "MatMul") {
      EDGERT_RETURN_IF_ERROR(QuantGemm(idx, &g, &why));
    } else if (op == "Add" || op == "Mul") {
      EDGERT_RETURN_IF_ERROR(QuantBinary(idx, &g, &why));
    } else if (op == "MaxPool" || op == "AveragePool" || op == "GlobalAveragePool" || op == "GlobalMaxPool" ||
               op == "Reshape" || op == "Flatten" || op == "Transpose" || op == "Squeeze" || op == "Unsqueeze" ||
               op == "Concat") {
      EDGERT_RETURN_IF_ERROR(QuantPassThrough(idx, &g, &why));
    } else {
      why = "no int8 kernel for " + op;
    }
    if (why.empty()) {
      skip_[g.q_node] = true;
      ++qdq_folded_;
      *done = true;
      return Status::Ok();
    }
  }
  // A float op between DequantizeLinear and QuantizeLinear: note it.
  bool reads_dq = false;
  for (const std::string& in : n.inputs) {
    auto p = producer_.find(in);
    reads_dq = reads_dq || (p != producer_.end() && IsQdqOp(node(p->second), "DequantizeLinear") &&
                            !node(p->second).inputs.empty() && !IsConstName(node(p->second).inputs[0]));
  }
  const int q = n.outputs.empty() ? -1 : SoleConsumer(n.outputs[0]);
  if (reads_dq && q >= 0 && IsQdqOp(node(static_cast<size_t>(q)), "QuantizeLinear"))
    qdq_float_ops_.push_back(op + " '" + n.name + "': " + why);
  return Status::Ok();
}

Status Importer::QuantConv(size_t idx, QdqGroup* g, std::string* why) {
  const OnnxNode& n = node(idx);
  Value* x = g->qin[0];
  if (x == nullptr || n.inputs.size() < 2) {
    *why = "input X is not quantized";
    return Status::Ok();
  }
  for (size_t k = 1; k < g->qin.size(); ++k)
    if (g->qin[k] != nullptr) {
      *why = "weights or bias are activations";
      return Status::Ok();
    }
  std::vector<int64_t> wq, bq;
  QuantSpec ws, bs;
  int32_t wtype = 0, btype = 0;
  EDGERT_RETURN_IF_ERROR(QdqConstInput(n.inputs[1], &wq, &ws, &wtype, why));
  if (!why->empty()) return Status::Ok();
  Value* w;
  EDGERT_RETURN_IF_ERROR(Get(n.inputs[1], &w));
  ConvGeom geom;
  EDGERT_RETURN_IF_ERROR(ConvGeometry(n, x->shape, w->shape, &geom));
  const int64_t O = w->shape[0], Ig = w->shape[1], kh = w->shape[2], kw = w->shape[3];
  if (ws.scale.size() > 1) {
    if (ws.axis != 0 || static_cast<int64_t>(ws.scale.size()) != O) {
      *why = "weights are not quantized per output channel (axis 0)";
      return Status::Ok();
    }
    for (int64_t z : ws.zero_point)
      if (z != 0) {
        *why = "per-channel weights with a nonzero zero point";
        return Status::Ok();
      }
  }
  const float xs = x->quant.scale[0];
  std::vector<int32_t> bias;
  if (HasInput(n, 2)) {
    EDGERT_RETURN_IF_ERROR(QdqConstInput(n.inputs[2], &bq, &bs, &btype, why));
    if (!why->empty()) return Status::Ok();
    if (btype != kOnnxInt32 || static_cast<int64_t>(bq.size()) != O) {
      *why = "the bias is not int32 with one value per output channel";
      return Status::Ok();
    }
    for (int64_t o = 0; o < O; ++o) {
      const size_t c = static_cast<size_t>(o);
      const double want = static_cast<double>(xs) * ws.scale[ws.scale.size() > 1 ? c : 0];
      const double got = bs.scale[bs.scale.size() > 1 ? c : 0];
      if (bs.zero_point[bs.scale.size() > 1 ? c : 0] != 0 || std::fabs(got - want) > 1e-5 * want) {
        *why = "the bias scale is not input scale * weight scale";
        return Status::Ok();
      }
      bias.push_back(static_cast<int32_t>(bq[c]));
    }
  }
  int xt;
  EDGERT_RETURN_IF_ERROR(Materialize(x, true, &xt));
  std::vector<int8_t> w8(wq.size());
  Shape64 wshape;
  QuantSpec wspec = ws;
  if (geom.depthwise) {
    const std::vector<int64_t> p = Permute(wq, {O, 1, kh, kw}, {1, 2, 3, 0});
    for (size_t k = 0; k < p.size(); ++k) w8[k] = static_cast<int8_t>(p[k]);
    wshape = {1, kh, kw, O};
    wspec.axis = 3;
  } else {
    const std::vector<int64_t> p = Permute(wq, w->shape, {0, 2, 3, 1});
    for (size_t k = 0; k < p.size(); ++k) w8[k] = static_cast<int8_t>(p[k]);
    wshape = {O, kh, kw, Ig};
    wspec.axis = 0;
  }
  std::vector<int32_t> ws32(wshape.begin(), wshape.end());
  ++num_constants_;
  constant_bytes_ += w8.size();
  const int wt = b_.AddConstant(Unique(w->name + "/q"), DType::kI8, ws32, w8, wspec);
  int bt = -1;
  if (!bias.empty()) {
    ++num_constants_;
    constant_bytes_ += bias.size() * 4;
    bt = b_.AddConstant(Unique(n.inputs[2] + "/q"), DType::kI32, {static_cast<int32_t>(O)}, bias);
  }
  bool explicit_pads;
  const auto pv = PadsVector(geom.pb, geom.pe, &explicit_pads);
  const schema::Padding pad = explicit_pads ? schema::Padding_EXPLICIT : schema::Padding_VALID;
  Value v;
  const int yt = OutputActivation(g->out_name, geom.out_shape, true, &v, DType::kI8, &g->out);
  auto& fbb = b_.fbb();
  if (geom.depthwise) {
    Emit(schema::OpType_DEPTHWISE_CONV_2D, {xt, wt, bt}, {yt}, schema::OpOptions_DepthwiseConv2DOptions,
         schema::CreateDepthwiseConv2DOptions(fbb, pad, geom.stride[0], geom.stride[1], geom.dilation[0],
                                              geom.dilation[1], schema::Activation_NONE, pv,
                                              static_cast<int32_t>(O / x->shape[1]))
             .Union());
  } else {
    Emit(schema::OpType_CONV_2D, {xt, wt, bt}, {yt}, schema::OpOptions_Conv2DOptions,
         schema::CreateConv2DOptions(fbb, pad, geom.stride[0], geom.stride[1], geom.dilation[0], geom.dilation[1],
                                     schema::Activation_NONE, pv)
             .Union());
  }
  return Define(g->out_name, std::move(v));
}

Status Importer::QuantGemm(size_t idx, QdqGroup* g, std::string* why) {
  const OnnxNode& n = node(idx);
  Value* a = g->qin[0];
  const bool gemm = n.op_type == "Gemm";
  if (a == nullptr || n.inputs.size() < 2 || g->qin[1] != nullptr || (g->qin.size() > 2 && g->qin[2] != nullptr)) {
    *why = "B (and C) must be constants and A an activation";
    return Status::Ok();
  }
  if (gemm && (AttrInt(n, "transA", 0) != 0 || AttrFloat(n, "alpha", 1.f) != 1.f || AttrFloat(n, "beta", 1.f) != 1.f)) {
    *why = "transA, alpha or beta";
    return Status::Ok();
  }
  std::vector<int64_t> wq, bq;
  QuantSpec ws, bs;
  int32_t wtype = 0, btype = 0;
  EDGERT_RETURN_IF_ERROR(QdqConstInput(n.inputs[1], &wq, &ws, &wtype, why));
  if (!why->empty()) return Status::Ok();
  Value* w;
  EDGERT_RETURN_IF_ERROR(Get(n.inputs[1], &w));
  const bool trans_b = gemm && AttrInt(n, "transB", 0) != 0;
  if (w->shape.size() != 2 || (gemm && a->shape.size() != 2) || a->shape.size() < 2) {
    *why = "A and B must be rank 2 (MatMul: A rank >= 2)";
    return Status::Ok();
  }
  const int64_t K = trans_b ? w->shape[1] : w->shape[0], N = trans_b ? w->shape[0] : w->shape[1];
  if (a->shape.back() != K) return NodeError(n, "A and B do not match", StatusCode::kInvalidModel);
  // Weights as [N, K]; per-channel along N.
  const int n_axis = trans_b ? 0 : 1;
  if (ws.scale.size() > 1) {
    if (ws.axis != n_axis || static_cast<int64_t>(ws.scale.size()) != N) {
      *why = "weights are not quantized per output column";
      return Status::Ok();
    }
    for (int64_t z : ws.zero_point)
      if (z != 0) {
        *why = "per-channel weights with a nonzero zero point";
        return Status::Ok();
      }
  }
  const std::vector<int64_t> wt64 = trans_b ? wq : Permute(wq, w->shape, {1, 0});
  std::vector<int8_t> w8(wt64.begin(), wt64.end());
  QuantSpec wspec = ws;
  wspec.axis = 0;
  std::vector<int32_t> bias;
  if (HasInput(n, 2)) {
    EDGERT_RETURN_IF_ERROR(QdqConstInput(n.inputs[2], &bq, &bs, &btype, why));
    if (!why->empty()) return Status::Ok();
    if (btype != kOnnxInt32 || static_cast<int64_t>(bq.size()) != N) {
      *why = "the bias is not int32 with one value per output";
      return Status::Ok();
    }
    for (int64_t o = 0; o < N; ++o) {
      const size_t c = static_cast<size_t>(o);
      const double want = static_cast<double>(a->quant.scale[0]) * ws.scale[ws.scale.size() > 1 ? c : 0];
      const double got = bs.scale[bs.scale.size() > 1 ? c : 0];
      if (bs.zero_point[bs.scale.size() > 1 ? c : 0] != 0 || std::fabs(got - want) > 1e-5 * want) {
        *why = "the bias scale is not input scale * weight scale";
        return Status::Ok();
      }
      bias.push_back(static_cast<int32_t>(bq[c]));
    }
  }
  int at;
  EDGERT_RETURN_IF_ERROR(Materialize(a, false, &at));
  ++num_constants_;
  constant_bytes_ += w8.size();
  const int wt = b_.AddConstant(Unique(w->name + "/q"), DType::kI8, {static_cast<int32_t>(N), static_cast<int32_t>(K)},
                                w8, wspec);
  int bt = -1;
  if (!bias.empty()) {
    ++num_constants_;
    constant_bytes_ += bias.size() * 4;
    bt = b_.AddConstant(Unique(n.inputs[2] + "/q"), DType::kI32, {static_cast<int32_t>(N)}, bias);
  }
  Shape64 out = a->shape;
  out.back() = N;
  Value v;
  const int yt = NewActivation(g->out_name, out, false, &v, DType::kI8, &g->out);
  Emit(schema::OpType_FULLY_CONNECTED, {at, wt, bt}, {yt}, schema::OpOptions_FullyConnectedOptions,
       schema::CreateFullyConnectedOptions(b_.fbb(), schema::Activation_NONE, a->shape.size() > 2).Union());
  return Define(g->out_name, std::move(v));
}

Status Importer::QuantBinary(size_t idx, QdqGroup* g, std::string* why) {
  const OnnxNode& n = node(idx);
  if (g->qin.size() != 2 || g->qin[0] == nullptr || g->qin[1] == nullptr) {
    *why = "both inputs must be quantized activations";
    return Status::Ok();
  }
  Value *a = g->qin[0], *b = g->qin[1];
  Shape64 out;
  if (!BroadcastShape64(a->shape, b->shape, &out)) return NodeError(n, "inputs do not broadcast", StatusCode::kInvalidModel);
  if (a->shape.size() != b->shape.size()) {
    *why = "inputs of different rank";
    return Status::Ok();
  }
  const bool nhwc = out.size() == 4 && (a->nhwc || b->nhwc);
  int at, bt;
  EDGERT_RETURN_IF_ERROR(Materialize(a, nhwc, &at));
  EDGERT_RETURN_IF_ERROR(Materialize(b, nhwc, &bt));
  Value v;
  const int yt = OutputActivation(g->out_name, out, nhwc, &v, DType::kI8, &g->out);
  EmitBinary(n.op_type == "Add" ? schema::OpType_ADD : schema::OpType_MUL, at, bt, yt);
  return Define(g->out_name, std::move(v));
}

Status Importer::QuantPassThrough(size_t idx, QdqGroup* g, std::string* why) {
  const OnnxNode& n = node(idx);
  const std::string& op = n.op_type;
  // Ops whose int8 kernels need the input's parameters on the output: a
  // differently quantized input is requantized first (exact for max / copies;
  // an average would round twice, so AveragePool then stays float).
  const bool same_params = op != "Concat" && op != "GlobalAveragePool";
  // Data inputs must all be quantized activations (Concat: every input; others: input 0).
  for (size_t k = 0; k < n.inputs.size(); ++k)
    if ((k == 0 || op == "Concat") && !n.inputs[k].empty() && g->qin[k] == nullptr) {
      *why = "input '" + n.inputs[k] + "' is not a quantized activation";
      return Status::Ok();
    }
  std::vector<Value> requantized(n.inputs.size());
  std::map<std::string, Value*> saved;
  for (size_t k = 0; k < n.inputs.size(); ++k) {
    Value* x = g->qin[k];
    if (x == nullptr) continue;
    if (same_params && !SameQuant(x->quant, g->out)) {
      if (op == "AveragePool") {
        *why = "AveragePool with other output parameters than its input's";
        return Status::Ok();
      }
      EDGERT_RETURN_IF_ERROR(Requantize(x, g->out, &requantized[k]));
      requantized[k].name = x->name + "/requant";
      x = &requantized[k];
    }
    saved.emplace(n.inputs[k], by_name_[n.inputs[k]]);
    by_name_[n.inputs[k]] = x;
  }
  // The float mapper runs on the int8 values; the activations it makes are int8
  // with the output's parameters.
  quant_scope_ = &g->out;
  const OpEntry* e = FindOp(n);
  Status s = (this->*(e->fn))(idx);
  quant_scope_ = nullptr;
  for (const auto& kv : saved) by_name_[kv.first] = kv.second;
  EDGERT_RETURN_IF_ERROR(s);
  Value* y;
  EDGERT_RETURN_IF_ERROR(Get(n.outputs[0], &y));
  if (y->is_const || y->dtype != DType::kI8) return NodeError(n, "internal: the quantized op made no int8 output");
  Value v = *y;
  return Define(g->out_name, std::move(v));
}

// --- dynamic quantization ------------------------------------------------------
//
// ONNX Runtime's quantize_dynamic writes, per MatMul with constant weights W:
//   (xq, xs, xz) = DynamicQuantizeLinear(x)
//   y = Mul(Cast<float>(MatMulInteger(xq, Wq, xz, Wz)), Mul(xs, Ws))
// which is x @ ((Wq - Wz) * Ws) up to the rounding of x to 8 bits. The chain is
// rewritten into MatMul(x, dequantized W): float activations, weights as
// dequantized from their int8 values (no dynamic int8 kernel exists yet).
void Importer::FindDynamicQuantPatterns() {
  std::set<size_t> chain_nodes;
  std::map<size_t, size_t> dql_of;  // rewritten Mul -> its DynamicQuantizeLinear
  for (size_t i = 0; i < nodes_.size(); ++i) {
    const OnnxNode& m = node(i);
    if (m.op_type != "MatMulInteger" || !m.domain.empty() || m.inputs.size() < 2 || m.outputs.size() != 1) continue;
    auto pd = producer_.find(m.inputs[0]);
    if (pd == producer_.end() || node(pd->second).op_type != "DynamicQuantizeLinear") continue;
    const OnnxNode& d = node(pd->second);
    if (d.inputs.empty() || d.inputs[0].empty() || d.outputs.size() != 3 || d.outputs[0] != m.inputs[0]) continue;
    if (m.inputs.size() > 2 && !m.inputs[2].empty() && m.inputs[2] != d.outputs[2]) continue;
    if (!IsConstName(m.inputs[1]) || (m.inputs.size() > 3 && !m.inputs[3].empty() && !IsConstName(m.inputs[3]))) continue;
    const int c = SoleConsumer(m.outputs[0]);
    if (c < 0 || node(static_cast<size_t>(c)).op_type != "Cast" || AttrInt(node(static_cast<size_t>(c)), "to", 0) != kOnnxFloat)
      continue;
    const int u = SoleConsumer(node(static_cast<size_t>(c)).outputs[0]);
    if (u < 0 || node(static_cast<size_t>(u)).op_type != "Mul") continue;
    const OnnxNode& mul = node(static_cast<size_t>(u));
    if (mul.inputs.size() != 2 || mul.outputs.size() != 1) continue;
    const std::string& cast_out = node(static_cast<size_t>(c)).outputs[0];
    const std::string& scale = mul.inputs[0] == cast_out ? mul.inputs[1] : mul.inputs[0];
    auto ps = producer_.find(scale);
    if (ps == producer_.end() || node(ps->second).op_type != "Mul") continue;
    const OnnxNode& sm = node(ps->second);
    if (sm.inputs.size() != 2) continue;
    const std::string& ws = sm.inputs[0] == d.outputs[1] ? sm.inputs[1] : sm.inputs[0];
    if ((sm.inputs[0] != d.outputs[1] && sm.inputs[1] != d.outputs[1]) || !IsConstName(ws)) continue;
    // Dequantized weights: (Wq - Wz) * Ws (per-tensor, or per column of W [K, N]).
    Value *wq = by_name_[m.inputs[1]], *wsv = by_name_[ws];
    Value* wz = m.inputs.size() > 3 && !m.inputs[3].empty() ? by_name_[m.inputs[3]] : nullptr;
    const std::vector<int64_t>* q;
    const std::vector<float>* sc;
    const std::vector<int64_t>* zp = nullptr;
    if (wq->shape.size() != 2 || !Ints(wq, &q).ok() || !Floats(wsv, &sc).ok() || (wz != nullptr && !Ints(wz, &zp).ok()))
      continue;
    const size_t N = static_cast<size_t>(wq->shape[1]);
    if ((sc->size() != 1 && sc->size() != N) || (zp != nullptr && zp->size() != 1 && zp->size() != N)) continue;
    Value w;
    w.is_const = w.loaded = true;
    w.shape = wq->shape;
    w.f.resize(q->size());
    for (size_t k = 0; k < q->size(); ++k) {
      const size_t col = k % N;
      const int64_t z = zp == nullptr ? 0 : (*zp)[zp->size() == 1 ? 0 : col];
      w.f[k] = static_cast<float>((*q)[k] - z) * (*sc)[sc->size() == 1 ? 0 : col];
    }
    const std::string wname = m.inputs[1] + "/dequantized";
    if (by_name_.count(wname) == 0 && !Define(wname, std::move(w)).ok()) continue;
    OnnxNode mm;
    mm.op_type = "MatMul";
    mm.name = mul.name;
    mm.inputs = {d.inputs[0], wname};
    mm.outputs = mul.outputs;
    synth_.push_back(std::move(mm));
    nodes_[static_cast<size_t>(u)] = &synth_.back();
    skip_[i] = skip_[static_cast<size_t>(c)] = skip_[ps->second] = true;
    chain_nodes.insert(i);
    chain_nodes.insert(ps->second);
    dql_of[static_cast<size_t>(u)] = pd->second;
    ++report_->dynamic_quant_matmuls;
  }
  // A DynamicQuantizeLinear all of whose readers were rewritten goes away.
  std::set<size_t> dqls;
  for (const auto& kv : dql_of) dqls.insert(kv.second);
  for (size_t d : dqls) {
    bool all = true;
    for (const std::string& o : node(d).outputs)
      for (size_t c : consumers_[o]) all = all && chain_nodes.count(c) != 0;
    if (all) skip_[d] = true;
  }
  if (!dql_of.empty()) {
    IndexConsumers();
    report_->warnings.push_back(std::to_string(dql_of.size()) +
                                " dynamically quantized MatMul(s) (DynamicQuantizeLinear + MatMulInteger) run as float "
                                "FULLY_CONNECTED with the int8 weights dequantized at import");
  }
}

Status Importer::MapDynamicQuantOnly(size_t idx) {
  return NodeError(node(idx), "is only supported in ONNX Runtime's dynamic quantization pattern "
                              "DynamicQuantizeLinear -> MatMulInteger -> Cast(float) -> Mul(scale) with constant weights");
}

}  // namespace onnx_import
}  // namespace edgert
