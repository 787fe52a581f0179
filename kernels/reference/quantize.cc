// QUANTIZE:
// - f32 -> i8 / u8 / i16, per-tensor or per-channel (along the output's
//   quantization axis): q = clamp(round(x / scale) + zero_point), with x / scale
//   computed in float and std::round (half away from zero) like TFLite's
//   reference AffineQuantize / PerChannelQuantize. NaN inputs give zero_point
//   (TFLite leaves this undefined); +/-inf and huge values saturate.
// - i8 / u8 / i16 -> i8 / u8 / i16 requantization (per-tensor only), TFLite's
//   Requantize: q = clamp(zp_out + MultiplyByQuantizedMultiplier(x - zp_in, s_in / s_out)).
#include <cmath>
#include <cstdint>

#include "kernels/common/quant.h"
#include "kernels/reference/reference_kernels.h"

namespace edgert {
namespace ref {

namespace {

struct QuantizeState {
  bool requantize = false;
  DType in_type = DType::kF32, out_type = DType::kI8;
  int32_t qmin = 0, qmax = 0;
  // f32 input: channel of element i is (i / inner) % channels (channels 1: per tensor).
  int64_t channels = 1, inner = 1;
  // requantize
  int32_t input_zp = 0, output_zp = 0, multiplier = 0;
  int shift = 0;
};

// Validates quantization parameters of t that may be per-channel.
// `shape` is the tensor's shape (the output's shape is the input's).
Status CheckQuantParams(const KernelContext* ctx, const Tensor* t, const Shape& shape, const char* role,
                        bool allow_per_channel) {
  if (!t->is_quantized())
    return ctx->InvalidModel("%s '%s' has dtype %s but no quantization parameters", role, t->name,
                             DTypeName(t->dtype));
  const QuantParams& q = t->quant;
  if (q.per_channel()) {
    if (!allow_per_channel)
      return ctx->Unsupported("%s '%s' is per-channel quantized; only per-tensor is supported here", role, t->name);
    if (q.axis < 0 || q.axis >= shape.rank)
      return ctx->InvalidModel("%s '%s' has quantization axis %d outside rank %d", role, t->name, q.axis,
                               shape.rank);
    if (q.count != shape.dims[q.axis])
      return ctx->InvalidModel("%s '%s' has %d quantization scales but dimension %d is %d", role, t->name, q.count,
                               q.axis, static_cast<int>(shape.dims[q.axis]));
  }
  for (int c = 0; c < q.count; ++c) {
    if (!(q.scale[c] > 0.f) || !std::isfinite(q.scale[c]))
      return ctx->InvalidModel("%s '%s' has invalid quantization scale %g", role, t->name,
                               static_cast<double>(q.scale[c]));
    if (q.zero_point[c] < QuantizedMin(t->dtype) || q.zero_point[c] > QuantizedMax(t->dtype))
      return ctx->InvalidModel("%s '%s' zero point %d is outside the %s range", role, t->name,
                               static_cast<int>(q.zero_point[c]), DTypeName(t->dtype));
  }
  return Status::Ok();
}

template <typename T>
void QuantizeFloat(const QuantizeState& s, const Tensor& in, Tensor* out) {
  const float* x = in.data_as<float>();
  T* y = out->data_as<T>();
  const float* scales = out->quant.scale;
  const int32_t* zps = out->quant.zero_point;
  const int64_t n = in.NumElements();
  for (int64_t i = 0; i < n; ++i) {
    const int64_t c = s.channels == 1 ? 0 : (i / s.inner) % s.channels;
    const int32_t zp = zps[c];
    float r = std::round(x[i] / scales[c]);
    if (std::isnan(r)) r = 0.f;
    // Clamp before converting to int so that out-of-range values stay defined.
    const float lo = static_cast<float>(s.qmin - zp), hi = static_cast<float>(s.qmax - zp);
    r = r < lo ? lo : (r > hi ? hi : r);
    y[i] = static_cast<T>(static_cast<int32_t>(r) + zp);
  }
}

template <typename TIn, typename TOut>
void Requantize(const QuantizeState& s, const Tensor& in, Tensor* out) {
  const TIn* x = in.data_as<TIn>();
  TOut* y = out->data_as<TOut>();
  const int64_t n = in.NumElements();
  for (int64_t i = 0; i < n; ++i) {
    int32_t v = MultiplyByQuantizedMultiplier(static_cast<int32_t>(x[i]) - s.input_zp, s.multiplier, s.shift) +
                s.output_zp;
    v = v < s.qmin ? s.qmin : (v > s.qmax ? s.qmax : v);
    y[i] = static_cast<TOut>(v);
  }
}

template <typename TIn>
void RequantizeFrom(const QuantizeState& s, const Tensor& in, Tensor* out) {
  switch (s.out_type) {
    case DType::kI8: Requantize<TIn, int8_t>(s, in, out); break;
    case DType::kU8: Requantize<TIn, uint8_t>(s, in, out); break;
    case DType::kI16: Requantize<TIn, int16_t>(s, in, out); break;
    default: break;
  }
}

}  // namespace

static Status Prepare(KernelContext* ctx) {
  const Tensor* in = ctx->input(0);
  Tensor* out = ctx->output(0);
  if (in == nullptr || out == nullptr) return ctx->InvalidModel("QUANTIZE needs one input and one output");
  if (!IsQuantizedType(out->dtype))
    return ctx->Unsupported("output '%s' has dtype %s; QUANTIZE produces i8, u8 or i16", out->name,
                            DTypeName(out->dtype));
  QuantizeState* s = ctx->NewState<QuantizeState>();
  if (s == nullptr) return ctx->Error(StatusCode::kOutOfMemory, "cannot allocate op state");
  s->in_type = in->dtype;
  s->out_type = out->dtype;
  s->qmin = QuantizedMin(out->dtype);
  s->qmax = QuantizedMax(out->dtype);

  if (in->dtype == DType::kF32) {
    EDGERT_RETURN_IF_ERROR(CheckQuantParams(ctx, out, in->shape, "output", /*allow_per_channel=*/true));
    if (out->quant.per_channel()) {
      const int axis = out->quant.axis;
      s->channels = in->shape.dims[axis];
      s->inner = in->shape.Product(axis + 1, in->shape.rank);
    }
  } else if (IsQuantizedType(in->dtype)) {
    EDGERT_RETURN_IF_ERROR(CheckQuantParams(ctx, in, in->shape, "input", /*allow_per_channel=*/false));
    EDGERT_RETURN_IF_ERROR(CheckQuantParams(ctx, out, in->shape, "output", /*allow_per_channel=*/false));
    s->requantize = true;
    s->input_zp = in->quant.zero_point[0];
    s->output_zp = out->quant.zero_point[0];
    QuantizeMultiplier(static_cast<double>(in->quant.scale[0]) / out->quant.scale[0], &s->multiplier, &s->shift);
  } else {
    return ctx->Unsupported("cannot quantize input '%s' of dtype %s to %s (supported inputs: f32, i8, u8, i16)",
                            in->name, DTypeName(in->dtype), DTypeName(out->dtype));
  }
  return ctx->SetOutputShape(0, in->shape);
}

static Status Eval(KernelContext* ctx) {
  const QuantizeState* s = ctx->state<QuantizeState>();
  const Tensor* in = ctx->input(0);
  Tensor* out = ctx->output(0);
  if (!s->requantize) {
    switch (s->out_type) {
      case DType::kI8: QuantizeFloat<int8_t>(*s, *in, out); break;
      case DType::kU8: QuantizeFloat<uint8_t>(*s, *in, out); break;
      case DType::kI16: QuantizeFloat<int16_t>(*s, *in, out); break;
      default: return ctx->Unsupported("output dtype %s", DTypeName(s->out_type));
    }
    return Status::Ok();
  }
  switch (s->in_type) {
    case DType::kI8: RequantizeFrom<int8_t>(*s, *in, out); break;
    case DType::kU8: RequantizeFrom<uint8_t>(*s, *in, out); break;
    case DType::kI16: RequantizeFrom<int16_t>(*s, *in, out); break;
    default: return ctx->Unsupported("input dtype %s", DTypeName(s->in_type));
  }
  return Status::Ok();
}

const OpKernel* Register_QUANTIZE() {
  static const OpKernel kernel = {"QUANTIZE/reference", Prepare, Eval, kNoFlags};
  return &kernel;
}

}  // namespace ref
}  // namespace edgert
