#include "tests/op_test.h"

#include "kernels/reference/reference_kernels.h"
#include "runtime/dtype.h"

namespace edgert {
namespace testing {

int OpTest::Input(DType dtype, const std::vector<int32_t>& shape, const void* data, size_t bytes,
                  const QuantSpec& q) {
  const int t = b_.AddInput("in" + std::to_string(inputs_.size()), dtype, shape, q);
  inputs_.push_back(t);
  const uint8_t* p = static_cast<const uint8_t*>(data);
  feed_.emplace_back(p, p + bytes);
  return t;
}

int OpTest::Const(DType dtype, const std::vector<int32_t>& shape, const void* data, size_t bytes,
                  const QuantSpec& q) {
  const int t = b_.AddConstant("const" + std::to_string(inputs_.size()), dtype, shape, data, bytes, q);
  inputs_.push_back(t);
  return t;
}

int OpTest::ConstF16(const std::vector<int32_t>& shape, const std::vector<float>& v) {
  std::vector<uint16_t> h(v.size());
  for (size_t i = 0; i < v.size(); ++i) h[i] = FloatToHalf(v[i]);
  const std::string name = "const" + std::to_string(inputs_.size());
  const int c = b_.AddConstant(name + "_f16", DType::kF16, shape, h.data(), h.size() * sizeof(uint16_t));
  const int t = b_.AddTensor(name, DType::kF32, shape);
  dequantize_.emplace_back(c, t);
  inputs_.push_back(t);
  return t;
}

int OpTest::ConstSparse(const std::vector<int32_t>& shape, const std::vector<float>& dense, int block_size) {
  const int t = b_.AddSparseConstant("const" + std::to_string(inputs_.size()), shape, dense.data(), block_size);
  inputs_.push_back(t);
  return t;
}

int OpTest::Output(DType dtype, const QuantSpec& q) {
  const int t = b_.AddTensor("out" + std::to_string(outputs_.size()), dtype, {}, q);
  outputs_.push_back(t);
  b_.MarkOutput(t);
  return t;
}

Status OpTest::Run(const OpKernel* kernel) {
  for (const auto& d : dequantize_) {
    b_.AddOp(schema::OpType_DEQUANTIZE, {d.first}, {d.second}, schema::OpOptions_NONE, 0,
             "dequantize_" + std::to_string(d.second));
    resolver_.Add(schema::OpType_DEQUANTIZE, ref::Register_DEQUANTIZE());
  }
  if (type_ == schema::OpType_CUSTOM)
    b_.AddCustomOp(custom_, inputs_, outputs_);
  else
    b_.AddOp(type_, inputs_, outputs_, options_type_, options_, "op_under_test");
  const std::vector<uint8_t> file = b_.Finish();
  EDGERT_RETURN_IF_ERROR(Model::LoadBuffer(file.data(), file.size(), /*copy=*/true, &model_));
  if (type_ == schema::OpType_CUSTOM)
    resolver_.AddCustom(custom_, kernel);
  else
    resolver_.Add(type_, kernel);
  interp_.reset(new Interpreter(model_, &resolver_, interp_options_));
  EDGERT_RETURN_IF_ERROR(interp_->Prepare());
  for (int i = 0; i < interp_->num_inputs(); ++i) {
    Tensor* t = interp_->input(i);
    if (feed_[i].size() != t->bytes)
      return Status::Error(StatusCode::kInvalidArgument, "test feeds %zu bytes to input %d, which holds %zu",
                           feed_[i].size(), i, t->bytes);
    if (!feed_[i].empty()) std::memcpy(t->data, feed_[i].data(), feed_[i].size());
  }
  return interp_->Invoke();
}

}  // namespace testing
}  // namespace edgert
