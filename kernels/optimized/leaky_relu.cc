// LEAKY_RELU optimized kernel: y = x >= 0 ? x : alpha * x.
// f32 nodes run the ISA table's microkernel (kernels/dispatch.h); other dtypes,
// and every node at the reference ISA level, run the reference kernel
// (kernels/optimized/elementwise.h).
#include "kernels/optimized/elementwise.h"
#include "kernels/optimized/optimized_kernels.h"
#include "kernels/reference/reference_kernels.h"

namespace edgert {
namespace opt {
namespace {

Status Prepare(KernelContext* ctx) {
  // Missing or invalid options are rejected by the reference prepare first.
  const auto* opts = ctx->options<schema::LeakyReluOptions>();
  const F32UnaryParams params = {0.f, 0.f, opts != nullptr ? opts->alpha() : 0.f};
  return PrepareUnaryElementwise(ctx, ref::Register_LEAKY_RELU(), GetKernelIsa().f32_vunary.lrelu, params);
}

}  // namespace

const OpKernel* Register_LEAKY_RELU() {
  static const OpKernel kernel = {"LEAKY_RELU/optimized", Prepare, EvalUnaryElementwise, kNoFlags};
  return &kernel;
}

}  // namespace opt
}  // namespace edgert
