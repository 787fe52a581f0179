// SQRT: y = sqrt(x).
// f32: a negative input gives NaN (IEEE), -0 gives -0.
// i8/u8: a negative real input value makes eval fail with a runtime error (the
// quantized domain has no NaN; TFLite's int8 RSQRT does the same).
// f32 elementwise; i8/u8 through a 256-entry table built in prepare
// (dequantize -> f -> quantize, round half away from zero), as TFLite's int8 LUT kernels.
#include <cmath>

#include "kernels/common/unary_lut.h"
#include "kernels/reference/reference_kernels.h"

namespace edgert {
namespace ref {

static double Real(double x, const void*) { return std::sqrt(x); }
static float Float(float x) { return std::sqrt(x); }

static Status Prepare(KernelContext* ctx) { return PrepareUnaryLutOp(ctx, Real, nullptr); }
static Status Eval(KernelContext* ctx) { return EvalUnaryLutOp(ctx, Float); }

const OpKernel* Register_SQRT() {
  static const OpKernel kernel = {"SQRT/reference", Prepare, Eval, kNoFlags};
  return &kernel;
}

}  // namespace ref
}  // namespace edgert
