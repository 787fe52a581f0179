// CONV_2D reference kernel: NHWC input [N,H,W,C], weights [O,KH,KW,C/groups],
// optional bias [O]; grouped when C = groups * weight in-channels.
// f32, i8 (per-tensor or per-channel weights) and u8 (per-tensor weights).
#include "kernels/common/conv_util.h"
#include "kernels/reference/reference_kernels.h"

namespace edgert {
namespace ref {
namespace {

struct ConvState {
  int batches, in_h, in_w, in_c;
  int out_h, out_w, out_c;
  int filter_h, filter_w, filter_c;  // filter_c = in_c / groups
  int out_c_per_group;
  int stride_h, stride_w, dilation_h, dilation_w;
  int pad_top, pad_left;
  ConvQuantParams q;
};

}  // namespace

static Status Prepare(KernelContext* ctx) {
  if (ctx->num_inputs() < 2 || ctx->num_inputs() > 3 || ctx->num_outputs() != 1)
    return ctx->InvalidModel("expects 2 or 3 inputs and 1 output; got %d and %d", ctx->num_inputs(),
                             ctx->num_outputs());
  const Tensor* input = ctx->input(0);
  const Tensor* weights = ctx->input(1);
  const Tensor* bias = ctx->input(2);
  Tensor* output = ctx->output(0);
  const auto* opt = ctx->options<schema::Conv2DOptions>();
  if (input == nullptr || weights == nullptr) return ctx->InvalidModel("input and weights are required");
  if (output == nullptr) return ctx->InvalidModel("output is missing");
  if (opt == nullptr) return ctx->InvalidModel("missing Conv2DOptions");
  char b1[96], b2[96];
  if (input->shape.rank != 4)
    return ctx->InvalidModel("input '%s' must be rank 4 (NHWC); got shape %s", input->name,
                             ShapeToString(input->shape, b1, sizeof(b1)));
  if (weights->shape.rank != 4)
    return ctx->InvalidModel("weights '%s' must be rank 4 [O,KH,KW,I]; got shape %s", weights->name,
                             ShapeToString(weights->shape, b1, sizeof(b1)));
  const Shape& is = input->shape;
  const Shape& ws = weights->shape;
  if (ws[0] < 1 || ws[1] < 1 || ws[2] < 1 || ws[3] < 1)
    return ctx->InvalidModel("weights '%s' shape %s has an empty dimension", weights->name,
                             ShapeToString(ws, b1, sizeof(b1)));
  if (is[3] < 1)
    return ctx->InvalidModel("input '%s' has no channels (shape %s)", input->name, ShapeToString(is, b1, sizeof(b1)));
  if (is[3] % ws[3] != 0)
    return ctx->InvalidModel("input '%s' channels %d (shape %s) are not a multiple of weights '%s' in-channels %d "
                             "(shape %s)",
                             input->name, is[3], ShapeToString(is, b1, sizeof(b1)), weights->name, ws[3],
                             ShapeToString(ws, b2, sizeof(b2)));
  const int groups = is[3] / ws[3];
  if (groups < 1 || ws[0] % groups != 0)
    return ctx->InvalidModel("output channels %d of weights '%s' are not a multiple of groups %d (input channels %d "
                             "/ weight in-channels %d)",
                             ws[0], weights->name, groups, is[3], ws[3]);

  auto* s = ctx->NewState<ConvState>();
  if (s == nullptr) return ctx->Error(StatusCode::kOutOfMemory, "out of memory for op state");
  EDGERT_RETURN_IF_ERROR(
      PrepareConvQuant(ctx, input, weights, bias, output, 0, ws[0], opt->activation(), &s->q));

  WindowGeometry gh, gw;
  EDGERT_RETURN_IF_ERROR(ComputeWindow2D(ctx, opt->padding(), opt->pads(), is[1], is[2], ws[1], ws[2],
                                         opt->stride_h(), opt->stride_w(), opt->dilation_h(), opt->dilation_w(), &gh,
                                         &gw));
  s->batches = is[0];
  s->in_h = is[1];
  s->in_w = is[2];
  s->in_c = is[3];
  s->out_h = gh.out;
  s->out_w = gw.out;
  s->out_c = ws[0];
  s->filter_h = ws[1];
  s->filter_w = ws[2];
  s->filter_c = ws[3];
  s->out_c_per_group = ws[0] / groups;
  s->stride_h = opt->stride_h();
  s->stride_w = opt->stride_w();
  s->dilation_h = opt->dilation_h();
  s->dilation_w = opt->dilation_w();
  s->pad_top = gh.pad_before;
  s->pad_left = gw.pad_before;
  return ctx->SetOutputShape(0, Shape{is[0], gh.out, gw.out, ws[0]});
}

namespace {

// Calls fn(input_index, weight_index) for each in-bounds tap of output
// (b, oy, ox, oc). Shared by the float and quantized loops.
template <typename Fn>
inline void ForEachTap(const ConvState& s, int b, int oy, int ox, int oc, Fn fn) {
  const int group = oc / s.out_c_per_group;
  const int c0 = group * s.filter_c;
  const int64_t y0 = static_cast<int64_t>(oy) * s.stride_h - s.pad_top;
  const int64_t x0 = static_cast<int64_t>(ox) * s.stride_w - s.pad_left;
  for (int ky = 0; ky < s.filter_h; ++ky) {
    const int64_t y = y0 + static_cast<int64_t>(ky) * s.dilation_h;
    if (y < 0 || y >= s.in_h) continue;
    for (int kx = 0; kx < s.filter_w; ++kx) {
      const int64_t x = x0 + static_cast<int64_t>(kx) * s.dilation_w;
      if (x < 0 || x >= s.in_w) continue;
      const int64_t in_base = ((static_cast<int64_t>(b) * s.in_h + y) * s.in_w + x) * s.in_c + c0;
      const int64_t w_base = ((static_cast<int64_t>(oc) * s.filter_h + ky) * s.filter_w + kx) * s.filter_c;
      for (int c = 0; c < s.filter_c; ++c) fn(in_base + c, w_base + c);
    }
  }
}

void EvalFloat(const ConvState& s, const float* in, const float* w, const float* bias, float* out) {
  for (int b = 0; b < s.batches; ++b)
    for (int oy = 0; oy < s.out_h; ++oy)
      for (int ox = 0; ox < s.out_w; ++ox)
        for (int oc = 0; oc < s.out_c; ++oc) {
          float acc = 0.f;
          ForEachTap(s, b, oy, ox, oc, [&](int64_t i, int64_t j) { acc += in[i] * w[j]; });
          if (bias != nullptr) acc += bias[oc];
          *out++ = ApplyActivation(acc, s.q.float_min, s.q.float_max);
        }
}

template <typename T>
void EvalQuant(const ConvState& s, const T* in, const T* w, const int32_t* bias, T* out) {
  const ConvQuantParams& q = s.q;
  for (int b = 0; b < s.batches; ++b)
    for (int oy = 0; oy < s.out_h; ++oy)
      for (int ox = 0; ox < s.out_w; ++ox)
        for (int oc = 0; oc < s.out_c; ++oc) {
          int64_t acc = 0;
          const int32_t wzp = q.weight_zp[oc];
          ForEachTap(s, b, oy, ox, oc, [&](int64_t i, int64_t j) {
            acc += static_cast<int64_t>(static_cast<int32_t>(in[i]) - q.input_zp) * (static_cast<int32_t>(w[j]) - wzp);
          });
          if (bias != nullptr) acc += bias[oc];
          *out++ = static_cast<T>(RequantizeAcc(acc, q.multiplier[oc], q.shift[oc], q.output_zp, q.act_min, q.act_max));
        }
}

}  // namespace

static Status Eval(KernelContext* ctx) {
  const ConvState& s = *ctx->state<ConvState>();
  const Tensor* input = ctx->input(0);
  const Tensor* weights = ctx->input(1);
  const Tensor* bias = ctx->input(2);
  Tensor* output = ctx->output(0);
  switch (s.q.type) {
    case DType::kF32:
      EvalFloat(s, input->data_as<float>(), weights->data_as<float>(), bias ? bias->data_as<float>() : nullptr,
                output->data_as<float>());
      break;
    case DType::kI8:
      EvalQuant<int8_t>(s, input->data_as<int8_t>(), weights->data_as<int8_t>(),
                        bias ? bias->data_as<int32_t>() : nullptr, output->data_as<int8_t>());
      break;
    case DType::kU8:
      EvalQuant<uint8_t>(s, input->data_as<uint8_t>(), weights->data_as<uint8_t>(),
                         bias ? bias->data_as<int32_t>() : nullptr, output->data_as<uint8_t>());
      break;
    default: return ctx->Unsupported("dtype %s", DTypeName(s.q.type));
  }
  return Status::Ok();
}

const OpKernel* Register_CONV_2D() {
  static const OpKernel kernel = {"CONV_2D/reference", Prepare, Eval, kNoFlags};
  return &kernel;
}

}  // namespace ref
}  // namespace edgert
