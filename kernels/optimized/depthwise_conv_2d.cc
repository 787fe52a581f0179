// DEPTHWISE_CONV_2D optimized kernel. Covered: f32, depth_multiplier 1,
// constant weights and bias, any stride, dilation and padding, when the ISA
// table has an f32 depthwise microkernel; every other node runs the reference
// kernel (decided in prepare). int8 nodes with depth_multiplier 1 and constant
// weights run the QS8 path (depthwise_conv_2d_qs8.cc, kernels/optimized/qs8_conv.h)
// when the ISA table has a QS8 depthwise microkernel.
//
// Prepare runs the reference prepare (all validation and the output shape),
// then packs the weights [1,KH,KW,C] once into persistent memory in the
// microkernel's layout: groups of CT channels, each CT bias values followed by
// KH*KW rows of CT weights (zero-padded past C). Eval calls the microkernel on
// each output row with the row's indirection buffer (out_w * KH*KW
// input-pixel pointers, a zeroed persistent buffer of C floats for taps
// outside the input; kernels/common/depthwise_rows.h: cached in persistent
// memory while the input's address stays, or built per row in scratch).
// Threads: output rows (batch x out_h) are split into tiles run by
// ctx->ParallelFor; a row's values do not depend on the tiling, so all thread
// counts give identical results. A fused residual ADD
// (KernelContext::TakeResidualAdd) or HARD_SWISH, LOGISTIC or TANH
// (KernelContext::TakeActivation) runs on each row right after it is computed.
// Without a residual ADD, the node offers its rows on demand (KernelContext::
// OfferRows): a 1x1 CONV_2D reading its output (or its fused activation's)
// alone may compute them a few at a time (kernels/optimized/conv_2d.cc), and
// this node then does not run.
#include <algorithm>

#include "kernels/common/conv_util.h"
#include "kernels/common/depthwise_rows.h"
#include "kernels/common/parallel_tile.h"
#include "kernels/common/quant.h"
#include "kernels/dispatch.h"
#include "kernels/optimized/f32_epilogue.h"
#include "kernels/optimized/fallback.h"
#include "kernels/optimized/optimized_kernels.h"
#include "kernels/optimized/qs8_conv.h"
#include "kernels/reference/reference_kernels.h"

