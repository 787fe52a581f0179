#include "kernels/optimized/elementwise.h"

#include "kernels/common/broadcast.h"
#include "kernels/common/elementwise_binary.h"
#include "kernels/common/quant.h"
#include "kernels/optimized/fallback.h"

namespace edgert {
namespace opt {
namespace {

struct UnaryState {
  ReferenceFallback fallback;
  F32VUnaryUkernelFn fn = nullptr;  // nullptr: the reference kernel runs this node
  F32UnaryParams params = {0.f, 0.f, 0.f};
};

struct BinaryState {
  ReferenceFallback fallback;
  F32VBinaryUkernels fns = {nullptr, nullptr, nullptr};
  BinaryBroadcastPlan plan;  // kNotCovered: the reference kernel runs this node
  F32MinMaxParams minmax = {0.f, 0.f};
  // int8 ADD / SUB of same-shape operands (plan.kind == kSameShape).
  QS8VAddUkernelFn qs8_add = nullptr;
  QS8AddParams qs8 = {};
};

// Dim d of s right-aligned to rank r (1 where s has no such dim).
int32_t AlignedDim(const Shape& s, int r, int d) {
  const int k = d - (r - s.rank);
  return k < 0 ? 1 : s.dims[k];
}

}  // namespace

Status PrepareUnaryElementwise(KernelContext* ctx, const OpKernel* ref, F32VUnaryUkernelFn fn,
                               const F32UnaryParams& params) {
  UnaryState* s = nullptr;
  EDGERT_RETURN_IF_ERROR(PrepareWithFallback(ctx, ref, &s));
  if (fn != nullptr && ctx->input(0)->dtype == DType::kF32) {
    s->fn = fn;
    s->params = params;
  }
  return Status::Ok();
}

Status EvalUnaryElementwise(KernelContext* ctx) {
  const UnaryState& s = *ctx->state<UnaryState>();
  if (s.fn == nullptr) return s.fallback.Eval(ctx);
  const Tensor* in = ctx->input(0);
  s.fn(static_cast<size_t>(in->NumElements()), in->data_as<float>(), ctx->output(0)->data_as<float>(), &s.params);
  return Status::Ok();
}

BinaryBroadcastPlan ClassifyBinaryBroadcast(const Shape& a, const Shape& b) {
  BinaryBroadcastPlan p;
  Shape out;
  if (!BroadcastShapes(a, b, &out)) return p;
  const int r = out.rank;
  bool a_full = true, b_full = true;
  for (int d = 0; d < r; ++d) {
    a_full = a_full && AlignedDim(a, r, d) == out.dims[d];
    b_full = b_full && AlignedDim(b, r, d) == out.dims[d];
  }
  if ((a_full && b_full) || out.NumElements() == 0) {
    p.kind = BinaryBroadcastPlan::kSameShape;
    p.n = out.NumElements();
    return p;
  }
  if (!a_full && !b_full) return p;
  const Shape& y = a_full ? b : a;
  // Phases: 0 outer dims (Y's dim equals the output's), 1 broadcast dims (Y's is
  // 1), 2 inner dims (equal again). Output dims of size 1 fit every phase.
  int phase = 0;
  for (int d = 0; d < r; ++d) {
    const int64_t od = out.dims[d];
    if (od == 1) continue;
    const bool y_equal = AlignedDim(y, r, d) == od;  // else Y's dim is 1
    if (phase == 0 && !y_equal) phase = 1;
    if (phase == 1 && y_equal) phase = 2;
    if (phase == 2 && !y_equal) return p;  // Y broadcast in two separate runs of dims
    (phase == 0 ? p.outer : phase == 1 ? p.rows : p.inner) *= od;
  }
  p.kind = BinaryBroadcastPlan::kRows;
  p.broadcast_first = !a_full;
  return p;
}

Status PrepareBinaryElementwise(KernelContext* ctx, const OpKernel* ref, const F32VBinaryUkernels& fns,
                                QS8VAddUkernelFn qs8_add) {
  BinaryState* s = nullptr;
  EDGERT_RETURN_IF_ERROR(PrepareWithFallback(ctx, ref, &s));
  // The reference prepare validated the operands (equal dtypes, broadcastable
  // shapes, a valid activation); only coverage is decided here.
  const Tensor* a = ctx->input(0);
  const Tensor* b = ctx->input(1);
  if (qs8_add != nullptr && a->dtype == DType::kI8) {
    const BinaryBroadcastPlan plan = ClassifyBinaryBroadcast(a->shape, b->shape);
    if (plan.kind == BinaryBroadcastPlan::kSameShape && ref::QS8AddParamsOf(s->fallback.state, &s->qs8)) {
      s->qs8_add = qs8_add;
      s->plan = plan;
    }
    return Status::Ok();
  }
  if (fns.op == nullptr || a->dtype != DType::kF32) return Status::Ok();
  const BinaryBroadcastPlan plan = ClassifyBinaryBroadcast(a->shape, b->shape);
  if (plan.kind == BinaryBroadcastPlan::kNotCovered) return Status::Ok();
  schema::Activation act = schema::Activation_NONE;
  if (const auto* opts = ctx->options<schema::BinaryOptions>()) act = opts->activation();
  ActivationRangeFloat(act, &s->minmax.min, &s->minmax.max);
  s->fns = fns;
  s->plan = plan;
  return Status::Ok();
}

Status EvalBinaryElementwise(KernelContext* ctx) {
  const BinaryState& s = *ctx->state<BinaryState>();
  const BinaryBroadcastPlan& p = s.plan;
  if (p.kind == BinaryBroadcastPlan::kNotCovered) return s.fallback.Eval(ctx);
  if (s.qs8_add != nullptr) {
    s.qs8_add(static_cast<size_t>(p.n), ctx->input(0)->data_as<int8_t>(), ctx->input(1)->data_as<int8_t>(),
              ctx->output(0)->data_as<int8_t>(), &s.qs8);
    return Status::Ok();
  }
  const float* a = ctx->input(0)->data_as<float>();
  const float* b = ctx->input(1)->data_as<float>();
  float* out = ctx->output(0)->data_as<float>();
  if (p.kind == BinaryBroadcastPlan::kSameShape) {
    s.fns.op(static_cast<size_t>(p.n), a, b, out, &s.minmax);
    return Status::Ok();
  }
  // kRows: X (full) is [outer, rows, inner], Y (broadcast) is [outer, inner].
  const float* x = p.broadcast_first ? b : a;
  const float* y = p.broadcast_first ? a : b;
  const size_t inner = static_cast<size_t>(p.inner);
  if (inner == 1) {  // one scalar of Y per outer index
    const F32VBinaryUkernelFn fn = p.broadcast_first ? s.fns.ropc : s.fns.opc;
    const size_t rows = static_cast<size_t>(p.rows);
    for (int64_t o = 0; o < p.outer; ++o) fn(rows, x + o * p.rows, y + o, out + o * p.rows, &s.minmax);
    return Status::Ok();
  }
  for (int64_t o = 0; o < p.outer; ++o) {
    const float* yo = y + o * p.inner;
    for (int64_t r = 0; r < p.rows; ++r) {
      const int64_t off = (o * p.rows + r) * p.inner;
      if (p.broadcast_first)
        s.fns.op(inner, yo, x + off, out + off, &s.minmax);
      else
        s.fns.op(inner, x + off, yo, out + off, &s.minmax);
    }
  }
  return Status::Ok();
}

}  // namespace opt
}  // namespace edgert
