// MEAN over constant axes (i32/i64; negative wrap, duplicates ignored), keep_dims.
//   f32: sum in double, divided by the count (an empty reduction gives NaN).
//   i32: sum in int64, divided by the count with truncation toward zero (TFLite).
//   i8/u8 (per-tensor quantized input and output): TFLite's integer
//     QuantizedMeanOrSum: acc = sum(q_in) - zp_in * n in int32, then
//     MultiplyByQuantizedMultiplier with the multiplier of s_in / s_out folded
//     with 1/n the way TFLite does it (multiplier << k / n, shift - k with
//     k = min(floor(log2 n), 32, 31 + shift)), plus zp_out, clamped.
#include <cstdint>
#include <limits>

#include "kernels/common/shape_reduce.h"
#include "kernels/reference/reference_kernels.h"

namespace edgert {
namespace ref {
namespace {

// The mean of each output's n inputs, from their sum.
struct MeanOfSum {
  static float Float(double sum, int64_t n) {
    return n == 0 ? std::numeric_limits<float>::quiet_NaN() : static_cast<float>(sum / static_cast<double>(n));
  }
  static int32_t Int32(int64_t sum, int64_t n) { return n == 0 ? 0 : static_cast<int32_t>(sum / n); }
  // The multiplier already holds 1/n (folded in Prepare).
  static int32_t Quantized(int64_t sum, int64_t n, const QuantizedSumParams& q) {
    return n == 0 ? q.out_zero_point : RequantizeSum(sum, n, q);
  }
};

}  // namespace

static Status Prepare(KernelContext* ctx) {
  SumReduceState* s = nullptr;
  EDGERT_RETURN_IF_ERROR(PrepareSumReduce(ctx, "MEAN", &s));
  const int64_t n = s->g.reduce_count;
  const DType t = ctx->input(0)->dtype;
  if ((t == DType::kI8 || t == DType::kU8) && n > 1) {
    // Fold 1/n into the multiplier of s_in / s_out the way TFLite does.
    int k = 0;
    while ((n >> (k + 1)) != 0) ++k;  // floor(log2(n)) = 63 - clz(n)
    if (k > 32) k = 32;
    if (k > 31 + s->q.shift) k = 31 + s->q.shift;
    if (k < 0) k = 0;
    s->q.multiplier = static_cast<int32_t>((static_cast<int64_t>(s->q.multiplier) << k) / n);
    s->q.shift -= k;
  }
  return Status::Ok();
}

static Status Eval(KernelContext* ctx) { return EvalSumReduce<MeanOfSum>(ctx); }

const OpKernel* Register_MEAN() {
  static const OpKernel kernel = {"MEAN/reference", Prepare, Eval, kNoFlags};
  return &kernel;
}

}  // namespace ref
}  // namespace edgert
