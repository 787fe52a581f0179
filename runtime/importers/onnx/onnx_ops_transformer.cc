// ONNX importer: operators of transformer encoders as PyTorch exports them:
// LayerNormalization, the erf form of GELU (fused into one GELU op) and MatMul
// with two runtime operands (attention scores and context).
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "runtime/importers/onnx/onnx_import_internal.h"

namespace edgert {
namespace onnx_import {

Status Importer::MapLayerNorm(size_t idx) {
  const OnnxNode& n = node(idx);
  Value *x, *scale, *bias = nullptr;
  EDGERT_RETURN_IF_ERROR(InputAndOutput(n, &x, "needs inputs X and Scale and an output"));
  EDGERT_RETURN_IF_ERROR(RequireConst(n, 1, "Scale must be a constant", &scale));
  if (HasInput(n, 2)) EDGERT_RETURN_IF_ERROR(RequireConst(n, 2, "B must be a constant", &bias));
  for (size_t k = 1; k < n.outputs.size(); ++k)
    if (!n.outputs[k].empty() && consumers_.count(n.outputs[k]) + graph_outputs_.count(n.outputs[k]) != 0)
      return NodeError(n, "the Mean and InvStdDev outputs are not supported");
  if (x->is_const || x->dtype != DType::kF32) return NodeError(n, "X must be a float32 activation");
  const int64_t r = static_cast<int64_t>(x->shape.size());
  if (r == 0) return NodeError(n, "X must not be a scalar", StatusCode::kInvalidModel);
  int64_t axis;
  EDGERT_RETURN_IF_ERROR(Axis(n, r, -1, /*allow_end=*/false, &axis));
  const float eps = AttrFloat(n, "epsilon", 1e-5f);
  if (!(eps >= 0.f) || !std::isfinite(eps)) return NodeError(n, "epsilon must be finite and >= 0", StatusCode::kInvalidModel);
  int xt, st, bt = -1;
  EDGERT_RETURN_IF_ERROR(Materialize(x, false, &xt));  // normalized axes are logical ones
  EDGERT_RETURN_IF_ERROR(Materialize(scale, false, &st));
  if (bias != nullptr) EDGERT_RETURN_IF_ERROR(Materialize(bias, false, &bt));
  const std::string& o = n.outputs[0];
  Value v;
  const int yt = OutputActivation(o, x->shape, false, &v);
  Emit(schema::OpType_LAYER_NORM, bias != nullptr ? std::vector<int32_t>{xt, st, bt} : std::vector<int32_t>{xt, st},
       {yt}, schema::OpOptions_LayerNormOptions,
       schema::CreateLayerNormOptions(b_.fbb(), static_cast<int32_t>(axis), eps).Union());
  return Define(o, std::move(v));
}

// --- GELU (erf form) ------------------------------------------------------------
//
// PyTorch's exporter writes gelu(x) (approximate='none') before opset 20 as
//   y = Mul(Mul(x, Add(Erf(Div(x, sqrt 2)), 1)), 0.5)
// (also seen: Mul(x, 1/sqrt 2) for the Div, operands of Add / Mul swapped, the 0.5
// applied to x first, and Mul(x, Mul(0.5, 1 + erf)) from the dynamo exporter). FindGeluPatterns runs before the node walk, marks the
// nodes of each match as folded and records x and y for the Erf node, which
// then emits one GELU op. An Erf outside this pattern is not supported.

bool Importer::ScalarConst(const std::string& name, float* value) {
  const OnnxTensor* t = nullptr;
  auto it = by_name_.find(name);
  if (it != by_name_.end()) {
    if (!it->second->is_const) return false;
    if (it->second->loaded) {
      const std::vector<float>* f;
      if (!Floats(it->second, &f).ok() || f->size() != 1) return false;
      *value = (*f)[0];
      return true;
    }
    t = it->second->src;
  } else {
    auto p = producer_.find(name);
    if (p == producer_.end()) return false;
    const OnnxNode& c = node(p->second);
    if (c.op_type != "Constant" || c.attributes.size() != 1) return false;
    const OnnxAttribute& a = c.attributes[0];
    if (a.name == "value_float") {
      *value = a.f;
      return true;
    }
    if (a.name != "value" || !a.has_t) return false;
    t = &a.t;
  }
  std::vector<float> f;
  if (t == nullptr || !TensorToFloats(*t, &f).ok() || f.size() != 1) return false;
  *value = f[0];
  return true;
}

// The node `i` is a binary op `op` with `in` as one operand; the other operand is
// returned (`other`, and whether it was input 0).
static bool BinaryWith(const OnnxNode& n, const char* op, const std::string& in, std::string* other) {
  if (n.op_type != op || n.inputs.size() != 2 || n.outputs.size() != 1) return false;
  if (n.inputs[0] == in) *other = n.inputs[1];
  else if (n.inputs[1] == in) *other = n.inputs[0];
  else return false;
  return true;
}

void Importer::FindGeluPatterns() {
  auto near = [](float v, double want) { return std::fabs(v - want) <= 1e-4 * std::fabs(want); };
  for (size_t e = 0; e < nodes_.size(); ++e) {
    const OnnxNode& erf = node(e);
    if (erf.op_type != "Erf" || erf.inputs.size() != 1 || erf.outputs.size() != 1) continue;
    // head: Div(x, sqrt2) or Mul(x, 1/sqrt2)
    auto hp = producer_.find(erf.inputs[0]);
    if (hp == producer_.end() || SoleConsumer(erf.inputs[0]) != static_cast<int>(e)) continue;
    const OnnxNode& head = node(hp->second);
    if (head.inputs.size() != 2) continue;
    std::string x;
    float c;
    if (head.op_type == "Div" && ScalarConst(head.inputs[1], &c) && near(c, std::sqrt(2.0))) {
      x = head.inputs[0];
    } else if (head.op_type == "Mul" && ScalarConst(head.inputs[1], &c) && near(c, std::sqrt(0.5))) {
      x = head.inputs[0];
    } else if (head.op_type == "Mul" && ScalarConst(head.inputs[0], &c) && near(c, std::sqrt(0.5))) {
      x = head.inputs[1];
    } else {
      continue;
    }
    // Add(erf, 1)
    const int ai = SoleConsumer(erf.outputs[0]);
    if (ai < 0) continue;
    const OnnxNode& add = node(static_cast<size_t>(ai));
    std::string one;
    if (!BinaryWith(add, "Add", erf.outputs[0], &one) || !ScalarConst(one, &c) || c != 1.f) continue;
    const int mi = SoleConsumer(add.outputs[0]);
    if (mi < 0) continue;
    const OnnxNode& mul = node(static_cast<size_t>(mi));
    std::string other;
    if (!BinaryWith(mul, "Mul", add.outputs[0], &other)) continue;
    std::vector<size_t> folded = {hp->second, static_cast<size_t>(ai), static_cast<size_t>(mi)};
    std::string y;
    if (other == x) {  // Mul(Mul(x, 1 + erf), 0.5)
      const int hi = SoleConsumer(mul.outputs[0]);
      if (hi < 0) continue;
      const OnnxNode& half = node(static_cast<size_t>(hi));
      std::string h;
      if (!BinaryWith(half, "Mul", mul.outputs[0], &h) || !ScalarConst(h, &c) || c != 0.5f) continue;
      folded.push_back(static_cast<size_t>(hi));
      y = half.outputs[0];
    } else if (ScalarConst(other, &c) && c == 0.5f) {  // Mul(x, Mul(0.5, 1 + erf)) (dynamo exporter)
      const int xi = SoleConsumer(mul.outputs[0]);
      if (xi < 0) continue;
      const OnnxNode& last = node(static_cast<size_t>(xi));
      std::string h;
      if (!BinaryWith(last, "Mul", mul.outputs[0], &h) || h != x) continue;
      folded.push_back(static_cast<size_t>(xi));
      y = last.outputs[0];
    } else {  // Mul(Mul(x, 0.5), 1 + erf)
      auto pp = producer_.find(other);
      if (pp == producer_.end() || SoleConsumer(other) != mi) continue;
      const OnnxNode& half = node(pp->second);
      std::string h;
      if (!BinaryWith(half, "Mul", x, &h) || !ScalarConst(h, &c) || c != 0.5f) continue;
      folded.push_back(pp->second);
      y = mul.outputs[0];
    }
    if (SoleConsumer(head.outputs[0]) != static_cast<int>(e)) continue;
    for (size_t f : folded) skip_[f] = true;
    gelu_[erf.outputs[0]] = {x, y};
  }
}

Status Importer::MapErf(size_t idx) {
  const OnnxNode& n = node(idx);
  auto it = n.outputs.empty() ? gelu_.end() : gelu_.find(n.outputs[0]);
  if (it == gelu_.end())
    return NodeError(n, "Erf is supported only inside GELU, x * 0.5 * (1 + erf(x / sqrt(2)))");
  Value* x;
  EDGERT_RETURN_IF_ERROR(Get(it->second.first, &x));
  if (x->is_const || x->dtype != DType::kF32) return NodeError(n, "the GELU input must be a float32 activation");
  int xt;
  EDGERT_RETURN_IF_ERROR(Materialize(x, x->nhwc, &xt));
  Value v;
  const std::string& o = it->second.second;
  const int yt = OutputActivation(o, x->shape, x->nhwc, &v);
  Emit(schema::OpType_GELU, {xt}, {yt}, schema::OpOptions_GeluOptions,
       schema::CreateGeluOptions(b_.fbb(), /*approximate=*/false).Union());
  return Define(o, std::move(v));
}

// MatMul whose second operand is an activation: BATCH_MATMUL on the logical
// layout, batch dims broadcast numpy-style.
Status Importer::MapBatchMatMul(const OnnxNode& n, Value* a, Value* b) {
  if (a->shape.size() < 2 || b->shape.size() < 2) return NodeError(n, "operands of rank < 2 are not supported");
  if (a->dtype != DType::kF32 || b->dtype != DType::kF32) return NodeError(n, "operands must be float32");
  const size_t ra = a->shape.size(), rb = b->shape.size(), r = std::max(ra, rb);
  const int64_t M = a->shape[ra - 2], K = a->shape[ra - 1], N = b->shape[rb - 1];
  if (b->shape[rb - 2] != K)
    return NodeError(n, "shapes " + ShapeStr(a->shape) + " and " + ShapeStr(b->shape) + " do not multiply",
                     StatusCode::kInvalidModel);
  Shape64 out(r);
  for (size_t k = 0; k + 2 < r; ++k) {
    const int64_t da = k + ra >= r ? a->shape[k + ra - r] : 1, db = k + rb >= r ? b->shape[k + rb - r] : 1;
    if (da != db && da != 1 && db != 1)
      return NodeError(n, "batch dims of " + ShapeStr(a->shape) + " and " + ShapeStr(b->shape) + " do not broadcast",
                       StatusCode::kInvalidModel);
    out[k] = da == 1 ? db : da;
  }
  out[r - 2] = M;
  out[r - 1] = N;
  EDGERT_RETURN_IF_ERROR(CheckShape(out, "output of MatMul"));
  int at, bt;
  EDGERT_RETURN_IF_ERROR(Materialize(a, false, &at));
  EDGERT_RETURN_IF_ERROR(Materialize(b, false, &bt));
  Value v;
  const int yt = NewActivation(n.outputs[0], out, false, &v);
  Emit(schema::OpType_BATCH_MATMUL, {at, bt}, {yt}, schema::OpOptions_BatchMatMulOptions,
       schema::CreateBatchMatMulOptions(b_.fbb(), false, false).Union());
  return Define(n.outputs[0], std::move(v));
}

}  // namespace onnx_import
}  // namespace edgert
