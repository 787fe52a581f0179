// RELU6: y = min(max(x, 0), 6).
// f32: NaN propagates. i8/u8 (TFLite): y = clamp(zp_out + MultiplyByQuantizedMultiplier(
//   x - zp_in, s_in / s_out), q(0), q(6)), with the clamp bound from ActivationRangeQuantized.
#include <algorithm>

#include "kernels/common/quant.h"
#include "kernels/common/unary_lut.h"
#include "kernels/reference/reference_kernels.h"

namespace edgert {
namespace ref {

namespace {
struct Relu6State {
  int32_t multiplier;
  int shift;
  int32_t input_zero_point;
  int32_t output_zero_point;
  int32_t act_min, act_max;
};
}  // namespace

static Status Prepare(KernelContext* ctx) {
  EDGERT_RETURN_IF_ERROR(PrepareUnaryElementwise(ctx));
  const Tensor* in = ctx->input(0);
  const Tensor* out = ctx->output(0);
  if (in->dtype == DType::kF32) return Status::Ok();
  Relu6State* s = ctx->NewState<Relu6State>();
  if (s == nullptr) return ctx->Error(StatusCode::kOutOfMemory, "cannot allocate op state");
  const double real_multiplier = static_cast<double>(in->quant.scale[0]) / out->quant.scale[0];
  QuantizeMultiplier(real_multiplier, &s->multiplier, &s->shift);
  s->input_zero_point = in->quant.zero_point[0];
  s->output_zero_point = out->quant.zero_point[0];
  ActivationRangeQuantized(schema::Activation_RELU6, out->dtype, out->quant.scale[0], s->output_zero_point,
                           &s->act_min, &s->act_max);
  return Status::Ok();
}

template <typename T>
static void EvalQuantized(const Relu6State& s, const Tensor* in, Tensor* out) {
  const T* x = in->data_as<T>();
  T* y = out->data_as<T>();
  const int64_t n = in->NumElements();
  for (int64_t i = 0; i < n; ++i) {
    const int64_t v = static_cast<int64_t>(s.output_zero_point) +
                      MultiplyByQuantizedMultiplier(x[i] - s.input_zero_point, s.multiplier, s.shift);
    y[i] = static_cast<T>(std::min<int64_t>(std::max<int64_t>(v, s.act_min), s.act_max));
  }
}

static Status Eval(KernelContext* ctx) {
  const Tensor* in = ctx->input(0);
  Tensor* out = ctx->output(0);
  switch (in->dtype) {
    case DType::kF32: {
      const float* x = in->data_as<float>();
      float* y = out->data_as<float>();
      const int64_t n = in->NumElements();
      for (int64_t i = 0; i < n; ++i) y[i] = x[i] < 0.f ? 0.f : (x[i] > 6.f ? 6.f : x[i]);
      return Status::Ok();
    }
    case DType::kI8: EvalQuantized<int8_t>(*ctx->state<Relu6State>(), in, out); return Status::Ok();
    case DType::kU8: EvalQuantized<uint8_t>(*ctx->state<Relu6State>(), in, out); return Status::Ok();
    default: return ctx->Unsupported("dtype %s", DTypeName(in->dtype));
  }
}

const OpKernel* Register_RELU6() {
  static const OpKernel kernel = {"RELU6/reference", Prepare, Eval, kNoFlags};
  return &kernel;
}

}  // namespace ref
}  // namespace edgert
