// FULLY_CONNECTED reference kernel: y = x W^T + b with weights [O,I] and
// optional bias [O]. The input is read as [-1, I] and the output is [B, O],
// unless keep_num_dims, which requires the input's last dim to be I and keeps
// its leading dims ([..., I] -> [..., O]). f32, i8 (per-tensor or per-channel
// weights along axis 0) and u8 (per-tensor weights).
// Hybrid (dynamic-range) mode: f32 input and output with constant i8 weights
// (symmetric, per-tensor or per-channel along axis 0) and an optional f32
// bias. Each input row is quantized at run time, symmetric: s = max|x| / 127,
// q = round(x / s) (ties away from zero); y = s * w_scale[o] * sum(q * w) + b,
// accumulated in int32, then the fused activation.
#include <algorithm>
#include <cmath>

#include "kernels/common/conv_util.h"
#include "kernels/common/quant.h"
#include "kernels/common/shape_util.h"
#include "kernels/reference/reference_kernels.h"

namespace edgert {
namespace ref {
namespace {

struct FullyConnectedState {
  int64_t batches;
  int in_size, out_size;
  ConvQuantParams q;
  // Hybrid mode.
  bool hybrid = false;
  int row_scratch = -1;  // int8 [in_size]
  float act_min = 0.f, act_max = 0.f;
};

bool IsHybrid(const Tensor* input, const Tensor* weights, const Tensor* output) {
  return input->dtype == DType::kF32 && output->dtype == DType::kF32 && weights->dtype == DType::kI8;
}

Status PrepareHybrid(KernelContext* ctx, const Tensor* weights, const Tensor* bias, schema::Activation act, int out_size,
                     FullyConnectedState* s) {
  if (!weights->is_constant) return ctx->Unsupported("hybrid mode needs constant int8 weights ('%s')", weights->name);
  if (weights->quant.count != 1 && weights->quant.count != out_size)
    return ctx->InvalidModel("int8 weights '%s' have %d scales; expected 1 or %d", weights->name, weights->quant.count,
                             out_size);
  if (weights->quant.count > 1 && weights->quant.axis != 0)
    return ctx->InvalidModel("int8 weights '%s' are per-channel along axis %d; expected 0", weights->name,
                             weights->quant.axis);
  for (int i = 0; i < weights->quant.count; ++i)
    if (weights->quant.zero_point[i] != 0)
      return ctx->Unsupported("hybrid mode needs symmetric int8 weights; '%s' has zero point %d", weights->name,
                              weights->quant.zero_point[i]);
  if (bias != nullptr && bias->dtype != DType::kF32)
    return ctx->Unsupported("bias '%s' is %s; hybrid mode needs float32", bias->name, DTypeName(bias->dtype));
  s->hybrid = true;
  ActivationRangeFloat(act, &s->act_min, &s->act_max);
  return ctx->RequestScratch(static_cast<size_t>(s->in_size), &s->row_scratch);
}

Status EvalHybrid(KernelContext* ctx, const FullyConnectedState& s) {
  const float* x = ctx->input(0)->data_as<float>();
  const Tensor* w = ctx->input(1);
  const int8_t* wq = w->data_as<int8_t>();
  const Tensor* bias = ctx->input(2);
  const float* b = bias != nullptr ? bias->data_as<float>() : nullptr;
  float* y = ctx->output(0)->data_as<float>();
  auto* q = static_cast<int8_t*>(ctx->scratch(s.row_scratch));
  for (int64_t r = 0; r < s.batches; ++r) {
    const float* xr = x + r * s.in_size;
    float amax = 0.f;
    for (int i = 0; i < s.in_size; ++i) amax = std::max(amax, std::fabs(xr[i]));
    const float xs = amax > 0.f ? amax / 127.f : 1.f;
    for (int i = 0; i < s.in_size; ++i) q[i] = static_cast<int8_t>(std::lround(xr[i] / xs));
    for (int o = 0; o < s.out_size; ++o) {
      const int8_t* wr = wq + static_cast<int64_t>(o) * s.in_size;
      int32_t acc = 0;
      for (int i = 0; i < s.in_size; ++i) acc += static_cast<int32_t>(q[i]) * wr[i];
      const float ws = w->quant.scale[w->quant.count > 1 ? o : 0];
      float v = static_cast<float>(acc) * (xs * ws) + (b != nullptr ? b[o] : 0.f);
      y[r * s.out_size + o] = ApplyActivation(v, s.act_min, s.act_max);
    }
  }
  return Status::Ok();
}

}  // namespace

static Status Prepare(KernelContext* ctx) {
  const Tensor *input, *weights, *bias;
  Tensor* output;
  const schema::FullyConnectedOptions* opt;
  EDGERT_RETURN_IF_ERROR(GetConvOperands(ctx, "FullyConnectedOptions", &input, &weights, &bias, &output, &opt));
  const Shape& is = input->shape;
  const Shape& ws = weights->shape;
  if (ws.rank != 2 || ws[0] < 1 || ws[1] < 1)
    return ctx->InvalidModel("weights '%s' must be [O,I] with O, I >= 1; got shape %s", weights->name,
                             ShapeToString(ws).text);
  if (is.rank < 1)
    return ctx->InvalidModel("input '%s' must have rank >= 1; got shape %s", input->name, ShapeToString(is).text);
  const int in_size = ws[1], out_size = ws[0];
  Shape out_shape;
  int64_t batches = 0;
  if (opt->keep_num_dims()) {
    if (is[is.rank - 1] != in_size)
      return ctx->InvalidModel("keep_num_dims: input '%s' shape %s must end in weights '%s' in-features %d (weights "
                               "shape %s)",
                               input->name, ShapeToString(is).text, weights->name, in_size, ShapeToString(ws).text);
    out_shape = is;
    out_shape[is.rank - 1] = out_size;
    batches = is.Product(0, is.rank - 1);
  } else {
    const int64_t n = is.NumElements();
    if (n % in_size != 0)
      return ctx->InvalidModel("input '%s' shape %s has %lld elements, not a multiple of weights '%s' in-features %d "
                               "(weights shape %s)",
                               input->name, ShapeToString(is).text, static_cast<long long>(n), weights->name, in_size,
                               ShapeToString(ws).text);
    batches = n / in_size;
    if (batches > INT32_MAX) return ctx->InvalidModel("input '%s' has too many rows", input->name);
    out_shape = Shape{static_cast<int32_t>(batches), out_size};
  }

  auto* s = ctx->NewState<FullyConnectedState>();
  if (s == nullptr) return ctx->Error(StatusCode::kOutOfMemory, "out of memory for op state");
  s->batches = batches;
  s->in_size = in_size;
  s->out_size = out_size;
  if (IsHybrid(input, weights, output)) {
    EDGERT_RETURN_IF_ERROR(PrepareHybrid(ctx, weights, bias, opt->activation(), out_size, s));
  } else {
    EDGERT_RETURN_IF_ERROR(PrepareConvQuant(ctx, input, weights, bias, output, 0, out_size, opt->activation(), &s->q));
  }
  return ctx->SetOutputShape(0, out_shape);
}

static Status Eval(KernelContext* ctx) {
  const FullyConnectedState& s = *ctx->state<FullyConnectedState>();
  if (s.hybrid) return EvalHybrid(ctx, s);
  // Output (row b, unit o) sums input row b times weights row o.
  return EvalConvLike(ctx, s.q, s.batches, s.out_size, [&s](int64_t b, int o, auto fn) {
    for (int i = 0; i < s.in_size; ++i) fn(b * s.in_size + i, static_cast<int64_t>(o) * s.in_size + i);
  });
}

const OpKernel* Register_FULLY_CONNECTED() {
  static const OpKernel kernel = {"FULLY_CONNECTED/reference", Prepare, Eval, kNoFlags};
  return &kernel;
}

}  // namespace ref
}  // namespace edgert
