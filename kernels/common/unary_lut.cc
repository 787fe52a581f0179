#include "kernels/common/unary_lut.h"

#include <algorithm>
#include <cmath>

#include "kernels/common/quant.h"

namespace edgert {

Status UnaryCheckQuantParams(const KernelContext* ctx, const Tensor* t, const char* role) {
  if (!t->is_quantized())
    return ctx->InvalidModel("%s '%s' is %s but has no quantization parameters", role, t->name,
                             DTypeName(t->dtype));
  if (t->quant.per_channel())
    return ctx->Unsupported("%s '%s' has per-channel quantization (%d scales); only per-tensor is supported",
                            role, t->name, t->quant.count);
  const int32_t zp = t->quant.zero_point[0];
  if (zp < QuantizedMin(t->dtype) || zp > QuantizedMax(t->dtype))
    return ctx->InvalidModel("%s '%s' zero point %d is outside the range of %s", role, t->name,
                             static_cast<int>(zp), DTypeName(t->dtype));
  return Status::Ok();
}

Status CheckUnaryDtypes(const KernelContext* ctx, const Tensor* in, const Tensor* out, const char* in_role) {
  if (in->dtype != DType::kF32 && in->dtype != DType::kI8 && in->dtype != DType::kU8)
    return ctx->Unsupported("%s '%s' has dtype %s; supported dtypes are f32, i8 and u8", in_role, in->name,
                            DTypeName(in->dtype));
  if (out->dtype != in->dtype)
    return ctx->Unsupported("output '%s' has dtype %s but %s '%s' has dtype %s; they must match", out->name,
                            DTypeName(out->dtype), in_role, in->name, DTypeName(in->dtype));
  if (in->dtype != DType::kF32) {
    EDGERT_RETURN_IF_ERROR(UnaryCheckQuantParams(ctx, in, in_role));
    EDGERT_RETURN_IF_ERROR(UnaryCheckQuantParams(ctx, out, "output"));
  }
  return Status::Ok();
}

Status PrepareUnaryElementwise(KernelContext* ctx) {
  if (ctx->num_inputs() != 1 || ctx->num_outputs() != 1)
    return ctx->InvalidModel("expects 1 input and 1 output, got %d inputs and %d outputs", ctx->num_inputs(),
                             ctx->num_outputs());
  const Tensor* in = ctx->input(0);
  Tensor* out = ctx->output(0);
  if (in == nullptr) return ctx->InvalidModel("input 0 is missing");
  if (out == nullptr) return ctx->InvalidModel("output 0 is missing");
  EDGERT_RETURN_IF_ERROR(CheckUnaryDtypes(ctx, in, out, "input"));
  return ctx->SetOutputShape(0, in->shape);
}

// y = f(x) for every element of the f32 `in`.
static void ApplyFloatFn(const Tensor* in, Tensor* out, float (*float_fn)(float)) {
  const float* x = in->data_as<float>();
  float* y = out->data_as<float>();
  const int64_t n = in->NumElements();
  for (int64_t i = 0; i < n; ++i) y[i] = float_fn(x[i]);
}

void InitUnaryRequant(const Tensor& input, const Tensor& output, double negative_slope, schema::Activation act,
                      UnaryRequant* r) {
  const double identity = static_cast<double>(input.quant.scale[0]) / output.quant.scale[0];
  QuantizeMultiplier(identity, &r->identity_multiplier, &r->identity_shift);
  // QuantizeMultiplier expects a non-negative multiplier: quantize |slope| and negate
  // (multipliers lie in [2^30, 2^31), so the negation fits).
  QuantizeMultiplier(identity * std::fabs(negative_slope), &r->negative_multiplier, &r->negative_shift);
  if (negative_slope < 0) r->negative_multiplier = -r->negative_multiplier;
  r->input_zero_point = input.quant.zero_point[0];
  r->output_zero_point = output.quant.zero_point[0];
  ActivationRangeQuantized(act, output.dtype, output.quant.scale[0], r->output_zero_point, &r->act_min,
                           &r->act_max);
}

template <typename T>
static void ApplyUnaryRequantTyped(const UnaryRequant& r, const Tensor* in, Tensor* out) {
  const T* x = in->data_as<T>();
  T* y = out->data_as<T>();
  const int64_t n = in->NumElements();
  for (int64_t i = 0; i < n; ++i) {
    const int32_t d = x[i] - r.input_zero_point;
    const int32_t scaled = d >= 0 ? MultiplyByQuantizedMultiplier(d, r.identity_multiplier, r.identity_shift)
                                  : MultiplyByQuantizedMultiplier(d, r.negative_multiplier, r.negative_shift);
    const int64_t v = static_cast<int64_t>(r.output_zero_point) + scaled;
    y[i] = static_cast<T>(std::min<int64_t>(std::max<int64_t>(v, r.act_min), r.act_max));
  }
}

Status ApplyUnaryRequant(const KernelContext* ctx, const UnaryRequant& r, const Tensor* input, Tensor* output) {
  switch (input->dtype) {
    case DType::kI8: ApplyUnaryRequantTyped<int8_t>(r, input, output); return Status::Ok();
    case DType::kU8: ApplyUnaryRequantTyped<uint8_t>(r, input, output); return Status::Ok();
    default: return ctx->Unsupported("dtype %s", DTypeName(input->dtype));
  }
}

Status PrepareUnaryRequantOp(KernelContext* ctx, schema::Activation act) {
  EDGERT_RETURN_IF_ERROR(PrepareUnaryElementwise(ctx));
  const Tensor* in = ctx->input(0);
  if (in->dtype == DType::kF32) return Status::Ok();
  UnaryRequant* r = ctx->NewState<UnaryRequant>();
  if (r == nullptr) return ctx->Error(StatusCode::kOutOfMemory, "cannot allocate op state");
  InitUnaryRequant(*in, *ctx->output(0), /*negative_slope=*/1.0, act, r);
  return Status::Ok();
}

Status EvalUnaryRequantOp(KernelContext* ctx, float (*float_fn)(float)) {
  const Tensor* in = ctx->input(0);
  Tensor* out = ctx->output(0);
  if (in->dtype == DType::kF32) {
    ApplyFloatFn(in, out, float_fn);
    return Status::Ok();
  }
  return ApplyUnaryRequant(ctx, *ctx->state<UnaryRequant>(), in, out);
}

void BuildUnaryLut(const Tensor& input, const Tensor& output, UnaryRealFn f, const void* arg, UnaryLut* lut) {
  const double in_scale = input.quant.scale[0];
  const int32_t in_zp = input.quant.zero_point[0];
  const double out_scale = output.quant.scale[0];
  const int32_t out_zp = output.quant.zero_point[0];
  const int32_t in_min = QuantizedMin(input.dtype), in_max = QuantizedMax(input.dtype);
  const double out_min = QuantizedMin(output.dtype), out_max = QuantizedMax(output.dtype);
  lut->has_undefined = false;
  lut->input_scale = input.quant.scale[0];
  lut->input_zero_point = in_zp;
  for (int32_t q = in_min; q <= in_max; ++q) {
    const uint8_t index = static_cast<uint8_t>(q);  // the input byte, i8 or u8
    const double y = f(in_scale * (q - in_zp), arg);
    if (std::isnan(y)) {
      lut->undefined[index] = 1;
      lut->has_undefined = true;
      lut->table[index] = static_cast<uint8_t>(out_zp);
      continue;
    }
    lut->undefined[index] = 0;
    // std::round: half away from zero. Clamp in double so infinities saturate.
    double v = std::round(y / out_scale) + out_zp;
    v = v < out_min ? out_min : (v > out_max ? out_max : v);
    lut->table[index] = static_cast<uint8_t>(static_cast<int32_t>(v));
  }
}

Status PrepareUnaryLutOp(KernelContext* ctx, UnaryRealFn f, const void* arg) {
  EDGERT_RETURN_IF_ERROR(PrepareUnaryElementwise(ctx));
  const Tensor* in = ctx->input(0);
  if (in->dtype == DType::kF32) return Status::Ok();
  UnaryLut* lut = ctx->NewState<UnaryLut>();
  if (lut == nullptr) return ctx->Error(StatusCode::kOutOfMemory, "cannot allocate the lookup table");
  BuildUnaryLut(*in, *ctx->output(0), f, arg, lut);
  return Status::Ok();
}

Status EvalUnaryLutOp(KernelContext* ctx, float (*float_fn)(float)) {
  const Tensor* in = ctx->input(0);
  Tensor* out = ctx->output(0);
  if (in->dtype == DType::kF32) {
    ApplyFloatFn(in, out, float_fn);
    return Status::Ok();
  }
  const int64_t n = in->NumElements();
  const UnaryLut* lut = ctx->state<UnaryLut>();
  const uint8_t* x = static_cast<const uint8_t*>(in->data);  // raw bytes of i8 or u8
  uint8_t* y = static_cast<uint8_t*>(out->data);
  if (lut->has_undefined) {
    for (int64_t i = 0; i < n; ++i) {
      if (lut->undefined[x[i]]) {
        const int32_t q = in->dtype == DType::kI8 ? static_cast<int8_t>(x[i]) : x[i];
        return ctx->Error(StatusCode::kRuntimeError,
                          "input '%s' element %lld is %d (real value %g), for which the result is undefined",
                          in->name, static_cast<long long>(i), static_cast<int>(q),
                          static_cast<double>(lut->input_scale) * (q - lut->input_zero_point));
      }
    }
  }
  for (int64_t i = 0; i < n; ++i) y[i] = lut->table[x[i]];
  return Status::Ok();
}

}  // namespace edgert
