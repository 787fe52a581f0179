// HARD_SWISH optimized kernel: y = x * relu6(x + 3) / 6.
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
  return PrepareUnaryElementwise(ctx, ref::Register_HARD_SWISH(), GetKernelIsa().f32_vunary.hswish,
                                 PlainActivationParams(), /*ref_builds_lut=*/true);
}

}  // namespace

const OpKernel* Register_HARD_SWISH() {
  static const OpKernel kernel = {"HARD_SWISH/optimized", Prepare, EvalUnaryElementwise, kNoFlags};
  return &kernel;
}

}  // namespace opt
}  // namespace edgert
