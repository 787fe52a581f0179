// LSTM reference kernel: a unidirectional LSTM over a time-major sequence
// (the contract is in schema/edgert.fbs at OpType LSTM). f32 only.
//   inputs  X [seq, batch, I], W [4H, I], R [4H, H], optional B [4H],
//           optional h0 [batch, H], optional c0 [batch, H]
//   outputs Y [seq, batch, H], h [batch, H], c [batch, H]
// Gate blocks in the order input, output, forget, cell:
//   i = sigmoid(.), o = sigmoid(.), f = sigmoid(.), g = tanh(.),
//   c' = f * c + i * g, h' = o * tanh(c').
// Prepare repacks constant W and R column-major ([I][4H], [H][4H]) so that eval
// accumulates the gates with unit-stride loops; non-constant weights are read
// in place. The cell state is carried in output c and the hidden state in Y,
// so eval needs one scratch row of 4H gates.
#include <cmath>
#include <cstring>

#include "kernels/common/shape_util.h"
#include "kernels/reference/reference_kernels.h"

namespace edgert {
namespace ref {
namespace {

struct LstmState {
  int seq, batch, in, hidden;
  const float* w_packed;  // [I][4H] or null (read W [4H][I] in place)
  const float* r_packed;  // [H][4H] or null
  const float* zeros;     // [H] for omitted h0 / c0
  int gates_scratch;
};

// gates[j] += sum_k m[j][k] * v[k] for j < rows: m packed [cols][rows] or row-major [rows][cols].
void AccumulateMatVec(const float* packed, const float* m, const float* v, int rows, int cols, float* gates) {
  if (packed != nullptr) {
    for (int k = 0; k < cols; ++k) {
      const float vk = v[k];
      const float* col = packed + static_cast<size_t>(k) * rows;
      for (int j = 0; j < rows; ++j) gates[j] += col[j] * vk;
    }
    return;
  }
  for (int j = 0; j < rows; ++j) {
    const float* row = m + static_cast<size_t>(j) * cols;
    float acc = 0.f;
    for (int k = 0; k < cols; ++k) acc += row[k] * v[k];
    gates[j] += acc;
  }
}

const float* PackTransposed(KernelContext* ctx, const Tensor* t, int rows, int cols) {
  if (!t->is_constant || t->data == nullptr) return nullptr;
  auto* p = static_cast<float*>(ctx->AllocatePersistent(sizeof(float) * static_cast<size_t>(rows) * cols));
  if (p == nullptr) return nullptr;
  const float* src = t->data_as<float>();
  for (int j = 0; j < rows; ++j)
    for (int k = 0; k < cols; ++k) p[static_cast<size_t>(k) * rows + j] = src[static_cast<size_t>(j) * cols + k];
  return p;
}

float Sigmoid(float x) { return 1.f / (1.f + std::exp(-x)); }

}  // namespace

static Status Prepare(KernelContext* ctx) {
  const Tensor* x = ctx->input(0);
  const Tensor* w = ctx->input(1);
  const Tensor* r = ctx->input(2);
  const Tensor* b = ctx->input(3);
  const Tensor* h0 = ctx->input(4);
  const Tensor* c0 = ctx->input(5);
  if (x == nullptr || w == nullptr || r == nullptr) return ctx->InvalidModel("X, W and R are required");
  for (const Tensor* t : {x, w, r, b, h0, c0})
    if (t != nullptr && t->dtype != DType::kF32)
      return ctx->Unsupported("input '%s' is %s; only f32 is supported", t->name, DTypeName(t->dtype));
  for (int k = 0; k < 3; ++k)
    if (ctx->output(k)->dtype != DType::kF32)
      return ctx->Unsupported("output '%s' must be f32", ctx->output(k)->name);
  if (x->shape.rank != 3 || x->shape[0] < 1 || x->shape[1] < 1 || x->shape[2] < 1)
    return ctx->InvalidModel("X '%s' must be [seq, batch, input] with all dims >= 1; got %s", x->name,
                             ShapeToString(x->shape).text);
  const int seq = x->shape[0], batch = x->shape[1], in = x->shape[2];
  if (r->shape.rank != 2 || r->shape[0] % 4 != 0 || r->shape[0] / 4 != r->shape[1] || r->shape[1] < 1)
    return ctx->InvalidModel("R '%s' must be [4H, H]; got %s", r->name, ShapeToString(r->shape).text);
  const int hidden = r->shape[1];
  if (w->shape.rank != 2 || w->shape[0] != 4 * hidden || w->shape[1] != in)
    return ctx->InvalidModel("W '%s' must be [4H, input] = [%d, %d]; got %s", w->name, 4 * hidden, in,
                             ShapeToString(w->shape).text);
  if (b != nullptr && (b->shape.NumElements() != 4 * hidden || b->shape.rank != 1))
    return ctx->InvalidModel("B '%s' must be [4H] = [%d]; got %s", b->name, 4 * hidden, ShapeToString(b->shape).text);
  for (const Tensor* s : {h0, c0})
    if (s != nullptr && (s->shape.rank != 2 || s->shape[0] != batch || s->shape[1] != hidden))
      return ctx->InvalidModel("initial state '%s' must be [batch, H] = [%d, %d]; got %s", s->name, batch, hidden,
                               ShapeToString(s->shape).text);
  if (static_cast<int64_t>(4) * hidden * (in + hidden) > (int64_t{1} << 31))
    return ctx->Unsupported("weights too large");

  auto* s = ctx->NewState<LstmState>();
  if (s == nullptr) return ctx->Error(StatusCode::kOutOfMemory, "out of memory for op state");
  s->seq = seq;
  s->batch = batch;
  s->in = in;
  s->hidden = hidden;
  s->w_packed = PackTransposed(ctx, w, 4 * hidden, in);
  s->r_packed = PackTransposed(ctx, r, 4 * hidden, hidden);
  s->zeros = static_cast<const float*>(ctx->AllocatePersistent(sizeof(float) * static_cast<size_t>(hidden)));
  if (s->zeros == nullptr) return ctx->Error(StatusCode::kOutOfMemory, "out of memory for op state");
  EDGERT_RETURN_IF_ERROR(ctx->RequestScratch(sizeof(float) * 4 * static_cast<size_t>(hidden), &s->gates_scratch));
  EDGERT_RETURN_IF_ERROR(ctx->SetOutputShape(0, Shape{seq, batch, hidden}));
  EDGERT_RETURN_IF_ERROR(ctx->SetOutputShape(1, Shape{batch, hidden}));
  return ctx->SetOutputShape(2, Shape{batch, hidden});
}

static Status Eval(KernelContext* ctx) {
  const LstmState& s = *ctx->state<LstmState>();
  const float* x = ctx->input(0)->data_as<float>();
  const float* w = ctx->input(1)->data_as<float>();
  const float* r = ctx->input(2)->data_as<float>();
  const Tensor* bt = ctx->input(3);
  const Tensor* h0t = ctx->input(4);
  const Tensor* c0t = ctx->input(5);
  float* y = ctx->output(0)->data_as<float>();
  float* h_out = ctx->output(1)->data_as<float>();
  float* c = ctx->output(2)->data_as<float>();
  float* gates = static_cast<float*>(ctx->scratch(s.gates_scratch));
  const int H = s.hidden, G = 4 * H;
  const size_t row = static_cast<size_t>(H);

  for (int b = 0; b < s.batch; ++b) {
    const float* c0 = c0t != nullptr ? c0t->data_as<float>() + b * row : s.zeros;
    std::memmove(c + b * row, c0, row * sizeof(float));
  }
  for (int t = 0; t < s.seq; ++t) {
    for (int b = 0; b < s.batch; ++b) {
      const float* xt = x + (static_cast<size_t>(t) * s.batch + b) * s.in;
      const float* h_prev = t > 0 ? y + (static_cast<size_t>(t - 1) * s.batch + b) * row
                                  : (h0t != nullptr ? h0t->data_as<float>() + b * row : s.zeros);
      if (bt != nullptr) std::memcpy(gates, bt->data_as<float>(), sizeof(float) * G);
      else std::memset(gates, 0, sizeof(float) * G);
      AccumulateMatVec(s.w_packed, w, xt, G, s.in, gates);
      AccumulateMatVec(s.r_packed, r, h_prev, G, H, gates);
      float* cb = c + b * row;
      float* ht = y + (static_cast<size_t>(t) * s.batch + b) * row;
      for (int j = 0; j < H; ++j) {
        const float i = Sigmoid(gates[j]);
        const float o = Sigmoid(gates[H + j]);
        const float f = Sigmoid(gates[2 * H + j]);
        const float g = std::tanh(gates[3 * H + j]);
        const float cn = f * cb[j] + i * g;
        cb[j] = cn;
        ht[j] = o * std::tanh(cn);
      }
    }
  }
  std::memcpy(h_out, y + static_cast<size_t>(s.seq - 1) * s.batch * row, sizeof(float) * s.batch * row);
  return Status::Ok();
}

const OpKernel* Register_LSTM() {
  static const OpKernel kernel = {"LSTM/reference", Prepare, Eval, kNoFlags};
  return &kernel;
}

}  // namespace ref
}  // namespace edgert
