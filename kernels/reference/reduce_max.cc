// REDUCE_MAX: the largest element over constant axes (i32/i64; negative wrap,
// duplicates ignored), keep_dims. f32, i32, i64, i16, i8, u8; quantized input
// and output must share their quantization (values are compared raw, as in
// TFLite). An empty reduction gives numeric_limits<T>::lowest() (TFLite's init
// value); NaN inputs are skipped by the comparison, as in TFLite.
#include <cstdint>
#include <limits>

#include "kernels/common/shape_reduce.h"
#include "kernels/common/shape_util.h"
#include "kernels/reference/reference_kernels.h"

namespace edgert {
namespace ref {
namespace {

struct ReduceMaxState {
  ReduceGeometry g;
};

template <typename T>
void Reduce(const ReduceGeometry& g, const Tensor* in, Tensor* out) {
  ReduceInto<T>(g, static_cast<const T*>(in->data), static_cast<T*>(out->data), std::numeric_limits<T>::lowest(),
                [](T acc, T v) { return v > acc ? v : acc; });
}

}  // namespace

static Status Prepare(KernelContext* ctx) {
  const Tensor* in = ctx->input(0);
  Tensor* out = ctx->output(0);
  if (in == nullptr || out == nullptr) return ctx->InvalidModel("REDUCE_MAX needs a data input and an output");
  const DType t = in->dtype;
  if (t != DType::kF32 && t != DType::kI32 && t != DType::kI64 && t != DType::kI16 && t != DType::kI8 &&
      t != DType::kU8)
    return ctx->Unsupported("input '%s' has dtype %s; REDUCE_MAX supports f32, i32, i64, i16, i8 and u8", in->name,
                            DTypeName(t));
  EDGERT_RETURN_IF_ERROR(CheckPassThrough(ctx, in, out));
  auto* s = ctx->NewState<ReduceMaxState>();
  if (s == nullptr) return ctx->Error(StatusCode::kOutOfMemory, "out of memory for op state");
  return PrepareReduce(ctx, &s->g);
}

static Status Eval(KernelContext* ctx) {
  const ReduceGeometry& g = ctx->state<ReduceMaxState>()->g;
  const Tensor* in = ctx->input(0);
  Tensor* out = ctx->output(0);
  switch (in->dtype) {
    case DType::kF32: Reduce<float>(g, in, out); break;
    case DType::kI32: Reduce<int32_t>(g, in, out); break;
    case DType::kI64: Reduce<int64_t>(g, in, out); break;
    case DType::kI16: Reduce<int16_t>(g, in, out); break;
    case DType::kI8: Reduce<int8_t>(g, in, out); break;
    case DType::kU8: Reduce<uint8_t>(g, in, out); break;
    default: return ctx->Unsupported("dtype %s", DTypeName(in->dtype));
  }
  return Status::Ok();
}

const OpKernel* Register_REDUCE_MAX() {
  static const OpKernel kernel = {"REDUCE_MAX/reference", Prepare, Eval, kNoFlags};
  return &kernel;
}

}  // namespace ref
}  // namespace edgert
