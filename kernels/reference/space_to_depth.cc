// SPACE_TO_DEPTH (NHWC, TFLite order): [N,H,W,C] -> [N,H/b,W/b,C*b*b] with
//   out[n, h, w, (by*b + bx) * C + c] = in[n, h*b + by, w*b + bx, c].
// H and W must be divisible by block_size. Any dtype (moved by element size).
#include "kernels/common/shape_util.h"
#include "kernels/reference/reference_kernels.h"

namespace edgert {
namespace ref {
namespace {

struct SpaceToDepthState {
  StridedView view;
};

}  // namespace

static Status Prepare(KernelContext* ctx) {
  const Tensor* in = ctx->input(0);
  Tensor* out = ctx->output(0);
  if (in == nullptr || out == nullptr) return ctx->InvalidModel("SPACE_TO_DEPTH needs a data input and an output");
  EDGERT_RETURN_IF_ERROR(CheckPassThrough(ctx, in, out));
  const auto* opts = ctx->options<schema::SpaceDepthOptions>();
  if (opts == nullptr) return ctx->InvalidModel("missing SpaceDepthOptions");
  if (in->shape.rank != 4)
    return ctx->InvalidModel("input '%s' must be 4-D NHWC, but has shape %s", in->name,
                             ShapeToString(in->shape).text);
  const int b = opts->block_size();
  if (b < 1 || b > 65535) return ctx->InvalidModel("block_size %d must be in [1, 65535]", b);
  const int64_t n = in->shape.dims[0], h = in->shape.dims[1], w = in->shape.dims[2], c = in->shape.dims[3];
  if (h % b != 0 || w % b != 0)
    return ctx->InvalidModel("height %lld and width %lld of input '%s' %s must be divisible by block_size %d",
                             static_cast<long long>(h), static_cast<long long>(w), in->name,
                             ShapeToString(in->shape).text, b);
  const int64_t oh = h / b, ow = w / b, oc = c * b * b;
  if (oc > INT32_MAX) return ctx->InvalidModel("output channels %lld are too many", static_cast<long long>(oc));

  auto* s = ctx->NewState<SpaceToDepthState>();
  if (s == nullptr) return ctx->Error(StatusCode::kOutOfMemory, "out of memory for op state");
  // Output walked as [n, oh, ow, by, bx, c].
  StridedView& v = s->view;
  v.rank = 6;
  const int64_t counts[6] = {n, oh, ow, b, b, c};
  const int64_t steps[6] = {h * w * c, b * w * c, b * c, w * c, c, 1};
  for (int i = 0; i < 6; ++i) {
    v.count[i] = counts[i];
    v.step[i] = steps[i];
  }
  v.in_offset = 0;
  return ctx->SetOutputShape(0, Shape{static_cast<int32_t>(n), static_cast<int32_t>(oh), static_cast<int32_t>(ow),
                                      static_cast<int32_t>(oc)});
}

static Status Eval(KernelContext* ctx) {
  const Tensor* in = ctx->input(0);
  StridedCopy(in->data, ctx->output(0)->data, DTypeSize(in->dtype), ctx->state<SpaceToDepthState>()->view);
  return Status::Ok();
}

const OpKernel* Register_SPACE_TO_DEPTH() {
  static const OpKernel kernel = {"SPACE_TO_DEPTH/reference", Prepare, Eval, kNoFlags};
  return &kernel;
}

}  // namespace ref
}  // namespace edgert
