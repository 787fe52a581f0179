// LOGISTIC optimized kernel: y = 1 / (1 + exp(-x)).
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
  return PrepareUnaryElementwise(ctx, ref::Register_LOGISTIC(), GetKernelIsa().f32_vunary.sigmoid,
                                 PlainActivationParams(), /*ref_builds_lut=*/true);
}

}  // namespace

const OpKernel* Register_LOGISTIC() {
  static const OpKernel kernel = {"LOGISTIC/optimized", Prepare, EvalUnaryElementwise, kNoFlags};
  return &kernel;
}

}  // namespace opt
}  // namespace edgert
