// Internals of the TFLite importer shared by its source files: the importer
// state and driver (tflite_importer.cc), OpContext (tflite_op_context.cc), the
// per-op mappers (tflite_ops.cc, tflite_ops_conv.cc) and sparse densification
// (tflite_sparse.cc). Not a public interface.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "runtime/builder.h"
#include "runtime/importers/tflite/tflite_importer.h"
#include "tflite_schema_generated.h"

namespace edgert {
namespace tflite_import {

namespace tfl = ::edgert::tflite;

// TFLite builtin operator codes the importer refers to by name (values from
// TFLite's BuiltinOperator enum).
enum BuiltinCode : int {
  kAdd = 0,
  kAveragePool2D = 1,
  kConcatenation = 2,
  kConv2D = 3,
  kDepthwiseConv2D = 4,
  kDepthToSpace = 5,
  kDequantize = 6,
  kFullyConnected = 9,
  kLogistic = 14,
  kMaxPool2D = 17,
  kMul = 18,
  kRelu = 19,
  kRelu6 = 21,
  kReshape = 22,
  kResizeBilinear = 23,
  kSoftmax = 25,
  kSpaceToDepth = 26,
  kTanh = 28,
  kCustom = 32,
  kPad = 34,
  kGather = 36,
  kTranspose = 39,
  kMean = 40,
  kSub = 41,
  kDiv = 42,
  kSqueeze = 43,
  kStridedSlice = 45,
  kExp = 47,
  kSplit = 49,
  kCast = 53,
  kPrelu = 54,
  kMaximum = 55,
  kMinimum = 57,
  kPadV2 = 60,
  kSlice = 65,
  kTransposeConv = 67,
  kExpandDims = 70,
  kSum = 74,
  kSqrt = 75,
  kRsqrt = 76,
  kShape = 77,
  kReduceProd = 81,
  kReduceMax = 82,
  kPack = 83,
  kReduceMin = 89,
  kResizeNearestNeighbor = 97,
  kLeakyRelu = 98,
  kMirrorPad = 100,
  kSplitV = 102,
  kQuantize = 114,
  kHardSwish = 117,
  kDensify = 124,
  kBatchMatMul = 126,
  kPlaceholderForGreaterOpCodes = 127,
  kGelu = 150,
};

// Constant data of a TFLite tensor as the importer sees it: read in place from
// the file, or produced at import (densified, dequantized).
struct ConstTensor {
  DType dtype = DType::kF32;
  std::vector<int32_t> shape;
  QuantSpec quant;
  const uint8_t* data = nullptr;
  size_t bytes = 0;
  std::shared_ptr<const std::vector<uint8_t>> owned;  // backs `data` when produced at import

  int64_t NumElements() const {
    int64_t n = 1;
    for (int32_t d : shape) n *= d;
    return n;
  }
  static ConstTensor Owned(DType dtype, std::vector<int32_t> shape, std::vector<uint8_t> bytes) {
    ConstTensor c;
    c.dtype = dtype;
    c.shape = std::move(shape);
    auto v = std::make_shared<const std::vector<uint8_t>>(std::move(bytes));
    c.data = v->data();
    c.bytes = v->size();
    c.owned = std::move(v);
    return c;
  }
};

// The import of one model (tflite_importer.cc): verification, tensors and
// constants, the driver. Op mappers reach it through OpContext.
class Importer {
 public:
  Importer(const uint8_t* file, size_t size, const TfliteImportOptions& opts, ImportReport* report)
      : file_(file), size_(size), opts_(opts), report_(report) {}

  Status Run(std::vector<uint8_t>* out);

