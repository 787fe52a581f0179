// AVERAGE_POOL_2D optimized kernel: f32 NHWC through the average-pool
// microkernel (kernels/optimized/pool_2d.h), count_include_pad as the
// reference (divisor filter_h * filter_w, else the in-bounds tap count); i8/u8,
// and every node at the reference ISA level, run the reference kernel.
// Bit-identical to the reference (same summation order, a true division).
#include "kernels/optimized/optimized_kernels.h"
#include "kernels/optimized/pool_2d.h"
#include "kernels/reference/reference_kernels.h"

namespace edgert {
namespace opt {
namespace {

Status Prepare(KernelContext* ctx) { return PreparePool2DOptimized(ctx, ref::Register_AVERAGE_POOL_2D(), false); }

}  // namespace

const OpKernel* Register_AVERAGE_POOL_2D() {
  static const OpKernel kernel = {"AVERAGE_POOL_2D/optimized", Prepare, EvalPool2DOptimized, kNoFlags};
  return &kernel;
}

}  // namespace opt
}  // namespace edgert
