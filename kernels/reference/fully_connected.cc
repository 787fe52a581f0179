// FULLY_CONNECTED reference kernel: y = x W^T + b with weights [O,I] and
// optional bias [O]. The input is read as [-1, I] and the output is [B, O],
// unless keep_num_dims, which requires the input's last dim to be I and keeps
// its leading dims ([..., I] -> [..., O]). f32, i8 (per-tensor or per-channel
// weights along axis 0) and u8 (per-tensor weights).
#include "kernels/common/conv_util.h"
#include "kernels/common/shape_util.h"
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
  EDGERT_RETURN_IF_ERROR(PrepareConvQuant(ctx, input, weights, bias, output, 0, out_size, opt->activation(), &s->q));
  s->batches = batches;
  s->in_size = in_size;
  s->out_size = out_size;
  return ctx->SetOutputShape(0, out_shape);
}

static Status Eval(KernelContext* ctx) {
  const FullyConnectedState& s = *ctx->state<FullyConnectedState>();
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