  // --- used by OpContext ---
  const tfl::Tensor* tensor(int index) const {
    if (index < 0 || tensors_ == nullptr || static_cast<size_t>(index) >= tensors_->size()) return nullptr;
    return tensors_->Get(static_cast<flatbuffers::uoffset_t>(index));
  }
  std::string TensorLabel(int index) const {
    const tfl::Tensor* t = tensor(index);
    std::string s = "tensor " + std::to_string(index);
    if (t != nullptr && t->name() != nullptr && t->name()->size() > 0) s += " '" + t->name()->str() + "'";
    return s;
  }
  bool IsConst(int index) const;
  Status GetConst(int index, ConstTensor* c) const;
  Status TensorFor(int index, int32_t* ert);
  Status OutputFor(int index, int32_t* ert);
  Status SetConst(int index, ConstTensor c);
  // Element type, shape (negative dims -> 1) and quantization of a TFLite tensor.
  Status Describe(int index, DType* dtype, std::vector<int32_t>* shape, QuantSpec* quant) const;
  int AddIntermediate(int32_t like_ert, const std::string& suffix) {
    const Rec& r = recs_[static_cast<size_t>(like_ert)];
    const int t = b_.AddTensor(r.name + suffix, r.dtype, r.shape, r.quant);
    recs_.push_back(r);
    recs_.back().name += suffix;
    return t;
  }
  DType ert_dtype(int32_t ert) const { return recs_[static_cast<size_t>(ert)].dtype; }
  bool ert_quantized(int32_t ert) const { return !recs_[static_cast<size_t>(ert)].quant.scale.empty(); }
  void Emit(schema::OpType type, const std::vector<int32_t>& ins, const std::vector<int32_t>& outs,
            schema::OpOptions ot, flatbuffers::Offset<void> o);
  ModelBuilder& builder() { return b_; }
  ImportReport* report() { return report_; }
  const TfliteImportOptions& opts() const { return opts_; }
  void Warn(const std::string& w) const {
    if (report_->warnings.size() < 100) report_->warnings.push_back(w);
  }

 private:
  struct Rec {  // what the builder got for one ert tensor
    std::string name;
    DType dtype;
    std::vector<int32_t> shape;
    QuantSpec quant;
  };
  Status Verify();
  Status ReadBuffer(const tfl::Tensor* t, const uint8_t** data, size_t* bytes) const;
  Status Quantization(int index, const tfl::Tensor* t, DType dtype, const std::vector<int32_t>& shape,
                      QuantSpec* q) const;
  std::string OpName(int opcode_index) const;

  const uint8_t* file_;
  size_t size_;
  TfliteImportOptions opts_;
  ImportReport* report_;
  const tfl::Model* model_ = nullptr;
  const tfl::SubGraph* graph_ = nullptr;
  const flatbuffers::Vector<flatbuffers::Offset<tfl::Tensor>>* tensors_ = nullptr;
  ModelBuilder b_;
  std::vector<Rec> recs_;                         // per ert tensor
  std::unordered_map<int, int32_t> ert_of_;       // TFLite tensor -> ert tensor
  mutable std::unordered_map<int, ConstTensor> consts_;  // constants produced at import (and densified ones)
  std::map<std::string, int> emitted_;
  int num_ops_ = 0;
  int num_constants_ = 0;
  uint64_t constant_bytes_ = 0;
};

// What an op mapper sees of one TFLite operator. Input and output positions
// are TFLite's; "ert" indices are tensors of the model being built.
class OpContext {
 public:
  OpContext(Importer* imp, int index, const tfl::Operator* op, const std::string& name)
      : imp_(imp), index_(index), op_(op), name_(name) {}

  const tfl::Operator* op() const { return op_; }
  const std::string& name() const { return name_; }
  int num_inputs() const { return op_->inputs() ? static_cast<int>(op_->inputs()->size()) : 0; }
  int num_outputs() const { return op_->outputs() ? static_cast<int>(op_->outputs()->size()) : 0; }
  // TFLite tensor index of input/output i; -1 when omitted or beyond the list.
  int tfl_input(int i) const;
  int tfl_output(int i) const;
  template <typename T> const T* options() const { return op_->builtin_options_as<T>(); }
  flatbuffers::FlatBufferBuilder& fbb();
  ImportReport* report();
  const TfliteImportOptions& import_options() const;

