// SOFTMAX along `axis` (default -1, the last): y_k = exp(beta * x_k) / sum_j exp(beta * x_j),
// computed as exp(beta * x_k - m) with m = max_j(beta * x_j) so that it cannot overflow.
// f32: exponentials in float, row sum in double.
// i8/u8: prepare tabulates exp(-|beta| * s_in * d) for the 256 possible distances d between
// a quantized input and the row's extreme value (the maximum for beta >= 0, the minimum for
// beta < 0), eval sums the table entries of the row and writes
//   y = clamp(round(p / s_out) + zp_out), p the float probability, round half away from zero.
// Any output quantization is accepted; TFLite's convention is s_out = 1/256 with zp_out = -128
// (i8) or 0 (u8).
#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "kernels/common/const_input.h"
#include "kernels/common/quant.h"
#include "kernels/common/unary_lut.h"
#include "kernels/reference/reference_kernels.h"

namespace edgert {
namespace ref {

namespace {
struct SoftmaxState {
  float beta;
  int64_t outer, axis_size, inner;  // input viewed as [outer, axis_size, inner]
  // quantized only
  float exp_table[256];  // exp(-|beta| * s_in * d), d = |q - q_extreme|
  float inverse_output_scale;
  int32_t output_zero_point;
};
}  // namespace

static Status Prepare(KernelContext* ctx) {
  EDGERT_RETURN_IF_ERROR(PrepareUnaryElementwise(ctx));
  const schema::SoftmaxOptions* opts = ctx->options<schema::SoftmaxOptions>();
  if (opts == nullptr) return ctx->InvalidModel("missing SoftmaxOptions");
  const Tensor* in = ctx->input(0);
  const Tensor* out = ctx->output(0);
  if (in->shape.rank < 1)
    return ctx->InvalidModel("input '%s' is a scalar; softmax needs rank >= 1", in->name);
  int axis = 0;
  if (!NormalizeAxis(opts->axis(), in->shape.rank, &axis))
    return ctx->InvalidModel("axis %d is out of range for input '%s' of rank %d", opts->axis(), in->name,
                             in->shape.rank);
  const float beta = opts->beta();
  if (!std::isfinite(beta)) return ctx->InvalidModel("beta is %g; it must be finite", static_cast<double>(beta));

  SoftmaxState* s = ctx->NewState<SoftmaxState>();
  if (s == nullptr) return ctx->Error(StatusCode::kOutOfMemory, "cannot allocate op state");
  s->beta = beta;
  s->outer = in->shape.Product(0, axis);
  s->axis_size = in->shape[axis];
  s->inner = in->shape.Product(axis + 1, in->shape.rank);
  if (in->dtype != DType::kF32) {
    const double k = std::fabs(static_cast<double>(beta)) * in->quant.scale[0];
    for (int d = 0; d < 256; ++d) s->exp_table[d] = static_cast<float>(std::exp(-k * d));
    s->inverse_output_scale = 1.f / out->quant.scale[0];
    s->output_zero_point = out->quant.zero_point[0];
  }
  return Status::Ok();
}

static void EvalFloat(const SoftmaxState& s, const float* x, float* y) {
  const int64_t n = s.axis_size, inner = s.inner;
  for (int64_t o = 0; o < s.outer; ++o) {
    for (int64_t i = 0; i < inner; ++i) {
      const int64_t base = o * n * inner + i;
      float m = -INFINITY;
      for (int64_t k = 0; k < n; ++k) m = std::max(m, s.beta * x[base + k * inner]);
      double sum = 0.0;
      for (int64_t k = 0; k < n; ++k) {
        const float e = std::exp(s.beta * x[base + k * inner] - m);
        y[base + k * inner] = e;
        sum += e;
      }
      const float inv = static_cast<float>(1.0 / sum);
      for (int64_t k = 0; k < n; ++k) y[base + k * inner] *= inv;
    }
  }
}

template <typename T>
static void EvalQuantized(const SoftmaxState& s, const T* x, T* y) {
  const int64_t n = s.axis_size, inner = s.inner;
  const float qmin = QuantizedMin(DTypeOf<T>::value), qmax = QuantizedMax(DTypeOf<T>::value);
  for (int64_t o = 0; o < s.outer; ++o) {
    for (int64_t i = 0; i < inner; ++i) {
      const int64_t base = o * n * inner + i;
      // The element with the largest beta * x: the largest q for beta >= 0, the smallest otherwise.
      int32_t extreme = x[base];
      for (int64_t k = 1; k < n; ++k) {
        const int32_t q = x[base + k * inner];
        extreme = s.beta >= 0.f ? std::max(extreme, q) : std::min(extreme, q);
      }
      double sum = 0.0;
      for (int64_t k = 0; k < n; ++k) sum += s.exp_table[std::abs(x[base + k * inner] - extreme)];
      const float inv_sum = static_cast<float>(1.0 / sum);
      for (int64_t k = 0; k < n; ++k) {
        const float p = s.exp_table[std::abs(x[base + k * inner] - extreme)] * inv_sum;
        const float v = std::round(p * s.inverse_output_scale) + static_cast<float>(s.output_zero_point);
        y[base + k * inner] = static_cast<T>(std::min(std::max(v, qmin), qmax));
      }
    }
  }
}

static Status Eval(KernelContext* ctx) {
  const Tensor* in = ctx->input(0);
  Tensor* out = ctx->output(0);
  const SoftmaxState& s = *ctx->state<SoftmaxState>();
  if (in->NumElements() == 0) return Status::Ok();
  switch (in->dtype) {
    case DType::kF32: EvalFloat(s, in->data_as<float>(), out->data_as<float>()); return Status::Ok();
    case DType::kI8: EvalQuantized<int8_t>(s, in->data_as<int8_t>(), out->data_as<int8_t>()); return Status::Ok();
    case DType::kU8: EvalQuantized<uint8_t>(s, in->data_as<uint8_t>(), out->data_as<uint8_t>()); return Status::Ok();
    default: return ctx->Unsupported("dtype %s", DTypeName(in->dtype));
  }
}

const OpKernel* Register_SOFTMAX() {
  static const OpKernel kernel = {"SOFTMAX/reference", Prepare, Eval, kNoFlags};
  return &kernel;
}

}  // namespace ref
}  // namespace edgert
