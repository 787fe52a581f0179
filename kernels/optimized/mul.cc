// MUL optimized kernel: y = clamp(a * b) with the fused activation.
// f32 and int8 nodes whose broadcast pattern the microkernels cover run them
// (kernels/optimized/elementwise.h, classified in prepare); other nodes run the
// reference kernel.
#include "kernels/optimized/elementwise.h"
#include "kernels/optimized/optimized_kernels.h"
#include "kernels/reference/reference_kernels.h"

namespace edgert {
namespace opt {
namespace {

Status Prepare(KernelContext* ctx) {
  return PrepareBinaryElementwise(ctx, ref::Register_MUL(), GetKernelIsa().f32_vbinary.mul,
                                  QS8BinaryOp::kMul);
}

}  // namespace

const OpKernel* Register_MUL() {
  static const OpKernel kernel = {"MUL/optimized", Prepare, EvalBinaryElementwise, kNoFlags};
  return &kernel;
}

}  // namespace opt
}  // namespace edgert
