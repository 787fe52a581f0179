// SUB optimized kernel: y = clamp(a - b) with the fused activation.
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
  return PrepareBinaryElementwise(ctx, ref::Register_SUB(), GetKernelIsa().f32_vbinary.sub, QS8BinaryOp::kAdd);
}

}  // namespace

const OpKernel* Register_SUB() {
  static const OpKernel kernel = {"SUB/optimized", Prepare, EvalBinaryElementwise, kNoFlags};
  return &kernel;
}

}  // namespace opt
}  // namespace edgert
