// LAYER_NORM optimized kernel. Covered: f32 data whose gamma and beta are
// absent or hold one value per normalized element (the usual [hidden] shape),
// when the ISA table has the row microkernel; rows are split across threads
// (a row never is). Mean and variance are accumulated in double like the
// reference kernel; the normalization runs in float (<= 1e-5 (1 + |y|),
// kernels/x86/f32_layernorm_x8_avx2.cc). Every other node (quantized, gamma or
// beta broadcast along the row) runs the reference kernel.
#include "kernels/common/const_input.h"
#include "kernels/dispatch.h"
#include "kernels/optimized/fallback.h"
#include "kernels/optimized/optimized_kernels.h"
#include "kernels/reference/reference_kernels.h"

namespace edgert {
namespace opt {
namespace {

struct LayerNormState {
  ReferenceFallback fallback;
  F32LayerNormUkernelFn layernorm = nullptr;  // nullptr: the reference kernel runs this node
  float epsilon = 0.f;
  size_t rows = 0, n = 0;
};

Status Prepare(KernelContext* ctx) {
  LayerNormState* s = nullptr;
  EDGERT_RETURN_IF_ERROR(PrepareWithFallback(ctx, ref::Register_LAYER_NORM(), &s));
  const Tensor* in = ctx->input(0);
  const auto* opts = ctx->options<schema::LayerNormOptions>();
  const F32LayerNormUkernelFn fn = GetKernelIsa().f32_row.layernorm;
  int axis = 0;
  if (fn == nullptr || in->dtype != DType::kF32 || !NormalizeAxis(opts->axis(), in->shape.rank, &axis)) return Status::Ok();
  const int64_t n = in->shape.Product(axis, in->shape.rank);
  // gamma / beta must give one value per element of the row (the reference
  // prepare has checked that they broadcast to the row's shape).
  for (int k = 1; k < ctx->num_inputs(); ++k) {
    const Tensor* t = ctx->input(k);
    if (t != nullptr && t->NumElements() != n) return Status::Ok();
  }
  s->n = static_cast<size_t>(n);
  s->rows = n == 0 ? 0 : static_cast<size_t>(in->NumElements() / n);
  s->epsilon = opts->epsilon();
  s->layernorm = fn;
  return Status::Ok();
}

Status Eval(KernelContext* ctx) {
  const LayerNormState& s = *ctx->state<LayerNormState>();
  if (s.layernorm == nullptr) return s.fallback.Eval(ctx);
  const float* x = ctx->input(0)->data_as<float>();
  const Tensor* g = ctx->num_inputs() > 1 ? ctx->input(1) : nullptr;
  const Tensor* b = ctx->num_inputs() > 2 ? ctx->input(2) : nullptr;
  const float* gamma = g != nullptr ? g->data_as<float>() : nullptr;
  const float* beta = b != nullptr ? b->data_as<float>() : nullptr;
  float* y = ctx->output(0)->data_as<float>();
  const size_t grain = s.n >= 4096 ? 1 : 4096 / (s.n + 1) + 1;
  ctx->ParallelFor(s.rows, grain, [&](int, size_t start, size_t count) {
    for (size_t r = start; r < start + count; ++r) s.layernorm(s.n, x + r * s.n, gamma, beta, s.epsilon, y + r * s.n);
  });
  return Status::Ok();
}

}  // namespace

const OpKernel* Register_LAYER_NORM() {
  static const OpKernel kernel = {"LAYER_NORM/optimized", Prepare, Eval, kNoFlags};
  return &kernel;
}

}  // namespace opt
}  // namespace edgert
