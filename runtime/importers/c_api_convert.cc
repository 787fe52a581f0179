// The converter C API (ert_convert_*, include/edgert/edgert_import.h): import,
// then quantize through the same library entry point as edgert-convert.
#include <algorithm>
#include <cstring>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include "edgert/edgert_import.h"
#include "runtime/importers/compress/sparsify.h"
#include "runtime/importers/onnx/onnx_importer.h"
#include "runtime/importers/quantizer/quantize_model.h"
#include "runtime/importers/tflite/tflite_importer.h"
#include "runtime/model.h"

struct ert_converted {
  std::vector<uint8_t> ert;
  std::string summary;
  std::string report_json;
  bool has_report = false;
};

namespace {

using edgert::Status;
using edgert::StatusCode;

void WriteError(const std::string& msg, char* buf, size_t size) {
  if (buf == nullptr || size == 0) return;
  const size_t n = std::min(msg.size(), size - 1);
  std::memcpy(buf, msg.data(), n);
  buf[n] = '\0';
}

Status Invalid(const char* what) { return Status(StatusCode::kInvalidArgument, what); }

Status Import(const void* data, size_t size, const ert_convert_options& o, std::vector<uint8_t>* ert) {
  if (edgert::IsTfliteBuffer(data, size)) {
    edgert::TfliteImportOptions opts;
    opts.optimize = o.optimize != 0;
    return edgert::ImportTflite(data, size, opts, ert, nullptr);
  }
  const bool is_ert = size >= 12 && std::memcmp(static_cast<const uint8_t*>(data) + 8, "ERT1", 4) == 0;
  if (!is_ert && edgert::IsOnnxBuffer(data, size)) {
    edgert::OnnxImportOptions opts;
    opts.optimize = o.optimize != 0;
    for (size_t k = 0; k < o.num_dims; ++k) {
      if (o.dim_names == nullptr || o.dim_values == nullptr || o.dim_names[k] == nullptr)
        return Invalid("ert_convert_options: dim_names / dim_values must hold num_dims entries");
      opts.dims[o.dim_names[k]] = o.dim_values[k];
    }
    return edgert::ImportOnnx(data, size, opts, ert, nullptr);
  }
  // An .ert model is taken as it is (the loader checks it below).
  const uint8_t* p = static_cast<const uint8_t*>(data);
  ert->assign(p, p + size);
  std::shared_ptr<const edgert::Model> m;
  return edgert::Model::LoadBuffer(ert->data(), ert->size(), /*copy=*/false, &m);
}

// Copies the caller's sample pointers into CalibrationSamples sized by the model's inputs.
Status CopySamples(const edgert::Model& model, const void* const* ptrs, size_t count, const char* what,
                   std::vector<edgert::CalibrationSample>* out) {
  if (count == 0) return Status::Ok();
  if (ptrs == nullptr) return Status::Error(StatusCode::kInvalidArgument, "%s is NULL with a count of %zu", what, count);
  const size_t num_inputs = model.inputs().size();
  std::vector<size_t> bytes(num_inputs);
  for (size_t j = 0; j < num_inputs; ++j) {
    const edgert::TensorInfo& t = model.tensors()[static_cast<size_t>(model.inputs()[j])];
    bytes[j] = static_cast<size_t>(t.shape.NumElements()) * edgert::DTypeSize(t.dtype);
  }
  out->resize(count);
  for (size_t i = 0; i < count; ++i) {
    (*out)[i].inputs.resize(num_inputs);
    for (size_t j = 0; j < num_inputs; ++j) {
      const uint8_t* p = static_cast<const uint8_t*>(ptrs[i * num_inputs + j]);
      if (p == nullptr)
        return Status::Error(StatusCode::kInvalidArgument, "%s: sample %zu, input %zu is NULL", what, i, j);
      (*out)[i].inputs[j].assign(p, p + bytes[j]);
    }
  }
  return Status::Ok();
}

Status Quantize(const ert_convert_options& o, ert_converted* result) {
  edgert::QuantizeModelOptions q;
  switch (o.quantize) {
    case ERT_QUANTIZE_INT8: q.mode = edgert::QuantizeMode::kInt8; break;
    case ERT_QUANTIZE_DYNAMIC: q.mode = edgert::QuantizeMode::kDynamic; break;
    case ERT_QUANTIZE_FP16: q.mode = edgert::QuantizeMode::kFp16; break;
    default: return Status::Error(StatusCode::kInvalidArgument, "unknown quantization mode %d", o.quantize);
  }
  switch (o.calibration_method) {
    case ERT_CALIBRATION_MINMAX: q.calibration.method = edgert::CalibrationMethod::kMinMax; break;
    case ERT_CALIBRATION_PERCENTILE: q.calibration.method = edgert::CalibrationMethod::kPercentile; break;
    case ERT_CALIBRATION_KL: q.calibration.method = edgert::CalibrationMethod::kEntropy; break;
    case ERT_CALIBRATION_MSE: q.calibration.method = edgert::CalibrationMethod::kMse; break;
    default:
      return Status::Error(StatusCode::kInvalidArgument, "unknown calibration method %d", o.calibration_method);
  }
  if (!(o.percentile > 0 && o.percentile <= 100))
    return Status::Error(StatusCode::kInvalidArgument, "percentile %g is not in (0, 100]", o.percentile);
  q.calibration.percentile = o.percentile;
  if (o.num_threads < 1 || o.num_threads > 64)
    return Status::Error(StatusCode::kInvalidArgument, "num_threads %d is not in 1..64", o.num_threads);
  q.calibration.num_threads = o.num_threads;
  if (o.num_keep_float > 0 && o.keep_float == nullptr) return Invalid("keep_float is NULL with a nonzero count");
  for (size_t k = 0; k < o.num_keep_float; ++k) {
    if (o.keep_float[k] == nullptr) return Invalid("keep_float holds a NULL name");
    q.int8.keep_float.insert(o.keep_float[k]);
  }
  if (o.fidelity_target > 0) {
    if (o.fidelity_target > 1) return Invalid("fidelity_target is a cosine similarity: at most 1");
    if (o.max_float_ops < 0) return Invalid("max_float_ops is negative");
    q.auto_mixed = true;
    q.mixed.min_output_cosine = o.fidelity_target;
    q.mixed.max_float_ops = o.max_float_ops;
  }
  q.report = o.report != 0;
  q.bias_correction = o.bias_correction != 0;

  std::shared_ptr<const edgert::Model> model;
  EDGERT_RETURN_IF_ERROR(edgert::Model::LoadBuffer(result->ert.data(), result->ert.size(), /*copy=*/false, &model));
  std::vector<edgert::CalibrationSample> calibration, eval;
  EDGERT_RETURN_IF_ERROR(
      CopySamples(*model, o.calibration_samples, o.num_calibration_samples, "calibration_samples", &calibration));
  EDGERT_RETURN_IF_ERROR(CopySamples(*model, o.report_samples, o.num_report_samples, "report_samples", &eval));
  edgert::QuantizeModelResult r;
  EDGERT_RETURN_IF_ERROR(edgert::QuantizeModel(result->ert, q, calibration, eval, &r));
  model.reset();
  result->ert = std::move(r.ert);
  result->summary += r.summary;
  if (r.have_fidelity && q.report) {
    result->report_json = r.fidelity.ToJson();
    result->has_report = true;
  }
  return Status::Ok();
}

// Pruning (prune_fraction > 0) or block-sparse / zero-mask storage of the constants where it wins.
Status Sparsify(double prune_fraction, bool store_sparse, ert_converted* result) {
  edgert::SparsifyOptions so;
  so.prune_fraction = prune_fraction;
  so.store_sparse = store_sparse;
  std::vector<uint8_t> out;
  edgert::SparsifyReport r;
  EDGERT_RETURN_IF_ERROR(edgert::SparsifyModel(result->ert, so, &out, &r));
  result->ert = std::move(out);
  if (prune_fraction > 0 || r.sparse > 0 || r.masked > 0) result->summary += r.Summary();
  return Status::Ok();
}

}  // namespace

