// The C API over the C++ runtime. No exception or C++ type crosses it.
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <memory>
#include <new>
#include <string>

#include "edgert/edgert.h"
#include "runtime/interpreter.h"
#include "runtime/model.h"
#include "runtime/op_resolver.h"

struct ert_model {
  std::shared_ptr<const edgert::Model> model;
};

struct ert_interpreter {
  std::shared_ptr<const edgert::Model> model;
  edgert::OpResolver resolver;
  std::unique_ptr<edgert::Interpreter> interp;
  std::string error;
  std::string plan;  // ert_interpreter_plan's text
};

namespace {

ert_status ToC(const edgert::Status& s) { return static_cast<ert_status>(s.code()); }

void WriteError(const std::string& msg, char* buf, size_t size) {
  if (buf == nullptr || size == 0) return;
  std::snprintf(buf, size, "%s", msg.c_str());
}

ert_status Record(ert_interpreter* it, const edgert::Status& s) {
  it->error = s.ok() ? std::string() : s.message();
  return ToC(s);
}

// Runs `load` into a new handle; on failure *out stays NULL and the message goes to error_buf.
template <typename Load>
ert_status NewModel(Load load, ert_model** out, char* error_buf, size_t error_buf_size) {
  *out = nullptr;
  try {
    std::unique_ptr<ert_model> m(new ert_model());
    edgert::Status s = load(&m->model);
    if (!s.ok()) {
      WriteError(s.message(), error_buf, error_buf_size);
      return ToC(s);
    }
    *out = m.release();
    return ERT_OK;
  } catch (const std::bad_alloc&) {
    WriteError("out of memory while loading the model", error_buf, error_buf_size);
    return ERT_OUT_OF_MEMORY;
  }
}

void FillInfo(const edgert::Tensor& t, ert_tensor_info* info) {
  info->name = t.name;
  info->dtype = static_cast<ert_dtype>(t.dtype);
  info->rank = t.shape.rank;
  for (int i = 0; i < ERT_MAX_RANK; ++i) info->dims[i] = i < t.shape.rank ? t.shape.dims[i] : 0;
  info->data = t.data;
  info->bytes = t.bytes;
  info->quantized = t.quant.count > 0 ? 1 : 0;
  info->scale = t.quant.count > 0 ? t.quant.scale[0] : 0.f;
  info->zero_point = t.quant.count > 0 ? t.quant.zero_point[0] : 0;
}

}  // namespace

