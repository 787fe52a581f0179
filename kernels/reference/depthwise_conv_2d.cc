// DEPTHWISE_CONV_2D reference kernel: NHWC input [N,H,W,C], weights
// [1,KH,KW,C*M] (M = depth_multiplier), optional bias [C*M]. Output channel
// c*M + m reads input channel c. f32, i8 (per-tensor or per-channel weights
// along axis 3) and u8 (per-tensor weights).
#include "kernels/common/conv_util.h"
#include "kernels/common/shape_util.h"
#include "kernels/reference/reference_kernels.h"

namespace edgert {
namespace ref {
namespace {

struct DepthwiseState {
  Window2D window;
  int out_c, multiplier;
  ConvQuantParams q;
};

}  // namespace

static Status Prepare(KernelContext* ctx) {
  const Tensor *input, *weights, *bias;
  Tensor* output;
  const schema::DepthwiseConv2DOptions* opt;
  EDGERT_RETURN_IF_ERROR(GetConvOperands(ctx, "DepthwiseConv2DOptions", &input, &weights, &bias, &output, &opt));
  EDGERT_RETURN_IF_ERROR(CheckNHWC(ctx, input));
  const Shape& is = input->shape;
  const Shape& ws = weights->shape;
  if (ws.rank != 4 || ws[0] != 1 || ws[1] < 1 || ws[2] < 1 || ws[3] < 1)
    return ctx->InvalidModel("weights '%s' must be [1,KH,KW,C*depth_multiplier] with non-empty dims; got shape %s",
                             weights->name, ShapeToString(ws).text);
  const int mult = opt->depth_multiplier();
  if (mult < 1) return ctx->InvalidModel("depth_multiplier must be >= 1; got %d", mult);
  if (static_cast<int64_t>(is[3]) * mult != ws[3])
    return ctx->InvalidModel("weights '%s' shape %s: last dimension %d != input '%s' channels %d (shape %s) * "
                             "depth_multiplier %d",
                             weights->name, ShapeToString(ws).text, ws[3], input->name, is[3], ShapeToString(is).text,
                             mult);

  auto* s = ctx->NewState<DepthwiseState>();
  if (s == nullptr) return ctx->Error(StatusCode::kOutOfMemory, "out of memory for op state");
  EDGERT_RETURN_IF_ERROR(PrepareConvQuant(ctx, input, weights, bias, output, 3, ws[3], opt->activation(), &s->q));
  EDGERT_RETURN_IF_ERROR(PrepareWindow2D(ctx, is, opt->padding(), opt->pads(), ws[1], ws[2], opt->stride_h(),
                                         opt->stride_w(), opt->dilation_h(), opt->dilation_w(), &s->window));
  s->out_c = ws[3];
  s->multiplier = mult;
  return ctx->SetOutputShape(0, Shape{is[0], s->window.out_h, s->window.out_w, ws[3]});
}

namespace {

// Calls fn(input_index, weight_index) for each in-bounds tap of output (pixel, oc).
template <typename Fn>
inline void ForEachTap(const DepthwiseState& s, int64_t pixel, int oc, Fn fn) {
  const Window2D& g = s.window;
  const int ic = oc / s.multiplier;
  ForEachWindowTap(g, pixel, [&](int ky, int kx, int64_t in_pixel) {
    fn(in_pixel * g.in_c + ic, (static_cast<int64_t>(ky) * g.filter_w + kx) * s.out_c + oc);
  });
}

}  // namespace

static Status Eval(KernelContext* ctx) {
  const DepthwiseState& s = *ctx->state<DepthwiseState>();
  return EvalConvLike(ctx, s.q, s.window.out_pixels(), s.out_c,
                      [&s](int64_t pixel, int oc, auto fn) { ForEachTap(s, pixel, oc, fn); });
}

const OpKernel* Register_DEPTHWISE_CONV_2D() {
  static const OpKernel kernel = {"DEPTHWISE_CONV_2D/reference", Prepare, Eval, kNoFlags};
  return &kernel;
}

}  // namespace ref
}  // namespace edgert