namespace edgert {
namespace opt {
namespace {

// Larger filters (hostile models) stay on the reference kernel, whose work is
// bounded by the input size.
constexpr int64_t kMaxTaps = 1024;

struct DepthwiseState {
  ReferenceFallback fallback;
  F32DwconvUkernelFn dwconv = nullptr;  // nullptr: the reference kernel runs this node
  Window2D window;
  DepthwiseRows<float> rows;
  size_t tile_rows = 0;          // output rows per parallel tile
  const float* zeros = nullptr;  // in_c zeros
  const float* packed = nullptr;
  F32MinMaxParams minmax = {0.f, 0.f};
  F32Epilogue epilogue;  // a fused residual ADD and / or activation, on each row
  QS8DepthwiseConv2D qs8;  // the int8 path when qs8.dwconv != nullptr
};

// Output rows [r0, r0 + n) of the batches x out_h rows, row r written at
// dst + (r - dst_row0) * out_w * channels, each followed by the fused epilogue
// (a residual reads its pixels at the same offsets from dst_row0: only with
// dst_row0 = 0, the node's own output). `built`: DepthwiseRowsBuilt.
void ComputeRows(KernelContext* ctx, const DepthwiseState& s, bool built, int worker, size_t r0, size_t n,
                 float* dst, size_t dst_row0) {
  const Window2D& g = s.window;
  const float* in = ctx->input(0)->data_as<float>();
  const size_t taps = static_cast<size_t>(g.filter_h) * g.filter_w;
  const size_t c = static_cast<size_t>(g.in_c), w = static_cast<size_t>(g.out_w);
  for (size_t r = r0; r < r0 + n; ++r) {
    const float* const* ptrs = DepthwiseRowPointers(ctx, s.rows, built, worker, r, g, in, s.zeros);
    s.dwconv(w, c, taps, ptrs, s.packed, dst + (r - dst_row0) * w * c, &s.minmax);
    if (s.epilogue.any()) s.epilogue.Apply(dst, c, (r - dst_row0) * w, w, 0, c);  // the row's pixels
  }
}

// Output rows on demand (KernelContext::RowSource), for a 1x1 convolution
// that computes this node's rows itself (with the fused activation, if any);
// offered when no residual ADD was fused in. A pass: whether the cached row
// pointers were built for the current input, then rows as in Eval, then the
// cache marked.
uint64_t RowsBegin(const void* state, KernelContext* ctx) {
  const DepthwiseState& s = *static_cast<const DepthwiseState*>(state);
  return DepthwiseRowsBuilt(s.rows, ctx->input(0)->data_as<float>()) ? 1 : 0;
}

void Rows(const void* state, KernelContext* ctx, uint64_t pass, int worker, size_t r0, size_t n, float* dst) {
  ComputeRows(ctx, *static_cast<const DepthwiseState*>(state), pass != 0, worker, r0, n, dst, r0);
}

void RowsEnd(const void* state, KernelContext* ctx) {
  const DepthwiseState& s = *static_cast<const DepthwiseState*>(state);
  MarkDepthwiseRowsBuilt(s.rows, ctx->input(0)->data_as<float>());
}

Status Prepare(KernelContext* ctx) {
  DepthwiseState* s = nullptr;
  EDGERT_RETURN_IF_ERROR(PrepareWithFallback(ctx, ref::Register_DEPTHWISE_CONV_2D(), &s));

  // The reference prepare validated the operands; only coverage is decided here.
  const KernelIsa& isa = GetKernelIsa();
  const Tensor* input = ctx->input(0);
  const Tensor* weights = ctx->input(1);
  const Tensor* bias = ctx->input(2);
  const auto* opt = ctx->options<schema::DepthwiseConv2DOptions>();
  const Shape& is = input->shape;
  const Shape& ws = weights->shape;
  const int64_t taps = static_cast<int64_t>(ws[1]) * ws[2];
  if (input->dtype == DType::kI8) return PrepareQS8DepthwiseConv2D(ctx, &s->qs8);
  if (isa.f32_dwconv.fn == nullptr || !F32WithConstantWeights(ctx) || opt->depth_multiplier() != 1 || taps > kMaxTaps)
    return Status::Ok();

  EDGERT_RETURN_IF_ERROR(PrepareWindow2D(ctx, is, opt->padding(), opt->pads(), ws[1], ws[2], opt->stride_h(),
                                         opt->stride_w(), opt->dilation_h(), opt->dilation_w(), &s->window));
  const int c = is[3];
  EDGERT_RETURN_IF_ERROR(PrepareDepthwiseRows(ctx, s->window, &s->rows));
  const size_t rows = static_cast<size_t>(s->window.batches) * static_cast<size_t>(s->window.out_h);
  s->tile_rows = ParallelTile(rows, s->rows.row_pointers * static_cast<size_t>(c), ctx->num_threads(), 1);
  s->zeros = static_cast<const float*>(ctx->AllocatePersistent(static_cast<size_t>(c) * sizeof(float)));
  const int ct = isa.f32_dwconv.channel_tile;
  const int groups = (c + ct - 1) / ct;
  const size_t group_floats = static_cast<size_t>(ct) * (taps + 1);
  bool filled = false;
  float* packed = static_cast<float*>(ctx->AllocatePacked(
      groups * group_floats * sizeof(float), PackedLayoutKey("f32-dwconv", {ct, taps}), &filled));
  if (packed == nullptr || s->zeros == nullptr)
    return ctx->Error(StatusCode::kOutOfMemory, "out of memory for %d packed weight groups", groups);
  const float* w = weights->data_as<float>();
  const float* b = bias != nullptr ? bias->data_as<float>() : nullptr;
  for (int gi = 0; gi < groups && !filled; ++gi) {
    float* dst = packed + gi * group_floats;  // zeroed memory: padding channels stay 0
    for (int j = 0; j < ct && gi * ct + j < c; ++j) {
      const int ch = gi * ct + j;
      if (b != nullptr) dst[j] = b[ch];
      for (int64_t t = 0; t < taps; ++t) dst[(t + 1) * ct + j] = w[t * c + ch];
    }
  }
  s->packed = packed;
  ctx->MarkInputPacked(1);
  ctx->MarkInputPacked(2);
  ActivationRangeFloat(opt->activation(), &s->minmax.min, &s->minmax.max);
  s->dwconv = isa.f32_dwconv.fn;
  TakeF32Epilogue(ctx, &s->epilogue);
  if (s->epilogue.residual == nullptr) {
    KernelContext::RowSource rows;
    rows.state = s;
    rows.ctx = ctx;
    rows.begin = RowsBegin;
    rows.rows = Rows;
    rows.end = RowsEnd;
    ctx->OfferRows(rows);
  }
  return Status::Ok();
}

Status Eval(KernelContext* ctx) {
  const DepthwiseState& s = *ctx->state<DepthwiseState>();
  if (s.qs8.dwconv != nullptr) {
    EvalQS8DepthwiseConv2D(ctx, s.qs8);
    return Status::Ok();
  }
  if (s.dwconv == nullptr) return s.fallback.Eval(ctx);
  const float* in = ctx->input(0)->data_as<float>();
  float* out = ctx->output(0)->data_as<float>();
  const size_t rows = static_cast<size_t>(s.window.batches) * static_cast<size_t>(s.window.out_h);
  const bool built = DepthwiseRowsBuilt(s.rows, in);
  ctx->ParallelFor(rows, s.tile_rows,
                   [&](int worker, size_t r0, size_t nr) { ComputeRows(ctx, s, built, worker, r0, nr, out, 0); });
  MarkDepthwiseRowsBuilt(s.rows, in);
  return Status::Ok();
}

}  // namespace

const OpKernel* Register_DEPTHWISE_CONV_2D() {
  static const OpKernel kernel = {"DEPTHWISE_CONV_2D/optimized", Prepare, Eval, kNoFlags};
  return &kernel;
}

}  // namespace opt
}  // namespace edgert
