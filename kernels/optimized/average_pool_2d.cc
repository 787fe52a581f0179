// AVERAGE_POOL_2D optimized kernel: f32, i8 and u8 NHWC through the
// average-pool microkernels (kernels/optimized/pool_2d.h), count_include_pad as
// the reference (divisor filter_h * filter_w, padding counted as zeros / zero
// points, else the in-bounds tap count); every node at the reference ISA level
// runs the reference kernel. Bit-identical to the reference (f32: same
// summation order, a true division; i8/u8: exact integer sums and the
// reference's round-half-away-from-zero quotient), except an f32 window over a
// whole image of more than 64 pixels, which sums blocks of pixels in parallel
// and adds the block sums in order (kGlobalPoolBlockPixels, pool_2d.h). Such
// int8 / uint8 windows take the same blocks with exact int32 sums (the
// level's QS8GSumUkernelFn), so they stay bit-identical.
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
