#include "kernels/common/shape_reduce.h"

#include "kernels/common/const_input.h"
#include "kernels/common/shape_util.h"

namespace edgert {

Status PrepareReduce(KernelContext* ctx, ReduceGeometry* g) {
  const Tensor* in = ctx->input(0);
  if (in == nullptr) return ctx->InvalidModel("missing data input");
  Tensor* out = ctx->output(0);
  if (out == nullptr) return ctx->InvalidModel("missing output");
  if (out->dtype != in->dtype)
    return ctx->InvalidModel("output '%s' has dtype %s, but input '%s' has dtype %s; they must match", out->name,
                             DTypeName(out->dtype), in->name, DTypeName(in->dtype));
  const auto* opts = ctx->options<schema::ReduceOptions>();
  const bool keep_dims = opts != nullptr && opts->keep_dims();

  int64_t axes[64];
  int num_axes = 0;
  EDGERT_RETURN_IF_ERROR(ReadConstInts(ctx, 1, "axes", axes, 64, &num_axes));

  const int rank = in->shape.rank;
  g->in_shape = in->shape;
  for (int d = 0; d < kMaxRank; ++d) g->reduced[d] = false;
  // A scalar has nothing to reduce; its axes are ignored (as TFLite does).
  if (rank > 0) {
    for (int i = 0; i < num_axes; ++i) {
      int axis = 0;
      if (!NormalizeAxis(axes[i], rank, &axis))
        return ctx->InvalidModel("axis %lld is out of range for input '%s' of rank %d", static_cast<long long>(axes[i]),
                                 in->name, rank);
      g->reduced[axis] = true;  // duplicates are ignored
    }
  }

  Shape out_shape;
  g->reduce_count = 1;
  for (int d = 0; d < rank; ++d) {
    if (g->reduced[d]) {
      g->reduce_count *= in->shape.dims[d];
      if (keep_dims) out_shape.dims[out_shape.rank++] = 1;
    } else {
      out_shape.dims[out_shape.rank++] = in->shape.dims[d];
    }
  }
  g->out_shape = out_shape;
  g->num_outputs = out_shape.NumElements();

  // Output strides per input dimension (0 for reduced ones).
  int64_t stride = 1;
  for (int d = rank - 1; d >= 0; --d) {
    if (g->reduced[d]) {
      g->out_step[d] = 0;
    } else {
      g->out_step[d] = stride;
      stride *= in->shape.dims[d];
    }
  }
  return ctx->SetOutputShape(0, out_shape);
}

Status PrepareMinMaxReduce(KernelContext* ctx, const char* op) {
  const Tensor* in = nullptr;
  Tensor* out = nullptr;
  EDGERT_RETURN_IF_ERROR(GetDataInputOutput(ctx, op, &in, &out));
  const DType t = in->dtype;
  if (t != DType::kF32 && t != DType::kI32 && t != DType::kI64 && t != DType::kI16 && t != DType::kI8 &&
      t != DType::kU8)
    return ctx->Unsupported("input '%s' has dtype %s; %s supports f32, i32, i64, i16, i8 and u8", in->name,
                            DTypeName(t), op);
  EDGERT_RETURN_IF_ERROR(CheckPassThrough(ctx, in, out));
  auto* g = ctx->NewState<ReduceGeometry>();
  if (g == nullptr) return ctx->Error(StatusCode::kOutOfMemory, "out of memory for op state");
  return PrepareReduce(ctx, g);
}

Status PrepareSumReduce(KernelContext* ctx, const char* op, SumReduceState** state) {
  const Tensor* in = ctx->input(0);
  if (in == nullptr) return ctx->InvalidModel("missing data input");
  const DType t = in->dtype;
  if (t != DType::kF32 && t != DType::kI32 && t != DType::kI8 && t != DType::kU8)
    return ctx->Unsupported("input '%s' has dtype %s; %s supports f32, i32, i8 and u8", in->name, DTypeName(t), op);
  auto* s = ctx->NewState<SumReduceState>();
  if (s == nullptr) return ctx->Error(StatusCode::kOutOfMemory, "out of memory for op state");
  *state = s;
  EDGERT_RETURN_IF_ERROR(PrepareReduce(ctx, &s->g));
  const Tensor* out = ctx->output(0);

  if (t == DType::kI8 || t == DType::kU8) {
    if (in->quant.count != 1 || out->quant.count != 1)
      return ctx->Unsupported("%s %s needs per-tensor quantized input '%s' and output '%s'", DTypeName(t), op,
                              in->name, out->name);
    const double real = static_cast<double>(in->quant.scale[0]) / static_cast<double>(out->quant.scale[0]);
    QuantizeMultiplier(real, &s->q.multiplier, &s->q.shift);
    s->q.in_zero_point = in->quant.zero_point[0];
    s->q.out_zero_point = out->quant.zero_point[0];
    s->q.q_min = QuantizedMin(t);
    s->q.q_max = QuantizedMax(t);
  } else if (in->is_quantized() || out->is_quantized()) {
    return ctx->Unsupported("quantized %s %s is not supported", DTypeName(t), op);
  }
  const int64_t n_out = s->g.num_outputs;
  return ctx->RequestScratch(static_cast<size_t>(n_out > 0 ? n_out : 1) * 8, &s->scratch);
}

}  // namespace edgert