extern "C" {

int32_t ert_abi_version(void) { return ERT_ABI_VERSION; }
const char* ert_version_string(void) { return "edgert " ERT_VERSION; }

const char* ert_status_name(ert_status status) {
  return edgert::StatusCodeName(static_cast<edgert::StatusCode>(status));
}

const char* ert_dtype_name(ert_dtype dtype) {
  if (!edgert::IsValidDType(static_cast<int>(dtype))) return "invalid";
  return edgert::DTypeName(static_cast<edgert::DType>(dtype));
}

ert_status ert_model_load_file(const char* path, ert_model** out, char* error_buf, size_t error_buf_size) {
  if (out == nullptr || path == nullptr) {
    WriteError("ert_model_load_file: path and out must not be NULL", error_buf, error_buf_size);
    return ERT_INVALID_ARGUMENT;
  }
  return NewModel([&](std::shared_ptr<const edgert::Model>* m) { return edgert::Model::LoadFile(path, m); }, out,
                  error_buf, error_buf_size);
}

ert_status ert_model_load_buffer(const void* data, size_t size, int copy, ert_model** out, char* error_buf,
                                 size_t error_buf_size) {
  if (out == nullptr) {
    WriteError("ert_model_load_buffer: out must not be NULL", error_buf, error_buf_size);
    return ERT_INVALID_ARGUMENT;
  }
  return NewModel(
      [&](std::shared_ptr<const edgert::Model>* m) { return edgert::Model::LoadBuffer(data, size, copy != 0, m); },
      out, error_buf, error_buf_size);
}

void ert_model_delete(ert_model* model) { delete model; }

int32_t ert_model_num_inputs(const ert_model* model) {
  return model ? static_cast<int32_t>(model->model->inputs().size()) : 0;
}
int32_t ert_model_num_outputs(const ert_model* model) {
  return model ? static_cast<int32_t>(model->model->outputs().size()) : 0;
}
int32_t ert_model_num_ops(const ert_model* model) {
  return model ? static_cast<int32_t>(model->model->nodes().size()) : 0;
}

ert_status ert_interpreter_create(ert_model* model, const ert_interpreter_options* options, ert_interpreter** out,
                                  char* error_buf, size_t error_buf_size) {
  if (model == nullptr || out == nullptr) {
    WriteError("ert_interpreter_create: model and out must not be NULL", error_buf, error_buf_size);
    return ERT_INVALID_ARGUMENT;
  }
  *out = nullptr;
  edgert::InterpreterOptions opts;
  if (options != nullptr) {
    if (options->struct_size < static_cast<int32_t>(sizeof(int32_t) * 2)) {
      WriteError("ert_interpreter_options.struct_size is not set", error_buf, error_buf_size);
      return ERT_INVALID_ARGUMENT;
    }
    opts.num_threads = options->num_threads > 0 ? options->num_threads : 1;
    // Fields added after the first ABI version are read only when the caller's struct has them.
    if (static_cast<size_t>(options->struct_size) >= offsetof(ert_interpreter_options, max_arena_bytes) + sizeof(size_t))
      opts.max_arena_bytes = options->max_arena_bytes;
    if (static_cast<size_t>(options->struct_size) >=
            offsetof(ert_interpreter_options, weight_cache_path) + sizeof(const char*) &&
        options->weight_cache_path != nullptr)
      opts.weight_cache_path = options->weight_cache_path;
    if (static_cast<size_t>(options->struct_size) >= offsetof(ert_interpreter_options, lazy_arena) + sizeof(int32_t))
      opts.prefault_arena = options->lazy_arena == 0;
    if (static_cast<size_t>(options->struct_size) >=
        offsetof(ert_interpreter_options, f32_arithmetic_only) + sizeof(int32_t))
      opts.f16_arithmetic = options->f32_arithmetic_only == 0;
    if (static_cast<size_t>(options->struct_size) >= offsetof(ert_interpreter_options, no_fusion) + sizeof(int32_t))
      opts.fuse_residual_adds = opts.elide_concats = opts.fuse_activations = opts.fuse_depthwise_pointwise =
          options->no_fusion == 0;
  }
  try {
    std::unique_ptr<ert_interpreter> it(new ert_interpreter());
    it->model = model->model;
    edgert::AddDefaultKernels(&it->resolver);
    it->interp.reset(new edgert::Interpreter(it->model, &it->resolver, opts));
    *out = it.release();
    return ERT_OK;
  } catch (const std::bad_alloc&) {
    WriteError("out of memory while creating the interpreter", error_buf, error_buf_size);
    return ERT_OUT_OF_MEMORY;
  }
}

void ert_interpreter_delete(ert_interpreter* interp) { delete interp; }

const char* ert_interpreter_error(const ert_interpreter* interp) { return interp ? interp->error.c_str() : ""; }

const char* ert_interpreter_weight_cache_note(const ert_interpreter* interp) {
  return interp ? interp->interp->memory().weight_cache_note.c_str() : "";
}

const char* ert_interpreter_plan(ert_interpreter* interp) {
  if (interp == nullptr) return "";
  try {
    interp->plan = interp->interp->DescribePlan();
  } catch (const std::bad_alloc&) {
    return "";
  }
  return interp->plan.c_str();
}

#define ERT_GUARD(interp)                                  \
  if ((interp) == nullptr) return ERT_INVALID_ARGUMENT;    \
  try {
#define ERT_GUARD_END(interp)                                                  \
  }                                                                            \
  catch (const std::bad_alloc&) {                                              \
    (interp)->error = "out of memory";                                         \
    return ERT_OUT_OF_MEMORY;                                                  \
  }

ert_status ert_interpreter_use_arena(ert_interpreter* interp, void* buffer, size_t size) {
  ERT_GUARD(interp)
  return Record(interp, interp->interp->UseArena(buffer, size));
  ERT_GUARD_END(interp)
}

ert_status ert_interpreter_resize_input(ert_interpreter* interp, int32_t index, const int32_t* dims, int32_t rank) {
  ERT_GUARD(interp)
  if (rank < 0 || rank > ERT_MAX_RANK || (rank > 0 && dims == nullptr))
    return Record(interp, edgert::Status::Error(edgert::StatusCode::kInvalidArgument,
                                                "rank %d is invalid or dims is NULL", rank));
  return Record(interp, interp->interp->ResizeInput(index, edgert::Shape::FromArray(dims, rank)));
  ERT_GUARD_END(interp)
}

ert_status ert_interpreter_prepare(ert_interpreter* interp) {
  ERT_GUARD(interp)
  return Record(interp, interp->interp->Prepare());
  ERT_GUARD_END(interp)
}

ert_status ert_interpreter_invoke(ert_interpreter* interp) {
  ERT_GUARD(interp)
  return Record(interp, interp->interp->Invoke());
  ERT_GUARD_END(interp)
}

int32_t ert_interpreter_num_inputs(const ert_interpreter* interp) { return interp ? interp->interp->num_inputs() : 0; }
int32_t ert_interpreter_num_outputs(const ert_interpreter* interp) { return interp ? interp->interp->num_outputs() : 0; }

static ert_status GetTensor(ert_interpreter* interp, int32_t index, bool is_input, ert_tensor_info* info) {
  if (interp == nullptr || info == nullptr) return ERT_INVALID_ARGUMENT;
  const int n = is_input ? interp->interp->num_inputs() : interp->interp->num_outputs();
  if (index < 0 || index >= n)
    return Record(interp, edgert::Status::Error(edgert::StatusCode::kInvalidArgument, "%s index %d out of range (%d)",
                                                is_input ? "input" : "output", index, n));
  edgert::Status s = interp->interp->Prepare();
  if (!s.ok()) return Record(interp, s);
  FillInfo(is_input ? *interp->interp->input(index) : *interp->interp->output(index), info);
  return ERT_OK;
}

ert_status ert_interpreter_input(ert_interpreter* interp, int32_t index, ert_tensor_info* info) {
  ERT_GUARD(interp)
  return GetTensor(interp, index, true, info);
  ERT_GUARD_END(interp)
}

ert_status ert_interpreter_output(ert_interpreter* interp, int32_t index, ert_tensor_info* info) {
  ERT_GUARD(interp)
  return GetTensor(interp, index, false, info);
  ERT_GUARD_END(interp)
}

ert_status ert_interpreter_memory(ert_interpreter* interp, ert_memory_info* info) {
  if (interp == nullptr || info == nullptr) return ERT_INVALID_ARGUMENT;
  ERT_GUARD(interp)
  edgert::Status s = interp->interp->Prepare();
  if (!s.ok()) return Record(interp, s);
  const edgert::MemoryReport& m = interp->interp->memory();
  info->arena_bytes = m.arena_bytes;
  info->arena_lower_bound = m.arena_lower_bound;
  info->persistent_bytes = m.persistent_bytes;
  info->constant_bytes = m.constant_bytes;
  return ERT_OK;
  ERT_GUARD_END(interp)
}

}  // extern "C"
