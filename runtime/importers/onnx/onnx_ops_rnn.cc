// ONNX importer: LSTM -> the LSTM op (schema/edgert.fbs).
//
// Supported: direction "forward", layout 0 (time-major X [seq, batch, I]),
// constant W [1, 4H, I], R [1, 4H, H] and optional B [1, 8H] (the two bias
// halves are summed), optional initial_h / initial_c [1, batch, H] (constant
// or not), sequence_lens only when constant and equal to seq, peepholes P only
// when all zero, default activations (Sigmoid, Tanh, Tanh). Y [seq, 1, batch, H],
// Y_h and Y_c [1, batch, H] are views of the op's outputs (RESHAPE, no copy).
// Rejected with an error naming the node: "reverse" / "bidirectional", layout 1,
// clip, input_forget, other activations, non-zero peepholes.
#include <algorithm>
#include <cctype>
#include <string>
#include <vector>

#include "runtime/importers/onnx/onnx_import_internal.h"

namespace edgert {
namespace onnx_import {

Status Importer::MapLstm(size_t idx) {
  const OnnxNode& n = node(idx);
  Value* x;
  EDGERT_RETURN_IF_ERROR(InputAndOutput(n, &x, "needs X and an output"));
  const OnnxAttribute* dir = n.attr("direction");
  if (dir != nullptr && dir->s != "forward")
    return NodeError(n, "direction '" + dir->s + "' is not supported (forward only)");
  if (AttrInt(n, "layout", 0) != 0) return NodeError(n, "layout 1 (batch-major) is not supported");
  if (n.attr("clip") != nullptr) return NodeError(n, "the clip attribute is not supported");
  if (AttrInt(n, "input_forget", 0) != 0) return NodeError(n, "input_forget is not supported");
  if (const OnnxAttribute* acts = n.attr("activations")) {
    const char* dflt[3] = {"sigmoid", "tanh", "tanh"};
    bool ok = acts->strings.size() == 3;
    for (size_t k = 0; ok && k < 3; ++k) {
      std::string a = acts->strings[k];
      std::transform(a.begin(), a.end(), a.begin(), [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
      ok = a == dflt[k];
    }
    if (!ok) return NodeError(n, "only the default activations (Sigmoid, Tanh, Tanh) are supported");
  }
  if (n.attr("activation_alpha") != nullptr || n.attr("activation_beta") != nullptr)
    return NodeError(n, "activation_alpha / activation_beta are not supported");
  if (x->shape.size() != 3) return NodeError(n, "X must be [seq, batch, input]; got " + ShapeStr(x->shape), StatusCode::kInvalidModel);
  const int64_t seq = x->shape[0], batch = x->shape[1], in = x->shape[2];

  Value *w, *r;
  EDGERT_RETURN_IF_ERROR(RequireConst(n, 1, "W must be a constant", &w));
  EDGERT_RETURN_IF_ERROR(RequireConst(n, 2, "R must be a constant", &r));
  if (r->shape.size() != 3 || r->shape[0] != 1 || r->shape[1] % 4 != 0 || r->shape[1] / 4 != r->shape[2] || r->shape[2] < 1)
    return NodeError(n, "R must be [1, 4H, H]; got " + ShapeStr(r->shape), StatusCode::kInvalidModel);
  const int64_t H = r->shape[2];
  const int64_t hs = AttrInt(n, "hidden_size", H);
  if (hs != H) return NodeError(n, "hidden_size does not match R " + ShapeStr(r->shape), StatusCode::kInvalidModel);
  if (w->shape != Shape64{1, 4 * H, in})
    return NodeError(n, "W must be [1, 4H, input] = " + ShapeStr({1, 4 * H, in}) + "; got " + ShapeStr(w->shape),
                     StatusCode::kInvalidModel);
  const std::vector<float>*wd, *rd;
  EDGERT_RETURN_IF_ERROR(Floats(w, &wd));
  EDGERT_RETURN_IF_ERROR(Floats(r, &rd));
  std::vector<float> bias;
  if (HasInput(n, 3)) {
    Value* b;
    EDGERT_RETURN_IF_ERROR(RequireConst(n, 3, "B must be a constant", &b));
    if (b->shape != Shape64{1, 8 * H}) return NodeError(n, "B must be [1, 8H]; got " + ShapeStr(b->shape), StatusCode::kInvalidModel);
    const std::vector<float>* bd;
    EDGERT_RETURN_IF_ERROR(Floats(b, &bd));
    for (int64_t k = 0; k < 4 * H; ++k) bias.push_back((*bd)[static_cast<size_t>(k)] + (*bd)[static_cast<size_t>(k + 4 * H)]);
  }
  if (HasInput(n, 4)) {
    Value* sl;
    EDGERT_RETURN_IF_ERROR(RequireConst(n, 4, "sequence_lens must be a constant", &sl));
    const std::vector<int64_t>* sv;
    EDGERT_RETURN_IF_ERROR(Ints(sl, &sv));
    for (int64_t v : *sv)
      if (v != seq) return NodeError(n, "sequence_lens other than the full sequence length are not supported");
  }
  if (HasInput(n, 7)) {
    Value* p;
    EDGERT_RETURN_IF_ERROR(RequireConst(n, 7, "peepholes P are not supported", &p));
    const std::vector<float>* pd;
    EDGERT_RETURN_IF_ERROR(Floats(p, &pd));
    for (float v : *pd)
      if (v != 0.f) return NodeError(n, "peepholes P are not supported");
  }
  // Initial states [1, batch, H] -> [batch, H].
  int state_t[2] = {-1, -1};
  for (int k = 0; k < 2; ++k) {
    if (!HasInput(n, static_cast<size_t>(5 + k))) continue;
    Value* s;
    EDGERT_RETURN_IF_ERROR(Get(n.inputs[static_cast<size_t>(5 + k)], &s));
    if (s->shape != Shape64{1, batch, H})
      return NodeError(n, std::string(k == 0 ? "initial_h" : "initial_c") + " must be [1, batch, H] = " +
                              ShapeStr({1, batch, H}) + "; got " + ShapeStr(s->shape), StatusCode::kInvalidModel);
    const std::string name = n.inputs[static_cast<size_t>(5 + k)] + "/2d";
    if (by_name_.count(name) == 0) EDGERT_RETURN_IF_ERROR(Reshape(s, {batch, H}, name));
    Value* s2;
    EDGERT_RETURN_IF_ERROR(Get(name, &s2));
    EDGERT_RETURN_IF_ERROR(Materialize(s2, false, &state_t[k]));
  }
  int xt;
  EDGERT_RETURN_IF_ERROR(Materialize(x, false, &xt));
  const int wt = ConstTensor(w->name + "/lstm_w", {4 * H, in}, *wd);
  const int rt = ConstTensor(r->name + "/lstm_r", {4 * H, H}, *rd);
  const int bt = bias.empty() ? -1 : ConstTensor(n.inputs[3] + "/lstm_b", {4 * H}, bias);

  const std::string base = !n.name.empty() ? n.name : n.outputs[0];
  Value y, yh, yc;
  const int yt = NewActivation(base + "/y", {seq, batch, H}, false, &y);
  const int yht = NewActivation(base + "/h", {batch, H}, false, &yh);
  const int yct = NewActivation(base + "/c", {batch, H}, false, &yc);
  Emit(schema::OpType_LSTM, {xt, wt, rt, bt, state_t[0], state_t[1]}, {yt, yht, yct});
  const Shape64 onnx_shapes[3] = {{seq, 1, batch, H}, {1, batch, H}, {1, batch, H}};
  Value* vals[3] = {&y, &yh, &yc};
  for (size_t k = 0; k < 3 && k < n.outputs.size(); ++k)
    if (!n.outputs[k].empty() && (consumers_.count(n.outputs[k]) != 0 || graph_outputs_.count(n.outputs[k]) != 0))
      EDGERT_RETURN_IF_ERROR(Reshape(vals[k], onnx_shapes[k], n.outputs[k]));
  return Status::Ok();
}

}  // namespace onnx_import
}  // namespace edgert
