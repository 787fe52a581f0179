// DEPTH_TO_SPACE (NHWC, TFLite/DCR order): [N,H,W,C] -> [N,H*b,W*b,C/(b*b)] with
//   out[n, h*b + by, w*b + bx, c] = in[n, h, w, (by*b + bx) * C/(b*b) + c].
// Any dtype (moved by element size).
#include "kernels/common/shape_util.h"
#include "kernels/reference/reference_kernels.h"

namespace edgert {
namespace ref {

// State: the StridedView of the input that is the output.
static Status Prepare(KernelContext* ctx) {
  const Tensor* in = nullptr;
  int b = 0;
  EDGERT_RETURN_IF_ERROR(CheckSpaceDepth(ctx, "DEPTH_TO_SPACE", &in, &b));
  const int64_t n = in->shape.dims[0], h = in->shape.dims[1], w = in->shape.dims[2], c = in->shape.dims[3];
  const int64_t bb = static_cast<int64_t>(b) * b;
  if (c % bb != 0)
    return ctx->InvalidModel("channels %lld of input '%s' %s are not divisible by block_size^2 = %lld",
                             static_cast<long long>(c), in->name, ShapeToString(in->shape).text,
                             static_cast<long long>(bb));
  const int64_t oc = c / bb;
  if (h * b > INT32_MAX || w * b > INT32_MAX) return ctx->InvalidModel("output is too large");

  auto* v = ctx->NewState<StridedView>();
  if (v == nullptr) return ctx->Error(StatusCode::kOutOfMemory, "out of memory for op state");
  // Output walked as [n, h, by, w, bx, c].
  const int64_t counts[6] = {n, h, b, w, b, oc};
  const int64_t steps[6] = {h * w * c, w * c, b * oc, c, oc, 1};
  *v = MakeStridedView(6, counts, steps, 0);
  return ctx->SetOutputShape(0, Shape{static_cast<int32_t>(n), static_cast<int32_t>(h * b),
                                      static_cast<int32_t>(w * b), static_cast<int32_t>(oc)});
}

static Status Eval(KernelContext* ctx) { return EvalStridedCopy(ctx, *ctx->state<StridedView>()); }

const OpKernel* Register_DEPTH_TO_SPACE() {
  static const OpKernel kernel = {"DEPTH_TO_SPACE/reference", Prepare, Eval, kNoFlags};
  return &kernel;
}

}  // namespace ref
}  // namespace edgert
