// LEAKY_RELU: y = x for x >= 0, alpha * x otherwise (any finite alpha).
// i8/u8 (TFLite): with d = x - zp_in,
//   y = clamp(zp_out + MultiplyByQuantizedMultiplier(d, d >= 0 ? s_in / s_out : alpha * s_in / s_out))
// clamped to the output type's range.
#include <algorithm>
#include <cmath>

#include "kernels/common/quant.h"
#include "kernels/common/unary_lut.h"
#include "kernels/reference/reference_kernels.h"

namespace edgert {
namespace ref {

namespace {
struct LeakyReluState {
  float alpha;
  int32_t identity_multiplier;
  int identity_shift;
  int32_t alpha_multiplier;
  int alpha_shift;
  int32_t input_zero_point;
  int32_t output_zero_point;
};
}  // namespace

static Status Prepare(KernelContext* ctx) {
  EDGERT_RETURN_IF_ERROR(PrepareUnaryElementwise(ctx));
  const schema::LeakyReluOptions* opts = ctx->options<schema::LeakyReluOptions>();
  if (opts == nullptr) return ctx->InvalidModel("missing LeakyReluOptions");
  const float alpha = opts->alpha();
  if (!std::isfinite(alpha)) return ctx->InvalidModel("alpha is %g; it must be finite", static_cast<double>(alpha));
  LeakyReluState* s = ctx->NewState<LeakyReluState>();
  if (s == nullptr) return ctx->Error(StatusCode::kOutOfMemory, "cannot allocate op state");
  s->alpha = alpha;
  const Tensor* in = ctx->input(0);
  const Tensor* out = ctx->output(0);
  if (in->dtype == DType::kF32) return Status::Ok();
  const double identity = static_cast<double>(in->quant.scale[0]) / out->quant.scale[0];
  QuantizeMultiplier(identity, &s->identity_multiplier, &s->identity_shift);
  // QuantizeMultiplier expects a non-negative multiplier: quantize |alpha| and negate
  // (multipliers lie in [2^30, 2^31), so the negation fits).
  QuantizeMultiplier(identity * std::fabs(alpha), &s->alpha_multiplier, &s->alpha_shift);
  if (alpha < 0.f) s->alpha_multiplier = -s->alpha_multiplier;
  s->input_zero_point = in->quant.zero_point[0];
  s->output_zero_point = out->quant.zero_point[0];
  return Status::Ok();
}

template <typename T>
static void EvalQuantized(const LeakyReluState& s, const Tensor* in, Tensor* out) {
  const T* x = in->data_as<T>();
  T* y = out->data_as<T>();
  const int64_t n = in->NumElements();
  const int64_t qmin = QuantizedMin(out->dtype), qmax = QuantizedMax(out->dtype);
  for (int64_t i = 0; i < n; ++i) {
    const int32_t d = x[i] - s.input_zero_point;
    const int32_t scaled = d >= 0 ? MultiplyByQuantizedMultiplier(d, s.identity_multiplier, s.identity_shift)
                                  : MultiplyByQuantizedMultiplier(d, s.alpha_multiplier, s.alpha_shift);
    const int64_t v = static_cast<int64_t>(s.output_zero_point) + scaled;
    y[i] = static_cast<T>(std::min(std::max(v, qmin), qmax));
  }
}

static Status Eval(KernelContext* ctx) {
  const Tensor* in = ctx->input(0);
  Tensor* out = ctx->output(0);
  const LeakyReluState& s = *ctx->state<LeakyReluState>();
  switch (in->dtype) {
    case DType::kF32: {
      const float* x = in->data_as<float>();
      float* y = out->data_as<float>();
      const int64_t n = in->NumElements();
      for (int64_t i = 0; i < n; ++i) y[i] = x[i] >= 0.f ? x[i] : s.alpha * x[i];
      return Status::Ok();
    }
    case DType::kI8: EvalQuantized<int8_t>(s, in, out); return Status::Ok();
    case DType::kU8: EvalQuantized<uint8_t>(s, in, out); return Status::Ok();
    default: return ctx->Unsupported("dtype %s", DTypeName(in->dtype));
  }
}

const OpKernel* Register_LEAKY_RELU() {
  static const OpKernel kernel = {"LEAKY_RELU/reference", Prepare, Eval, kNoFlags};
  return &kernel;
}

}  // namespace ref
}  // namespace edgert
