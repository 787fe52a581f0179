// SOFTMAX optimized kernel. Covered: f32 along the last axis (contiguous rows)
// when the ISA table has the row microkernel; rows are split across threads
// (a row never is, so every thread count gives identical results). Results
// differ from the reference kernel by the vector exp's rounding (<= 2e-6
// relative, kernels/x86/f32_softmax_x8_fma3.cc). Every other node (quantized,
// another axis) runs the reference kernel.
#include "kernels/common/const_input.h"
#include "kernels/dispatch.h"
#include "kernels/optimized/fallback.h"
#include "kernels/optimized/optimized_kernels.h"
#include "kernels/reference/reference_kernels.h"

namespace edgert {
namespace opt {
namespace {

struct SoftmaxState {
  ReferenceFallback fallback;
  F32SoftmaxUkernelFn softmax = nullptr;  // nullptr: the reference kernel runs this node
  float beta = 1.f;
  size_t rows = 0, n = 0;
};

Status Prepare(KernelContext* ctx) {
  SoftmaxState* s = nullptr;
  EDGERT_RETURN_IF_ERROR(PrepareWithFallback(ctx, ref::Register_SOFTMAX(), &s));
  const Tensor* in = ctx->input(0);
  const auto* opts = ctx->options<schema::SoftmaxOptions>();
  const F32SoftmaxUkernelFn fn = GetKernelIsa().f32_row.softmax;
  int axis = 0;
  if (fn == nullptr || in->dtype != DType::kF32 || !NormalizeAxis(opts->axis(), in->shape.rank, &axis) ||
      axis != in->shape.rank - 1)
    return Status::Ok();
  s->n = static_cast<size_t>(in->shape[axis]);
  s->rows = s->n == 0 ? 0 : static_cast<size_t>(in->NumElements()) / s->n;
  s->beta = opts->beta();
  s->softmax = fn;
  return Status::Ok();
}

Status Eval(KernelContext* ctx) {
  const SoftmaxState& s = *ctx->state<SoftmaxState>();
  if (s.softmax == nullptr) return s.fallback.Eval(ctx);
  const float* x = ctx->input(0)->data_as<float>();
  float* y = ctx->output(0)->data_as<float>();
  // About 4096 elements per task.
  const size_t grain = s.n >= 4096 ? 1 : 4096 / (s.n + 1) + 1;
  ctx->ParallelFor(s.rows, grain, [&](int, size_t start, size_t count) {
    for (size_t r = start; r < start + count; ++r) s.softmax(s.n, x + r * s.n, s.beta, y + r * s.n);
  });
  return Status::Ok();
}

}  // namespace

const OpKernel* Register_SOFTMAX() {
  static const OpKernel kernel = {"SOFTMAX/optimized", Prepare, Eval, kNoFlags};
  return &kernel;
}

}  // namespace opt
}  // namespace edgert
