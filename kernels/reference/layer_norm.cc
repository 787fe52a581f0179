// LAYER_NORM: inputs data, optional gamma, optional beta. For every index of the leading
// dims [0, axis), normalizes the elements spanned by dims [axis, rank):
//   y = (x - mean) / sqrt(var + epsilon) * gamma + beta
// with mean and the biased variance (divided by the element count) of those elements.
// gamma and beta have the normalized dims' shape or a shape that broadcasts to it (numpy
// rules, right-aligned; extra leading dims must be 1).
// dtypes: f32 data; or i8/u8 data and output (per-tensor quantized), computed through float:
// x is dequantized, y is quantized with round half away from zero and clamped. gamma and
// beta are f32 in all cases. Statistics are accumulated in double.
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "kernels/common/broadcast.h"
#include "kernels/common/const_input.h"
#include "kernels/common/quant.h"
#include "kernels/common/unary_lut.h"
#include "kernels/reference/reference_kernels.h"

namespace edgert {
namespace ref {

namespace {
struct LayerNormState {
  int64_t outer, count;  // data viewed as [outer, count]
  double epsilon;
  Shape norm_shape;      // dims [axis, rank) of the data
  bool has_gamma, has_beta;
  Shape gamma_shape, beta_shape;  // with leading 1s beyond norm_shape's rank removed
  // quantized only
  float input_scale, output_scale;
  int32_t input_zero_point, output_zero_point;
};
}  // namespace

// Checks that `t` broadcasts to `norm` and returns its shape with the extra leading dims dropped.
static Status CheckAffine(KernelContext* ctx, const Tensor* t, const char* what, const Shape& norm, Shape* out) {
  if (t->dtype != DType::kF32)
    return ctx->Unsupported("%s '%s' has dtype %s; only f32 is supported", what, t->name, DTypeName(t->dtype));
  const Shape& g = t->shape;
  const int extra = g.rank > norm.rank ? g.rank - norm.rank : 0;
  bool ok = true;
  for (int j = 0; j < g.rank; ++j) {
    const int nj = j - (g.rank - norm.rank);  // aligned dim of norm, < 0 for extra leading dims
    if (nj < 0) {
      ok = ok && g[j] == 1;
    } else {
      ok = ok && (g[j] == 1 || g[j] == norm[nj]);
    }
  }
  if (!ok) {
    char gs[128], ns[128];
    auto fmt = [](const Shape& s, char* buf, size_t n) {
      int w = std::snprintf(buf, n, "[");
      for (int i = 0; i < s.rank && w > 0 && static_cast<size_t>(w) < n; ++i)
        w += std::snprintf(buf + w, n - w, i ? ",%d" : "%d", static_cast<int>(s[i]));
      if (w > 0 && static_cast<size_t>(w) < n) std::snprintf(buf + w, n - w, "]");
    };
    fmt(g, gs, sizeof gs);
    fmt(norm, ns, sizeof ns);
    return ctx->InvalidModel("%s '%s' has shape %s, which does not broadcast to the normalized dims' shape %s",
                             what, t->name, gs, ns);
  }
  *out = Shape::FromArray(g.dims + extra, g.rank - extra);
  return Status::Ok();
}

static Status Prepare(KernelContext* ctx) {
  if (ctx->num_inputs() < 1 || ctx->num_inputs() > 3 || ctx->num_outputs() != 1)
    return ctx->InvalidModel("expects 1 to 3 inputs and 1 output, got %d inputs and %d outputs",
                             ctx->num_inputs(), ctx->num_outputs());
  const schema::LayerNormOptions* opts = ctx->options<schema::LayerNormOptions>();
  if (opts == nullptr) return ctx->InvalidModel("missing LayerNormOptions");
  const Tensor* in = ctx->input(0);
  Tensor* out = ctx->output(0);
  if (in == nullptr) return ctx->InvalidModel("data input 0 is missing");
  if (out == nullptr) return ctx->InvalidModel("output 0 is missing");
  EDGERT_RETURN_IF_ERROR(CheckUnaryDtypes(ctx, in, out, "data"));
  const int rank = in->shape.rank;
  if (rank < 1) return ctx->InvalidModel("data '%s' is a scalar; layer norm needs rank >= 1", in->name);
  int axis = 0;
  if (!NormalizeAxis(opts->axis(), rank, &axis))
    return ctx->InvalidModel("axis %d is out of range for data '%s' of rank %d", opts->axis(), in->name, rank);
  const float epsilon = opts->epsilon();
  if (!(epsilon >= 0.f) || !std::isfinite(epsilon))
    return ctx->InvalidModel("epsilon is %g; it must be finite and >= 0", static_cast<double>(epsilon));

  LayerNormState* s = ctx->NewState<LayerNormState>();
  if (s == nullptr) return ctx->Error(StatusCode::kOutOfMemory, "cannot allocate op state");
  s->outer = in->shape.Product(0, axis);
  s->count = in->shape.Product(axis, rank);
  s->epsilon = epsilon;
  s->norm_shape = Shape::FromArray(in->shape.dims + axis, rank - axis);
  const Tensor* gamma = ctx->input(1);
  const Tensor* beta = ctx->input(2);
  s->has_gamma = gamma != nullptr;
  s->has_beta = beta != nullptr;
  if (gamma) EDGERT_RETURN_IF_ERROR(CheckAffine(ctx, gamma, "gamma", s->norm_shape, &s->gamma_shape));
  if (beta) EDGERT_RETURN_IF_ERROR(CheckAffine(ctx, beta, "beta", s->norm_shape, &s->beta_shape));
  if (in->dtype != DType::kF32) {
    s->input_scale = in->quant.scale[0];
    s->input_zero_point = in->quant.zero_point[0];
    s->output_scale = out->quant.scale[0];
    s->output_zero_point = out->quant.zero_point[0];
  }
  return ctx->SetOutputShape(0, in->shape);
}

// Reads element i of the data as a real number.
template <typename T>
static double Load(const LayerNormState& s, const T* x, int64_t i) {
  return static_cast<double>(s.input_scale) * (static_cast<int32_t>(x[i]) - s.input_zero_point);
}
template <>
double Load<float>(const LayerNormState&, const float* x, int64_t i) {
  return x[i];
}

template <typename T>
static void Store(const LayerNormState& s, double v, T* y, int64_t i) {
  double q = std::round(v / s.output_scale) + s.output_zero_point;
  const double lo = QuantizedMin(DTypeOf<T>::value), hi = QuantizedMax(DTypeOf<T>::value);
  if (std::isnan(q)) q = s.output_zero_point;  // e.g. epsilon 0 on a constant row: 0 / 0
  y[i] = static_cast<T>(q < lo ? lo : (q > hi ? hi : q));
}
template <>
void Store<float>(const LayerNormState&, double v, float* y, int64_t i) {
  y[i] = static_cast<float>(v);
}

template <typename T>
static void EvalTyped(const LayerNormState& s, const T* x, const float* gamma, const float* beta, T* y) {
  const int64_t n = s.count;
  if (n == 0) return;
  for (int64_t o = 0; o < s.outer; ++o) {
    const int64_t base = o * n;
    double mean = 0.0;
    for (int64_t k = 0; k < n; ++k) mean += Load(s, x, base + k);
    mean /= static_cast<double>(n);
    double var = 0.0;
    for (int64_t k = 0; k < n; ++k) {
      const double d = Load(s, x, base + k) - mean;
      var += d * d;
    }
    var /= static_cast<double>(n);
    const double inv_std = 1.0 / std::sqrt(var + s.epsilon);
    BroadcastIterator gi(s.gamma_shape, s.norm_shape), bi(s.beta_shape, s.norm_shape);
    for (int64_t k = 0; k < n; ++k) {
      double v = (Load(s, x, base + k) - mean) * inv_std;
      if (gamma) v *= gamma[gi.offset()];
      if (beta) v += beta[bi.offset()];
      Store(s, v, y, base + k);
      gi.Next();
      bi.Next();
    }
  }
}

static Status Eval(KernelContext* ctx) {
  const LayerNormState& s = *ctx->state<LayerNormState>();
  const Tensor* in = ctx->input(0);
  Tensor* out = ctx->output(0);
  const float* gamma = s.has_gamma ? ctx->input(1)->data_as<float>() : nullptr;
  const float* beta = s.has_beta ? ctx->input(2)->data_as<float>() : nullptr;
  switch (in->dtype) {
    case DType::kF32: EvalTyped(s, in->data_as<float>(), gamma, beta, out->data_as<float>()); return Status::Ok();
    case DType::kI8: EvalTyped(s, in->data_as<int8_t>(), gamma, beta, out->data_as<int8_t>()); return Status::Ok();
    case DType::kU8: EvalTyped(s, in->data_as<uint8_t>(), gamma, beta, out->data_as<uint8_t>()); return Status::Ok();
    default: return ctx->Unsupported("dtype %s", DTypeName(in->dtype));
  }
}

const OpKernel* Register_LAYER_NORM() {
  static const OpKernel kernel = {"LAYER_NORM/reference", Prepare, Eval, kNoFlags};
  return &kernel;
}

}  // namespace ref
}  // namespace edgert
