// SUM over constant axes (i32/i64; negative wrap, duplicates ignored), keep_dims.
//   f32: summed in double, stored as float.
//   i32: summed in int64, stored modulo 2^32 (int32 wrap-around, as TFLite's int32 add).
//   i8/u8 (per-tensor quantized input and output): TFLite's rescaling
//     QuantizedMeanOrSum(compute_sum): acc = sum(q_in) - zp_in * n in int32,
//     MultiplyByQuantizedMultiplier(acc, QuantizeMultiplier(s_in / s_out)) + zp_out,
//     clamped. (TFLite takes this path when the scales differ; with identical
//     quantization it adds in the 8-bit type and wraps. Here the rescaling
//     path, which saturates, is used in both cases.)
#include <cstdint>

#include "kernels/common/shape_reduce.h"
#include "kernels/reference/reference_kernels.h"

namespace edgert {
namespace ref {
namespace {

// The sum of each output's n inputs, stored in the output type.
struct PlainSum {
  static float Float(double sum, int64_t) { return static_cast<float>(sum); }
  static int32_t Int32(int64_t sum, int64_t) { return static_cast<int32_t>(static_cast<uint32_t>(sum)); }
  static int32_t Quantized(int64_t sum, int64_t n, const QuantizedSumParams& q) { return RequantizeSum(sum, n, q); }
};

}  // namespace

static Status Prepare(KernelContext* ctx) {
  SumReduceState* s = nullptr;
  return PrepareSumReduce(ctx, "SUM", &s);
}

static Status Eval(KernelContext* ctx) { return EvalSumReduce<PlainSum>(ctx); }

const OpKernel* Register_SUM() {
  static const OpKernel kernel = {"SUM/reference", Prepare, Eval, kNoFlags};
  return &kernel;
}

}  // namespace ref
}  // namespace edgert
