// ADD: element-wise with numpy broadcasting and fused activation; f32, i32, i8, u8.
// The semantics of every dtype are documented in kernels/common/elementwise_binary.h.
#include "kernels/common/elementwise_binary.h"
#include "kernels/reference/reference_kernels.h"

namespace edgert {
namespace ref {

static Status Prepare(KernelContext* ctx) { return PrepareElementwiseBinary(ctx, BinaryOpKind::kAdd); }
static Status Eval(KernelContext* ctx) { return EvalElementwiseBinary(ctx); }

const OpKernel* Register_ADD() {
  static const OpKernel kernel = {"ADD/reference", Prepare, Eval, kNoFlags};
  return &kernel;
}

}  // namespace ref
}  // namespace edgert
