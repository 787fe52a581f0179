// SLICE: inputs data, begin, size (constant i32/i64, one entry per dimension).
// size -1 takes everything from begin to the end of the dimension.
#include "kernels/common/const_input.h"
#include "kernels/common/shape_util.h"
#include "kernels/reference/reference_kernels.h"

namespace edgert {
namespace ref {

// State: the StridedView of the input that is the output.
static Status Prepare(KernelContext* ctx) {
  const Tensor* in = nullptr;
  Tensor* out = nullptr;
  EDGERT_RETURN_IF_ERROR(GetPassThroughInputOutput(ctx, "SLICE", &in, &out));
  const int rank = in->shape.rank;

  int64_t begin[kMaxRank], size[kMaxRank];
  int nb = 0, ns = 0;
  EDGERT_RETURN_IF_ERROR(ReadConstInts(ctx, 1, "begin", begin, kMaxRank, &nb));
  EDGERT_RETURN_IF_ERROR(ReadConstInts(ctx, 2, "size", size, kMaxRank, &ns));
  if (nb != rank || ns != rank)
    return ctx->InvalidModel("begin has %d and size has %d entries, but input '%s' %s has rank %d", nb, ns, in->name,
                             ShapeToString(in->shape).text, rank);

  int64_t strides[kMaxRank];
  ElementStrides(in->shape, strides);
  auto* v = ctx->NewState<StridedView>();
  if (v == nullptr) return ctx->Error(StatusCode::kOutOfMemory, "out of memory for op state");
  Shape out_shape;
  out_shape.rank = rank;
  v->rank = rank;
  v->in_offset = 0;
  for (int d = 0; d < rank; ++d) {
    const int64_t dim = in->shape.dims[d];
    if (begin[d] < 0 || begin[d] > dim)
      return ctx->InvalidModel("begin[%d] = %lld is out of range [0, %lld] for input '%s' %s", d,
                               static_cast<long long>(begin[d]), static_cast<long long>(dim), in->name,
                               ShapeToString(in->shape).text);
    int64_t len = size[d];
    if (len == -1) len = dim - begin[d];
    if (len < 0 || begin[d] + len > dim)
      return ctx->InvalidModel("size[%d] = %lld with begin %lld exceeds dimension %lld of input '%s' %s", d,
                               static_cast<long long>(size[d]), static_cast<long long>(begin[d]),
                               static_cast<long long>(dim), in->name, ShapeToString(in->shape).text);
    out_shape.dims[d] = static_cast<int32_t>(len);
    v->count[d] = len;
    v->step[d] = strides[d];
    v->in_offset += begin[d] * strides[d];
  }
  return ctx->SetOutputShape(0, out_shape);
}

static Status Eval(KernelContext* ctx) { return EvalStridedCopy(ctx, *ctx->state<StridedView>()); }

const OpKernel* Register_SLICE() {
  static const OpKernel kernel = {"SLICE/reference", Prepare, Eval, kNoFlags};
  return &kernel;
}

}  // namespace ref
}  // namespace edgert
