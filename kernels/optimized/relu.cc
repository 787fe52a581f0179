// RELU optimized kernel: y = max(x, 0): the clamp microkernel with [0, inf].
// f32 nodes run the ISA table's microkernel (kernels/dispatch.h); other dtypes,
// and every node at the reference ISA level, run the reference kernel
// (kernels/optimized/elementwise.h).
#include <limits>

#include "kernels/optimized/elementwise.h"
#include "kernels/optimized/optimized_kernels.h"
#include "kernels/reference/reference_kernels.h"

namespace edgert {
namespace opt {
namespace {

Status Prepare(KernelContext* ctx) {
  const F32UnaryParams params = {0.f, std::numeric_limits<float>::infinity(), 0.f};
  return PrepareUnaryElementwise(ctx, ref::Register_RELU(), GetKernelIsa().f32_vunary.clamp, params);
}

}  // namespace

const OpKernel* Register_RELU() {
  static const OpKernel kernel = {"RELU/optimized", Prepare, EvalUnaryElementwise, kNoFlags};
  return &kernel;
}

}  // namespace opt
}  // namespace edgert
