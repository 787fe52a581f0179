// Internals of the ONNX importer shared by its source files: the importer state
// and driver (onnx_importer.cc), values, emission and layout handling
// (onnx_import_values.cc), and the op mappers (onnx_ops_conv.cc,
// onnx_ops_elementwise.cc, onnx_ops_shape.cc). Not a public interface.
#pragma once

#include <cstdint>
#include <deque>
#include <limits>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "runtime/builder.h"
#include "runtime/importers/onnx/onnx_importer.h"
#include "runtime/importers/onnx/onnx_model.h"

namespace edgert {
namespace onnx_import {

using Shape64 = std::vector<int64_t>;

constexpr int64_t kMaxDim = std::numeric_limits<int32_t>::max();
constexpr int64_t kMaxElements = int64_t{1} << 31;
// Largest constant the importer computes itself (folded Expand, Where, Slice, ...).
constexpr int64_t kMaxFoldElements = int64_t{1} << 24;
// Logical (NCHW) axis -> index in the NHWC stored tensor, and the inverse.
constexpr int kLogicalToNhwc[4] = {0, 3, 1, 2};
inline const std::vector<int> kNchwToNhwcPerm = {0, 2, 3, 1};  // stored[j] = logical[perm[j]]
inline const std::vector<int> kNhwcToNchwPerm = {0, 3, 1, 2};

inline Status Unsupported(const std::string& msg) { return Status(StatusCode::kUnsupported, msg); }
inline Status Invalid(const std::string& msg) { return Status(StatusCode::kInvalidModel, msg); }

inline std::string ShapeStr(const Shape64& s) {
  std::string r = "[";
  for (size_t i = 0; i < s.size(); ++i) r += (i ? "," : "") + std::to_string(s[i]);
  return r + "]";
}

// A named ONNX value: an activation (an .ert tensor) or a constant (data kept here).
struct Value {
  std::string name;
  Shape64 shape;       // logical ONNX shape
  bool is_const = false;
  // Activations:
  int tensor = -1;     // the .ert tensor, in the stored layout
  DType dtype = DType::kF32;  // element type of the .ert tensor (f32, or i32/i64/bool for index and mask data)
  bool nhwc = false;   // rank 4 and stored NHWC
  int other = -1;      // cached copy in the other layout (-1: none yet)
  QuantSpec quant;     // quantized activations (dtype kI8 / kU8): per-tensor scale and zero point
  // Constants: the source tensor (converted on first use) or values given directly.
  const OnnxTensor* src = nullptr;
  bool loaded = false;
  bool is_int = false;
  std::vector<float> f;
  std::vector<int64_t> i;
  int ert_const = -1;       // cached .ert constant in logical layout
  int ert_const_nhwc = -1;  // cached .ert constant permuted / broadcast-shaped for NHWC
};

// Permutes `data` (shape `shape`): out[j...] with out.dims[k] = shape[perm[k]].
template <typename T>
std::vector<T> Permute(const std::vector<T>& data, const Shape64& shape, const std::vector<int>& perm) {
  const size_t rank = shape.size();
  Shape64 out_shape(rank);
  for (size_t k = 0; k < rank; ++k) out_shape[k] = shape[static_cast<size_t>(perm[k])];
  Shape64 in_strides(rank, 1);
  for (size_t k = rank; k-- > 1;) in_strides[k - 1] = in_strides[k] * shape[k];
  std::vector<T> out(data.size());
  Shape64 idx(rank, 0);
  for (size_t o = 0; o < out.size(); ++o) {
    int64_t src = 0;
    for (size_t k = 0; k < rank; ++k) src += idx[k] * in_strides[static_cast<size_t>(perm[k])];
    out[o] = data[static_cast<size_t>(src)];
    for (size_t k = rank; k-- > 0;) {
      if (++idx[k] < out_shape[k]) break;
      idx[k] = 0;
    }
  }
  return out;
}

// numpy broadcasting of two shapes (false when they do not broadcast).
bool BroadcastShape64(const Shape64& a, const Shape64& b, Shape64* out);
// For each element of `out` (row-major), the flat index of the element of a
// tensor of shape `in` (right-aligned, size-1 dims broadcast) it reads.
std::vector<size_t> BroadcastIndices(const Shape64& in, const Shape64& out);

class Importer {
 public:
  Importer(const OnnxModel& m, const OnnxImportOptions& opts, ImportReport* report)
      : m_(m), g_(m.graph), opts_(opts), report_(report) {}
  Status Run(std::vector<uint8_t>* out);

