// BATCH_MATMUL reference kernel: out[..., M, N] = op(x)[..., M, K] * op(y)[..., K, N]
// where op transposes the last two dims when adj_x / adj_y is set. Both inputs
// have rank >= 2; their batch dims (all but the last two) broadcast numpy-style.
// f32, and i8 / u8 with per-tensor quantization on both inputs and the output
// (any zero points; acc = sum (x - zx)(y - zy), requantized by sx*sy/so).
#include "kernels/common/conv_util.h"
#include "kernels/common/shape_util.h"
#include "kernels/reference/reference_kernels.h"

namespace edgert {
namespace ref {
namespace {

struct BatchMatMulState {
  DType type;
  int m, n, k;
  bool adj_x, adj_y;
  int batch_rank;                      // rank of the broadcast batch shape
  int32_t batch_dims[kMaxRank];        // broadcast batch shape
  int64_t x_stride[kMaxRank];          // in matrices; 0 along broadcast dims
  int64_t y_stride[kMaxRank];
  int64_t num_batches;
  int32_t x_zp, y_zp, out_zp, multiplier, shift, qmin, qmax;
};

// Matrix strides of `in`'s batch dims (its first in_rank - 2 dims), laid
// right-aligned against the broadcast batch shape.
void BatchStrides(const Shape& in, const BatchMatMulState& s, int64_t* stride) {
  const int in_batch = in.rank - 2;
  int64_t st = 1;
  for (int d = s.batch_rank - 1; d >= 0; --d) {
    const int id = d - (s.batch_rank - in_batch);
    if (id < 0) {
      stride[d] = 0;
      continue;
    }
    stride[d] = in[id] == 1 ? 0 : st;
    st *= in[id];
  }
}

}  // namespace

static Status Prepare(KernelContext* ctx) {
  if (ctx->num_inputs() != 2 || ctx->num_outputs() != 1)
    return ctx->InvalidModel("expects 2 inputs and 1 output; got %d and %d", ctx->num_inputs(), ctx->num_outputs());
  const Tensor* x = ctx->input(0);
  const Tensor* y = ctx->input(1);
  Tensor* output = ctx->output(0);
  const auto* opt = ctx->options<schema::BatchMatMulOptions>();
  if (x == nullptr || y == nullptr) return ctx->InvalidModel("both inputs are required");
  if (output == nullptr) return ctx->InvalidModel("output is missing");
  if (opt == nullptr) return ctx->InvalidModel("missing BatchMatMulOptions");
  const Shape& xs = x->shape;
  const Shape& ys = y->shape;
  if (xs.rank < 2 || ys.rank < 2)
    return ctx->InvalidModel("inputs must have rank >= 2; got '%s' %s and '%s' %s", x->name, ShapeToString(xs).text,
                             y->name, ShapeToString(ys).text);
  const DType t = x->dtype;
  if ((t != DType::kF32 && t != DType::kI8 && t != DType::kU8) || y->dtype != t || output->dtype != t)
    return ctx->Unsupported("unsupported dtype combination: '%s' %s, '%s' %s, output '%s' %s (supported: all f32, "
                            "all i8, or all u8)",
                            x->name, DTypeName(x->dtype), y->name, DTypeName(y->dtype), output->name,
                            DTypeName(output->dtype));
  const bool adj_x = opt->adj_x(), adj_y = opt->adj_y();
  const int m = adj_x ? xs[xs.rank - 1] : xs[xs.rank - 2];
  const int kx = adj_x ? xs[xs.rank - 2] : xs[xs.rank - 1];
  const int ky = adj_y ? ys[ys.rank - 1] : ys[ys.rank - 2];
  const int n = adj_y ? ys[ys.rank - 2] : ys[ys.rank - 1];
  if (kx != ky)
    return ctx->InvalidModel("inner dimensions differ: '%s' %s (adj_x %d) has K = %d, '%s' %s (adj_y %d) has K = %d",
                             x->name, ShapeToString(xs).text, adj_x, kx, y->name, ShapeToString(ys).text, adj_y, ky);

  auto* s = ctx->NewState<BatchMatMulState>();
  if (s == nullptr) return ctx->Error(StatusCode::kOutOfMemory, "out of memory for op state");
  s->type = t;
  s->m = m;
  s->n = n;
  s->k = kx;
  s->adj_x = adj_x;
  s->adj_y = adj_y;
  // Broadcast the batch dims.
  const int xb = xs.rank - 2, yb = ys.rank - 2;
  s->batch_rank = xb > yb ? xb : yb;
  for (int d = 0; d < s->batch_rank; ++d) {
    const int ix = d - (s->batch_rank - xb), iy = d - (s->batch_rank - yb);
    const int32_t dx = ix >= 0 ? xs[ix] : 1, dy = iy >= 0 ? ys[iy] : 1;
    if (dx != dy && dx != 1 && dy != 1)
      return ctx->InvalidModel("batch dimensions of '%s' %s and '%s' %s do not broadcast (%d vs %d)", x->name,
                               ShapeToString(xs).text, y->name, ShapeToString(ys).text, dx, dy);
    s->batch_dims[d] = dx == 1 ? dy : dx;
  }
  BatchStrides(xs, *s, s->x_stride);
  BatchStrides(ys, *s, s->y_stride);
  Shape out;
  out.rank = s->batch_rank + 2;
  s->num_batches = 1;
  for (int d = 0; d < s->batch_rank; ++d) {
    out[d] = s->batch_dims[d];
    s->num_batches *= s->batch_dims[d];
  }
  out[s->batch_rank] = m;
  out[s->batch_rank + 1] = n;

  if (t != DType::kF32) {
    EDGERT_RETURN_IF_ERROR(CheckPerTensorQuant(ctx, x, "input 0"));
    EDGERT_RETURN_IF_ERROR(CheckPerTensorQuant(ctx, y, "input 1"));
    EDGERT_RETURN_IF_ERROR(CheckPerTensorQuant(ctx, output, "output"));
    const double real = static_cast<double>(x->quant.scale[0]) * static_cast<double>(y->quant.scale[0]) /
                        static_cast<double>(output->quant.scale[0]);
    int shift = 0;
    QuantizeMultiplier(real, &s->multiplier, &shift);
    s->shift = shift;
    s->x_zp = x->quant.zero_point[0];
    s->y_zp = y->quant.zero_point[0];
    s->out_zp = output->quant.zero_point[0];
    s->qmin = QuantizedMin(t);
    s->qmax = QuantizedMax(t);
  }
  return ctx->SetOutputShape(0, out);
}

namespace {

// Calls fn(x_matrix, y_matrix, out_matrix) for each broadcast batch, with
// element offsets of the three matrices.
template <typename Fn>
void ForEachBatch(const BatchMatMulState& s, Fn fn) {
  const int64_t x_mat = static_cast<int64_t>(s.m) * s.k, y_mat = static_cast<int64_t>(s.k) * s.n;
  const int64_t o_mat = static_cast<int64_t>(s.m) * s.n;
  for (int64_t b = 0; b < s.num_batches; ++b) {
    int64_t rest = b, xo = 0, yo = 0;
    for (int d = s.batch_rank - 1; d >= 0; --d) {
      const int64_t i = rest % s.batch_dims[d];
      rest /= s.batch_dims[d];
      xo += i * s.x_stride[d];
      yo += i * s.y_stride[d];
    }
    fn(xo * x_mat, yo * y_mat, b * o_mat);
  }
}

// Element (i, p) of op(x) and (p, j) of op(y) within one matrix.
inline int64_t XIndex(const BatchMatMulState& s, int i, int p) {
  return s.adj_x ? static_cast<int64_t>(p) * s.m + i : static_cast<int64_t>(i) * s.k + p;
}
inline int64_t YIndex(const BatchMatMulState& s, int p, int j) {
  return s.adj_y ? static_cast<int64_t>(j) * s.k + p : static_cast<int64_t>(p) * s.n + j;
}

// The float and the quantized (i8/u8) matmul; Eval picks one by overload.
void EvalMatMul(const BatchMatMulState& s, const float* x, const float* y, float* out) {
  ForEachBatch(s, [&](int64_t xo, int64_t yo, int64_t oo) {
    for (int i = 0; i < s.m; ++i)
      for (int j = 0; j < s.n; ++j) {
        float acc = 0.f;
        for (int p = 0; p < s.k; ++p) acc += x[xo + XIndex(s, i, p)] * y[yo + YIndex(s, p, j)];
        out[oo + static_cast<int64_t>(i) * s.n + j] = acc;
      }
  });
}

template <typename T>
void EvalMatMul(const BatchMatMulState& s, const T* x, const T* y, T* out) {
  ForEachBatch(s, [&](int64_t xo, int64_t yo, int64_t oo) {
    for (int i = 0; i < s.m; ++i)
      for (int j = 0; j < s.n; ++j) {
        int64_t acc = 0;
        for (int p = 0; p < s.k; ++p)
          acc += static_cast<int64_t>(static_cast<int32_t>(x[xo + XIndex(s, i, p)]) - s.x_zp) *
                 (static_cast<int32_t>(y[yo + YIndex(s, p, j)]) - s.y_zp);
        out[oo + static_cast<int64_t>(i) * s.n + j] =
            static_cast<T>(RequantizeAcc(acc, s.multiplier, s.shift, s.out_zp, s.qmin, s.qmax));
      }
  });
}

}  // namespace

static Status Eval(KernelContext* ctx) {
  const BatchMatMulState& s = *ctx->state<BatchMatMulState>();
  const Tensor* x = ctx->input(0);
  const Tensor* y = ctx->input(1);
  Tensor* output = ctx->output(0);
  return DispatchF32I8U8(ctx, s.type, [&](auto type_tag) {
    using T = decltype(type_tag);
    EvalMatMul(s, x->data_as<T>(), y->data_as<T>(), output->data_as<T>());
  });
}

const OpKernel* Register_BATCH_MATMUL() {
  static const OpKernel kernel = {"BATCH_MATMUL/reference", Prepare, Eval, kNoFlags};
  return &kernel;
}

}  // namespace ref
}  // namespace edgert
