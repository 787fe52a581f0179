#include "kernels/common/conv_util.h"

#include <cmath>

#include "kernels/common/shape_util.h"

namespace edgert {

Status CheckPerTensorQuant(const KernelContext* ctx, const Tensor* t, const char* role) {
  if (!t->is_quantized())
    return ctx->InvalidModel("%s '%s' is %s but has no quantization parameters", role, t->name, DTypeName(t->dtype));
  if (t->quant.per_channel())
    return ctx->Unsupported("%s '%s' has per-channel quantization (%d scales); only per-tensor is supported", role,
                            t->name, t->quant.count);
  const int32_t zp = t->quant.zero_point[0];
  if (zp < QuantizedMin(t->dtype) || zp > QuantizedMax(t->dtype))
    return ctx->InvalidModel("%s '%s' zero_point %d is out of range for %s", role, t->name, zp, DTypeName(t->dtype));
  if (!(t->quant.scale[0] > 0.f) || !std::isfinite(t->quant.scale[0]))
    return ctx->InvalidModel("%s '%s' quantization scale %g is not positive and finite", role, t->name,
                             static_cast<double>(t->quant.scale[0]));
  return Status::Ok();
}

Status PrepareConvQuant(KernelContext* ctx, const Tensor* input, const Tensor* weights, const Tensor* bias,
                        const Tensor* output, int channel_axis, int channels, schema::Activation activation,
                        ConvQuantParams* p) {
  const DType t = input->dtype;
  if ((t != DType::kF32 && t != DType::kI8 && t != DType::kU8) || weights->dtype != t || output->dtype != t)
    return ctx->Unsupported("unsupported dtype combination: input '%s' %s, weights '%s' %s, output '%s' %s "
                            "(supported: all f32, all i8, or all u8)",
                            input->name, DTypeName(input->dtype), weights->name, DTypeName(weights->dtype),
                            output->name, DTypeName(output->dtype));
  if (activation < schema::Activation_MIN || activation > schema::Activation_MAX)
    return ctx->InvalidModel("unknown fused activation %d", static_cast<int>(activation));
  p->type = t;
  if (bias != nullptr) {
    const DType want = t == DType::kF32 ? DType::kF32 : DType::kI32;
    if (bias->dtype != want)
      return ctx->Unsupported("bias '%s' is %s; with %s input it must be %s", bias->name, DTypeName(bias->dtype),
                              DTypeName(t), DTypeName(want));
    if (bias->shape.rank != 1 || bias->shape.dims[0] != channels)
      return ctx->InvalidModel("bias '%s' has shape %s; expected [%d] (one value per output channel)", bias->name,
                               ShapeToString(bias->shape).text, channels);
  }
  if (t == DType::kF32) {
    ActivationRangeFloat(activation, &p->float_min, &p->float_max);
    return Status::Ok();
  }

  EDGERT_RETURN_IF_ERROR(CheckPerTensorQuant(ctx, input, "input"));
  EDGERT_RETURN_IF_ERROR(CheckPerTensorQuant(ctx, output, "output"));
  if (!weights->is_quantized())
    return ctx->InvalidModel("weights '%s' are %s but have no quantization parameters", weights->name,
                             DTypeName(weights->dtype));
  const QuantParams& wq = weights->quant;
  if (wq.per_channel()) {
    if (t != DType::kI8)
      return ctx->Unsupported("weights '%s' are %s with per-channel quantization; only i8 weights may be per-channel",
                              weights->name, DTypeName(t));
    if (wq.axis != channel_axis || wq.count != channels)
      return ctx->InvalidModel("weights '%s' have %d per-channel scales along axis %d; expected %d along axis %d "
                               "(the output-channel axis)",
                               weights->name, wq.count, wq.axis, channels, channel_axis);
    for (int c = 0; c < wq.count; ++c)
      if (wq.zero_point[c] != 0)
        return ctx->InvalidModel("per-channel weights '%s' have zero_point %d at channel %d; must be 0",
                                 weights->name, wq.zero_point[c], c);
  } else {
    const int32_t zp = wq.zero_point[0];
    if (zp < QuantizedMin(t) || zp > QuantizedMax(t))
      return ctx->InvalidModel("weights '%s' zero_point %d is out of range for %s", weights->name, zp, DTypeName(t));
  }
  for (int c = 0; c < wq.count; ++c)
    if (!(wq.scale[c] > 0.f) || !std::isfinite(wq.scale[c]))
      return ctx->InvalidModel("weights '%s' quantization scale %g is not positive and finite", weights->name,
                               static_cast<double>(wq.scale[c]));

  const double in_scale = input->quant.scale[0];
  const double out_scale = output->quant.scale[0];
  if (bias != nullptr && bias->is_quantized()) {
    const QuantParams& bq = bias->quant;
    if (bq.count != 1 && bq.count != channels)
      return ctx->InvalidModel("bias '%s' has %d quantization scales; expected 1 or %d", bias->name, bq.count,
                               channels);
    for (int c = 0; c < channels; ++c) {
      const double want = in_scale * wq.scale[wq.per_channel() ? c : 0];
      const double got = bq.scale[bq.count > 1 ? c : 0];
      if (bq.zero_point[bq.count > 1 ? c : 0] != 0)
        return ctx->InvalidModel("bias '%s' must have zero_point 0", bias->name);
      if (std::fabs(got - want) > 1e-5 * want)
        return ctx->InvalidModel("bias '%s' scale %g (channel %d) differs from input_scale * weight_scale = %g",
                                 bias->name, got, c, want);
    }
  }

  const size_t n = static_cast<size_t>(channels);
  p->multiplier = static_cast<int32_t*>(ctx->AllocatePersistent(n * sizeof(int32_t)));
  p->shift = static_cast<int32_t*>(ctx->AllocatePersistent(n * sizeof(int32_t)));
  p->weight_zp = static_cast<int32_t*>(ctx->AllocatePersistent(n * sizeof(int32_t)));
  if (p->multiplier == nullptr || p->shift == nullptr || p->weight_zp == nullptr)
    return ctx->Error(StatusCode::kOutOfMemory, "out of memory for %d per-channel multipliers", channels);
  for (int c = 0; c < channels; ++c) {
    const int wi = wq.per_channel() ? c : 0;
    const double real = in_scale * static_cast<double>(wq.scale[wi]) / out_scale;
    int shift = 0;
    QuantizeMultiplier(real, &p->multiplier[c], &shift);
    p->shift[c] = shift;
    p->weight_zp[c] = wq.zero_point[wi];
  }
  p->input_zp = input->quant.zero_point[0];
  p->output_zp = output->quant.zero_point[0];
  ActivationRangeQuantized(activation, t, output->quant.scale[0], p->output_zp, &p->act_min, &p->act_max);
  return Status::Ok();
}

Status GetConvTensors(KernelContext* ctx, const Tensor** input, const Tensor** weights, const Tensor** bias,
                      Tensor** output) {
  if (ctx->num_inputs() < 2 || ctx->num_inputs() > 3 || ctx->num_outputs() != 1)
    return ctx->InvalidModel("expects 2 or 3 inputs and 1 output; got %d and %d", ctx->num_inputs(),
                             ctx->num_outputs());
  *input = ctx->input(0);
  *weights = ctx->input(1);
  *bias = ctx->input(2);
  *output = ctx->output(0);
  if (*input == nullptr || *weights == nullptr) return ctx->InvalidModel("input and weights are required");
  if (*output == nullptr) return ctx->InvalidModel("output is missing");
  return Status::Ok();
}

Status CheckNHWC(const KernelContext* ctx, const Tensor* input) {
  if (input->shape.rank != 4)
    return ctx->InvalidModel("input '%s' must be rank 4 (NHWC); got shape %s", input->name,
                             ShapeToString(input->shape).text);
  return Status::Ok();
}

Status ReadPadding(const KernelContext* ctx, schema::Padding padding, const flatbuffers::Vector<int32_t>* pads,
                   int out[4]) {
  for (int i = 0; i < 4; ++i) out[i] = 0;
  if (padding == schema::Padding_SAME || padding == schema::Padding_VALID) return Status::Ok();
  if (padding != schema::Padding_EXPLICIT) return ctx->InvalidModel("unknown padding %d", static_cast<int>(padding));
  if (pads == nullptr || pads->size() != 4)
    return ctx->InvalidModel("EXPLICIT padding needs pads [top, left, bottom, right]; got %u values",
                             pads == nullptr ? 0u : pads->size());
  for (int i = 0; i < 4; ++i) {
    out[i] = pads->Get(static_cast<flatbuffers::uoffset_t>(i));
    if (out[i] < 0 || out[i] > (1 << 30)) return ctx->InvalidModel("pads[%d] = %d is out of range", i, out[i]);
  }
  return Status::Ok();
}

Status PrepareWindow2D(const KernelContext* ctx, const Shape& in, schema::Padding padding,
                       const flatbuffers::Vector<int32_t>* pads, int filter_h, int filter_w, int stride_h,
                       int stride_w, int dilation_h, int dilation_w, Window2D* w) {
  if (stride_h < 1 || stride_w < 1)
    return ctx->InvalidModel("strides must be >= 1; got stride_h %d, stride_w %d", stride_h, stride_w);
  if (dilation_h < 1 || dilation_w < 1)
    return ctx->InvalidModel("dilations must be >= 1; got dilation_h %d, dilation_w %d", dilation_h, dilation_w);
  if (filter_h < 1 || filter_w < 1)
    return ctx->InvalidModel("filter size must be >= 1; got %dx%d", filter_h, filter_w);
  const int64_t eff_h = static_cast<int64_t>(filter_h - 1) * dilation_h + 1;
  const int64_t eff_w = static_cast<int64_t>(filter_w - 1) * dilation_w + 1;
  if (eff_h > (1 << 30) || eff_w > (1 << 30))
    return ctx->InvalidModel("dilated filter %lldx%lld is too large", static_cast<long long>(eff_h),
                             static_cast<long long>(eff_w));
  if (static_cast<int64_t>(filter_h) * filter_w > (1 << 30))
    return ctx->InvalidModel("filter %dx%d has too many taps", filter_h, filter_w);
  int p[4];
  EDGERT_RETURN_IF_ERROR(ReadPadding(ctx, padding, pads, p));
  WindowGeometry gh, gw;
  if (!ComputeWindow(padding, in[1], filter_h, stride_h, dilation_h, p[0], p[2], &gh) ||
      !ComputeWindow(padding, in[2], filter_w, stride_w, dilation_w, p[1], p[3], &gw))
    return ctx->InvalidModel("padding %s with input %dx%d, filter %dx%d, strides %dx%d, dilations %dx%d, "
                             "pads [%d,%d,%d,%d] gives an empty output",
                             schema::EnumNamePadding(padding), in[1], in[2], filter_h, filter_w, stride_h, stride_w,
                             dilation_h, dilation_w, p[0], p[1], p[2], p[3]);
  w->batches = in[0];
  w->in_h = in[1];
  w->in_w = in[2];
  w->in_c = in[3];
  w->out_h = gh.out;
  w->out_w = gw.out;
  w->filter_h = filter_h;
  w->filter_w = filter_w;
  w->stride_h = stride_h;
  w->stride_w = stride_w;
  w->dilation_h = dilation_h;
  w->dilation_w = dilation_w;
  w->pad_top = gh.pad_before;
  w->pad_left = gw.pad_before;
  return Status::Ok();
}

Status PreparePool2D(KernelContext* ctx) {
  auto* p = ctx->NewState<Pool2DParams>();
  if (p == nullptr) return ctx->Error(StatusCode::kOutOfMemory, "out of memory for op state");
  if (ctx->num_inputs() != 1 || ctx->num_outputs() != 1)
    return ctx->InvalidModel("expects 1 input and 1 output; got %d and %d", ctx->num_inputs(), ctx->num_outputs());
  const Tensor* input = ctx->input(0);
  Tensor* output = ctx->output(0);
  const auto* opt = ctx->options<schema::Pool2DOptions>();
  if (input == nullptr || output == nullptr) return ctx->InvalidModel("input or output is missing");
  if (opt == nullptr) return ctx->InvalidModel("missing Pool2DOptions");
  EDGERT_RETURN_IF_ERROR(CheckNHWC(ctx, input));
  const Shape& is = input->shape;
  const DType t = input->dtype;
  if ((t != DType::kF32 && t != DType::kI8 && t != DType::kU8) || output->dtype != t)
    return ctx->Unsupported("unsupported dtype combination: input '%s' %s, output '%s' %s (supported: f32, i8, u8, "
                            "output the same as input)",
                            input->name, DTypeName(t), output->name, DTypeName(output->dtype));
  const schema::Activation act = opt->activation();
  if (act < schema::Activation_MIN || act > schema::Activation_MAX)
    return ctx->InvalidModel("unknown fused activation %d", static_cast<int>(act));
  EDGERT_RETURN_IF_ERROR(PrepareWindow2D(ctx, is, opt->padding(), opt->pads(), opt->filter_h(), opt->filter_w(),
                                         opt->stride_h(), opt->stride_w(), 1, 1, &p->window));
  // The pads are valid here and the filter is at least 1x1, so SAME and VALID (zero pads) always pass.
  int pads[4];
  EDGERT_RETURN_IF_ERROR(ReadPadding(ctx, opt->padding(), opt->pads(), pads));
  if (pads[0] >= opt->filter_h() || pads[2] >= opt->filter_h() || pads[1] >= opt->filter_w() ||
      pads[3] >= opt->filter_w())
    return ctx->InvalidModel("pads [%d,%d,%d,%d] must be smaller than the filter %dx%d", pads[0], pads[1], pads[2],
                             pads[3], opt->filter_h(), opt->filter_w());
  p->type = t;
  p->count_include_pad = opt->count_include_pad();
  if (t == DType::kF32) {
    ActivationRangeFloat(act, &p->float_min, &p->float_max);
  } else {
    EDGERT_RETURN_IF_ERROR(CheckPerTensorQuant(ctx, input, "input"));
    EDGERT_RETURN_IF_ERROR(CheckPerTensorQuant(ctx, output, "output"));
    const double si = input->quant.scale[0], so = output->quant.scale[0];
    const int32_t zi = input->quant.zero_point[0], zo = output->quant.zero_point[0];
    if (std::fabs(si - so) > 1e-6 * si || zi != zo)
      return ctx->Unsupported("quantized pooling needs the output quantization to equal the input's: input '%s' "
                              "scale %g zero_point %d, output '%s' scale %g zero_point %d",
                              input->name, si, zi, output->name, so, zo);
    p->zero_point = zi;
    ActivationRangeQuantized(act, t, output->quant.scale[0], zo, &p->act_min, &p->act_max);
  }
  return ctx->SetOutputShape(0, Shape{is[0], p->window.out_h, p->window.out_w, is[3]});
}

}  // namespace edgert
