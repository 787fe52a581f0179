// MINIMUM: element-wise with numpy broadcasting and fused activation; f32, i32, i8, u8.
// The semantics of every dtype are documented in kernels/common/elementwise_binary.h.
#include "kernels/common/elementwise_binary.h"
#include "kernels/reference/reference_kernels.h"

namespace edgert {
namespace ref {

static Status Prepare(KernelContext* ctx) { return PrepareElementwiseBinary(ctx, BinaryOpKind::kMinimum); }
static Status Eval(KernelContext* ctx) { return EvalElementwiseBinary(ctx); }

const OpKernel* Register_MINIMUM() {
  static const OpKernel kernel = {"MINIMUM/reference", Prepare, Eval, kNoFlags};
  return &kernel;
}

}  // namespace ref
}  // namespace edgert
