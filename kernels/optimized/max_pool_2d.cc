// MAX_POOL_2D optimized kernel: f32, i8 and u8 NHWC through the max-pool
// microkernels (kernels/optimized/pool_2d.h); every node at the reference ISA
// level runs the reference kernel. Bit-identical to the reference.
#include "kernels/optimized/optimized_kernels.h"
#include "kernels/optimized/pool_2d.h"
#include "kernels/reference/reference_kernels.h"

namespace edgert {
namespace opt {
namespace {

Status Prepare(KernelContext* ctx) { return PreparePool2DOptimized(ctx, ref::Register_MAX_POOL_2D(), true); }

}  // namespace

const OpKernel* Register_MAX_POOL_2D() {
  static const OpKernel kernel = {"MAX_POOL_2D/optimized", Prepare, EvalPool2DOptimized, kNoFlags};
  return &kernel;
}

}  // namespace opt
}  // namespace edgert
