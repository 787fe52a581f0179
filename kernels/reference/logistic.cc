// LOGISTIC: y = 1 / (1 + exp(-x)).
// f32 elementwise; i8/u8 through a 256-entry table built in prepare
// (dequantize -> f -> quantize, round half away from zero), as TFLite's int8 LUT kernels.
#include <cmath>

#include "kernels/common/unary_lut.h"
#include "kernels/reference/reference_kernels.h"

namespace edgert {
namespace ref {

static double Real(double x, const void*) { return 1.0 / (1.0 + std::exp(-x)); }
static float Float(float x) { return 1.f / (1.f + std::exp(-x)); }

static Status Prepare(KernelContext* ctx) { return PrepareUnaryLutOp(ctx, Real, nullptr); }
static Status Eval(KernelContext* ctx) { return EvalUnaryLutOp(ctx, Float); }

const OpKernel* Register_LOGISTIC() {
  static const OpKernel kernel = {"LOGISTIC/reference", Prepare, Eval, kNoFlags};
  return &kernel;
}

}  // namespace ref
}  // namespace edgert
