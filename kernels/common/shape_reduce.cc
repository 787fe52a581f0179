#include "kernels/common/shape_reduce.h"

#include "kernels/common/const_input.h"

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

}  // namespace edgert
