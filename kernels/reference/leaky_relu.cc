// LEAKY_RELU: y = x for x >= 0, alpha * x otherwise (any finite alpha).
// i8/u8 (TFLite): with d = x - zp_in,
//   y = clamp(zp_out + MultiplyByQuantizedMultiplier(d, d >= 0 ? s_in / s_out : alpha * s_in / s_out))
// clamped to the output type's range (the shared UnaryRequant of kernels/common/unary_lut.h
// with slope alpha and no activation).
#include <cmath>

#include "kernels/common/unary_lut.h"
#include "kernels/reference/reference_kernels.h"

namespace edgert {
namespace ref {

namespace {
struct LeakyReluState {
  float alpha;
  UnaryRequant requant;  // i8/u8 only
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
  if (in->dtype != DType::kF32) InitUnaryRequant(*in, *ctx->output(0), alpha, schema::Activation_NONE, &s->requant);
  return Status::Ok();
}

static Status Eval(KernelContext* ctx) {
  const Tensor* in = ctx->input(0);
  Tensor* out = ctx->output(0);
  const LeakyReluState& s = *ctx->state<LeakyReluState>();
  if (in->dtype != DType::kF32) return ApplyUnaryRequant(ctx, s.requant, in, out);
  const float* x = in->data_as<float>();
  float* y = out->data_as<float>();
  const int64_t n = in->NumElements();
  for (int64_t i = 0; i < n; ++i) y[i] = x[i] >= 0.f ? x[i] : s.alpha * x[i];
  return Status::Ok();
}

const OpKernel* Register_LEAKY_RELU() {
  static const OpKernel kernel = {"LEAKY_RELU/reference", Prepare, Eval, kNoFlags};
  return &kernel;
}

}  // namespace ref
}  // namespace edgert
