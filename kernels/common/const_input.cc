#include "kernels/common/const_input.h"

namespace edgert {

Status ReadConstInts(const KernelContext* ctx, int input_index, const char* what, int64_t* out, int max_count,
                     int* count) {
  const Tensor* t = ctx->input(input_index);
  if (t == nullptr) return ctx->InvalidModel("missing %s input (#%d)", what, input_index);
  if (!t->is_constant)
    return ctx->Unsupported("%s input '%s' must be a constant tensor", what, t->name);
  const int64_t n = t->NumElements();
  if (n > max_count) return ctx->InvalidModel("%s input '%s' has %lld values, at most %d allowed", what, t->name,
                                              static_cast<long long>(n), max_count);
  if (t->dtype == DType::kI32) {
    for (int64_t i = 0; i < n; ++i) out[i] = t->data_as<int32_t>()[i];
  } else if (t->dtype == DType::kI64) {
    for (int64_t i = 0; i < n; ++i) out[i] = t->data_as<int64_t>()[i];
  } else {
    return ctx->InvalidModel("%s input '%s' must be i32 or i64, not %s", what, t->name, DTypeName(t->dtype));
  }
  *count = static_cast<int>(n);
  return Status::Ok();
}

}  // namespace edgert
