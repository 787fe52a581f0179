// DEQUANTIZE optimized kernel: per-tensor int8 / uint8 -> f32 through the
// x8->f32 conversion microkernel (scale * float(q - zero_point), one rounding:
// the reference's arithmetic, bit-identical). Per-channel, int16, f16 and bf16
// nodes, and every node at the reference ISA level, run the reference kernel.
// The elements are split across threads.
#include "kernels/common/parallel_tile.h"
#include "kernels/dispatch.h"
#include "kernels/optimized/fallback.h"
#include "kernels/optimized/optimized_kernels.h"
#include "kernels/reference/reference_kernels.h"

namespace edgert {
namespace opt {
namespace {

struct DequantizeState {
  ReferenceFallback fallback;
  QS8F32VCvtUkernelFn from_qs8 = nullptr;  // at most one set
  QU8F32VCvtUkernelFn from_qu8 = nullptr;
  X8DequantizeParams params = {1.f, 0};
  size_t tile = 1;
};

Status Prepare(KernelContext* ctx) {
  DequantizeState* s = nullptr;
  EDGERT_RETURN_IF_ERROR(PrepareWithFallback(ctx, ref::Register_DEQUANTIZE(), &s));
  const KernelIsa& isa = GetKernelIsa();
  const Tensor* in = ctx->input(0);
  if (in->quant.per_channel()) return Status::Ok();
  if (in->dtype == DType::kI8) s->from_qs8 = isa.x8.qs8_f32_vcvt;
  if (in->dtype == DType::kU8) s->from_qu8 = isa.x8.qu8_f32_vcvt;
  if (s->from_qs8 == nullptr && s->from_qu8 == nullptr) return Status::Ok();
  s->params = {in->quant.scale[0], in->quant.zero_point[0]};
  s->tile = ParallelTile(static_cast<size_t>(in->NumElements()), 2, ctx->num_threads(), 64);
  return Status::Ok();
}

Status Eval(KernelContext* ctx) {
  const DequantizeState& s = *ctx->state<DequantizeState>();
  if (s.from_qs8 == nullptr && s.from_qu8 == nullptr) return s.fallback.Eval(ctx);
  const Tensor* in = ctx->input(0);
  float* out = ctx->output(0)->data_as<float>();
  const size_t n = static_cast<size_t>(in->NumElements());
  if (n == 0) return Status::Ok();
  ctx->ParallelFor(n, s.tile, [&](int, size_t start, size_t count) {
    if (s.from_qs8 != nullptr) s.from_qs8(count, in->data_as<int8_t>() + start, out + start, &s.params);
    else s.from_qu8(count, in->data_as<uint8_t>() + start, out + start, &s.params);
  });
  return Status::Ok();
}

}  // namespace

const OpKernel* Register_DEQUANTIZE() {
  static const OpKernel kernel = {"DEQUANTIZE/optimized", Prepare, Eval, kNoFlags};
  return &kernel;
}

}  // namespace opt
}  // namespace edgert
