// DIV optimized kernel: y = clamp(a / b (IEEE: x / 0 is +-inf or NaN)) with the fused activation.
// f32 nodes whose broadcast pattern the microkernels cover run them
// (kernels/optimized/elementwise.h, classified in prepare); other nodes run the
// reference kernel.
#include "kernels/optimized/elementwise.h"
#include "kernels/optimized/optimized_kernels.h"
#include "kernels/reference/reference_kernels.h"

namespace edgert {
namespace opt {
namespace {

Status Prepare(KernelContext* ctx) {
  return PrepareBinaryElementwise(ctx, ref::Register_DIV(), GetKernelIsa().f32_vbinary.div);
}

}  // namespace

const OpKernel* Register_DIV() {
  static const OpKernel kernel = {"DIV/optimized", Prepare, EvalBinaryElementwise, kNoFlags};
  return &kernel;
}

}  // namespace opt
}  // namespace edgert