  struct OpEntry {
    const char* name;
    Status (Importer::*fn)(size_t);  // null: handled by the driver (If)
  };
  // The mapper entry for `n`'s op; null when it has none.
  static const OpEntry* FindOp(const OnnxNode& n);

 private:
  using Mapper = Status (Importer::*)(size_t node_index);

  // --- driver ---
  // The node list being imported: the graph's nodes, with the taken branch of
  // each If spliced in after it (plus Identity nodes binding the If's outputs).
  const OnnxNode& node(size_t i) const { return *nodes_[i]; }
  Status DefineGraphInputs();
  Status InlineIf(size_t i);
  void IndexConsumers();
  // Folds `n` when all its inputs are constants and its op is foldable.
  Status TryFold(const OnnxNode& n, bool* folded);
  // Slice's per-dimension begin / step and output shape for input `shape`
  // (ONNX clamping; starts, ends, axes, steps must be constants).
  Status SliceRanges(const OnnxNode& n, const Shape64& shape, Shape64* begin, Shape64* step, Shape64* out_shape);

  // --- values ---
  Status Define(const std::string& name, Value v);
  Status Get(const std::string& name, Value** v);
  Status GetConst(const OnnxNode& n, size_t input, Value** v);  // input must be a constant
  bool HasInput(const OnnxNode& n, size_t i) const { return i < n.inputs.size() && !n.inputs[i].empty(); }
  bool IsConstName(const std::string& name);
  Status Floats(Value* v, const std::vector<float>** out);
  Status Ints(Value* v, const std::vector<int64_t>** out);
  Status CheckShape(const Shape64& s, const std::string& what) const;

  // --- emission ---
  std::string Unique(const std::string& base);
  std::vector<int32_t> Stored(const Value& v) const;
  // Inside a quantized group (quant_scope_ set) a float32 activation is made
  // int8 with the group's output quantization instead.
  int NewActivation(const std::string& name, const Shape64& logical, bool nhwc, Value* v,
                    DType dtype = DType::kF32, const QuantSpec* quant = nullptr);
  int ConstTensor(const std::string& name, const Shape64& shape, const std::vector<float>& data);
  int ConstI32(const std::string& name, const std::vector<int32_t>& data);
  void Emit(schema::OpType type, const std::vector<int32_t>& ins, const std::vector<int32_t>& outs,
            schema::OpOptions ot = schema::OpOptions_NONE, flatbuffers::Offset<void> o = 0);
  int EmitTranspose(int in, const std::vector<int32_t>& in_shape, const std::vector<int>& perm,
                    const std::string& name, DType dtype = DType::kF32, const QuantSpec& quant = {});
  // The value in the requested layout (rank-4 only; others are returned as stored).
  Status Materialize(Value* v, bool nhwc, int* tensor, const std::string& name = "");
  // A tensor whose memory order is the NCHW element order of `v`.
  Status FlatOrder(Value* v, int* tensor);
  // An operand of a broadcasting op whose other operands are stored NHWC (nhwc) or logical.
  Status BroadcastOperand(Value* v, bool nhwc, int* tensor);

