// GATHER: out = params.shape[:axis] + indices.shape[batch_dims:] + params.shape[axis+1:].
// GatherOptions.axis and batch_dims may be negative (axis counts against the
// params rank, batch_dims against the indices rank); batch_dims <= axis and
// the first batch_dims dims of params and indices must match. Indices are
// i32/i64 of any rank, possibly runtime data: an index i with -dim <= i < 0
// wraps to i + dim; anything else outside [0, dim) makes eval fail with a
// message naming the index. Params of any dtype (moved by element size).
#include <cstring>

#include "kernels/common/const_input.h"
#include "kernels/common/shape_util.h"
#include "kernels/reference/reference_kernels.h"

namespace edgert {
namespace ref {
namespace {

struct GatherState {
  int64_t batch = 1;        // product of params dims [0, batch_dims)
  int64_t outer = 1;        // product of params dims [batch_dims, axis)
  int64_t axis_size = 0;    // params dim at axis
  int64_t inner = 1;        // product of params dims after axis
  int64_t coords = 1;       // indices per batch: product of indices dims [batch_dims, rank)
  int axis = 0;
};

template <typename I>
Status GatherTyped(KernelContext* ctx, const GatherState* s) {
  const Tensor* params = ctx->input(0);
  const Tensor* indices_t = ctx->input(1);
  Tensor* out = ctx->output(0);
  const I* indices = static_cast<const I*>(indices_t->data);
  const int64_t num_indices = s->batch * s->coords;
  const int64_t dim = s->axis_size;
  // Check every index first, so that a bad one fails without a partial result.
  for (int64_t k = 0; k < num_indices; ++k) {
    const int64_t idx = static_cast<int64_t>(indices[k]);
    if (idx < -dim || idx >= dim)
      return ctx->Error(StatusCode::kInvalidArgument,
                        "index %lld at position %lld of indices '%s' is out of range for dimension %d of params '%s' "
                        "(size %lld)",
                        static_cast<long long>(idx), static_cast<long long>(k), indices_t->name, s->axis,
                        params->name, static_cast<long long>(dim));
  }
  const size_t esize = DTypeSize(params->dtype);
  const size_t row_bytes = static_cast<size_t>(s->inner) * esize;
  if (row_bytes == 0) return Status::Ok();
  const uint8_t* src = static_cast<const uint8_t*>(params->data);
  uint8_t* dst = static_cast<uint8_t*>(out->data);
  for (int64_t b = 0; b < s->batch; ++b) {
    for (int64_t o = 0; o < s->outer; ++o) {
      const int64_t base = (b * s->outer + o) * dim;  // in rows of `inner` elements
      for (int64_t c = 0; c < s->coords; ++c) {
        int64_t idx = static_cast<int64_t>(indices[b * s->coords + c]);
        if (idx < 0) idx += dim;
        std::memcpy(dst, src + static_cast<size_t>(base + idx) * row_bytes, row_bytes);
        dst += row_bytes;
      }
    }
  }
  return Status::Ok();
}

}  // namespace

static Status Prepare(KernelContext* ctx) {
  const Tensor* params = ctx->input(0);
  const Tensor* indices = ctx->input(1);
  Tensor* out = ctx->output(0);
  if (params == nullptr || indices == nullptr || out == nullptr)
    return ctx->InvalidModel("GATHER needs params, indices and an output");
  EDGERT_RETURN_IF_ERROR(CheckPassThrough(ctx, params, out));
  if (indices->dtype != DType::kI32 && indices->dtype != DType::kI64)
    return ctx->InvalidModel("indices '%s' must be i32 or i64, not %s", indices->name, DTypeName(indices->dtype));
  const auto* opts = ctx->options<schema::GatherOptions>();
  if (opts == nullptr) return ctx->InvalidModel("missing GatherOptions");
  const int prank = params->shape.rank, irank = indices->shape.rank;

  int axis = 0;
  if (!NormalizeAxis(opts->axis(), prank, &axis))
    return ctx->InvalidModel("axis %d is out of range for params '%s' %s of rank %d", opts->axis(), params->name,
                             ShapeToString(params->shape).text, prank);
  int batch_dims = opts->batch_dims();
  if (batch_dims < 0) batch_dims += irank;
  if (batch_dims < 0 || batch_dims > irank)
    return ctx->InvalidModel("batch_dims %d is out of range for indices '%s' of rank %d", opts->batch_dims(),
                             indices->name, irank);
  if (batch_dims > axis)
    return ctx->InvalidModel("batch_dims %d must not exceed axis %d", batch_dims, axis);
  for (int d = 0; d < batch_dims; ++d) {
    if (params->shape.dims[d] != indices->shape.dims[d])
      return ctx->InvalidModel("batch dimension %d differs: params '%s' %s vs indices '%s' %s", d, params->name,
                               ShapeToString(params->shape).text, indices->name, ShapeToString(indices->shape).text);
  }
  const int out_rank = prank - 1 + irank - batch_dims;
  if (out_rank > kMaxRank)
    return ctx->InvalidModel("output rank %d exceeds the supported %d", out_rank, kMaxRank);

  Shape out_shape;
  for (int d = 0; d < axis; ++d) out_shape.dims[out_shape.rank++] = params->shape.dims[d];
  for (int d = batch_dims; d < irank; ++d) out_shape.dims[out_shape.rank++] = indices->shape.dims[d];
  for (int d = axis + 1; d < prank; ++d) out_shape.dims[out_shape.rank++] = params->shape.dims[d];

  auto* s = ctx->NewState<GatherState>();
  if (s == nullptr) return ctx->Error(StatusCode::kOutOfMemory, "out of memory for op state");
  s->axis = axis;
  s->batch = params->shape.Product(0, batch_dims);
  s->outer = params->shape.Product(batch_dims, axis);
  s->axis_size = params->shape.dims[axis];
  s->inner = params->shape.Product(axis + 1, prank);
  s->coords = indices->shape.Product(batch_dims, irank);
  return ctx->SetOutputShape(0, out_shape);
}

static Status Eval(KernelContext* ctx) {
  const GatherState* s = ctx->state<GatherState>();
  if (ctx->input(1)->dtype == DType::kI32) return GatherTyped<int32_t>(ctx, s);
  return GatherTyped<int64_t>(ctx, s);
}

const OpKernel* Register_GATHER() {
  static const OpKernel kernel = {"GATHER/reference", Prepare, Eval, kNoFlags};
  return &kernel;
}

}  // namespace ref
}  // namespace edgert
