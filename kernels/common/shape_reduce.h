// Shared geometry of the reductions MEAN, SUM, REDUCE_MAX, REDUCE_MIN, REDUCE_PROD:
// inputs data and axes (constant i32/i64; negative axes wrap, duplicates are
// ignored), ReduceOptions.keep_dims.
#pragma once

#include <cstdint>

#include "kernels/common/quant.h"
#include "runtime/kernel_api.h"

namespace edgert {

struct ReduceGeometry {
  Shape in_shape;
  Shape out_shape;
  bool reduced[kMaxRank] = {};
  // For each input dimension, the output element stride it moves (0 along
  // reduced dimensions).
  int64_t out_step[kMaxRank] = {};
  int64_t num_outputs = 0;
  int64_t reduce_count = 0;  // input elements folded into each output
};

// Validates input 0, the axes input 1 and the output; computes and sets the
// output shape. Checks the output dtype equals the input dtype.
Status PrepareReduce(KernelContext* ctx, ReduceGeometry* g);

// Calls f(input_index, output_index) for every input element, in input order.
template <typename F>
void ForEachReduced(const ReduceGeometry& g, F&& f) {
  const int64_t total = g.in_shape.NumElements();
  if (total == 0) return;
  int32_t index[kMaxRank] = {};
  int64_t out = 0;
  const int rank = g.in_shape.rank;
  for (int64_t i = 0; i < total; ++i) {
    f(i, out);
    for (int d = rank - 1; d >= 0; --d) {
      out += g.out_step[d];
      if (++index[d] < g.in_shape.dims[d]) break;
      out -= g.out_step[d] * g.in_shape.dims[d];
      index[d] = 0;
    }
  }
}

// y[o] = fold(...fold(fold(init, x[first]), x[second])...) over the inputs of
// each output. Acc is T, or a wider accumulator type.
template <typename T, typename Acc, typename F>
void ReduceInto(const ReduceGeometry& g, const T* x, Acc* y, Acc init, F fold) {
  for (int64_t o = 0; o < g.num_outputs; ++o) y[o] = init;
  ForEachReduced(g, [&](int64_t i, int64_t o) { y[o] = fold(y[o], x[i]); });
}

// --- REDUCE_MAX and REDUCE_MIN ---
// f32, i32, i64, i16, i8, u8; quantized input and output must share their
// quantization (values are compared raw).

// Validates the data input's dtype and the output (messages name `op`), then
// allocates a ReduceGeometry as the op state and calls PrepareReduce.
Status PrepareMinMaxReduce(KernelContext* ctx, const char* op);

template <typename Op, typename T>
void MinMaxReduceTyped(const ReduceGeometry& g, const Tensor* in, Tensor* out) {
  ReduceInto<T>(g, static_cast<const T*>(in->data), static_cast<T*>(out->data), Op::template Init<T>(),
                [](T acc, T v) { return Op::template Fold<T>(acc, v); });
}

// Eval over the state PrepareMinMaxReduce left. Op provides
//   template <typename T> static T Init();           the value of an empty reduction
//   template <typename T> static T Fold(T acc, T v); acc after one more input v
template <typename Op>
Status EvalMinMaxReduce(KernelContext* ctx) {
  const ReduceGeometry& g = *ctx->state<ReduceGeometry>();
  const Tensor* in = ctx->input(0);
  Tensor* out = ctx->output(0);
  switch (in->dtype) {
    case DType::kF32: MinMaxReduceTyped<Op, float>(g, in, out); break;
    case DType::kI32: MinMaxReduceTyped<Op, int32_t>(g, in, out); break;
    case DType::kI64: MinMaxReduceTyped<Op, int64_t>(g, in, out); break;
    case DType::kI16: MinMaxReduceTyped<Op, int16_t>(g, in, out); break;
    case DType::kI8: MinMaxReduceTyped<Op, int8_t>(g, in, out); break;
    case DType::kU8: MinMaxReduceTyped<Op, uint8_t>(g, in, out); break;
    default: return ctx->Unsupported("dtype %s", DTypeName(in->dtype));
  }
  return Status::Ok();
}

// --- MEAN and SUM ---
// f32 summed in double, i32 in int64, i8/u8 (per-tensor quantized input and
// output) in int64 and requantized as TFLite's QuantizedMeanOrSum does.

// Requantization of a quantized sum of n inputs: MultiplyByQuantizedMultiplier(
// sum - in_zero_point * n, multiplier, shift) + out_zero_point, clamped to [q_min, q_max].
struct QuantizedSumParams {
  int32_t multiplier = 0;
  int shift = 0;
  int32_t in_zero_point = 0;
  int32_t out_zero_point = 0;
  int32_t q_min = 0, q_max = 0;
};

inline int32_t RequantizeSum(int64_t sum, int64_t n, const QuantizedSumParams& q) {
  const int32_t shifted = static_cast<int32_t>(sum - static_cast<int64_t>(q.in_zero_point) * n);
  const int32_t v = MultiplyByQuantizedMultiplier(shifted, q.multiplier, q.shift) + q.out_zero_point;
  return v < q.q_min ? q.q_min : (v > q.q_max ? q.q_max : v);
}

struct SumReduceState {
  ReduceGeometry g;
  int scratch = -1;  // num_outputs accumulators of 8 bytes
  QuantizedSumParams q;  // i8/u8 only
};

// Allocates the state, validates the data input's dtype (f32, i32, i8, u8;
// messages name `op`), calls PrepareReduce, sets q for i8/u8 with the
// multiplier of s_in / s_out, and requests the accumulator scratch.
Status PrepareSumReduce(KernelContext* ctx, const char* op, SumReduceState** state);

// Sums the inputs of each output into acc, then stores y[o] = finish(acc[o], n).
template <typename T, typename Acc, typename F>
void SumReduceTyped(const ReduceGeometry& g, const Tensor* in, Tensor* out, Acc* acc, F finish) {
  ReduceInto(g, static_cast<const T*>(in->data), acc, Acc{0}, [](Acc a, T v) { return a + v; });
  T* y = static_cast<T*>(out->data);
  for (int64_t o = 0; o < g.num_outputs; ++o) y[o] = static_cast<T>(finish(acc[o], g.reduce_count));
}

// Eval over the state PrepareSumReduce left: sums the inputs of each output
// (into the scratch accumulators), then stores Finish's value of each sum.
// Finish provides, with n = the number of inputs folded into each output,
//   static float Float(double sum, int64_t n);
//   static int32_t Int32(int64_t sum, int64_t n);
//   static int32_t Quantized(int64_t sum, int64_t n, const QuantizedSumParams& q);
template <typename Finish>
Status EvalSumReduce(KernelContext* ctx) {
  const SumReduceState* s = ctx->state<SumReduceState>();
  const ReduceGeometry& g = s->g;
  const QuantizedSumParams& q = s->q;
  const Tensor* in = ctx->input(0);
  Tensor* out = ctx->output(0);
  void* scratch = ctx->scratch(s->scratch);
  auto quantized = [&q](int64_t sum, int64_t n) { return Finish::Quantized(sum, n, q); };
  switch (in->dtype) {
    case DType::kF32: SumReduceTyped<float>(g, in, out, static_cast<double*>(scratch), Finish::Float); break;
    case DType::kI32: SumReduceTyped<int32_t>(g, in, out, static_cast<int64_t*>(scratch), Finish::Int32); break;
    case DType::kI8: SumReduceTyped<int8_t>(g, in, out, static_cast<int64_t*>(scratch), quantized); break;
    case DType::kU8: SumReduceTyped<uint8_t>(g, in, out, static_cast<int64_t*>(scratch), quantized); break;
    default: return ctx->Unsupported("dtype %s", DTypeName(in->dtype));
  }
  return Status::Ok();
}

}  // namespace edgert
