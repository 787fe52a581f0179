// SPLIT: input 0 data, optional input 1 size_splits (constant i32/i64, one
// entry per output, at most one -1 = the remainder). SplitOptions.axis may be
// negative. Without size_splits the axis is divided equally among the outputs
// and must divide exactly. Any dtype (moved by element size).
#include <cstring>

#include "kernels/common/const_input.h"
#include "kernels/common/shape_util.h"
#include "kernels/reference/reference_kernels.h"

namespace edgert {
namespace ref {
namespace {

struct SplitState {
  int num_outputs = 0;
  int64_t outer = 1;
  int64_t in_chunk = 0;      // axis dim * inner (elements)
  int64_t* chunk = nullptr;  // per output: its axis size * inner (elements)
};

}  // namespace

static Status Prepare(KernelContext* ctx) {
  const Tensor* in = ctx->input(0);
  const int n = ctx->num_outputs();
  if (in == nullptr || n < 1) return ctx->InvalidModel("SPLIT needs a data input and at least one output");
  const auto* opts = ctx->options<schema::SplitOptions>();
  if (opts == nullptr) return ctx->InvalidModel("missing SplitOptions");
  const int rank = in->shape.rank;
  int axis = 0;
  if (!NormalizeAxis(opts->axis(), rank, &axis))
    return ctx->InvalidModel("axis %d is out of range for input '%s' %s of rank %d", opts->axis(), in->name,
                             ShapeToString(in->shape).text, rank);
  for (int i = 0; i < n; ++i) {
    if (ctx->output(i) == nullptr) return ctx->InvalidModel("output %d is missing", i);
    EDGERT_RETURN_IF_ERROR(CheckPassThrough(ctx, in, ctx->output(i)));
  }
  const int64_t dim = in->shape.dims[axis];

  auto* s = ctx->NewState<SplitState>();
  if (s == nullptr) return ctx->Error(StatusCode::kOutOfMemory, "out of memory for op state");
  s->num_outputs = n;
  s->chunk = static_cast<int64_t*>(ctx->AllocatePersistent(sizeof(int64_t) * n));
  if (s->chunk == nullptr) return ctx->Error(StatusCode::kOutOfMemory, "out of memory for op state");
  // The sizes along the axis, first into chunk[].
  if (ctx->input(1) != nullptr) {
    const Tensor* sizes_t = ctx->input(1);
    if (sizes_t->NumElements() != n)
      return ctx->InvalidModel("size_splits '%s' has %lld entries, but the op has %d outputs", sizes_t->name,
                               static_cast<long long>(sizes_t->NumElements()), n);
    int count = 0;
    EDGERT_RETURN_IF_ERROR(ReadConstInts(ctx, 1, "size_splits", s->chunk, n, &count));
    int infer = -1;
    int64_t sum = 0;
    for (int i = 0; i < n; ++i) {
      const int64_t v = s->chunk[i];
      if (v == -1) {
        if (infer >= 0) return ctx->InvalidModel("size_splits has more than one -1 (entries %d and %d)", infer, i);
        infer = i;
      } else if (v < 0) {
        return ctx->InvalidModel("size_splits[%d] = %lld is negative", i, static_cast<long long>(v));
      } else {
        sum += v;
        if (sum > dim) break;
      }
    }
    if (sum > dim || (infer < 0 && sum != dim))
      return ctx->InvalidModel("size_splits add up to %lld, but dimension %d of input '%s' %s is %lld",
                               static_cast<long long>(sum), axis, in->name, ShapeToString(in->shape).text,
                               static_cast<long long>(dim));
    if (infer >= 0) s->chunk[infer] = dim - sum;
  } else {
    if (dim % n != 0)
      return ctx->InvalidModel("dimension %d of input '%s' %s is %lld, which does not split evenly into %d outputs",
                               axis, in->name, ShapeToString(in->shape).text, static_cast<long long>(dim), n);
    for (int i = 0; i < n; ++i) s->chunk[i] = dim / n;
  }

  s->outer = in->shape.Product(0, axis);
  const int64_t inner = in->shape.Product(axis + 1, rank);
  s->in_chunk = dim * inner;
  for (int i = 0; i < n; ++i) {
    Shape out_shape = in->shape;
    out_shape.dims[axis] = static_cast<int32_t>(s->chunk[i]);
    EDGERT_RETURN_IF_ERROR(ctx->SetOutputShape(i, out_shape));
    s->chunk[i] *= inner;
  }
  return Status::Ok();
}

static Status Eval(KernelContext* ctx) {
  const SplitState* s = ctx->state<SplitState>();
  const Tensor* in = ctx->input(0);
  const size_t esize = DTypeSize(in->dtype);
  const uint8_t* src = static_cast<const uint8_t*>(in->data);
  for (int64_t o = 0; o < s->outer; ++o) {
    int64_t pos = o * s->in_chunk;
    for (int i = 0; i < s->num_outputs; ++i) {
      const int64_t n = s->chunk[i];
      if (n > 0) {
        uint8_t* dst = static_cast<uint8_t*>(ctx->output(i)->data) + o * n * static_cast<int64_t>(esize);
        std::memcpy(dst, src + pos * static_cast<int64_t>(esize), static_cast<size_t>(n) * esize);
      }
      pos += n;
    }
  }
  return Status::Ok();
}

const OpKernel* Register_SPLIT() {
  static const OpKernel kernel = {"SPLIT/reference", Prepare, Eval, kNoFlags};
  return &kernel;
}

}  // namespace ref
}  // namespace edgert
