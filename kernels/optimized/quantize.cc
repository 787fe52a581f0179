// QUANTIZE optimized kernel. Prepare runs the reference prepare (validation,
// output shape), then covers:
// - f32 -> int8 / uint8 with per-tensor parameters, through the f32->x8
//   conversion microkernel (the reference's arithmetic: the correctly rounded
//   quotient by the scale, rounded half away from zero, NaN to the zero
//   point, saturation; the microkernels multiply by the reciprocal and divide
//   only near halves, kernels/x86/x8_vcvt_avx2.h);
// - int8 / uint8 -> int8 / uint8 requantization, through a 256-entry table
//   filled once with the reference's fixed-point formula.
// Both are bit-identical to the reference. Per-channel and int16 nodes, and
// every node at the reference ISA level, run the reference kernel. The
// elements are split across threads.
#include <algorithm>
#include <cstring>

#include "kernels/common/parallel_tile.h"
#include "kernels/common/quant.h"
#include "kernels/dispatch.h"
#include "kernels/optimized/fallback.h"
#include "kernels/optimized/optimized_kernels.h"
#include "kernels/reference/reference_kernels.h"

namespace edgert {
namespace opt {
namespace {

struct QuantizeState {
  ReferenceFallback fallback;
  F32QS8VCvtUkernelFn to_qs8 = nullptr;  // at most one of these three is set
  F32QU8VCvtUkernelFn to_qu8 = nullptr;
  const uint8_t* table = nullptr;  // requantization: stored input byte -> stored output byte
  F32QuantizeParams params = {1.f, 0, 0, 0};
  size_t tile = 1;
};

bool IsX8(DType t) { return t == DType::kI8 || t == DType::kU8; }

Status Prepare(KernelContext* ctx) {
  QuantizeState* s = nullptr;
  EDGERT_RETURN_IF_ERROR(PrepareWithFallback(ctx, ref::Register_QUANTIZE(), &s));
  const KernelIsa& isa = GetKernelIsa();
  if (isa.level == IsaLevel::kReference) return Status::Ok();
  const Tensor* in = ctx->input(0);
  const Tensor* out = ctx->output(0);
  if (!IsX8(out->dtype)) return Status::Ok();
  const int32_t qmin = QuantizedMin(out->dtype), qmax = QuantizedMax(out->dtype);
  const int32_t out_zp = out->quant.zero_point[0];
  if (in->dtype == DType::kF32) {
    if (out->quant.per_channel()) return Status::Ok();
    s->params = {out->quant.scale[0], out_zp, qmin, qmax};
    if (out->dtype == DType::kI8) s->to_qs8 = isa.x8.f32_qs8_vcvt;
    else s->to_qu8 = isa.x8.f32_qu8_vcvt;
    if (s->to_qs8 == nullptr && s->to_qu8 == nullptr) return Status::Ok();
  } else if (IsX8(in->dtype)) {
    // The reference's requantization (it validated per-tensor parameters).
    int32_t multiplier = 0;
    int shift = 0;
    QuantizeMultiplier(static_cast<double>(in->quant.scale[0]) / out->quant.scale[0], &multiplier, &shift);
    const int32_t in_zp = in->quant.zero_point[0];
    uint8_t* table = static_cast<uint8_t*>(ctx->AllocatePersistent(256));
    if (table == nullptr) return ctx->Error(StatusCode::kOutOfMemory, "out of memory for op state");
    for (int byte = 0; byte < 256; ++byte) {
      const int32_t q = in->dtype == DType::kI8 ? static_cast<int8_t>(byte) : byte;
      const int32_t v = MultiplyByQuantizedMultiplier(q - in_zp, multiplier, shift) + out_zp;
      table[byte] = static_cast<uint8_t>(std::min(std::max(v, qmin), qmax));
    }
    s->table = table;
  } else {
    return Status::Ok();
  }
  s->tile = ParallelTile(static_cast<size_t>(in->NumElements()), 4, ctx->num_threads(), 64);
  return Status::Ok();
}

Status Eval(KernelContext* ctx) {
  const QuantizeState& s = *ctx->state<QuantizeState>();
  if (s.to_qs8 == nullptr && s.to_qu8 == nullptr && s.table == nullptr) return s.fallback.Eval(ctx);
  const Tensor* in = ctx->input(0);
  void* out = ctx->output(0)->data;
  const size_t n = static_cast<size_t>(in->NumElements());
  if (n == 0) return Status::Ok();
  ctx->ParallelFor(n, s.tile, [&](int, size_t start, size_t count) {
    if (s.to_qs8 != nullptr) {
      s.to_qs8(count, in->data_as<float>() + start, static_cast<int8_t*>(out) + start, &s.params);
    } else if (s.to_qu8 != nullptr) {
      s.to_qu8(count, in->data_as<float>() + start, static_cast<uint8_t*>(out) + start, &s.params);
    } else {
      const uint8_t* x = static_cast<const uint8_t*>(in->data) + start;
      uint8_t* y = static_cast<uint8_t*>(out) + start;
      for (size_t i = 0; i < count; ++i) y[i] = s.table[x[i]];
    }
  });
  return Status::Ok();
}

}  // namespace

const OpKernel* Register_QUANTIZE() {
  static const OpKernel kernel = {"QUANTIZE/optimized", Prepare, Eval, kNoFlags};
  return &kernel;
}

}  // namespace opt
}  // namespace edgert
