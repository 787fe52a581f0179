// GELU: y = x * Phi(x), Phi the standard normal CDF.
//   approximate = false: y = 0.5 * x * (1 + erf(x / sqrt(2)))
//   approximate = true:  y = 0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x^3)))
// f32 elementwise; i8/u8 through a 256-entry table built in prepare
// (dequantize -> f -> quantize, round half away from zero), as TFLite's int8 GELU.
#include <cmath>

#include "kernels/common/unary_lut.h"
#include "kernels/reference/reference_kernels.h"

namespace edgert {
namespace ref {

static constexpr double kSqrtHalf = 0.70710678118654752440;    // 1 / sqrt(2)
static constexpr double kSqrt2OverPi = 0.79788456080286535588;  // sqrt(2 / pi)

static double GeluExact(double x, const void*) { return 0.5 * x * (1.0 + std::erf(x * kSqrtHalf)); }
static double GeluTanh(double x, const void*) {
  return 0.5 * x * (1.0 + std::tanh(kSqrt2OverPi * (x + 0.044715 * x * x * x)));
}
// erfc(-z) = 1 + erf(z), without the cancellation of 1 + erf(z) for negative x.
static float GeluExactF(float x) { return 0.5f * x * std::erfc(-x * static_cast<float>(kSqrtHalf)); }
static float GeluTanhF(float x) {
  return 0.5f * x * (1.f + std::tanh(static_cast<float>(kSqrt2OverPi) * (x + 0.044715f * x * x * x)));
}

static bool Approximate(const KernelContext* ctx) {
  const schema::GeluOptions* o = ctx->options<schema::GeluOptions>();
  return o != nullptr && o->approximate();
}

static Status Prepare(KernelContext* ctx) {
  return PrepareUnaryLutOp(ctx, Approximate(ctx) ? GeluTanh : GeluExact, nullptr);
}

static Status Eval(KernelContext* ctx) { return EvalUnaryLutOp(ctx, Approximate(ctx) ? GeluTanhF : GeluExactF); }

const OpKernel* Register_GELU() {
  static const OpKernel kernel = {"GELU/reference", Prepare, Eval, kNoFlags};
  return &kernel;
}

}  // namespace ref
}  // namespace edgert
