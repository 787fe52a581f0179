// SPACE_TO_DEPTH (NHWC, TFLite order): [N,H,W,C] -> [N,H/b,W/b,C*b*b] with
//   out[n, h, w, (by*b + bx) * C + c] = in[n, h*b + by, w*b + bx, c].
// H and W must be divisible by block_size. Any dtype (moved by element size).
#include "kernels/common/shape_util.h"
#include "kernels/reference/reference_kernels.h"

namespace edgert {
namespace ref {

// State: the StridedView of the input that is the output.
static Status Prepare(KernelContext* ctx) {
  const Tensor* in = nullptr;
  int b = 0;
  EDGERT_RETURN_IF_ERROR(CheckSpaceDepth(ctx, "SPACE_TO_DEPTH", &in, &b));
  const int64_t n = in->shape.dims[0], h = in->shape.dims[1], w = in->shape.dims[2], c = in->shape.dims[3];
  if (h % b != 0 || w % b != 0)
    return ctx->InvalidModel("height %lld and width %lld of input '%s' %s must be divisible by block_size %d",
                             static_cast<long long>(h), static_cast<long long>(w), in->name,
                             ShapeToString(in->shape).text, b);
  const int64_t oh = h / b, ow = w / b, oc = c * b * b;
  if (oc > INT32_MAX) return ctx->InvalidModel("output channels %lld are too many", static_cast<long long>(oc));

  auto* v = ctx->NewState<StridedView>();
  if (v == nullptr) return ctx->Error(StatusCode::kOutOfMemory, "out of memory for op state");
  // Output walked as [n, oh, ow, by, bx, c].
  const int64_t counts[6] = {n, oh, ow, b, b, c};
  const int64_t steps[6] = {h * w * c, b * w * c, b * c, w * c, c, 1};
  *v = MakeStridedView(6, counts, steps, 0);
  return ctx->SetOutputShape(0, Shape{static_cast<int32_t>(n), static_cast<int32_t>(oh), static_cast<int32_t>(ow),
                                      static_cast<int32_t>(oc)});
}

static Status Eval(KernelContext* ctx) { return EvalStridedCopy(ctx, *ctx->state<StridedView>()); }

const OpKernel* Register_SPACE_TO_DEPTH() {
  static const OpKernel kernel = {"SPACE_TO_DEPTH/reference", Prepare, Eval, kNoFlags};
  return &kernel;
}

}  // namespace ref
}  // namespace edgert
