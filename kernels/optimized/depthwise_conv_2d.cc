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
// The other way round, a 1x1 CONV_2D producing the input, read by this node
// alone, and at least 2 * DepthwiseRowsMinBytes(), is computed here when it offers
// its rows (KernelContext::TakeRowSource): each parallel tile of output rows
// runs in steps of a few rows; a step computes the input rows it needs into
// the worker's buffer (keeping those the step before computed), then the
// microkernel runs on them through row pointers into that buffer. The input
// never goes to memory; the rows two tiles share are computed by both. Such a
// node offers no rows itself.
#include <algorithm>
#include <cstring>

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
  // The 1x1 convolution producing the input, computed here (KernelContext::
  // TakeRowSource; source.rows nullptr: none): each parallel tile of
  // source_chunk output rows runs in steps of source_step rows, each step's
  // input rows computed into the worker's buffer of source_buffer_rows rows
  // (the rows the step before also needs are kept), followed by the step's
  // row pointers into it (scratch `source_scratch`, source_slice_bytes each).
  KernelContext::RowSource source;
  size_t source_chunk = 0, source_step = 0, source_buffer_rows = 0, source_slice_bytes = 0;
  int source_scratch = -1;
};

// A worker's input-row buffer of the source path, at most (unless one step's
// rows need more): some rows of a large layer (mobilenet_v2's 112 x 96
// channels are 43 KB a row) kept in L2 between the GEMM writing them and the
// depthwise microkernel reading them.
constexpr size_t kSourceBufferBytes = size_t{192} << 10;

size_t AlignUp64(size_t bytes) { return (bytes + 63) / 64 * 64; }

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

// Takes the 1x1 convolution producing the input when the interpreter offers
// it and the input is at least 2 * DepthwiseRowsMinBytes() (half the L2: a
// smaller one stays in L2 between the two nodes anyway, and fusing
// selfie_segmentation_landscape's 590-660 KB pairs made them slower), and
// sizes the steps and buffers. When
// a 1x1 convolution after this node may compute its rows instead, that is
// preferred unless the input is larger than the output (a stride of 2): with
// equal sizes both save the same traffic, and computing the depthwise rows
// there keeps no input rows from step to step (mobilenet_v2's 56x56x144
// stride-1 pair: 0.433 ms that way, 0.451 ms this way, 1 thread).
Status TakeSourceRows(KernelContext* ctx, DepthwiseState* s) {
  const Window2D& g = s->window;
  if (ctx->input(0)->bytes < 2 * DepthwiseRowsMinBytes()) return Status::Ok();
  if (ctx->RowsWanted() && s->epilogue.residual == nullptr && ctx->input(0)->bytes <= ctx->output(0)->bytes)
    return Status::Ok();
  if (!ctx->TakeRowSource(&s->source)) return Status::Ok();
  const size_t row_bytes = static_cast<size_t>(g.in_w) * static_cast<size_t>(g.in_c) * sizeof(float);
  // Input rows that `m` consecutive output rows read (at most the input's).
  auto input_rows = [&](size_t m) {
    const size_t span = (m - 1) * static_cast<size_t>(g.stride_h) +
                        static_cast<size_t>(g.filter_h - 1) * static_cast<size_t>(g.dilation_h) + 1;
    return std::min(span, static_cast<size_t>(g.in_h));
  };
  const size_t out_h = static_cast<size_t>(g.out_h);
  size_t step = 1;
  while (step < out_h && input_rows(step + 1) * row_bytes <= kSourceBufferBytes) ++step;
  // A tile's first step computes the rows the tile before also computed:
  // few tiles (2 per thread) keep that extra GEMM work small.
  const size_t rows = static_cast<size_t>(g.batches) * out_h;
  const size_t threads = static_cast<size_t>(ctx->num_threads());
  s->source_chunk = threads <= 1 ? rows : std::max<size_t>(1, (rows + 2 * threads - 1) / (2 * threads));
  s->source_step = step;
  s->source_buffer_rows = input_rows(step);
  // Per worker: the buffer, the row pointers of a whole interior step, and
  // those of one row of another step.
  s->source_slice_bytes = AlignUp64(s->source_buffer_rows * row_bytes) +
                          AlignUp64((step + 1) * DepthwiseRowPointerCount(g) * sizeof(float*));
  return ctx->RequestScratch(s->source_slice_bytes * threads, &s->source_scratch);
}

