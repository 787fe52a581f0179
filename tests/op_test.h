// Single-op test harness: builds a one-op .ert model with ModelBuilder, loads it
// through the verifying loader, prepares and invokes it with the given kernel.
//
//   OpTest t(schema::OpType_ADD);
//   int a = t.Input<float>({2, 3}, {1, 2, 3, 4, 5, 6});
//   int b = t.Const<float>({3}, {1, 1, 1});
//   t.Output(DType::kF32);
//   t.SetOptions(schema::OpOptions_BinaryOptions, schema::CreateBinaryOptions(t.fbb()).Union());
//   REQUIRE(t.Run(ref::Register_ADD()).ok());
//   std::vector<float> y = t.OutputData<float>(0);
#pragma once

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "runtime/builder.h"
#include "runtime/interpreter.h"
#include "runtime/model.h"
#include "runtime/op_resolver.h"

namespace edgert {
namespace testing {

class OpTest {
 public:
  explicit OpTest(schema::OpType type, const std::string& custom_code = "") : type_(type), custom_(custom_code) {}

  // A graph input fed at invoke time.
  int Input(DType dtype, const std::vector<int32_t>& shape, const void* data, size_t bytes,
            const QuantSpec& q = {});
  template <typename T>
  int Input(const std::vector<int32_t>& shape, const std::vector<T>& v, const QuantSpec& q = {}) {
    return Input(DTypeOf<T>::value, shape, v.data(), v.size() * sizeof(T), q);
  }
  // A constant input stored in the model.
  int Const(DType dtype, const std::vector<int32_t>& shape, const void* data, size_t bytes,
            const QuantSpec& q = {});
  template <typename T>
  int Const(const std::vector<int32_t>& shape, const std::vector<T>& v, const QuantSpec& q = {}) {
    return Const(DTypeOf<T>::value, shape, v.data(), v.size() * sizeof(T), q);
  }
  // A constant f32 input stored block-sparse (blocks of block_size rows of dense [shape[0], rest]).
  int ConstSparse(const std::vector<int32_t>& shape, const std::vector<float>& dense, int block_size);
  // A constant f32 input stored as float16, as MediaPipe's models and
  // `edgert-convert --quantize fp16` store weights: an f16 constant (each
  // value rounded to f16) and a DEQUANTIZE node (the reference kernel) whose
  // output feeds the op; prepare folds it.
  int ConstF16(const std::vector<int32_t>& shape, const std::vector<float>& v);
  // An omitted optional input (index -1).
  void OmitInput() { inputs_.push_back(-1); }
  // An output; its shape is inferred by prepare.
  int Output(DType dtype, const QuantSpec& q = {});

  flatbuffers::FlatBufferBuilder& fbb() { return b_.fbb(); }
  void SetOptions(schema::OpOptions type, flatbuffers::Offset<void> options) {
    options_type_ = type;
    options_ = options;
  }

  // Threads of the interpreter Run creates (InterpreterOptions::num_threads).
  void SetNumThreads(int n) { interp_options_.num_threads = n; }
  // InterpreterOptions::f16_arithmetic of the interpreter Run creates.
  void SetF16Arithmetic(bool on) { interp_options_.f16_arithmetic = on; }

  // Builds, loads, prepares and invokes. A non-ok status carries the kernel's message.
  Status Run(const OpKernel* kernel);

  const Tensor& output(int i) const { return *interp_->output(i); }
  Shape OutputShape(int i) const { return interp_->output(i)->shape; }
  template <typename T> std::vector<T> OutputData(int i) const {
    const Tensor* t = interp_->output(i);
    std::vector<T> v(static_cast<size_t>(t->NumElements()));
    if (!v.empty()) std::memcpy(v.data(), t->data, v.size() * sizeof(T));
    return v;
  }
  Interpreter& interpreter() { return *interp_; }

 private:
  schema::OpType type_;
  std::string custom_;
  ModelBuilder b_;
  std::vector<int32_t> inputs_, outputs_;
  std::vector<std::pair<int32_t, int32_t>> dequantize_;  // ConstF16's (f16 constant, f32 output) pairs
  std::vector<std::vector<uint8_t>> feed_;  // data for each graph input, in order
  schema::OpOptions options_type_ = schema::OpOptions_NONE;
  flatbuffers::Offset<void> options_ = 0;
  std::shared_ptr<const Model> model_;
  OpResolver resolver_;
  InterpreterOptions interp_options_;
  std::unique_ptr<Interpreter> interp_;
};

}  // namespace testing
}  // namespace edgert