  // --- mappers ---
  Status MapConv(size_t i);
  Status MapBatchNorm(size_t i);
  Status MapUnary(size_t i);
  Status MapClip(size_t i);
  Status MapHardSigmoid(size_t i);
  Status MapBinary(size_t i);
  Status MapPool(size_t i);
  Status MapGlobalPool(size_t i);
  Status MapFlatten(size_t i);
  Status MapReshape(size_t i);
  Status MapGemm(size_t i);
  Status MapMatMul(size_t i);
  Status MapConcat(size_t i);
  Status MapSoftmax(size_t i);
  Status MapTranspose(size_t i);
  Status MapIdentity(size_t i);
  Status MapConstant(size_t i);
  Status MapShape(size_t i);
  Status MapGather(size_t i);
  Status MapUnsqueeze(size_t i);
  Status MapCast(size_t i);
  Status MapSlice(size_t i);
  Status MapPad(size_t i);
  Status MapPow(size_t i);
  Status MapReduce(size_t i);
  Status MapSplit(size_t i);
  Status MapGatherActivation(size_t i);
  Status MapConstOnly(size_t i);
  Status MapLstm(size_t i);
  // A rank-3 (1-D) Conv run as a 2-D Conv over [N, C, 1, L].
  Status MapConv1d(size_t i);
  Status ConvNode(const OnnxNode& n);
  struct ConvGeom {
    Shape64 out_shape;  // logical NCHW
    int64_t pb[2] = {0, 0}, pe[2] = {0, 0};
    int32_t stride[2] = {1, 1}, dilation[2] = {1, 1};
    bool depthwise = false;
  };
  // Checks a Conv's attributes against input shape xs and weights shape ws.
  Status ConvGeometry(const OnnxNode& n, const Shape64& xs, const Shape64& ws, ConvGeom* g);
  Status MapLayerNorm(size_t i);
  Status MapErf(size_t i);
  Status MapBatchMatMul(const OnnxNode& n, Value* a, Value* b);
  Status MapWhere(size_t i);
  Status MapExpand(size_t i);
  // Add / Sub / Mul / Div / Equal of two constants, broadcast to `out`.
  Status FoldBinary(const OnnxNode& n, Value* a, Value* b, const Shape64& out);
  // Refuses (unsupported) folding a constant of shape `out` above kMaxFoldElements.
  Status CheckFoldSize(const OnnxNode& n, const Shape64& out) const;

  // --- QDQ (QuantizeLinear / DequantizeLinear), onnx_ops_qdq.cc ---
  Status MapQuantizeLinear(size_t i);
  Status MapDequantizeLinear(size_t i);
  // Runs node i as a quantized op when it is a DequantizeLinear -> op ->
  // QuantizeLinear group with a quantized kernel (*done); otherwise leaves it
  // to the float mappers (and records a float group when it sits between
  // DequantizeLinear and QuantizeLinear).
  Status TryQdqGroup(size_t i, bool* done);
  struct QdqGroup;
  Status MatchQdqGroup(size_t i, QdqGroup* g, std::string* why);
  Status QuantConv(size_t i, QdqGroup* g, std::string* why);
  Status QuantGemm(size_t i, QdqGroup* g, std::string* why);
  Status QuantBinary(size_t i, QdqGroup* g, std::string* why);
  Status QuantPassThrough(size_t i, QdqGroup* g, std::string* why);
  // Scale, zero point and axis of a QuantizeLinear / DequantizeLinear node;
  // uint8 is held as int8 with the zero point less 128 (same real values).
  // `data_type`: the element type of a constant input (0: unknown).
  Status QdqParams(const OnnxNode& n, int64_t rank, QuantSpec* q, bool* is_u8, int32_t data_type = 0);
  // Int values of a constant DequantizeLinear input (weights, bias) and its parameters.
  Status QdqConstInput(const std::string& name, std::vector<int64_t>* q, QuantSpec* spec, int32_t* elem_type,
                       std::string* why);
  Status Requantize(Value* x, const QuantSpec& q, Value* out);
  // Rewrites ONNX Runtime's dynamic-quantization MatMul chains into float MatMuls.
  void FindDynamicQuantPatterns();
  Status MapDynamicQuantOnly(size_t i);
  const QuantSpec* quant_scope_ = nullptr;
  std::vector<std::string> qdq_float_ops_;
  int qdq_folded_ = 0;

  // --- patterns fused before the node walk ---
  // Marks x * 0.5 * (1 + erf(x / sqrt 2)) chains (see onnx_ops_transformer.cc).
  void FindGeluPatterns();
  // The value of a one-element constant (initializer or Constant node output).
  bool ScalarConst(const std::string& name, float* value);

