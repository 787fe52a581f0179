// OpContext: what the op mappers (tflite_ops*.cc) use to read one TFLite
// operator and emit edgert ops through the Importer.
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <string>

#include "runtime/importers/tflite/tflite_import_internal.h"

namespace edgert {
namespace tflite_import {

int OpContext::tfl_input(int i) const {
  if (i < 0 || i >= num_inputs()) return -1;
  return op_->inputs()->Get(static_cast<flatbuffers::uoffset_t>(i));
}

int OpContext::tfl_output(int i) const {
  if (i < 0 || i >= num_outputs()) return -1;
  return op_->outputs()->Get(static_cast<flatbuffers::uoffset_t>(i));
}

flatbuffers::FlatBufferBuilder& OpContext::fbb() { return imp_->builder().fbb(); }
ImportReport* OpContext::report() { return imp_->report(); }
const TfliteImportOptions& OpContext::import_options() const { return imp_->opts(); }

Status OpContext::Arity(int min_in, int max_in, int min_out, int max_out) const {
  const int ni = num_inputs(), no = num_outputs();
  if (ni < min_in || (max_in >= 0 && ni > max_in))
    return Invalid("has %d inputs; expected %d..%d", ni, min_in, max_in);
  if (no < min_out || (max_out >= 0 && no > max_out))
    return Invalid("has %d outputs; expected %d..%d", no, min_out, max_out);
  for (int i = 0; i < min_in; ++i)
    if (tfl_input(i) < 0) return Invalid("required input %d is omitted", i);
  for (int i = 0; i < no; ++i)
    if (tfl_output(i) < 0) return Invalid("output %d is omitted", i);
  return Status::Ok();
}

Status OpContext::In(int i, int32_t* ert) {
  const int t = tfl_input(i);
  if (t < 0) {
    *ert = -1;
    return Status::Ok();
  }
  Status s = imp_->TensorFor(t, ert);
  if (!s.ok()) return Status(s.code(), "op " + std::to_string(index_) + " " + name_ + ": " + s.message());
  return s;
}

Status OpContext::RequiredIn(int i, int32_t* ert) {
  if (tfl_input(i) < 0) return Invalid("required input %d is omitted", i);
  return In(i, ert);
}

Status OpContext::Out(int i, int32_t* ert) {
  const int t = tfl_output(i);
  if (t < 0) return Invalid("output %d is omitted", i);
  Status s = imp_->OutputFor(t, ert);
  if (!s.ok()) return Status(s.code(), "op " + std::to_string(index_) + " " + name_ + ": " + s.message());
  return s;
}

bool OpContext::IsConstInput(int i) const {
  const int t = tfl_input(i);
  return t >= 0 && imp_->IsConst(t);
}

Status OpContext::ConstInput(int i, ConstTensor* c) const {
  const int t = tfl_input(i);
  if (t < 0) return Invalid("input %d is omitted", i);
  if (!imp_->IsConst(t)) return Unsupported("input %d (%s) must be a constant", i, imp_->TensorLabel(t).c_str());
  Status s = imp_->GetConst(t, c);
  if (!s.ok()) return Status(s.code(), "op " + std::to_string(index_) + " " + name_ + ": " + s.message());
  return s;
}

Status OpContext::ConstInts(int i, const char* what, std::vector<int64_t>* values) const {
  ConstTensor c;
  const int t = tfl_input(i);
  if (t < 0) return Invalid("%s (input %d) is omitted", what, i);
  if (!imp_->IsConst(t))
    return Unsupported("%s (input %d, %s) must be a constant", what, i, imp_->TensorLabel(t).c_str());
  EDGERT_RETURN_IF_ERROR(ConstInput(i, &c));
  values->clear();
  const int64_t n = c.NumElements();
  if (c.dtype == DType::kI32) {
    for (int64_t k = 0; k < n; ++k) {
      int32_t v;
      std::memcpy(&v, c.data + k * 4, 4);
      values->push_back(v);
    }
  } else if (c.dtype == DType::kI64) {
    for (int64_t k = 0; k < n; ++k) {
      int64_t v;
      std::memcpy(&v, c.data + k * 8, 8);
      values->push_back(v);
    }
  } else {
    return Invalid("%s (input %d) must be int32 or int64; it is %s", what, i, DTypeName(c.dtype));
  }
  return Status::Ok();
}

Status OpContext::InputShape(int i, std::vector<int32_t>* shape, std::vector<int32_t>* signature) const {
  const int t = tfl_input(i);
  if (t < 0) return Invalid("input %d is omitted", i);
  ConstTensor c;
  if (imp_->IsConst(t)) {
    EDGERT_RETURN_IF_ERROR(ConstInput(i, &c));
    *shape = c.shape;
  } else {
    DType dt;
    EDGERT_RETURN_IF_ERROR(imp_->Describe(t, &dt, shape, nullptr));
  }
  if (signature != nullptr) {
    const tfl::Tensor* tt = imp_->tensor(t);
    signature->clear();
    if (tt->shape_signature() != nullptr && tt->shape_signature()->size() == shape->size())
      signature->assign(tt->shape_signature()->begin(), tt->shape_signature()->end());
    else
      *signature = *shape;
  }
  return Status::Ok();
}

Status OpContext::OutputShape(int i, std::vector<int32_t>* shape) const {
  const int t = tfl_output(i);
  if (t < 0) return Invalid("output %d is omitted", i);
  DType dt;
  return imp_->Describe(t, &dt, shape, nullptr);
}

Status OpContext::OutputDType(int i, DType* dtype) const {
  const int t = tfl_output(i);
  if (t < 0) return Invalid("output %d is omitted", i);
  std::vector<int32_t> shape;
  return imp_->Describe(t, dtype, &shape, nullptr);
}

Status OpContext::InputDType(int i, DType* dtype) const {
  const int t = tfl_input(i);
  if (t < 0) return Invalid("input %d is omitted", i);
  if (imp_->IsConst(t)) {
    ConstTensor c;
    EDGERT_RETURN_IF_ERROR(ConstInput(i, &c));
    *dtype = c.dtype;
    return Status::Ok();
  }
  std::vector<int32_t> shape;
  return imp_->Describe(t, dtype, &shape, nullptr);
}

void OpContext::Emit(schema::OpType type, const std::vector<int32_t>& ins, const std::vector<int32_t>& outs,
                     schema::OpOptions options_type, flatbuffers::Offset<void> options) {
  imp_->Emit(type, ins, outs, options_type, options);
}

Status OpContext::EmitFused(schema::OpType type, const std::vector<int32_t>& ins, int tfl_activation,
                            schema::OpOptions options_type,
                            const std::function<flatbuffers::Offset<void>(schema::Activation)>& make_options) {
  schema::Activation act = schema::Activation_NONE;
  bool separate_tanh = false;
  switch (tfl_activation) {
    case tfl::ActivationFunctionType_NONE: act = schema::Activation_NONE; break;
    case tfl::ActivationFunctionType_RELU: act = schema::Activation_RELU; break;
    case tfl::ActivationFunctionType_RELU_N1_TO_1: act = schema::Activation_RELU_N1_TO_1; break;
    case tfl::ActivationFunctionType_RELU6: act = schema::Activation_RELU6; break;
    case tfl::ActivationFunctionType_TANH: separate_tanh = true; break;
    default: return Unsupported("fused activation %d (SIGN_BIT or unknown) is not supported", tfl_activation);
  }
  int32_t out;
  EDGERT_RETURN_IF_ERROR(Out(0, &out));
  if (!separate_tanh) {
    Emit(type, ins, {out}, options_type, make_options(act));
    return Status::Ok();
  }
  if (imp_->ert_dtype(out) != DType::kF32 || imp_->ert_quantized(out))
    return Unsupported("a fused TANH activation is supported on float32 outputs only");
  const int mid = imp_->AddIntermediate(out, "/before_tanh");
  Emit(type, ins, {mid}, options_type, make_options(schema::Activation_NONE));
  Emit(schema::OpType_TANH, {mid}, {out});
  ++imp_->report()->separate_activations;
  return Status::Ok();
}

Status OpContext::SetConstOutput(int i, ConstTensor c) {
  const int t = tfl_output(i);
  if (t < 0) return Invalid("output %d is omitted", i);
  Status s = imp_->SetConst(t, std::move(c));
  if (!s.ok()) return Status(s.code(), "op " + std::to_string(index_) + " " + name_ + ": " + s.message());
  return s;
}

Status OpContext::Invalid(const char* fmt, ...) const {
  va_list ap;
  va_start(ap, fmt);
  std::string m = FormatV(fmt, ap);
  va_end(ap);
  return Status(StatusCode::kInvalidModel, "op " + std::to_string(index_) + " " + name_ + ": " + m);
}

Status OpContext::Unsupported(const char* fmt, ...) const {
  va_list ap;
  va_start(ap, fmt);
  std::string m = FormatV(fmt, ap);
  va_end(ap);
  return Status(StatusCode::kUnsupported, "op " + std::to_string(index_) + " " + name_ + ": " + m);
}

}  // namespace tflite_import
}  // namespace edgert