extern "C" {

void ert_convert_options_init(ert_convert_options* options) {
  if (options == nullptr) return;
  std::memset(options, 0, sizeof(*options));
  options->struct_size = static_cast<int32_t>(sizeof(ert_convert_options));
  options->optimize = 1;
  options->quantize = ERT_QUANTIZE_NONE;
  options->calibration_method = ERT_CALIBRATION_MINMAX;
  options->percentile = 99.99;
  options->num_threads = 1;
  options->max_float_ops = 16;
  options->sparse = 1;
}

ert_status ert_convert_buffer(const void* data, size_t size, const ert_convert_options* options, ert_converted** out,
                              char* error_buf, size_t error_buf_size) {
  if (out == nullptr || data == nullptr || size == 0) {
    WriteError("ert_convert_buffer: data and out must not be NULL, size not 0", error_buf, error_buf_size);
    return ERT_INVALID_ARGUMENT;
  }
  *out = nullptr;
  ert_convert_options o;
  ert_convert_options_init(&o);
  if (options != nullptr) {
    // Only the fields the caller's struct holds are read (older callers pass a shorter struct).
    if (options->struct_size < static_cast<int32_t>(sizeof(int32_t)) ||
        options->struct_size > static_cast<int32_t>(sizeof(ert_convert_options))) {
      WriteError("ert_convert_options.struct_size is not set (call ert_convert_options_init)", error_buf,
                 error_buf_size);
      return ERT_INVALID_ARGUMENT;
    }
    std::memcpy(&o, options, static_cast<size_t>(options->struct_size));
  }
  try {
    std::unique_ptr<ert_converted> result(new ert_converted());
    Status s = Import(data, size, o, &result->ert);
    if (s.ok() && o.prune_fraction != 0) s = Sparsify(o.prune_fraction, false, result.get());
    if (s.ok() && o.quantize != ERT_QUANTIZE_NONE) s = Quantize(o, result.get());
    if (s.ok() && o.sparse != 0) s = Sparsify(0.0, true, result.get());
    if (!s.ok()) {
      WriteError(s.message(), error_buf, error_buf_size);
      return static_cast<ert_status>(s.code());
    }
    *out = result.release();
    return ERT_OK;
  } catch (const std::bad_alloc&) {
    WriteError("out of memory while converting the model", error_buf, error_buf_size);
    return ERT_OUT_OF_MEMORY;
  }
}

const void* ert_converted_data(const ert_converted* c) { return c != nullptr ? c->ert.data() : nullptr; }
size_t ert_converted_size(const ert_converted* c) { return c != nullptr ? c->ert.size() : 0; }
const char* ert_converted_summary(const ert_converted* c) { return c != nullptr ? c->summary.c_str() : nullptr; }
const char* ert_converted_report_json(const ert_converted* c) {
  return c != nullptr && c->has_report ? c->report_json.c_str() : nullptr;
}
void ert_converted_delete(ert_converted* c) { delete c; }

}  // extern "C"
