// TRANSPOSE optimized kernel: the reference kernel's strided copy
// (kernels/common/shape_util.h), split across threads by the outermost
// output dimension longer than 1 (whole output slices: each tile writes one
// contiguous run), so a large transpose (an ONNX image model's NCHW input to
// NHWC) uses every thread. A copy is the same whatever the split; with one
// thread, or too little to split, the reference eval runs.
#include "kernels/common/parallel_tile.h"
#include "kernels/common/shape_util.h"
#include "kernels/optimized/fallback.h"
#include "kernels/optimized/optimized_kernels.h"
#include "kernels/reference/reference_kernels.h"

namespace edgert {
namespace opt {
namespace {

struct TransposeState {
  ReferenceFallback fallback;
  int dim = -1;       // the split output dimension (-1: the reference eval runs)
  size_t inner = 0;   // output elements per index of that dimension
  size_t tile = 0;    // indices of it per parallel tile
};

Status Prepare(KernelContext* ctx) {
  TransposeState* s = nullptr;
  EDGERT_RETURN_IF_ERROR(PrepareWithFallback(ctx, ref::Register_TRANSPOSE(), &s));
  const auto& v = *static_cast<const StridedView*>(s->fallback.state);
  int d = 0;
  while (d < v.rank && v.count[d] == 1) ++d;  // the dims before it are all 1
  if (ctx->num_threads() <= 1 || d >= v.rank) return Status::Ok();
  size_t inner = 1;
  for (int i = d + 1; i < v.rank; ++i) inner *= static_cast<size_t>(v.count[i]);
  const size_t range = static_cast<size_t>(v.count[d]);
  const size_t tile = ParallelTile(range, inner, ctx->num_threads(), 1);
  if (tile >= range) return Status::Ok();
  s->dim = d;
  s->inner = inner;
  s->tile = tile;
  return Status::Ok();
}

Status Eval(KernelContext* ctx) {
  const TransposeState& s = *ctx->state<TransposeState>();
  if (s.dim < 0) return s.fallback.Eval(ctx);
  const StridedView& whole = *static_cast<const StridedView*>(s.fallback.state);
  const Tensor* in = ctx->input(0);
  const size_t esize = DTypeSize(in->dtype);
  uint8_t* out = static_cast<uint8_t*>(ctx->output(0)->data);
  ctx->ParallelFor(static_cast<size_t>(whole.count[s.dim]), s.tile, [&](int /*worker*/, size_t start, size_t n) {
    StridedView v = whole;
    v.count[s.dim] = static_cast<int64_t>(n);
    v.in_offset += static_cast<int64_t>(start) * v.step[s.dim];
    StridedCopy(in->data, out + start * s.inner * esize, esize, v);
  });
  return Status::Ok();
}

}  // namespace

const OpKernel* Register_TRANSPOSE() {
  static const OpKernel kernel = {"TRANSPOSE/optimized", Prepare, Eval, kNoFlags};
  return &kernel;
}

}  // namespace opt
}  // namespace edgert
