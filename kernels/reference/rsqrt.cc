// RSQRT: y = 1 / sqrt(x).
// f32: +0 gives +inf, -0 gives -inf, a negative input gives NaN (IEEE).
// i8/u8: a zero input saturates to the output type's maximum; a negative real input
// value makes eval fail with a runtime error (the quantized domain has no NaN;
// TFLite's int8 RSQRT does the same).
// f32 elementwise; i8/u8 through a 256-entry table built in prepare
// (dequantize -> f -> quantize, round half away from zero), as TFLite's int8 LUT kernels.
#include <cmath>

#include "kernels/common/unary_lut.h"
#include "kernels/reference/reference_kernels.h"

namespace edgert {
namespace ref {

static double Real(double x, const void*) { return 1.0 / std::sqrt(x); }
static float Float(float x) { return 1.f / std::sqrt(x); }

static Status Prepare(KernelContext* ctx) { return PrepareUnaryLutOp(ctx, Real, nullptr); }
static Status Eval(KernelContext* ctx) { return EvalUnaryLutOp(ctx, Float); }

const OpKernel* Register_RSQRT() {
  static const OpKernel kernel = {"RSQRT/reference", Prepare, Eval, kNoFlags};
  return &kernel;
}

}  // namespace ref
}  // namespace edgert
