// GELU optimized kernel: y = x * Phi(x), exact (erf) or tanh-approximated form
// per GeluOptions.approximate, each with its own microkernel.
// f32 nodes run the ISA table's microkernel (kernels/dispatch.h); int8 and
// uint8 nodes its table-lookup kernel on the reference kernel's table; other
// dtypes, and every node at the reference ISA level, run the reference kernel
// (kernels/optimized/elementwise.h).
#include "kernels/optimized/elementwise.h"
#include "kernels/optimized/optimized_kernels.h"
#include "kernels/reference/reference_kernels.h"

namespace edgert {
namespace opt {
namespace {

Status Prepare(KernelContext* ctx) {
  const auto* opts = ctx->options<schema::GeluOptions>();
  const bool approximate = opts != nullptr && opts->approximate();
  const KernelIsa& isa = GetKernelIsa();
  return PrepareUnaryElementwise(ctx, ref::Register_GELU(),
                                 approximate ? isa.f32_vunary.gelu_tanh : isa.f32_vunary.gelu, {0.f, 0.f, 0.f},
                                 /*ref_builds_lut=*/true);
}

}  // namespace

const OpKernel* Register_GELU() {
  static const OpKernel kernel = {"GELU/optimized", Prepare, EvalUnaryElementwise, kNoFlags};
  return &kernel;
}

}  // namespace opt
}  // namespace edgert