  // --- shared by the mappers ---
  // Input 0 of `n` as `x`; `n` must have input 0 and an output (`msg` otherwise).
  Status InputAndOutput(const OnnxNode& n, Value** x, const char* msg = "needs an input and an output");
  // Input `k` of `n`, which must be present and a constant (`msg`, unsupported, otherwise).
  Status RequireConst(const OnnxNode& n, size_t k, const std::string& msg, Value** v);
  // The activation defining output `name`; a rank-4 NHWC graph output gets a
  // "/nhwc" tensor (it is transposed back to `name` at the end).
  int OutputActivation(const std::string& name, const Shape64& shape, bool nhwc, Value* v,
                       DType dtype = DType::kF32, const QuantSpec* quant = nullptr);
  void EmitBinary(schema::OpType type, int a, int b, int y);
  // `axis` (attribute `name`, default `dflt`) of an input of rank `r`, made
  // non-negative; with `allow_end` it may equal r.
  Status Axis(const OnnxNode& n, int64_t r, int64_t dflt, bool allow_end, int64_t* axis) const;
  // Checks the `pads` values and reads auto_pad (default NOTSET).
  Status PadsAttr(const OnnxNode& n, const std::vector<int64_t>& pads, std::string* auto_pad) const;
  // Begin / end padding of spatial dim k (0 or 1) from auto_pad or pads, and
  // the padded input less the effective kernel `keff` (`span`, >= 0).
  Status SpatialPads(const OnnxNode& n, const std::string& auto_pad, const std::vector<int64_t>& pads, int k, int64_t in,
                     int64_t keff, int64_t s, int64_t* pb, int64_t* pe, int64_t* span) const;
  // The explicit-padding vector of a conv / pool (null when all pads are 0).
  flatbuffers::Offset<flatbuffers::Vector<int32_t>> PadsVector(const int64_t pb[2], const int64_t pe[2],
                                                              bool* explicit_pads);

  Status Reshape(Value* in, const Shape64& out_shape, const std::string& out_name);
  Status EmitActivation(Value* x, schema::OpType type, const std::string& out_name);
  // Clip bounds (attributes before opset 11, constant inputs after).
  Status ClipBounds(const OnnxNode& n, float* lo, float* hi);
  // The single node consuming `name` (none when several or a graph output).
  int SoleConsumer(const std::string& name) const;
  Status NodeError(const OnnxNode& n, const std::string& msg, StatusCode code = StatusCode::kUnsupported) const;

  int64_t AttrInt(const OnnxNode& n, const char* name, int64_t dflt) const {
    const OnnxAttribute* a = n.attr(name);
    return a != nullptr ? a->i : dflt;
  }
  float AttrFloat(const OnnxNode& n, const char* name, float dflt) const {
    const OnnxAttribute* a = n.attr(name);
    return a != nullptr ? a->f : dflt;
  }
  std::vector<int64_t> AttrInts(const OnnxNode& n, const char* name) const {
    const OnnxAttribute* a = n.attr(name);
    return a != nullptr ? a->ints : std::vector<int64_t>();
  }

  const OnnxModel& m_;
  const OnnxGraph& g_;
  std::vector<const OnnxNode*> nodes_;
  std::deque<OnnxNode> synth_;  // nodes the importer adds (If output bindings)
  std::deque<OnnxNode> conv1d_nodes_;  // rank-4 rewrites of 1-D Conv nodes
  const OnnxImportOptions& opts_;
  ImportReport* report_;
  int64_t opset_ = 0;
  ModelBuilder b_;
  std::vector<std::unique_ptr<Value>> values_;
  std::map<std::string, Value*> by_name_;
  std::map<std::string, std::vector<size_t>> consumers_;
  std::set<std::string> graph_outputs_;
  std::set<std::string> names_;
  std::vector<bool> skip_;  // nodes folded into an earlier one
  std::map<std::string, size_t> producer_;  // value name -> index of the node producing it
  std::map<std::string, std::pair<std::string, std::string>> gelu_;  // Erf output -> (x, y) of its GELU
  std::map<std::string, int> emitted_;
  int num_ops_ = 0, num_constants_ = 0;
  uint64_t constant_bytes_ = 0;
  std::set<int> graph_input_tensors_;
};

}  // namespace onnx_import
}  // namespace edgert
