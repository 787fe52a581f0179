// Thin RAII C++ layer over the C API (header only; errors are returned, not thrown).
#ifndef EDGERT_EDGERT_HPP_
#define EDGERT_EDGERT_HPP_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "edgert/edgert.h"

namespace ert {

struct Result {
  ert_status status = ERT_OK;
  std::string message;
  bool ok() const { return status == ERT_OK; }
};

class Model {
 public:
  static Result LoadFile(const std::string& path, Model* out) {
    char err[1024] = {0};
    ert_model* m = nullptr;
    ert_status s = ert_model_load_file(path.c_str(), &m, err, sizeof(err));
    if (s == ERT_OK) out->handle_.reset(m, ert_model_delete);
    return {s, err};
  }
  // copy == false: the buffer must outlive the model and every interpreter using it.
  static Result LoadBuffer(const void* data, size_t size, bool copy, Model* out) {
    char err[1024] = {0};
    ert_model* m = nullptr;
    ert_status s = ert_model_load_buffer(data, size, copy ? 1 : 0, &m, err, sizeof(err));
    if (s == ERT_OK) out->handle_.reset(m, ert_model_delete);
    return {s, err};
  }
  ert_model* get() const { return handle_.get(); }
  explicit operator bool() const { return handle_ != nullptr; }

 private:
  std::shared_ptr<ert_model> handle_;
};

class Interpreter {
 public:
  // weight_cache_path: see ert_interpreter_options ("" for none); so are
  // f32_arithmetic_only and no_fusion.
  static Result Create(const Model& model, int num_threads, Interpreter* out,
                       const std::string& weight_cache_path = std::string(), bool f32_arithmetic_only = false,
                       bool no_fusion = false) {
    char err[1024] = {0};
    ert_interpreter_options opts{static_cast<int32_t>(sizeof(ert_interpreter_options)),
                                 num_threads,
                                 0,
                                 weight_cache_path.empty() ? nullptr : weight_cache_path.c_str(),
                                 0,
                                 f32_arithmetic_only ? 1 : 0,
                                 no_fusion ? 1 : 0};
    ert_interpreter* it = nullptr;
    ert_status s = ert_interpreter_create(model.get(), &opts, &it, err, sizeof(err));
    if (s == ERT_OK) out->handle_.reset(it);
    return {s, err};
  }
  Result ResizeInput(int index, const std::vector<int32_t>& dims) {
    return Check(ert_interpreter_resize_input(get(), index, dims.data(), static_cast<int32_t>(dims.size())));
  }
  Result Prepare() { return Check(ert_interpreter_prepare(get())); }
  Result Invoke() { return Check(ert_interpreter_invoke(get())); }
  Result Input(int index, ert_tensor_info* info) { return Check(ert_interpreter_input(get(), index, info)); }
  Result Output(int index, ert_tensor_info* info) { return Check(ert_interpreter_output(get(), index, info)); }
  Result Memory(ert_memory_info* info) { return Check(ert_interpreter_memory(get(), info)); }
  std::string WeightCacheNote() const { return ert_interpreter_weight_cache_note(handle_.get()); }
  // The steps invoke runs (ert_interpreter_plan).
  std::string Plan() const { return ert_interpreter_plan(handle_.get()); }
  int num_inputs() const { return ert_interpreter_num_inputs(handle_.get()); }
  int num_outputs() const { return ert_interpreter_num_outputs(handle_.get()); }
  ert_interpreter* get() const { return handle_.get(); }

 private:
  struct Deleter {
    void operator()(ert_interpreter* p) const { ert_interpreter_delete(p); }
  };
  Result Check(ert_status s) { return {s, s == ERT_OK ? std::string() : ert_interpreter_error(get())}; }
  std::unique_ptr<ert_interpreter, Deleter> handle_;
};

}  // namespace ert

#endif  // EDGERT_EDGERT_HPP_
