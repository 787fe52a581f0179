// CONV_2D reference kernel: NHWC input [N,H,W,C], weights [O,KH,KW,C/groups],
// optional bias [O]; grouped when C = groups * weight in-channels.
// f32, i8 (per-tensor or per-channel weights) and u8 (per-tensor weights).
#include "kernels/common/conv_util.h"
#include "kernels/common/shape_util.h"
#include "kernels/reference/reference_kernels.h"

namespace edgert {
namespace ref {
namespace {

struct ConvState {
  Window2D window;
  int out_c;
  int filter_c;  // = in_c / groups
  int out_c_per_group;
  ConvQuantParams q;
};

}  // namespace

static Status Prepare(KernelContext* ctx) {
  const Tensor *input, *weights, *bias;
  Tensor* output;
  const schema::Conv2DOptions* opt;
  EDGERT_RETURN_IF_ERROR(GetConvOperands(ctx, "Conv2DOptions", &input, &weights, &bias, &output, &opt));
  EDGERT_RETURN_IF_ERROR(CheckNHWC(ctx, input));
  const Shape& is = input->shape;
  const Shape& ws = weights->shape;
  if (ws.rank != 4)
    return ctx->InvalidModel("weights '%s' must be rank 4 [O,KH,KW,I]; got shape %s", weights->name,
                             ShapeToString(ws).text);
  if (ws[0] < 1 || ws[1] < 1 || ws[2] < 1 || ws[3] < 1)
    return ctx->InvalidModel("weights '%s' shape %s has an empty dimension", weights->name, ShapeToString(ws).text);
  if (is[3] < 1)
    return ctx->InvalidModel("input '%s' has no channels (shape %s)", input->name, ShapeToString(is).text);
  if (is[3] % ws[3] != 0)
    return ctx->InvalidModel("input '%s' channels %d (shape %s) are not a multiple of weights '%s' in-channels %d "
                             "(shape %s)",
                             input->name, is[3], ShapeToString(is).text, weights->name, ws[3], ShapeToString(ws).text);
  const int groups = is[3] / ws[3];
  if (groups < 1 || ws[0] % groups != 0)
    return ctx->InvalidModel("output channels %d of weights '%s' are not a multiple of groups %d (input channels %d "
                             "/ weight in-channels %d)",
                             ws[0], weights->name, groups, is[3], ws[3]);

  auto* s = ctx->NewState<ConvState>();
  if (s == nullptr) return ctx->Error(StatusCode::kOutOfMemory, "out of memory for op state");
  EDGERT_RETURN_IF_ERROR(PrepareConvQuant(ctx, input, weights, bias, output, 0, ws[0], opt->activation(), &s->q));
  EDGERT_RETURN_IF_ERROR(PrepareWindow2D(ctx, is, opt->padding(), opt->pads(), ws[1], ws[2], opt->stride_h(),
                                         opt->stride_w(), opt->dilation_h(), opt->dilation_w(), &s->window));
  s->out_c = ws[0];
  s->filter_c = ws[3];
  s->out_c_per_group = ws[0] / groups;
  return ctx->SetOutputShape(0, Shape{is[0], s->window.out_h, s->window.out_w, ws[0]});
}

namespace {

// Calls fn(input_index, weight_index) for each product of output (pixel, oc):
// every in-bounds window tap times the input channels of oc's group.
template <typename Fn>
inline void ForEachTap(const ConvState& s, int64_t pixel, int oc, Fn fn) {
  const Window2D& g = s.window;
  const int c0 = oc / s.out_c_per_group * s.filter_c;  // first input channel of oc's group
  ForEachWindowTap(g, pixel, [&](int ky, int kx, int64_t in_pixel) {
    const int64_t in_base = in_pixel * g.in_c + c0;
    const int64_t w_base = ((static_cast<int64_t>(oc) * g.filter_h + ky) * g.filter_w + kx) * s.filter_c;
    for (int c = 0; c < s.filter_c; ++c) fn(in_base + c, w_base + c);
  });
}

}  // namespace

static Status Eval(KernelContext* ctx) {
  const ConvState& s = *ctx->state<ConvState>();
  return EvalConvLike(ctx, s.q, s.window.out_pixels(), s.out_c,
                      [&s](int64_t pixel, int oc, auto fn) { ForEachTap(s, pixel, oc, fn); });
}

const OpKernel* Register_CONV_2D() {
  static const OpKernel kernel = {"CONV_2D/reference", Prepare, Eval, kNoFlags};
  return &kernel;
}

}  // namespace ref
}  // namespace edgert
