// HARD_SWISH: y = x * relu6(x + 3) / 6.
// f32 elementwise; i8/u8 through a 256-entry table built in prepare
// (dequantize -> f -> quantize, round half away from zero), as TFLite's int8 LUT kernels.
#include <cmath>

#include "kernels/common/unary_lut.h"
#include "kernels/reference/reference_kernels.h"

namespace edgert {
namespace ref {

static double Real(double x, const void*) { return x * std::fmin(std::fmax(x + 3.0, 0.0), 6.0) / 6.0; }
static float Float(float x) { return x * std::fmin(std::fmax(x + 3.f, 0.f), 6.f) / 6.f; }

static Status Prepare(KernelContext* ctx) { return PrepareUnaryLutOp(ctx, Real, nullptr); }
static Status Eval(KernelContext* ctx) { return EvalUnaryLutOp(ctx, Float); }

const OpKernel* Register_HARD_SWISH() {
  static const OpKernel kernel = {"HARD_SWISH/reference", Prepare, Eval, kNoFlags};
  return &kernel;
}

}  // namespace ref
}  // namespace edgert
