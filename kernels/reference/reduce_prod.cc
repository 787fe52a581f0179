// REDUCE_PROD: the product over constant axes (i32/i64; negative wrap,
// duplicates ignored), keep_dims. f32 (multiplied in double, stored as float)
// and i32 (multiplied modulo 2^32, i.e. int32 wrap-around). An empty
// reduction gives 1. Quantized data is not supported.
#include <cstdint>

#include "kernels/common/shape_reduce.h"
#include "kernels/common/shape_util.h"
#include "kernels/reference/reference_kernels.h"

namespace edgert {
namespace ref {
namespace {

struct ReduceProdState {
  ReduceGeometry g;
  int scratch = -1;  // num_outputs double accumulators (f32 only)
};

}  // namespace

static Status Prepare(KernelContext* ctx) {
  const Tensor* in = nullptr;
  Tensor* out = nullptr;
  EDGERT_RETURN_IF_ERROR(GetDataInputOutput(ctx, "REDUCE_PROD", &in, &out));
  if (in->dtype != DType::kF32 && in->dtype != DType::kI32)
    return ctx->Unsupported("input '%s' has dtype %s; REDUCE_PROD supports f32 and i32", in->name,
                            DTypeName(in->dtype));
  if (in->is_quantized() || out->is_quantized())
    return ctx->Unsupported("quantized REDUCE_PROD is not supported (input '%s')", in->name);
  auto* s = ctx->NewState<ReduceProdState>();
  if (s == nullptr) return ctx->Error(StatusCode::kOutOfMemory, "out of memory for op state");
  EDGERT_RETURN_IF_ERROR(PrepareReduce(ctx, &s->g));
  if (in->dtype == DType::kF32) {
    const int64_t n_out = s->g.num_outputs;
    EDGERT_RETURN_IF_ERROR(ctx->RequestScratch(static_cast<size_t>(n_out > 0 ? n_out : 1) * 8, &s->scratch));
  }
  return Status::Ok();
}

static Status Eval(KernelContext* ctx) {
  const ReduceProdState* s = ctx->state<ReduceProdState>();
  const ReduceGeometry& g = s->g;
  const Tensor* in = ctx->input(0);
  Tensor* out = ctx->output(0);
  if (in->dtype == DType::kF32) {
    double* acc = static_cast<double*>(ctx->scratch(s->scratch));
    ReduceInto(g, in->data_as<float>(), acc, 1.0, [](double p, float v) { return p * v; });
    float* y = out->data_as<float>();
    for (int64_t o = 0; o < g.num_outputs; ++o) y[o] = static_cast<float>(acc[o]);
  } else {
    // Unsigned arithmetic: the wrap-around of int32 multiplication without undefined behavior.
    ReduceInto(g, in->data_as<int32_t>(), out->data_as<int32_t>(), int32_t{1}, [](int32_t p, int32_t v) {
      return static_cast<int32_t>(static_cast<uint32_t>(p) * static_cast<uint32_t>(v));
    });
  }
  return Status::Ok();
}

const OpKernel* Register_REDUCE_PROD() {
  static const OpKernel kernel = {"REDUCE_PROD/reference", Prepare, Eval, kNoFlags};
  return &kernel;
}

}  // namespace ref
}  // namespace edgert
