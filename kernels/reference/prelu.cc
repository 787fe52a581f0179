// PRELU: out = x >= 0 ? x : alpha * x, alpha broadcast against the input
// (numpy rules; the output has the broadcast shape, as in TFLite).
// f32, and i8/u8 with TFLite's semantics: all of input, alpha and output are
// per-tensor quantized with the same dtype, and
//   x' = x - zp_in
//   x' >= 0: out = zp_out + MultiplyByQuantizedMultiplier(x', s_in / s_out)
//   x' <  0: out = zp_out + MultiplyByQuantizedMultiplier(x' * (a - zp_a), s_in * s_a / s_out)
// clamped to the output type's range.
#include <cstdint>

#include "kernels/common/broadcast.h"
#include "kernels/common/elementwise_binary.h"
#include "kernels/common/quant.h"
#include "kernels/common/shape_util.h"
#include "kernels/reference/reference_kernels.h"

namespace edgert {
namespace ref {

namespace {

struct PreluState {
  DType dtype = DType::kF32;
  int32_t input_offset = 0, alpha_offset = 0, output_offset = 0;
  int32_t multiplier_identity = 0, multiplier_alpha = 0;
  int shift_identity = 0, shift_alpha = 0;
  int32_t qmin = 0, qmax = 0;
};

}  // namespace

static Status Prepare(KernelContext* ctx) {
  const Tensor* in = ctx->input(0);
  const Tensor* alpha = ctx->input(1);
  Tensor* out = ctx->output(0);
  if (in == nullptr || alpha == nullptr) return ctx->InvalidModel("PRELU needs an input and an alpha tensor");
  if (out == nullptr) return ctx->InvalidModel("missing output");
  const DType dt = in->dtype;
  if (dt != DType::kF32 && dt != DType::kI8 && dt != DType::kU8)
    return ctx->Unsupported("dtype %s of input '%s' is not supported (f32, i8, u8)", DTypeName(dt), in->name);
  if (alpha->dtype != dt)
    return ctx->Unsupported("alpha '%s' has dtype %s but input '%s' is %s; they must match", alpha->name,
                            DTypeName(alpha->dtype), in->name, DTypeName(dt));
  if (out->dtype != dt)
    return ctx->InvalidModel("output '%s' has dtype %s, expected %s like the input", out->name,
                             DTypeName(out->dtype), DTypeName(dt));
  Shape out_shape;
  if (!BroadcastShapes(in->shape, alpha->shape, &out_shape))
    return ctx->InvalidModel("alpha shape %s ('%s') does not broadcast against input shape %s ('%s')",
                             ShapeToString(alpha->shape).text, alpha->name,
                             ShapeToString(in->shape).text, in->name);

  PreluState* s = ctx->NewState<PreluState>();
  if (s == nullptr) return ctx->Error(StatusCode::kOutOfMemory, "cannot allocate op state");
  s->dtype = dt;
  if (dt != DType::kF32) {
    EDGERT_RETURN_IF_ERROR(ElementwiseCheckPerTensorQuant(ctx, in, "input"));
    EDGERT_RETURN_IF_ERROR(ElementwiseCheckPerTensorQuant(ctx, alpha, "alpha"));
    EDGERT_RETURN_IF_ERROR(ElementwiseCheckPerTensorQuant(ctx, out, "output"));
    const double si = in->quant.scale[0], sa = alpha->quant.scale[0], so = out->quant.scale[0];
    s->input_offset = -in->quant.zero_point[0];
    s->alpha_offset = -alpha->quant.zero_point[0];
    s->output_offset = out->quant.zero_point[0];
    QuantizeMultiplier(si / so, &s->multiplier_identity, &s->shift_identity);
    QuantizeMultiplier(si * sa / so, &s->multiplier_alpha, &s->shift_alpha);
    s->qmin = QuantizedMin(dt);
    s->qmax = QuantizedMax(dt);
  }
  return ctx->SetOutputShape(0, out_shape);
}

template <typename T>
static void EvalQuantized(const PreluState& s, const Tensor& in, const Tensor& alpha, Tensor* out) {
  BroadcastApply<T>(in, alpha, out, [&](T x, T a) {
    const int32_t xv = s.input_offset + x;
    int32_t o;
    if (xv >= 0) {
      o = MultiplyByQuantizedMultiplier(xv, s.multiplier_identity, s.shift_identity);
    } else {
      o = MultiplyByQuantizedMultiplier(xv * (s.alpha_offset + a), s.multiplier_alpha, s.shift_alpha);
    }
    o += s.output_offset;
    return static_cast<T>(o < s.qmin ? s.qmin : (o > s.qmax ? s.qmax : o));
  });
}

static Status Eval(KernelContext* ctx) {
  const PreluState* s = ctx->state<PreluState>();
  const Tensor* in = ctx->input(0);
  const Tensor* alpha = ctx->input(1);
  Tensor* out = ctx->output(0);
  switch (s->dtype) {
    case DType::kF32:
      BroadcastApply<float>(*in, *alpha, out, [](float x, float a) { return x >= 0.f ? x : x * a; });
      return Status::Ok();
    case DType::kI8: EvalQuantized<int8_t>(*s, *in, *alpha, out); return Status::Ok();
    case DType::kU8: EvalQuantized<uint8_t>(*s, *in, *alpha, out); return Status::Ok();
    default: return ctx->Unsupported("dtype %s", DTypeName(s->dtype));
  }
}

const OpKernel* Register_PRELU() {
  static const OpKernel kernel = {"PRELU/reference", Prepare, Eval, kNoFlags};
  return &kernel;
}

}  // namespace ref
}  // namespace edgert