// Eval with the input computed here by the source, tile by tile (see
// DepthwiseState::source): the same microkernel calls on the same values as
// Eval, with row pointers into the worker's buffer.
void EvalFromSource(KernelContext* ctx, const DepthwiseState& s) {
  const Window2D& g = s.window;
  const KernelContext::RowSource& src = s.source;
  const size_t taps = static_cast<size_t>(g.filter_h) * g.filter_w;
  const size_t c = static_cast<size_t>(g.in_c), w = static_cast<size_t>(g.out_w);
  const size_t row_floats = static_cast<size_t>(g.in_w) * c, out_h = static_cast<size_t>(g.out_h);
  const int64_t in_h = g.in_h;
  float* out = ctx->output(0)->data_as<float>();
  uint8_t* scratch = static_cast<uint8_t*>(ctx->scratch(s.source_scratch));
  const uint64_t pass = src.begin(src.state, src.ctx);
  ctx->ParallelFor(static_cast<size_t>(g.batches) * out_h, s.source_chunk, [&](int worker, size_t r0, size_t nr) {
    uint8_t* slice = scratch + static_cast<size_t>(worker) * s.source_slice_bytes;
    float* buffer = reinterpret_cast<float*>(slice);
    const float** ptrs =
        reinterpret_cast<const float**>(slice + AlignUp64(s.source_buffer_rows * row_floats * sizeof(float)));
    const size_t row_pointers = DepthwiseRowPointerCount(g);
    const float** edge_ptrs = ptrs + s.source_step * row_pointers;
    // A step of source_step rows whose input rows are all inside the input (an
    // interior step) reads the buffer the same way as any other: its row
    // pointers are built once per tile (building them per row added about 3 us
    // to selfie_segmentation_landscape's 36x64x16 depthwise, 11.6 us unfused).
    bool interior_built = false;
    int64_t held_batch = -1, held_lo = 0, held_hi = 0;  // input rows [held_lo, held_hi) of held_batch in the buffer
    for (size_t r = r0; r < r0 + nr;) {
      const size_t b = r / out_h, oy = r % out_h;
      const size_t n = std::min({s.source_step, r0 + nr - r, out_h - oy});
      const int64_t first = static_cast<int64_t>(oy) * g.stride_h - g.pad_top;
      const int64_t last = static_cast<int64_t>(oy + n - 1) * g.stride_h - g.pad_top +
                           static_cast<int64_t>(g.filter_h - 1) * g.dilation_h;
      const int64_t lo = std::min(std::max<int64_t>(first, 0), in_h);
      const int64_t hi = std::max(std::min<int64_t>(last + 1, in_h), lo);
      int64_t have = lo;  // rows [lo, have) are in the buffer's first rows
      if (held_batch == static_cast<int64_t>(b) && lo >= held_lo && lo < held_hi) {
        have = std::min(held_hi, hi);
        if (lo > held_lo)
          std::memmove(buffer, buffer + static_cast<size_t>(lo - held_lo) * row_floats,
                       static_cast<size_t>(have - lo) * row_floats * sizeof(float));
      }
      if (hi > have)
        src.rows(src.state, src.ctx, pass, worker, b * static_cast<size_t>(in_h) + static_cast<size_t>(have),
                 static_cast<size_t>(hi - have), buffer + static_cast<size_t>(have - lo) * row_floats);
      held_batch = static_cast<int64_t>(b), held_lo = lo, held_hi = hi;
      // The buffer as the whole input of a one-image window whose row 0 is input row lo.
      Window2D local = g;
      local.batches = 1;
      local.in_h = static_cast<int>(hi - lo);
      local.pad_top = static_cast<int>(lo - static_cast<int64_t>(oy) * g.stride_h + g.pad_top);
      const bool interior = n == s.source_step && lo == first && hi == last + 1;
      if (interior && !interior_built) {
        for (size_t j = 0; j < n; ++j)
          FillDepthwiseRowPointers(local, static_cast<const float*>(buffer), 0, static_cast<int>(j), s.zeros,
                                   ptrs + j * row_pointers);
        interior_built = true;
      }
      for (size_t j = 0; j < n; ++j) {
        const float** row = ptrs + j * row_pointers;
        if (!interior) {
          row = edge_ptrs;
          FillDepthwiseRowPointers(local, static_cast<const float*>(buffer), 0, static_cast<int>(j), s.zeros, row);
        }
        s.dwconv(w, c, taps, row, s.packed, out + (r + j) * w * c, &s.minmax);
        if (s.epilogue.any()) s.epilogue.Apply(out, c, (r + j) * w, w, 0, c);
      }
      r += n;
    }
  });
  src.end(src.state, src.ctx);
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
  EDGERT_RETURN_IF_ERROR(TakeSourceRows(ctx, s));
  if (s->source.rows != nullptr) return Status::Ok();  // its own buffers and pointers (TakeSourceRows)
  // The input in memory: row pointers cached or built per row, parallel tiles of rows.
  EDGERT_RETURN_IF_ERROR(PrepareDepthwiseRows(ctx, s->window, &s->rows));
  const size_t rows = static_cast<size_t>(s->window.batches) * static_cast<size_t>(s->window.out_h);
  s->tile_rows = ParallelTile(rows, s->rows.row_pointers * static_cast<size_t>(c), ctx->num_threads(), 1);
  if (s->epilogue.residual == nullptr) ctx->OfferRows({s, ctx, RowsBegin, Rows, RowsEnd});
  return Status::Ok();
}

Status Eval(KernelContext* ctx) {
  const DepthwiseState& s = *ctx->state<DepthwiseState>();
  if (s.qs8.dwconv != nullptr) {
    EvalQS8DepthwiseConv2D(ctx, s.qs8);
    return Status::Ok();
  }
  if (s.dwconv == nullptr) return s.fallback.Eval(ctx);
  if (s.source.rows != nullptr) {
    EvalFromSource(ctx, s);
    return Status::Ok();
  }
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
