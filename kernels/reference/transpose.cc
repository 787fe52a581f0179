// TRANSPOSE: out.dims[i] = in.dims[perm[i]] with perm a constant i32/i64
// permutation of [0, rank). Any dtype (moved by element size).
#include "kernels/common/const_input.h"
#include "kernels/common/shape_util.h"
#include "kernels/reference/reference_kernels.h"

namespace edgert {
namespace ref {
namespace {

struct TransposeState {
  StridedView view;
};

}  // namespace

static Status Prepare(KernelContext* ctx) {
  const Tensor* in = ctx->input(0);
  Tensor* out = ctx->output(0);
  if (in == nullptr || out == nullptr) return ctx->InvalidModel("TRANSPOSE needs a data input and an output");
  EDGERT_RETURN_IF_ERROR(CheckPassThrough(ctx, in, out));
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
  auto* s = ctx->NewState<TransposeState>();
  if (s == nullptr) return ctx->Error(StatusCode::kOutOfMemory, "out of memory for op state");
  Shape out_shape;
  out_shape.rank = rank;
  s->view.rank = rank;
  for (int i = 0; i < rank; ++i) {
    out_shape.dims[i] = in->shape.dims[perm[i]];
    s->view.count[i] = out_shape.dims[i];
    s->view.step[i] = in_strides[perm[i]];
  }
  return ctx->SetOutputShape(0, out_shape);
}

static Status Eval(KernelContext* ctx) {
  const Tensor* in = ctx->input(0);
  Tensor* out = ctx->output(0);
  StridedCopy(in->data, out->data, DTypeSize(in->dtype), ctx->state<TransposeState>()->view);
  return Status::Ok();
}

const OpKernel* Register_TRANSPOSE() {
  static const OpKernel kernel = {"TRANSPOSE/reference", Prepare, Eval, kNoFlags};
  return &kernel;
}

}  // namespace ref
}  // namespace edgert
