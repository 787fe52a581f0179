#include "kernels/optimized/elementwise.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "kernels/common/broadcast.h"
#include "kernels/common/elementwise_binary.h"
#include "kernels/common/parallel_tile.h"
#include "kernels/common/quant.h"
#include "kernels/common/unary_lut.h"
#include "kernels/optimized/fallback.h"
#include "kernels/optimized/optimized_kernels.h"
#include "kernels/optimized/qs8_add_f64.h"

namespace edgert {
namespace opt {
namespace {

struct UnaryState {
  ReferenceFallback fallback;
  F32VUnaryUkernelFn fn = nullptr;  // f32; nullptr: the reference kernel runs this node
  F32UnaryParams params = {0.f, 0.f, 0.f};
  X8LutUkernelFn lut = nullptr;      // int8 / uint8 with the reference's table
  const uint8_t* table = nullptr;
  size_t element_cost = 4;           // see SplitElements
};

// The microkernels of one op and element type: op (vector op vector), opc
// (vector op scalar b[0]) with `params`, ropc (scalar op vector, called as
// ropc(n, vector, scalar)) with `rparams`.
template <typename T, typename P>
struct BinaryUkernels {
  void (*op)(size_t, const T*, const T*, T*, const P*) = nullptr;
  void (*opc)(size_t, const T*, const T*, T*, const P*) = nullptr;
  void (*ropc)(size_t, const T*, const T*, T*, const P*) = nullptr;
  P params = {}, rparams = {};
};

struct BinaryState {
  ReferenceFallback fallback;
  BinaryBroadcastPlan plan;  // kNotCovered: the reference kernel runs this node
  // One of these is set (its op != nullptr) on covered nodes.
  BinaryUkernels<float, F32MinMaxParams> f32;
  BinaryUkernels<int8_t, QS8AddParams> qs8_add;  // ADD, SUB
  // Same-shape int8 ADD / SUB in double precision where that was found exact
  // (kernels/optimized/qs8_add_f64.h); runs instead of qs8_add (op only).
  BinaryUkernels<int8_t, QS8AddF64Params> qs8_add_f64;
  BinaryUkernels<int8_t, QS8AddF32Params> qs8_add_f32;  // the same in single precision, tried first
  BinaryUkernels<int8_t, QS8MulParams> qs8_mul;  // MUL
  // kRows plans with short rows: Y repeated tile_reps times in scratch, so
  // that one microkernel call covers tile_reps rows of X.
  int tile_scratch = -1;
  int64_t tile_reps = 1;
};

// Rows of fewer bytes than half this are run several at a time (kRows).
constexpr int64_t kTileBytes = 1024;

// Work units (kernels/common/parallel_tile.h, about one multiply-add each) per
// element, for splitting an elementwise op across threads: memory-bound f32
// arithmetic and table lookups, the f32 transcendental functions, and int8
// ADD / MUL with their fixed-point requantizations.
constexpr size_t kCheapElementCost = 4;
constexpr size_t kTranscendentalElementCost = 16;
constexpr size_t kQS8BinaryElementCost = 32;
constexpr size_t kQS8AddF64ElementCost = 16;
constexpr size_t kQS8AddF32ElementCost = 8;

// f(start, count) over [0, n) in contiguous chunks across the node's threads
// (each element is computed alike wherever the chunks end).
template <typename F>
void SplitElements(KernelContext* ctx, size_t n, size_t element_cost, const F& f) {
  const size_t tile = ParallelTile(n, element_cost, ctx->num_threads(), 64);
  if (tile >= n) {
    f(size_t{0}, n);
    return;
  }
  ctx->ParallelFor(n, tile, [&](int, size_t start, size_t count) { f(start, count); });
}

// Runs the plan's microkernel calls (a, b: the node's inputs in order),
// split across the node's threads (every element is computed alike wherever
// a split falls). `tiled` (nullptr: none) has room for `reps` rows of Y: then
// reps rows of X go to one call (Y's row is copied there once per outer
// index, before that index's parallel loop).
template <typename T, typename P>
void RunPlan(KernelContext* ctx, size_t element_cost, const BinaryBroadcastPlan& p, const BinaryUkernels<T, P>& k,
             const T* a, const T* b, T* out, T* tiled = nullptr, int64_t reps = 1) {
  if (p.kind == BinaryBroadcastPlan::kSameShape) {
    SplitElements(ctx, static_cast<size_t>(p.n), element_cost,
                  [&](size_t start, size_t count) { k.op(count, a + start, b + start, out + start, &k.params); });
    return;
  }
  // kRows: X (full) is [outer, rows, inner], Y (broadcast) is [outer, inner].
  const T* x = p.broadcast_first ? b : a;
  const T* y = p.broadcast_first ? a : b;
  const size_t inner = static_cast<size_t>(p.inner), rows = static_cast<size_t>(p.rows);
  const size_t outer = static_cast<size_t>(p.outer);
  const int threads = ctx->num_threads();
  if (inner == 1) {  // one scalar of Y per outer index: outer indices split
    const size_t tile = ParallelTile(outer, rows * element_cost, threads, 1);
    ctx->ParallelFor(outer, tile, [&](int, size_t start, size_t count) {
      for (size_t o = start; o < start + count; ++o) {
        if (p.broadcast_first)
          k.ropc(rows, x + o * rows, y + o, out + o * rows, &k.rparams);
        else
          k.opc(rows, x + o * rows, y + o, out + o * rows, &k.params);
      }
    });
    return;
  }
  // Rows of X in calls of `per_call` rows (Y tiled, or one row), split in
  // groups of whole calls.
  const size_t per_call = tiled != nullptr && reps > 1 ? static_cast<size_t>(reps) : 1;
  const T* yrow = per_call > 1 ? tiled : nullptr;
  const size_t calls = (rows + per_call - 1) / per_call;
  const size_t tile = ParallelTile(calls, per_call * inner * element_cost, threads, 1);
  for (size_t o = 0; o < outer; ++o) {
    if (yrow != nullptr)
      for (size_t r = 0; r < per_call; ++r) std::memcpy(tiled + r * inner, y + o * inner, inner * sizeof(T));
    const T* yo = yrow != nullptr ? yrow : y + o * inner;
    ctx->ParallelFor(calls, tile, [&](int, size_t start, size_t count) {
      for (size_t i = start; i < start + count; ++i) {
        const size_t r = i * per_call;
        const size_t n = std::min(per_call, rows - r) * inner;
        const size_t off = (o * rows + r) * inner;
        if (p.broadcast_first)
          k.op(n, yo, x + off, out + off, &k.params);
        else
          k.op(n, x + off, yo, out + off, &k.params);
      }
    });
  }
}

// The int8 microkernels of `op` for a node whose reference state is
// `reference_state`; false where the ISA table lacks them.
bool PrepareQS8Binary(QS8BinaryOp op, const void* reference_state, BinaryState* s) {
  const KernelIsa& isa = GetKernelIsa();
  if (op == QS8BinaryOp::kAdd) {
    QS8AddParams q;
    if (isa.qs8_vadd == nullptr || isa.qs8_vbinary.addc == nullptr || !ref::QS8AddParamsOf(reference_state, &q))
      return false;
    // Scalar + vector: the vector-scalar kernel with the operands' roles swapped.
    QS8AddParams r = q;
    std::swap(r.offset1, r.offset2);
    std::swap(r.multiplier1, r.multiplier2);
    std::swap(r.shift1, r.shift2);
    s->qs8_add.op = isa.qs8_vadd;
    s->qs8_add.opc = s->qs8_add.ropc = isa.qs8_vbinary.addc;
    s->qs8_add.params = q;
    s->qs8_add.rparams = r;
    return true;
  }
  if (op == QS8BinaryOp::kMul) {
    QS8MulParams q;
    if (isa.qs8_vbinary.mul == nullptr || isa.qs8_vbinary.mulc == nullptr || !ref::QS8MulParamsOf(reference_state, &q))
      return false;
    s->qs8_mul.op = isa.qs8_vbinary.mul;
    s->qs8_mul.opc = s->qs8_mul.ropc = isa.qs8_vbinary.mulc;
    s->qs8_mul.params = q;
    s->qs8_mul.rparams = q;
    std::swap(s->qs8_mul.rparams.offset1, s->qs8_mul.rparams.offset2);
    return true;
  }
  return false;
}

// Dim d of s right-aligned to rank r (1 where s has no such dim).
int32_t AlignedDim(const Shape& s, int r, int d) {
  const int k = d - (r - s.rank);
  return k < 0 ? 1 : s.dims[k];
}

}  // namespace

F32VUnaryUkernelFn FusableActivation(schema::OpType type, const OpKernel* kernel) {
  const KernelIsa& isa = GetKernelIsa();
  switch (type) {
    case schema::OpType_HARD_SWISH: return kernel == Register_HARD_SWISH() ? isa.f32_vunary.hswish : nullptr;
    case schema::OpType_LOGISTIC: return kernel == Register_LOGISTIC() ? isa.f32_vunary.sigmoid : nullptr;
    case schema::OpType_TANH: return kernel == Register_TANH() ? isa.f32_vunary.tanh : nullptr;
    default: return nullptr;
  }
}

Status PrepareUnaryElementwise(KernelContext* ctx, const OpKernel* ref, F32VUnaryUkernelFn fn,
                               const F32UnaryParams& params, bool ref_builds_lut) {
  UnaryState* s = nullptr;
  EDGERT_RETURN_IF_ERROR(PrepareWithFallback(ctx, ref, &s));
  const DType dtype = ctx->input(0)->dtype;
  if (fn != nullptr && dtype == DType::kF32) {
    s->fn = fn;
    s->params = params;
    // Clamp-like ops (RELU, RELU6, LEAKY_RELU) are memory-bound; the rest
    // evaluate a polynomial or more per element.
    const KernelIsa& isa = GetKernelIsa();
    const bool cheap = fn == isa.f32_vunary.clamp || fn == isa.f32_vunary.lrelu || fn == isa.f32_vunary.hswish;
    s->element_cost = cheap ? kCheapElementCost : kTranscendentalElementCost;
  }
  const X8LutUkernelFn lut = GetKernelIsa().x8.lut;
  if (ref_builds_lut && lut != nullptr && (dtype == DType::kI8 || dtype == DType::kU8)) {
    const UnaryLut* table = static_cast<const UnaryLut*>(s->fallback.state);
    // Inputs without a defined result are reported by the reference eval.
    if (table != nullptr && !table->has_undefined) {
      s->lut = lut;
      s->table = table->table;
    }
  }
  return Status::Ok();
}

Status EvalUnaryElementwise(KernelContext* ctx) {
  const UnaryState& s = *ctx->state<UnaryState>();
  const Tensor* in = ctx->input(0);
  const size_t n = static_cast<size_t>(in->NumElements());
  if (s.lut != nullptr) {
    const uint8_t* x = static_cast<const uint8_t*>(in->data);
    uint8_t* y = static_cast<uint8_t*>(ctx->output(0)->data);
    SplitElements(ctx, n, kCheapElementCost,
                  [&](size_t start, size_t count) { s.lut(count, x + start, y + start, s.table); });
    return Status::Ok();
  }
  if (s.fn == nullptr) return s.fallback.Eval(ctx);
  const float* x = in->data_as<float>();
  float* y = ctx->output(0)->data_as<float>();
  SplitElements(ctx, n, s.element_cost, [&](size_t start, size_t count) { s.fn(count, x + start, y + start, &s.params); });
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
                                QS8BinaryOp qs8) {
  BinaryState* s = nullptr;
  EDGERT_RETURN_IF_ERROR(PrepareWithFallback(ctx, ref, &s));
  // The reference prepare validated the operands (equal dtypes, broadcastable
  // shapes, a valid activation); only coverage is decided here.
  const Tensor* a = ctx->input(0);
  const Tensor* b = ctx->input(1);
  const BinaryBroadcastPlan plan = ClassifyBinaryBroadcast(a->shape, b->shape);
  if (plan.kind == BinaryBroadcastPlan::kNotCovered) return Status::Ok();
  if (a->dtype == DType::kI8) {
    if (!PrepareQS8Binary(qs8, s->fallback.state, s)) return Status::Ok();
    s->plan = plan;
    // The floating-point forms have only the vector-vector kernel, which
    // RunPlan uses for same-shape operands and for broadcast rows of more
    // than one value.
    const KernelIsa& isa = GetKernelIsa();
    const bool vector_only = plan.kind == BinaryBroadcastPlan::kSameShape ||
                             (plan.kind == BinaryBroadcastPlan::kRows && plan.inner > 1);
    if (vector_only && s->qs8_add.op != nullptr) {
      if (MakeExactQS8AddF32(s->qs8_add.params, s->qs8_add.op, isa.qs8_vadd_f32, &s->qs8_add_f32.params))
        s->qs8_add_f32.op = isa.qs8_vadd_f32;
      else if (MakeExactQS8AddF64(s->qs8_add.params, s->qs8_add.op, isa.qs8_vadd_f64, &s->qs8_add_f64.params))
        s->qs8_add_f64.op = isa.qs8_vadd_f64;
    }
    if (plan.kind == BinaryBroadcastPlan::kRows && plan.inner > 1 && plan.inner < kTileBytes / 2 && plan.rows > 1) {
      s->tile_reps = std::min<int64_t>(kTileBytes / plan.inner, plan.rows);
      EDGERT_RETURN_IF_ERROR(ctx->RequestScratch(static_cast<size_t>(s->tile_reps * plan.inner), &s->tile_scratch));
    }
    return Status::Ok();
  }
  if (fns.op == nullptr || a->dtype != DType::kF32) return Status::Ok();
  schema::Activation act = schema::Activation_NONE;
  if (const auto* opts = ctx->options<schema::BinaryOptions>()) act = opts->activation();
  F32MinMaxParams minmax = {0.f, 0.f};
  ActivationRangeFloat(act, &minmax.min, &minmax.max);
  s->f32.op = fns.op;
  s->f32.opc = fns.opc;
  s->f32.ropc = fns.ropc;
  s->f32.params = s->f32.rparams = minmax;
  s->plan = plan;
  const int64_t row_bytes = plan.inner * static_cast<int64_t>(sizeof(float));
  if (plan.kind == BinaryBroadcastPlan::kRows && plan.inner > 1 && row_bytes < kTileBytes / 2 && plan.rows > 1) {
    s->tile_reps = std::min<int64_t>(kTileBytes / row_bytes, plan.rows);
    EDGERT_RETURN_IF_ERROR(
        ctx->RequestScratch(static_cast<size_t>(s->tile_reps * row_bytes), &s->tile_scratch));
  }
  return Status::Ok();
}

Status EvalBinaryElementwise(KernelContext* ctx) {
  const BinaryState& s = *ctx->state<BinaryState>();
  const BinaryBroadcastPlan& p = s.plan;
  if (p.kind == BinaryBroadcastPlan::kNotCovered) return s.fallback.Eval(ctx);
  const Tensor* a = ctx->input(0);
  const Tensor* b = ctx->input(1);
  Tensor* out = ctx->output(0);
  int8_t* tiled = s.tile_scratch >= 0 ? static_cast<int8_t*>(ctx->scratch(s.tile_scratch)) : nullptr;
  // The floating-point forms: plans where RunPlan calls op alone.
  if (s.qs8_add_f32.op != nullptr) {
    RunPlan(ctx, kQS8AddF32ElementCost, p, s.qs8_add_f32, a->data_as<int8_t>(), b->data_as<int8_t>(),
            out->data_as<int8_t>(), tiled, s.tile_reps);
  } else if (s.qs8_add_f64.op != nullptr) {
    RunPlan(ctx, kQS8AddF64ElementCost, p, s.qs8_add_f64, a->data_as<int8_t>(), b->data_as<int8_t>(),
            out->data_as<int8_t>(), tiled, s.tile_reps);
  } else if (s.qs8_add.op != nullptr) {
    RunPlan(ctx, kQS8BinaryElementCost, p, s.qs8_add, a->data_as<int8_t>(), b->data_as<int8_t>(),
            out->data_as<int8_t>(), tiled, s.tile_reps);
  } else if (s.qs8_mul.op != nullptr) {
    RunPlan(ctx, kQS8BinaryElementCost, p, s.qs8_mul, a->data_as<int8_t>(), b->data_as<int8_t>(),
            out->data_as<int8_t>(), tiled, s.tile_reps);
  } else {
    float* tiled_f32 = s.tile_scratch >= 0 ? static_cast<float*>(ctx->scratch(s.tile_scratch)) : nullptr;
    RunPlan(ctx, kCheapElementCost, p, s.f32, a->data_as<float>(), b->data_as<float>(), out->data_as<float>(),
            tiled_f32, s.tile_reps);
  }
  return Status::Ok();
}

}  // namespace opt
}  // namespace edgert
