// MEAN over constant axes (i32/i64; negative wrap, duplicates ignored), keep_dims.
//   f32: sum in double, divided by the count (an empty reduction gives NaN).
//   i32: sum in int64, divided by the count with truncation toward zero (TFLite).
//   i8/u8 (per-tensor quantized input and output): TFLite's integer
//     QuantizedMeanOrSum: acc = sum(q_in) - zp_in * n in int32, then
//     MultiplyByQuantizedMultiplier with the multiplier of s_in / s_out folded
//     with 1/n the way TFLite does it (multiplier << k / n, shift - k with
//     k = min(floor(log2 n), 32, 31 + shift)), plus zp_out, clamped.
#include <cmath>
#include <cstdint>
#include <limits>

#include "kernels/common/quant.h"
#include "kernels/common/shape_reduce.h"
#include "kernels/common/shape_util.h"
#include "kernels/reference/reference_kernels.h"

namespace edgert {
namespace ref {
namespace {

struct MeanState {
  ReduceGeometry g;
  int scratch = -1;  // num_outputs accumulators of 8 bytes
  int32_t multiplier = 0;
  int shift = 0;
  int32_t in_zero_point = 0;
  int32_t out_zero_point = 0;
  int32_t q_min = 0, q_max = 0;
};

template <typename T>
void MeanQuantized(const MeanState* s, const Tensor* in, Tensor* out, int64_t* acc) {
  const ReduceGeometry& g = s->g;
  const T* x = static_cast<const T*>(in->data);
  T* y = static_cast<T*>(out->data);
  for (int64_t o = 0; o < g.num_outputs; ++o) acc[o] = 0;
  ForEachReduced(g, [&](int64_t i, int64_t o) { acc[o] += x[i]; });
  for (int64_t o = 0; o < g.num_outputs; ++o) {
    if (g.reduce_count == 0) {
      y[o] = static_cast<T>(s->out_zero_point);
      continue;
    }
    const int32_t shifted = static_cast<int32_t>(acc[o] - static_cast<int64_t>(s->in_zero_point) * g.reduce_count);
    int32_t v = MultiplyByQuantizedMultiplier(shifted, s->multiplier, s->shift) + s->out_zero_point;
    v = v < s->q_min ? s->q_min : (v > s->q_max ? s->q_max : v);
    y[o] = static_cast<T>(v);
  }
}

}  // namespace

static Status Prepare(KernelContext* ctx) {
  const Tensor* in = ctx->input(0);
  if (in == nullptr) return ctx->InvalidModel("missing data input");
  const DType t = in->dtype;
  if (t != DType::kF32 && t != DType::kI32 && t != DType::kI8 && t != DType::kU8)
    return ctx->Unsupported("input '%s' has dtype %s; MEAN supports f32, i32, i8 and u8", in->name, DTypeName(t));
  auto* s = ctx->NewState<MeanState>();
  if (s == nullptr) return ctx->Error(StatusCode::kOutOfMemory, "out of memory for op state");
  EDGERT_RETURN_IF_ERROR(PrepareReduce(ctx, &s->g));
  const Tensor* out = ctx->output(0);

  if (t == DType::kI8 || t == DType::kU8) {
    if (in->quant.count != 1 || out->quant.count != 1)
      return ctx->Unsupported("%s MEAN needs per-tensor quantized input '%s' and output '%s'", DTypeName(t), in->name,
                              out->name);
    const double real = static_cast<double>(in->quant.scale[0]) / static_cast<double>(out->quant.scale[0]);
    int32_t multiplier = 0;
    int shift = 0;
    QuantizeMultiplier(real, &multiplier, &shift);
    const int64_t n = s->g.reduce_count;
    if (n > 1) {
      int k = 0;
      while ((n >> (k + 1)) != 0) ++k;  // floor(log2(n)) = 63 - clz(n)
      if (k > 32) k = 32;
      if (k > 31 + shift) k = 31 + shift;
      if (k < 0) k = 0;
      multiplier = static_cast<int32_t>((static_cast<int64_t>(multiplier) << k) / n);
      shift -= k;
    }
    s->multiplier = multiplier;
    s->shift = shift;
    s->in_zero_point = in->quant.zero_point[0];
    s->out_zero_point = out->quant.zero_point[0];
    s->q_min = QuantizedMin(t);
    s->q_max = QuantizedMax(t);
  } else if (in->is_quantized() || out->is_quantized()) {
    return ctx->Unsupported("quantized %s MEAN is not supported", DTypeName(t));
  }
  const int64_t n_out = s->g.num_outputs;
  return ctx->RequestScratch(static_cast<size_t>(n_out > 0 ? n_out : 1) * 8, &s->scratch);
}

static Status Eval(KernelContext* ctx) {
  const MeanState* s = ctx->state<MeanState>();
  const ReduceGeometry& g = s->g;
  const Tensor* in = ctx->input(0);
  Tensor* out = ctx->output(0);
  void* scratch = ctx->scratch(s->scratch);
  switch (in->dtype) {
    case DType::kF32: {
      double* acc = static_cast<double*>(scratch);
      const float* x = in->data_as<float>();
      float* y = out->data_as<float>();
      for (int64_t o = 0; o < g.num_outputs; ++o) acc[o] = 0.0;
      ForEachReduced(g, [&](int64_t i, int64_t o) { acc[o] += x[i]; });
      for (int64_t o = 0; o < g.num_outputs; ++o)
        y[o] = g.reduce_count == 0 ? std::numeric_limits<float>::quiet_NaN()
                                   : static_cast<float>(acc[o] / static_cast<double>(g.reduce_count));
      break;
    }
    case DType::kI32: {
      int64_t* acc = static_cast<int64_t*>(scratch);
      const int32_t* x = in->data_as<int32_t>();
      int32_t* y = out->data_as<int32_t>();
      for (int64_t o = 0; o < g.num_outputs; ++o) acc[o] = 0;
      ForEachReduced(g, [&](int64_t i, int64_t o) { acc[o] += x[i]; });
      for (int64_t o = 0; o < g.num_outputs; ++o)
        y[o] = g.reduce_count == 0 ? 0 : static_cast<int32_t>(acc[o] / g.reduce_count);
      break;
    }
    case DType::kI8: MeanQuantized<int8_t>(s, in, out, static_cast<int64_t*>(scratch)); break;
    case DType::kU8: MeanQuantized<uint8_t>(s, in, out, static_cast<int64_t*>(scratch)); break;
    default: return ctx->Unsupported("dtype %s", DTypeName(in->dtype));
  }
  return Status::Ok();
}

const OpKernel* Register_MEAN() {
  static const OpKernel kernel = {"MEAN/reference", Prepare, Eval, kNoFlags};
  return &kernel;
}

}  // namespace ref
}  // namespace edgert
