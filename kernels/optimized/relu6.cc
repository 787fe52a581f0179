// RELU6 optimized kernel: y = min(max(x, 0), 6): the clamp microkernel with [0, 6].
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
  return PrepareUnaryElementwise(ctx, ref::Register_RELU6(), GetKernelIsa().f32_vunary.clamp, {0.f, 6.f, 0.f});
}

}  // namespace

const OpKernel* Register_RELU6() {
  static const OpKernel kernel = {"RELU6/optimized", Prepare, EvalUnaryElementwise, kNoFlags};
  return &kernel;
}

}  // namespace opt
}  // namespace edgert
