// FULLY_CONNECTED reference kernel: y = x W^T + b with weights [O,I] and
// optional bias [O]. The input is read as [-1, I] and the output is [B, O],
// unless keep_num_dims, which requires the input's last dim to be I and keeps
// its leading dims ([..., I] -> [..., O]). f32, i8 (per-tensor or per-channel
// weights along axis 0) and u8 (per-tensor weights).
#include "kernels/common/conv_util.h"
#include "kernels/reference/reference_kernels.h"

namespace edgert {
namespace ref {
namespace {

struct FullyConnectedState {
  int64_t batches;
  int in_size, out_size;
  ConvQuantParams q;
};

}  // namespace

static Status Prepare(KernelContext* ctx) {
  if (ctx->num_inputs() < 2 || ctx->num_inputs() > 3 || ctx->num_outputs() != 1)
    return ctx->InvalidModel("expects 2 or 3 inputs and 1 output; got %d and %d", ctx->num_inputs(),
                             ctx->num_outputs());
  const Tensor* input = ctx->input(0);
  const Tensor* weights = ctx->input(1);
  const Tensor* bias = ctx->input(2);
  Tensor* output = ctx->output(0);
  const auto* opt = ctx->options<schema::FullyConnectedOptions>();
  if (input == nullptr || weights == nullptr) return ctx->InvalidModel("input and weights are required");
  if (output == nullptr) return ctx->InvalidModel("output is missing");
  if (opt == nullptr) return ctx->InvalidModel("missing FullyConnectedOptions");
  char b1[96], b2[96];
  const Shape& is = input->shape;
  const Shape& ws = weights->shape;
  if (ws.rank != 2 || ws[0] < 1 || ws[1] < 1)
    return ctx->InvalidModel("weights '%s' must be [O,I] with O, I >= 1; got shape %s", weights->name,
                             ShapeToString(ws, b1, sizeof(b1)));
  if (is.rank < 1)
    return ctx->InvalidModel("input '%s' must have rank >= 1; got shape %s", input->name,
                             ShapeToString(is, b1, sizeof(b1)));
  const int in_size = ws[1], out_size = ws[0];
  Shape out_shape;
  int64_t batches = 0;
  if (opt->keep_num_dims()) {
    if (is[is.rank - 1] != in_size)
      return ctx->InvalidModel("keep_num_dims: input '%s' shape %s must end in weights '%s' in-features %d (weights "
                               "shape %s)",
                               input->name, ShapeToString(is, b1, sizeof(b1)), weights->name, in_size,
                               ShapeToString(ws, b2, sizeof(b2)));
    out_shape = is;
    out_shape[is.rank - 1] = out_size;
    batches = is.Product(0, is.rank - 1);
  } else {
    const int64_t n = is.NumElements();
    if (n % in_size != 0)
      return ctx->InvalidModel("input '%s' shape %s has %lld elements, not a multiple of weights '%s' in-features %d "
                               "(weights shape %s)",
                               input->name, ShapeToString(is, b1, sizeof(b1)), static_cast<long long>(n),
                               weights->name, in_size, ShapeToString(ws, b2, sizeof(b2)));
    batches = n / in_size;
    if (batches > INT32_MAX) return ctx->InvalidModel("input '%s' has too many rows", input->name);
    out_shape = Shape{static_cast<int32_t>(batches), out_size};
  }

  auto* s = ctx->NewState<FullyConnectedState>();
  if (s == nullptr) return ctx->Error(StatusCode::kOutOfMemory, "out of memory for op state");
  EDGERT_RETURN_IF_ERROR(PrepareConvQuant(ctx, input, weights, bias, output, 0, out_size, opt->activation(), &s->q));
  s->batches = batches;
  s->in_size = in_size;
  s->out_size = out_size;
  return ctx->SetOutputShape(0, out_shape);
}

namespace {

void EvalFloat(const FullyConnectedState& s, const float* in, const float* w, const float* bias, float* out) {
  for (int64_t b = 0; b < s.batches; ++b) {
    const float* x = in + b * s.in_size;
    for (int o = 0; o < s.out_size; ++o) {
      const float* wr = w + static_cast<int64_t>(o) * s.in_size;
      float acc = 0.f;
      for (int i = 0; i < s.in_size; ++i) acc += x[i] * wr[i];
      if (bias != nullptr) acc += bias[o];
      *out++ = ApplyActivation(acc, s.q.float_min, s.q.float_max);
    }
  }
}

template <typename T>
void EvalQuant(const FullyConnectedState& s, const T* in, const T* w, const int32_t* bias, T* out) {
  const ConvQuantParams& q = s.q;
  for (int64_t b = 0; b < s.batches; ++b) {
    const T* x = in + b * s.in_size;
    for (int o = 0; o < s.out_size; ++o) {
      const T* wr = w + static_cast<int64_t>(o) * s.in_size;
      const int32_t wzp = q.weight_zp[o];
      int64_t acc = 0;
      for (int i = 0; i < s.in_size; ++i)
        acc += static_cast<int64_t>(static_cast<int32_t>(x[i]) - q.input_zp) * (static_cast<int32_t>(wr[i]) - wzp);
      if (bias != nullptr) acc += bias[o];
      *out++ = static_cast<T>(RequantizeAcc(acc, q.multiplier[o], q.shift[o], q.output_zp, q.act_min, q.act_max));
    }
  }
}

}  // namespace

static Status Eval(KernelContext* ctx) {
  const FullyConnectedState& s = *ctx->state<FullyConnectedState>();
  const Tensor* input = ctx->input(0);
  const Tensor* weights = ctx->input(1);
  const Tensor* bias = ctx->input(2);
  Tensor* output = ctx->output(0);
  switch (s.q.type) {
    case DType::kF32:
      EvalFloat(s, input->data_as<float>(), weights->data_as<float>(), bias ? bias->data_as<float>() : nullptr,
                output->data_as<float>());
      break;
    case DType::kI8:
      EvalQuant<int8_t>(s, input->data_as<int8_t>(), weights->data_as<int8_t>(),
                        bias ? bias->data_as<int32_t>() : nullptr, output->data_as<int8_t>());
      break;
    case DType::kU8:
      EvalQuant<uint8_t>(s, input->data_as<uint8_t>(), weights->data_as<uint8_t>(),
                         bias ? bias->data_as<int32_t>() : nullptr, output->data_as<uint8_t>());
      break;
    default: return ctx->Unsupported("dtype %s", DTypeName(s.q.type));
  }
  return Status::Ok();
}

const OpKernel* Register_FULLY_CONNECTED() {
  static const OpKernel kernel = {"FULLY_CONNECTED/reference", Prepare, Eval, kNoFlags};
  return &kernel;
}

}  // namespace ref
}  // namespace edgert
