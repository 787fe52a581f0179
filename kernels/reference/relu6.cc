// RELU6: y = min(max(x, 0), 6).
// f32: NaN propagates. i8/u8 (TFLite): y = clamp(zp_out + MultiplyByQuantizedMultiplier(
//   x - zp_in, s_in / s_out), q(0), q(6)), with the clamp bound from ActivationRangeQuantized
//   (the shared UnaryRequant of kernels/common/unary_lut.h with slope 1).
#include "kernels/common/unary_lut.h"
#include "kernels/reference/reference_kernels.h"

namespace edgert {
namespace ref {

static float Float(float x) { return x < 0.f ? 0.f : (x > 6.f ? 6.f : x); }

static Status Prepare(KernelContext* ctx) { return PrepareUnaryRequantOp(ctx, schema::Activation_RELU6); }
static Status Eval(KernelContext* ctx) { return EvalUnaryRequantOp(ctx, Float); }

const OpKernel* Register_RELU6() {
  static const OpKernel kernel = {"RELU6/reference", Prepare, Eval, kNoFlags};
  return &kernel;
}

}  // namespace ref
}  // namespace edgert
