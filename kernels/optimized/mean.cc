// MEAN optimized kernel. Covered: f32 rank-4 input reduced over exactly axes 1
// and 2 (global average pooling of NHWC, keep_dims either way) when the ISA
// table has the global-average microkernel: per image, each channel's pixels
// are summed in double in input order and divided by their count, the
// reference's arithmetic, so results are bit-identical. Every other node runs
// the reference kernel. Images are split across threads (a channel's sum never
// is), so all thread counts give identical results.
#include "kernels/common/parallel_tile.h"
#include "kernels/common/shape_reduce.h"
#include "kernels/dispatch.h"
#include "kernels/optimized/fallback.h"
#include "kernels/optimized/optimized_kernels.h"
#include "kernels/reference/reference_kernels.h"

namespace edgert {
namespace opt {
namespace {

struct MeanState {
  ReferenceFallback fallback;
  F32GAvgPoolUkernelFn gavgpool = nullptr;  // nullptr: the reference kernel runs this node
  int batches = 0, pixels = 0, channels = 0;
};

Status Prepare(KernelContext* ctx) {
  MeanState* s = nullptr;
  EDGERT_RETURN_IF_ERROR(PrepareWithFallback(ctx, ref::Register_MEAN(), &s));
  const auto* ref_state = static_cast<const SumReduceState*>(s->fallback.state);
  const ReduceGeometry& g = ref_state->g;
  const Shape& is = g.in_shape;
  const KernelIsa& isa = GetKernelIsa();
  if (isa.f32_pool.gavgpool == nullptr || ctx->input(0)->dtype != DType::kF32 || is.rank != 4 || g.reduced[0] ||
      !g.reduced[1] || !g.reduced[2] || g.reduced[3] || g.reduce_count < 1)
    return Status::Ok();
  s->batches = is[0];
  s->pixels = is[1] * is[2];
  s->channels = is[3];
  s->gavgpool = isa.f32_pool.gavgpool;
  return Status::Ok();
}

Status Eval(KernelContext* ctx) {
  const MeanState& s = *ctx->state<MeanState>();
  if (s.gavgpool == nullptr) return s.fallback.Eval(ctx);
  const float* in = ctx->input(0)->data_as<float>();
  float* out = ctx->output(0)->data_as<float>();
  const size_t c = static_cast<size_t>(s.channels), image = static_cast<size_t>(s.pixels) * c;
  if (c == 0) return Status::Ok();
  ctx->ParallelFor(static_cast<size_t>(s.batches), 1, [&](int, size_t start, size_t count) {
    for (size_t b = start; b < start + count; ++b)
      s.gavgpool(static_cast<size_t>(s.pixels), c, in + b * image, c, out + b * c);
  });
  return Status::Ok();
}

}  // namespace

const OpKernel* Register_MEAN() {
  static const OpKernel kernel = {"MEAN/optimized", Prepare, Eval, kNoFlags};
  return &kernel;
}

}  // namespace opt
}  // namespace edgert