  // Checks the number of inputs (and that required ones are present) and outputs.
  Status Arity(int min_in, int max_in, int min_out, int max_out) const;
  // The ert tensor for input i (created on first use); -1 for an omitted input.
  Status In(int i, int32_t* ert);
  // Like In, but the input must be present.
  Status RequiredIn(int i, int32_t* ert);
  // The ert tensor written by output i (created here).
  Status Out(int i, int32_t* ert);
  // True when input i is a constant (in the file or produced at import).
  bool IsConstInput(int i) const;
  Status ConstInput(int i, ConstTensor* c) const;
  // Values of a constant i32 / i64 input.
  Status ConstInts(int i, const char* what, std::vector<int64_t>* values) const;
  // The static shape recorded in the file for input/output i (and its shape_signature, -1 = dynamic).
  Status InputShape(int i, std::vector<int32_t>* shape, std::vector<int32_t>* signature = nullptr) const;
  Status OutputShape(int i, std::vector<int32_t>* shape) const;
  // Declared element type of input i.
  Status InputDType(int i, DType* dtype) const;
  Status OutputDType(int i, DType* dtype) const;

  // Emits an op (options built with fbb() beforehand).
  void Emit(schema::OpType type, const std::vector<int32_t>& ins, const std::vector<int32_t>& outs,
            schema::OpOptions options_type = schema::OpOptions_NONE, flatbuffers::Offset<void> options = 0);
  // Emits an op with one output (TFLite output 0) and a fused activation: RELU,
  // RELU_N1_TO_1 and RELU6 are passed to make_options; TANH becomes a separate op.
  Status EmitFused(schema::OpType type, const std::vector<int32_t>& ins, int tfl_activation,
                   schema::OpOptions options_type,
                   const std::function<flatbuffers::Offset<void>(schema::Activation)>& make_options);
  // A new activation tensor like ert tensor `like` (dtype, quantization; its
  // shape is a hint), named after it with `suffix`.
  int Intermediate(int32_t like, const std::string& suffix) { return imp_->AddIntermediate(like, suffix); }
  // Output i becomes a constant computed at import; no op is emitted.
  Status SetConstOutput(int i, ConstTensor c);

  // Errors prefixed with the op ("op 12 CONV_2D: ...").
  Status Invalid(const char* fmt, ...) const __attribute__((format(printf, 2, 3)));
  Status Unsupported(const char* fmt, ...) const __attribute__((format(printf, 2, 3)));

 private:
  Importer* imp_;
  int index_;
  const tfl::Operator* op_;
  std::string name_;
};

using OpMapper = Status (*)(OpContext& c);

// TFLite padding (SAME / VALID) -> edgert padding; an unknown value is an error.
Status MapPadding(const OpContext& c, int tfl_padding, schema::Padding* out);
// Mappers defined in tflite_ops_conv.cc (the table of all mappers is in tflite_ops.cc).
Status MapConv2D(OpContext& c);
Status MapDepthwiseConv2D(OpContext& c);
Status MapTransposeConv(OpContext& c);
Status MapConvolution2DTransposeBias(OpContext& c);
Status MapFullyConnected(OpContext& c);
Status MapBatchMatMul(OpContext& c);
// Mappers defined in tflite_ops_shape.cc.
Status MapShape(OpContext& c);
Status MapPack(OpContext& c);
// nullptr when the builtin op (effective code) or custom op has no mapping.
OpMapper FindBuiltinMapper(int code);
OpMapper FindCustomMapper(const std::string& custom_code);

// Densifies a sparse TFLite constant (TACO-style format: traversal_order,
// block_map, dim_metadata with DENSE / SPARSE_CSR levels). `values` holds the
// stored elements of `elem_size` bytes in traversal order; the result is the
// dense row-major tensor of `dense_shape`. Every index is bounds-checked.
Status Densify(const tfl::SparsityParameters* sparsity, const std::vector<int32_t>& dense_shape, size_t elem_size,
               const uint8_t* values, size_t value_bytes, uint64_t max_dense_bytes, std::vector<uint8_t>* dense);

}  // namespace tflite_import
}  // namespace edgert
