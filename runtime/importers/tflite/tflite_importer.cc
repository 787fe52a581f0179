// TFLite -> .ert: verification, tensors, constants, the import driver and the
// OpContext that the op mappers (tflite_ops.cc) use.
#include "runtime/importers/tflite/tflite_importer.h"

#include <algorithm>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <limits>
#include <map>
#include <memory>

#include "runtime/dtype.h"
#include "runtime/importers/import_common.h"
#include "runtime/importers/tflite/tflite_import_internal.h"
#include "runtime/model.h"
#include "runtime/op_resolver.h"
#include "runtime/tensor.h"

namespace edgert {

// The numbering this importer relies on (TFLite's schema); a wrong id in
// tflite_schema.fbs shows up here or in the field-offset checks below.
static_assert(tflite::BuiltinOptions_Conv2DOptions == 1, "BuiltinOptions numbering");
static_assert(tflite::BuiltinOptions_Pool2DOptions == 5, "BuiltinOptions numbering");
static_assert(tflite::BuiltinOptions_FullyConnectedOptions == 8, "BuiltinOptions numbering");
static_assert(tflite::BuiltinOptions_TransposeConvOptions == 49, "BuiltinOptions numbering");
static_assert(tflite::BuiltinOptions_HardSwishOptions == 91, "BuiltinOptions numbering");
static_assert(tflite::BuiltinOptions_PackOptions == 59, "BuiltinOptions numbering");
static_assert(tflite::BuiltinOptions_BatchMatMulOptions == 101, "BuiltinOptions numbering");
static_assert(tflite::BuiltinOptions_GeluOptions == 116, "BuiltinOptions numbering");
static_assert(tflite::TensorType_INT8 == 9 && tflite::TensorType_BFLOAT16 == 18, "TensorType numbering");
// vtable offset = 4 + 2 * field id
static_assert(tflite::Tensor::VT_SHAPE_SIGNATURE == 4 + 2 * 7, "Tensor field ids");
static_assert(tflite::QuantizationParameters::VT_QUANTIZED_DIMENSION == 4 + 2 * 6, "QuantizationParameters ids");
static_assert(tflite::Operator::VT_BUILTIN_OPTIONS == 4 + 2 * 4, "Operator field ids");
static_assert(tflite::Operator::VT_LARGE_CUSTOM_OPTIONS_SIZE == 4 + 2 * 10, "Operator field ids");
static_assert(tflite::OperatorCode::VT_BUILTIN_CODE == 4 + 2 * 3, "OperatorCode field ids");
static_assert(tflite::Model::VT_METADATA == 4 + 2 * 6, "Model field ids");
static_assert(tflite::DimensionMetadata::VT_ARRAY_INDICES == 4 + 2 * 5, "DimensionMetadata field ids");

namespace tflite_import {

namespace {

Status InvalidModel(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
Status InvalidModel(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  std::string m = FormatV(fmt, ap);
  va_end(ap);
  return Status(StatusCode::kInvalidModel, m);
}

bool MapDType(tfl::TensorType t, DType* out) {
  switch (t) {
    case tfl::TensorType_FLOAT32: *out = DType::kF32; return true;
    case tfl::TensorType_FLOAT16: *out = DType::kF16; return true;
    case tfl::TensorType_BFLOAT16: *out = DType::kBF16; return true;
    case tfl::TensorType_INT8: *out = DType::kI8; return true;
    case tfl::TensorType_UINT8: *out = DType::kU8; return true;
    case tfl::TensorType_INT16: *out = DType::kI16; return true;
    case tfl::TensorType_INT32: *out = DType::kI32; return true;
    case tfl::TensorType_INT64: *out = DType::kI64; return true;
    case tfl::TensorType_BOOL: *out = DType::kBool; return true;
    default: return false;
  }
}

const char* TensorTypeName(tfl::TensorType t) {
  if (t >= tfl::TensorType_MIN && t <= tfl::TensorType_MAX) {
    const char* n = tfl::EnumNameTensorType(t);
    if (n != nullptr && *n != 0) return n;
  }
  return "UNKNOWN";
}

}  // namespace

// --- verification -----------------------------------------------------------

Status Importer::Verify() {
  if (size_ < 8) return InvalidModel("file is %zu bytes, too small to be a .tflite model", size_);
  if (!IsTfliteBuffer(file_, size_)) return InvalidModel("not a .tflite model (file identifier is not 'TFL3')");
  // Models above 2 GiB keep their buffers after the FlatBuffer; the FlatBuffer
  // itself must lie in the first 2 GiB.
  const size_t fb_size = std::min<size_t>(size_, FLATBUFFERS_MAX_BUFFER_SIZE - 1);
  flatbuffers::Verifier verifier(file_, fb_size, /*max_depth=*/64, /*max_tables=*/10000000);
  if (!tfl::VerifyModelBuffer(verifier))
    return InvalidModel("FlatBuffer verification failed: the .tflite structure is corrupt");
  model_ = tfl::GetModel(file_);
  if (model_->subgraphs() == nullptr || model_->subgraphs()->size() == 0)
    return InvalidModel("the model has no subgraph");
  if (opts_.subgraph < 0 || static_cast<size_t>(opts_.subgraph) >= model_->subgraphs()->size())
    return Status::Error(StatusCode::kInvalidArgument, "subgraph %d does not exist (the model has %u)", opts_.subgraph,
                         model_->subgraphs()->size());
  graph_ = model_->subgraphs()->Get(static_cast<flatbuffers::uoffset_t>(opts_.subgraph));
  if (graph_ == nullptr) return InvalidModel("subgraph %d is missing", opts_.subgraph);
  tensors_ = graph_->tensors();
  if (tensors_ != nullptr && tensors_->size() > (1u << 24))
    return InvalidModel("subgraph has %u tensors, more than supported", tensors_->size());
  return Status::Ok();
}

std::string Importer::OpName(int opcode_index) const {
  const auto* codes = model_->operator_codes();
  if (codes == nullptr || opcode_index < 0 || static_cast<size_t>(opcode_index) >= codes->size()) return "";
  const tfl::OperatorCode* oc = codes->Get(static_cast<flatbuffers::uoffset_t>(opcode_index));
  if (oc == nullptr) return "";
  // Schema 3a: the effective code is the larger of the two fields.
  const int code = std::max<int>(oc->deprecated_builtin_code(), oc->builtin_code());
  if (code == kCustom) {
    const std::string cc = oc->custom_code() ? oc->custom_code()->str() : std::string();
    return "CUSTOM:" + cc;
  }
  return TfliteBuiltinName(code);
}

// --- tensors and constants -----------------------------------------------------

Status Importer::ReadBuffer(const tfl::Tensor* t, const uint8_t** data, size_t* bytes) const {
  *data = nullptr;
  *bytes = 0;
  const uint32_t b = t->buffer();
  if (b == 0) return Status::Ok();  // buffer 0 is the empty sentinel
  const auto* buffers = model_->buffers();
  if (buffers == nullptr || b >= buffers->size())
    return InvalidModel("buffer index %u is out of range (the model has %u buffers)", b,
                        buffers ? buffers->size() : 0);
  const tfl::Buffer* buf = buffers->Get(b);
  if (buf == nullptr) return Status::Ok();
  if (buf->data() != nullptr && buf->data()->size() > 0) {
    *data = buf->data()->data();
    *bytes = buf->data()->size();
    return Status::Ok();
  }
  if (buf->offset() > 1 && buf->size() > 0) {  // data outside the FlatBuffer (models > 2 GiB)
    if (buf->offset() > size_ || buf->size() > size_ - buf->offset())
      return InvalidModel("buffer %u [offset %llu, size %llu] extends past the end of the file (%zu bytes)", b,
                          static_cast<unsigned long long>(buf->offset()), static_cast<unsigned long long>(buf->size()),
                          size_);
    *data = file_ + buf->offset();
    *bytes = static_cast<size_t>(buf->size());
  }
  return Status::Ok();
}

Status Importer::Quantization(int index, const tfl::Tensor* t, DType dtype, const std::vector<int32_t>& shape,
                              QuantSpec* q) const {
  *q = QuantSpec();
  const tfl::QuantizationParameters* p = t->quantization();
  if (p == nullptr) return Status::Ok();
  const bool float_type = dtype == DType::kF32 || dtype == DType::kF16 || dtype == DType::kBF16;
  if (p->details_type() != 0 && !float_type)
    return Status::Error(StatusCode::kUnsupported, "%s uses custom/blockwise quantization details, not supported",
                         TensorLabel(index).c_str());
  const size_t ns = p->scale() ? p->scale()->size() : 0;
  const size_t nz = p->zero_point() ? p->zero_point()->size() : 0;
  if (ns == 0 || float_type) return Status::Ok();  // float tensors: parameters carry no meaning for us
  const bool narrow = dtype == DType::kI8 || dtype == DType::kU8 || dtype == DType::kI16;
  auto bad = [&](const std::string& why) -> Status {
    if (narrow) return InvalidModel("%s: %s", TensorLabel(index).c_str(), why.c_str());
    // Wide integer tensors (biases, indices) sometimes carry meaningless parameters: drop them.
    Warn(TensorLabel(index) + ": quantization dropped (" + why + ")");
    *q = QuantSpec();
    return Status::Ok();
  };
  if (nz != 0 && nz != ns)
    return bad(std::to_string(ns) + " scales but " + std::to_string(nz) + " zero points");
  int axis = 0;
  if (ns > 1) {
    axis = p->quantized_dimension();
    if (axis < 0 || static_cast<size_t>(axis) >= shape.size())
      return bad("quantized_dimension " + std::to_string(axis) + " is out of range for rank " +
                 std::to_string(shape.size()));
    if (static_cast<size_t>(shape[static_cast<size_t>(axis)]) != ns)
      return bad(std::to_string(ns) + " per-channel scales but dimension " + std::to_string(axis) + " has " +
                 std::to_string(shape[static_cast<size_t>(axis)]) + " elements");
  }
  q->axis = axis;
  for (size_t i = 0; i < ns; ++i) {
    const float s = p->scale()->Get(static_cast<flatbuffers::uoffset_t>(i));
    if (!(s > 0.f) || !std::isfinite(s)) return bad("scale " + std::to_string(s) + " is not positive and finite");
    // memcpy: the verifier does not guarantee 8-byte alignment of [long] elements.
    int64_t z = 0;
    if (nz) std::memcpy(&z, p->zero_point()->Data() + i * sizeof(int64_t), sizeof(z));
    if (z < std::numeric_limits<int32_t>::min() || z > std::numeric_limits<int32_t>::max())
      return bad("zero point " + std::to_string(z) + " does not fit in 32 bits");
    q->scale.push_back(s);
    q->zero_point.push_back(z);
  }
  return Status::Ok();
}

Status Importer::Describe(int index, DType* dtype, std::vector<int32_t>* shape, QuantSpec* quant) const {
  const tfl::Tensor* t = tensor(index);
  if (t == nullptr) return InvalidModel("tensor index %d is out of range", index);
  if (!MapDType(t->type(), dtype))
    return Status::Error(StatusCode::kUnsupported, "%s has element type %s, which edgert does not support",
                         TensorLabel(index).c_str(), TensorTypeName(t->type()));
  shape->clear();
  if (t->shape() != nullptr) {
    if (t->shape()->size() > static_cast<flatbuffers::uoffset_t>(kMaxRank))
      return Status::Error(StatusCode::kUnsupported, "%s has rank %u; at most %d is supported",
                           TensorLabel(index).c_str(), t->shape()->size(), kMaxRank);
    for (int32_t d : *t->shape()) shape->push_back(d < 0 ? 1 : d);
  }
  if (quant != nullptr) EDGERT_RETURN_IF_ERROR(Quantization(index, t, *dtype, *shape, quant));
  return Status::Ok();
}

bool Importer::IsConst(int index) const {
  if (consts_.count(index) != 0) return true;
  const tfl::Tensor* t = tensor(index);
  if (t == nullptr) return false;
  const uint8_t* data;
  size_t bytes;
  return ReadBuffer(t, &data, &bytes).ok() && bytes > 0;
}

Status Importer::GetConst(int index, ConstTensor* c) const {
  auto it = consts_.find(index);
  if (it != consts_.end()) {
    *c = it->second;
    return Status::Ok();
  }
  const tfl::Tensor* t = tensor(index);
  if (t == nullptr) return InvalidModel("tensor index %d is out of range", index);
  const uint8_t* data;
  size_t bytes;
  EDGERT_RETURN_IF_ERROR(ReadBuffer(t, &data, &bytes));
  if (bytes == 0) return InvalidModel("%s is not a constant", TensorLabel(index).c_str());
  ConstTensor r;
  EDGERT_RETURN_IF_ERROR(Describe(index, &r.dtype, &r.shape, &r.quant));
  if (t->shape() != nullptr)
    for (int32_t d : *t->shape())
      if (d < 0) return InvalidModel("%s is a constant with a negative dimension", TensorLabel(index).c_str());
  uint64_t elements = 1;
  for (int32_t d : r.shape) {
    if (d != 0 && elements > (uint64_t{1} << 40) / static_cast<uint64_t>(d))
      return InvalidModel("%s: element count overflows", TensorLabel(index).c_str());
    elements *= static_cast<uint64_t>(d);
  }
  const size_t esize = DTypeSize(r.dtype);
  if (t->sparsity() != nullptr) {
    std::vector<uint8_t> dense;
    Status s = Densify(t->sparsity(), r.shape, esize, data, bytes, opts_.max_dense_bytes, &dense);
    if (!s.ok()) return Status(s.code(), TensorLabel(index) + ": " + s.message());
    QuantSpec q = r.quant;
    r = ConstTensor::Owned(r.dtype, r.shape, std::move(dense));
    r.quant = q;
    consts_[index] = r;
    ++report_->densified;
  } else {
    if (elements * esize != bytes)
      return InvalidModel("%s: constant data is %zu bytes, but shape x %s needs %llu", TensorLabel(index).c_str(),
                          bytes, DTypeName(r.dtype), static_cast<unsigned long long>(elements * esize));
    r.data = data;
    r.bytes = bytes;
  }
  *c = r;
  return Status::Ok();
}

Status Importer::SetConst(int index, ConstTensor c) {
  if (ert_of_.count(index) != 0 || consts_.count(index) != 0 || IsConst(index))
    return InvalidModel("%s is written twice (or is a constant in the file)", TensorLabel(index).c_str());
  consts_[index] = std::move(c);
  return Status::Ok();
}

Status Importer::TensorFor(int index, int32_t* ert) {
  auto it = ert_of_.find(index);
  if (it != ert_of_.end()) {
    *ert = it->second;
    return Status::Ok();
  }
  const tfl::Tensor* t = tensor(index);
  if (t == nullptr) return InvalidModel("tensor index %d is out of range", index);
  if (t->is_variable())
    return Status::Error(StatusCode::kUnsupported, "%s is a variable tensor (state), not supported",
                         TensorLabel(index).c_str());
  std::string name = t->name() && t->name()->size() > 0 ? t->name()->str() : "t" + std::to_string(index);
  Rec r;
  if (IsConst(index)) {
    ConstTensor c;
    EDGERT_RETURN_IF_ERROR(GetConst(index, &c));
    r = Rec{name, c.dtype, c.shape, c.quant};
    *ert = b_.AddConstant(name, c.dtype, c.shape, c.data, c.bytes, c.quant);
    ++num_constants_;
    constant_bytes_ += c.bytes;
  } else {
    EDGERT_RETURN_IF_ERROR(Describe(index, &r.dtype, &r.shape, &r.quant));
    r.name = name;
    *ert = b_.AddTensor(name, r.dtype, r.shape, r.quant);
  }
  recs_.push_back(std::move(r));
  ert_of_[index] = *ert;
  return Status::Ok();
}

Status Importer::OutputFor(int index, int32_t* ert) {
  if (tensor(index) == nullptr) return InvalidModel("output tensor index %d is out of range", index);
  if (IsConst(index)) return InvalidModel("%s is a constant but is written by an op", TensorLabel(index).c_str());
  if (ert_of_.count(index) != 0)
    return InvalidModel("%s is written twice, or read before it is written", TensorLabel(index).c_str());
  return TensorFor(index, ert);
}

void Importer::Emit(schema::OpType type, const std::vector<int32_t>& ins, const std::vector<int32_t>& outs,
                    schema::OpOptions ot, flatbuffers::Offset<void> o) {
  b_.AddOp(type, ins, outs, ot, o);
  ++emitted_[OpTypeName(type)];
  ++num_ops_;
}

// --- the driver ---------------------------------------------------------------

Status Importer::Run(std::vector<uint8_t>* out) {
  EDGERT_RETURN_IF_ERROR(Verify());
  report_->source_version = model_->version();
  if (model_->description() != nullptr) report_->source_description = model_->description()->str();
  const auto* ops = graph_->operators();
  const int num_ops = ops ? static_cast<int>(ops->size()) : 0;
  report_->source_ops = num_ops;
  report_->source_tensors = tensors_ ? static_cast<int>(tensors_->size()) : 0;

  // 1. Every op must have a mapping; list all that do not, with counts, in one error.
  std::vector<OpMapper> mappers(static_cast<size_t>(num_ops), nullptr);
  std::vector<std::string> names(static_cast<size_t>(num_ops));
  std::vector<std::pair<std::string, int>> missing;  // first-seen order
  for (int i = 0; i < num_ops; ++i) {
    const tfl::Operator* op = ops->Get(static_cast<flatbuffers::uoffset_t>(i));
    if (op == nullptr) return InvalidModel("op %d is missing", i);
    const std::string name = OpName(static_cast<int>(op->opcode_index()));
    if (name.empty())
      return InvalidModel("op %d: opcode_index %u is out of range (the model has %u operator codes)", i,
                          op->opcode_index(), model_->operator_codes() ? model_->operator_codes()->size() : 0);
    names[static_cast<size_t>(i)] = name;
    ++report_->source_op_counts[name];
    OpMapper m = nullptr;
    if (name.compare(0, 7, "CUSTOM:") == 0) {
      m = FindCustomMapper(name.substr(7));
    } else {
      const tfl::OperatorCode* oc = model_->operator_codes()->Get(op->opcode_index());
      m = FindBuiltinMapper(std::max<int>(oc->deprecated_builtin_code(), oc->builtin_code()));
    }
    if (m == nullptr) {
      bool found = false;
      for (auto& p : missing)
        if (p.first == name) ++p.second, found = true;
      if (!found) missing.emplace_back(name, 1);
    }
    mappers[static_cast<size_t>(i)] = m;
  }
  if (!missing.empty()) {
    std::string msg = "unsupported ops: ";
    for (size_t i = 0; i < missing.size(); ++i) {
      const std::string item = missing[i].first + " x" + std::to_string(missing[i].second);
      report_->unsupported.push_back(item);
      msg += (i ? ", " : "") + item;
    }
    return Status(StatusCode::kUnsupported, msg);
  }

  // 2. Graph inputs, in order.
  if (graph_->inputs() != nullptr) {
    for (int32_t t : *graph_->inputs()) {
      if (tensor(t) == nullptr) return InvalidModel("subgraph input names tensor %d, which does not exist", t);
      if (IsConst(t)) return InvalidModel("subgraph input %s is a constant", TensorLabel(t).c_str());
      if (ert_of_.count(t) != 0) return InvalidModel("%s is listed twice as a subgraph input", TensorLabel(t).c_str());
      int32_t e;
      EDGERT_RETURN_IF_ERROR(TensorFor(t, &e));
      b_.MarkInput(e);
      const tfl::Tensor* tt = tensor(t);
      if (tt->shape_signature() != nullptr)
        for (int32_t d : *tt->shape_signature())
          if (d < 0) {
            Warn("input " + TensorLabel(t) + " has dynamic dimensions; imported with the static shape from the file");
            break;
          }
    }
  }

  // 3. Operators, in order.
  for (int i = 0; i < num_ops; ++i) {
    OpContext ctx(this, i, ops->Get(static_cast<flatbuffers::uoffset_t>(i)), names[static_cast<size_t>(i)]);
    EDGERT_RETURN_IF_ERROR(mappers[static_cast<size_t>(i)](ctx));
  }

  // 4. Graph outputs.
  if (graph_->outputs() != nullptr) {
    std::vector<int32_t> marked;
    for (int32_t t : *graph_->outputs()) {
      if (tensor(t) == nullptr) return InvalidModel("subgraph output names tensor %d, which does not exist", t);
      if (consts_.count(t) != 0 || IsConst(t))
        return Status::Error(StatusCode::kUnsupported, "subgraph output %s is a constant", TensorLabel(t).c_str());
      auto it = ert_of_.find(t);
      if (it == ert_of_.end())
        return InvalidModel("subgraph output %s is never produced by any op", TensorLabel(t).c_str());
      bool dup = false;
      for (int32_t m : marked) dup = dup || m == it->second;
      if (dup) continue;
      marked.push_back(it->second);
      b_.MarkOutput(it->second);
    }
  }

  b_.AddMetadata("source_format", "tflite");
  b_.AddMetadata("tflite.schema_version", std::to_string(model_->version()));
  if (!report_->source_description.empty()) {
    b_.AddMetadata("tflite.description", report_->source_description);
    b_.SetDescription(report_->source_description);
  }
  if (model_->metadata() != nullptr) {
    // Short printable metadata values (e.g. min_runtime_version) are carried over.
    for (const tfl::Metadata* m : *model_->metadata()) {
      if (m == nullptr || m->name() == nullptr || model_->buffers() == nullptr || m->buffer() >= model_->buffers()->size())
        continue;
      const tfl::Buffer* buf = model_->buffers()->Get(m->buffer());
      if (buf == nullptr || buf->data() == nullptr || buf->data()->size() > 256) continue;
      std::string v(reinterpret_cast<const char*>(buf->data()->data()), buf->data()->size());
      while (!v.empty() && v.back() == '\0') v.pop_back();
      bool printable = !v.empty();
      for (char ch : v) printable = printable && ch >= 0x20 && ch < 0x7f;
      if (printable) b_.AddMetadata("tflite." + m->name()->str(), v);
    }
  }

  return FinishImportedModel(&b_, ImportCounts{&emitted_, num_ops_, num_constants_, constant_bytes_},
                             opts_.verify_output, opts_.optimize, report_, out);
}

}  // namespace tflite_import

// --- public entry points -------------------------------------------------------

bool IsTfliteBuffer(const void* data, size_t size) {
  return data != nullptr && size >= 8 && std::memcmp(static_cast<const uint8_t*>(data) + 4, "TFL3", 4) == 0;
}

Status ImportTflite(const void* data, size_t size, const TfliteImportOptions& opts, std::vector<uint8_t>* ert_file,
                    ImportReport* report) {
  return RunImport("ImportTflite", ".tflite", data, size, ert_file, report, [&](ImportReport* r) {
    // FlatBuffers reads scalars in place: a buffer that is not 16-byte aligned
    // (the largest alignment in the format) is copied once.
    const void* src = data;
    std::vector<uint8_t> aligned;
    if (reinterpret_cast<uintptr_t>(src) % 16 != 0) {
      aligned.assign(static_cast<const uint8_t*>(src), static_cast<const uint8_t*>(src) + size);
      src = aligned.data();
    }
    tflite_import::Importer imp(static_cast<const uint8_t*>(src), size, opts, r);
    return imp.Run(ert_file);
  });
}

}  // namespace edgert
