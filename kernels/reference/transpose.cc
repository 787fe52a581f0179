// TRANSPOSE: out.dims[i] = in.dims[perm[i]] with perm a constant i32/i64
// permutation of [0, rank). Any dtype (moved by element size).
#include "kernels/common/const_input.h"
#include "kernels/common/shape_util.h"
#include "kernels/reference/reference_kernels.h"

namespace edgert {
namespace ref {

// State: the StridedView of the input that is the output.
static Status Prepare(KernelContext* ctx) {
  const Tensor* in = nullptr;
  Tensor* out = nullptr;
  EDGERT_RETURN_IF_ERROR(GetPassThroughInputOutput(ctx, "TRANSPOSE", &in, &out));
  const int rank = in->shape.rank;

  int64_t perm[kMaxRank];
  int count = 0;
  EDGERT_RETURN_IF_ERROR(ReadConstInts(ctx, 1, "perm", perm, kMaxRank, &count));
  if (count != rank)
    return ctx->InvalidModel("perm has %d entries, but input '%s' %s has rank %d", count, in->name,
                             ShapeToString(in->shape).text, rank);
  bool seen[kMaxRank] = {};
  for (int i = 0; i < count; ++i) {
    if (perm[i] < 0 || perm[i] >= rank)
      return ctx->InvalidModel("perm[%d] = %lld is out of range [0, %d)", i, static_cast<long long>(perm[i]), rank);
    if (seen[perm[i]])
      return ctx->InvalidModel("perm is not a permutation: %lld appears twice", static_cast<long long>(perm[i]));
    seen[perm[i]] = true;
  }

  int64_t in_strides[kMaxRank];
  ElementStrides(in->shape, in_strides);
  auto* v = ctx->NewState<StridedView>();
  if (v == nullptr) return ctx->Error(StatusCode::kOutOfMemory, "out of memory for op state");
  Shape out_shape;
  out_shape.rank = rank;
  v->rank = rank;
  for (int i = 0; i < rank; ++i) {
    out_shape.dims[i] = in->shape.dims[perm[i]];
    v->count[i] = out_shape.dims[i];
    v->step[i] = in_strides[perm[i]];
  }
  return ctx->SetOutputShape(0, out_shape);
}

static Status Eval(KernelContext* ctx) { return EvalStridedCopy(ctx, *ctx->state<StridedView>()); }

const OpKernel* Register_TRANSPOSE() {
  static const OpKernel kernel = {"TRANSPOSE/reference", Prepare, Eval, kNoFlags};
  return &kernel;
}

}  // namespace ref
}  // namespace edgert
