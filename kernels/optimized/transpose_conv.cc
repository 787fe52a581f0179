// TRANSPOSE_CONV optimized kernel. Covered: f32 with constant weights and bias
// when the ISA table has an f32 GEMM microkernel and the column buffer below
// fits kMaxColumns, and int8 whose filter taps tile the output exactly
// (stride = filter size, no padding: kernels/optimized/transpose_conv_qs8.cc,
// bit-identical with the reference); every other node runs the reference kernel.
//
// Prepare runs the reference prepare (validation, output shape), recomputes
// the padding before (as the reference: SAME splits max(full - out, 0) / 2,
// EXPLICIT takes the top/left pads, VALID none) and packs the weights
// [O,KH,KW,I] once as a GEMM B matrix of I rows and N = KH*KW*O columns
// (column (ky*KW + kx)*O + o), in the microkernel's panels of NR columns with
// zero bias, and tables of the taps reaching each output row and column.
// Eval:
//  1. GEMM: the input as a pixels x I matrix times B gives, for every input
//     pixel, its contribution to each tap and output channel (columns buffer,
//     scratch of pixels * N floats). Pixel tiles run in parallel.
//  2. col2im in gather form: each output pixel sums, over the taps (ky, kx) in
//     order that reach it from an input pixel (the prepared tables: no index
//     arithmetic here), that pixel's O contributions, then adds the bias and
//     clamps. Output rows run in parallel.
// Filters that tile the output exactly (stride = filter size, no padding, the
// output in * stride: the 2x2 stride-2 upsampling of segmentation decoders)
// skip both steps: each output pixel takes one tap, and the outputs of filter
// row ky for one input row are a contiguous output row segment, so a GEMM per
// (input row, ky) with the ky's KW * O columns (bias packed in) writes them
// in place, with the activation (no column buffer, no gather). Where
// KH * KW * O <= 4 (the 2x2 upsampling to one channel that ends selfie
// segmentation), a GEMM tile would fill at most 4 of its 16 columns; there the
// level's dot microkernel (F32Dot4UkernelFn) computes all taps of a pixel per
// call with its partial sums across the lanes, then the values are copied to
// the KH output rows.
// Each output value is computed by the same arithmetic whatever the tiling, so
// all thread counts give identical results. The sums are grouped differently
// from the reference (per tap over channels, then over taps), so results match
// it within float rounding, not bit for bit.
#include <algorithm>
#include <cstring>
#include <limits>
#include <vector>

#include "kernels/common/conv_util.h"
#include "kernels/common/parallel_tile.h"
#include "kernels/common/quant.h"
#include "kernels/dispatch.h"
#include "kernels/optimized/f32_gemm.h"
#include "kernels/optimized/fallback.h"
#include "kernels/optimized/optimized_kernels.h"
#include "kernels/optimized/qs8_conv.h"
#include "kernels/reference/reference_kernels.h"

namespace edgert {
namespace opt {
namespace {

constexpr int64_t kMaxColumns = int64_t{1} << 25;  // floats of the column buffer (128 MiB)

// Floats of one worker's dot sums (in_w pixels x 4 columns), whole cache lines
// so that neighbouring workers never write the same line.
size_t DotSumFloats(size_t in_w) { return (in_w * 4 + 15) / 16 * 16; }

struct TransposeConvState {
  ReferenceFallback fallback;
  F32GemmUkernelFn gemm = nullptr;  // nullptr: the reference kernel runs this node
  int mr = 0, nr = 0;
  int batches = 0, in_h = 0, in_w = 0, in_c = 0, out_h = 0, out_w = 0, out_c = 0;
  int filter_h = 0, filter_w = 0, stride_h = 0, stride_w = 0, pad_top = 0, pad_left = 0;
  int n = 0;            // GEMM columns: filter_h * filter_w * out_c
  int scratch = -1;     // the column buffer
  size_t tile_pixels = 0, tile_rows = 0;
  const float* packed = nullptr;
  const float* bias = nullptr;  // out_c values or nullptr
  // The taps reaching each output row / column, in tap order, as float offsets
  // into one image's column buffer: output row oy takes row_off[row_begin[oy] ..
  // row_begin[oy + 1]) (y * in_w * N + ky * KW * O), column ox likewise
  // col_off (x * N + kx * O).
  const int32_t* row_begin = nullptr;
  const int64_t* row_off = nullptr;
  const int32_t* col_begin = nullptr;
  const int64_t* col_off = nullptr;
  F32MinMaxParams minmax = {0.f, 0.f};
  // Exact tiling: direct.gemm != nullptr; filter_h packed B matrices of
  // KW * O columns (kx * O + o), direct_panel_floats apart; tiles of
  // tile_units (image, input row, ky) units.
  F32Gemm direct;
  // Exact tiling with at most 4 taps x output channels (KH * KW * O <= 4) and
  // a dot microkernel: dot4 != nullptr, the weights packed for it (4 biases,
  // then a row of kc16 per tap column (ky * KW + kx) * O + o), and per worker
  // a row of in_w * 4 sums (dot_scratch) split into the KH output rows.
  F32Dot4UkernelFn dot4 = nullptr;
  const float* packed_dot4 = nullptr;
  int dot_scratch = -1;
  size_t tile_rows_dot = 0;
  size_t direct_panel_floats = 0;
  size_t tile_units = 0;
  QS8TransposeConv qs8;  // int8 nodes: qs8.gemm or qs8.dot4 != nullptr
};

int PadBefore(schema::Padding padding, int in, int k, int stride, int explicit_before, int out) {
  if (padding == schema::Padding_EXPLICIT) return explicit_before;
  if (padding != schema::Padding_SAME) return 0;
  const int64_t total = static_cast<int64_t>(in - 1) * stride + k - out;
  return total > 0 ? static_cast<int>(total / 2) : 0;
}

// Calls fn(k, i) for each tap k in [0, filter), in order, through which input
// index i in [0, size) reaches output index o: o + pad = i * stride + k.
template <typename Fn>
void ForEachSource(int o, int pad, int filter, int stride, int size, Fn fn) {
  const int64_t t = static_cast<int64_t>(o) + pad;
  for (int k = 0; k < filter; ++k) {
    const int64_t ts = t - k;
    if (ts < 0) break;
    if (ts % stride != 0) continue;
    const int64_t i = ts / stride;
    if (i < size) fn(k, static_cast<int>(i));
  }
}

// Builds one axis's tap table in persistent memory: begin (out + 1 entries) and
// offsets tap_step * k + source_step * i of the taps of each output index.
Status AxisTaps(KernelContext* ctx, int out, int pad, int filter, int stride, int size, int64_t tap_step,
                int64_t source_step, const int32_t** begin, const int64_t** offsets) {
  int64_t total = 0;
  for (int o = 0; o < out; ++o) ForEachSource(o, pad, filter, stride, size, [&](int, int) { ++total; });
  auto* b = static_cast<int32_t*>(ctx->AllocatePersistent(static_cast<size_t>(out + 1) * sizeof(int32_t)));
  auto* off = static_cast<int64_t*>(ctx->AllocatePersistent(static_cast<size_t>(total + 1) * sizeof(int64_t)));
  if (b == nullptr || off == nullptr) return ctx->Error(StatusCode::kOutOfMemory, "out of memory for tap tables");
  int32_t n = 0;
  for (int o = 0; o < out; ++o) {
    b[o] = n;
    ForEachSource(o, pad, filter, stride, size, [&](int k, int i) { off[n++] = tap_step * k + source_step * i; });
  }
  b[out] = n;
  *begin = b;
  *offsets = off;
  return Status::Ok();
}

// Exact tiling with KH * KW * O <= 4 and the level's dot microkernel: one
// call per input row computes every tap of every pixel with all 16 lanes
// busy (a GEMM tile would fill KW * O of them).
Status PrepareDot4(KernelContext* ctx, TransposeConvState* s) {
  const size_t ic = static_cast<size_t>(s->in_c), kc16 = (ic + 15) / 16 * 16;
  const size_t cols = static_cast<size_t>(s->filter_h) * s->filter_w * s->out_c;
  const size_t floats = 4 + 4 * kc16;
  bool filled = false;
  float* packed = static_cast<float*>(
      ctx->AllocatePacked(floats * sizeof(float), PackedLayoutKey("f32-deconv-dot4", {s->in_c}), &filled));
  if (packed == nullptr) return ctx->Error(StatusCode::kOutOfMemory, "out of memory for packed transposed weights");
  if (!filled) {
    std::fill(packed, packed + floats, 0.f);
    const float* w = ctx->input(1)->data_as<float>();  // [O, KH, KW, I]
    for (size_t j = 0; j < cols; ++j) {  // j = (ky * KW + kx) * O + o
      const size_t o = j % static_cast<size_t>(s->out_c), tap = j / static_cast<size_t>(s->out_c);
      const float* src = w + (o * static_cast<size_t>(s->filter_h * s->filter_w) + tap) * ic;
      std::copy(src, src + ic, packed + 4 + j * kc16);
      if (s->bias != nullptr) packed[j] = s->bias[o];
    }
  }
  s->packed_dot4 = packed;
  ctx->MarkInputPacked(1);
  if (s->bias != nullptr) ctx->MarkInputPacked(2);
  EDGERT_RETURN_IF_ERROR(ctx->RequestScratch(
      DotSumFloats(static_cast<size_t>(s->in_w)) * sizeof(float) * static_cast<size_t>(ctx->num_threads()),
      &s->dot_scratch));
  const size_t rows = static_cast<size_t>(s->batches) * s->in_h;
  s->tile_rows_dot = ParallelTile(rows, static_cast<size_t>(s->in_w) * 4 * ic, ctx->num_threads(), 1);
  s->dot4 = GetKernelIsa().f32_dot4;
  return Status::Ok();
}

// Exact tiling with the dot microkernel: input row y gives output rows
// y * KH + ky, each pixel's KW * O values of filter row ky at x * KW * O.
void EvalDot4(KernelContext* ctx, const TransposeConvState& s) {
  const float* in = ctx->input(0)->data_as<float>();
  float* out = ctx->output(0)->data_as<float>();
  const size_t ic = static_cast<size_t>(s.in_c), in_w = static_cast<size_t>(s.in_w);
  const size_t kh = static_cast<size_t>(s.filter_h), row_cols = static_cast<size_t>(s.filter_w) * s.out_c;
  const size_t cols = kh * row_cols;
  ctx->ParallelFor(static_cast<size_t>(s.batches) * s.in_h, s.tile_rows_dot, [&](int worker, size_t r0, size_t nr) {
    float* sums = static_cast<float*>(ctx->scratch(s.dot_scratch)) + static_cast<size_t>(worker) * DotSumFloats(in_w);
    for (size_t r = r0; r < r0 + nr; ++r) {  // r = image * in_h + y
      s.dot4(in_w, cols, ic, in + r * in_w * ic, ic, s.packed_dot4, sums, 4, &s.minmax);
      for (size_t ky = 0; ky < kh; ++ky) {
        float* dst = out + (r * kh + ky) * in_w * row_cols;
        const float* src = sums + ky * row_cols;
        for (size_t x = 0; x < in_w; ++x, dst += row_cols, src += 4) std::copy_n(src, row_cols, dst);
      }
    }
  });
}

// Exact tiling (see the top of the file): packs, per filter row ky, the
// KW * O columns (kx * O + o) with the bias as a GEMM B over I rows.
Status PrepareDirect(KernelContext* ctx, TransposeConvState* s) {
  const size_t cols = static_cast<size_t>(s->filter_w) * s->out_c, ic = static_cast<size_t>(s->in_c);
  s->direct = GetF32Gemm(cols);
  const size_t nr = s->direct.nr;
  s->direct_panel_floats = PackedGemmFloats(cols, ic, nr);
  bool filled = false;
  float* packed = static_cast<float*>(
      ctx->AllocatePacked(static_cast<size_t>(s->filter_h) * s->direct_panel_floats * sizeof(float),
                          PackedLayoutKey("f32-deconv-rows-b", {static_cast<int>(nr), s->in_c}), &filled));
  if (packed == nullptr) return ctx->Error(StatusCode::kOutOfMemory, "out of memory for packed transposed weights");
  if (!filled) {
    const float* w = ctx->input(1)->data_as<float>();  // [O, KH, KW, I]
    std::vector<float> b(cols * ic), bias(cols, 0.f);  // B^T of one filter row: column j's I weights
    for (int ky = 0; ky < s->filter_h; ++ky) {
      for (size_t j = 0; j < cols; ++j) {
        const size_t kx = j / s->out_c, o = j % s->out_c;
        const float* src = w + ((o * s->filter_h + ky) * s->filter_w + kx) * ic;
        std::copy(src, src + ic, b.begin() + static_cast<std::ptrdiff_t>(j * ic));
        if (s->bias != nullptr) bias[j] = s->bias[o];
      }
      PackGemmB(cols, ic, b.data(), 1, ic, bias.data(), nr, packed + ky * s->direct_panel_floats);
    }
  }
  s->packed = packed;
  ctx->MarkInputPacked(1);
  if (s->bias != nullptr) ctx->MarkInputPacked(2);
  const size_t units = static_cast<size_t>(s->batches) * s->in_h * s->filter_h;
  s->tile_units = ParallelTile(units, static_cast<size_t>(s->in_w) * cols * ic, ctx->num_threads(), 1);
  return Status::Ok();
}

// Exact tiling: unit u = (image * in_h + y) * KH + ky computes output row
// y * KH + ky of that image from input row y.
void EvalDirect(KernelContext* ctx, const TransposeConvState& s) {
  const float* in = ctx->input(0)->data_as<float>();
  float* out = ctx->output(0)->data_as<float>();
  const size_t ic = static_cast<size_t>(s.in_c), in_w = static_cast<size_t>(s.in_w);
  const size_t kh = static_cast<size_t>(s.filter_h), cols = static_cast<size_t>(s.filter_w) * s.out_c;
  const size_t mr = s.direct.mr;
  ctx->ParallelFor(static_cast<size_t>(s.batches) * s.in_h * kh, s.tile_units, [&](int, size_t u0, size_t nu) {
    for (size_t u = u0; u < u0 + nu; ++u) {
      const size_t ky = u % kh, image_row = u / kh;  // image_row = image * in_h + y
      const float* a = in + image_row * in_w * ic;
      float* c = out + (image_row * kh + ky) * in_w * cols;  // output row (image * out_h + y * KH + ky)
      const float* w = s.packed + ky * s.direct_panel_floats;
      for (size_t x = 0; x < in_w; x += mr)
        s.direct.gemm(std::min(mr, in_w - x), cols, ic, a + x * ic, ic, w, c + x * cols, cols, &s.minmax);
    }
  });
}

Status Prepare(KernelContext* ctx) {
  TransposeConvState* s = nullptr;
  EDGERT_RETURN_IF_ERROR(PrepareWithFallback(ctx, ref::Register_TRANSPOSE_CONV(), &s));
  const KernelIsa& isa = GetKernelIsa();
  const Tensor* input = ctx->input(0);
  const Tensor* weights = ctx->input(1);
  const Tensor* bias = ctx->input(2);
  const Tensor* output = ctx->output(0);
  const auto* opt = ctx->options<schema::TransposeConvOptions>();
  if (input->dtype == DType::kI8) {
    int qpads[4];
    EDGERT_RETURN_IF_ERROR(ReadPadding(ctx, opt->padding(), opt->pads(), qpads));
    const Shape& ws = weights->shape;
    return PrepareQS8TransposeConv(
        ctx, PadBefore(opt->padding(), input->shape[1], ws[1], opt->stride_h(), qpads[0], output->shape[1]),
        PadBefore(opt->padding(), input->shape[2], ws[2], opt->stride_w(), qpads[1], output->shape[2]), &s->qs8);
  }
  if (isa.f32_gemm.fn == nullptr || !F32WithConstantWeights(ctx)) return Status::Ok();
  const Shape& is = input->shape;
  const Shape& ws = weights->shape;
  const Shape& os = output->shape;
  const int64_t n = static_cast<int64_t>(ws[0]) * ws[1] * ws[2];
  const int64_t pixels = static_cast<int64_t>(is[0]) * is[1] * is[2];
  if (pixels * n > kMaxColumns || n * ws[3] > kMaxColumns) return Status::Ok();
  int pads[4];
  EDGERT_RETURN_IF_ERROR(ReadPadding(ctx, opt->padding(), opt->pads(), pads));
  s->batches = is[0];
  s->in_h = is[1];
  s->in_w = is[2];
  s->in_c = is[3];
  s->out_h = os[1];
  s->out_w = os[2];
  s->out_c = ws[0];
  s->filter_h = ws[1];
  s->filter_w = ws[2];
  s->stride_h = opt->stride_h();
  s->stride_w = opt->stride_w();
  s->pad_top = PadBefore(opt->padding(), s->in_h, s->filter_h, s->stride_h, pads[0], s->out_h);
  s->pad_left = PadBefore(opt->padding(), s->in_w, s->filter_w, s->stride_w, pads[1], s->out_w);
  s->n = static_cast<int>(n);
  s->bias = bias != nullptr ? bias->data_as<float>() : nullptr;
  ActivationRangeFloat(opt->activation(), &s->minmax.min, &s->minmax.max);
  if (s->stride_h == s->filter_h && s->stride_w == s->filter_w && s->pad_top == 0 && s->pad_left == 0 &&
      s->out_h == s->in_h * s->stride_h && s->out_w == s->in_w * s->stride_w)
    return n <= 4 && isa.f32_dot4 != nullptr ? PrepareDot4(ctx, s) : PrepareDirect(ctx, s);
  s->mr = isa.f32_gemm.mr;
  s->nr = isa.f32_gemm.nr;
  EDGERT_RETURN_IF_ERROR(ctx->RequestScratch(static_cast<size_t>(pixels * n) * sizeof(float), &s->scratch));
  const int threads = ctx->num_threads();
  s->tile_pixels = ParallelTile(static_cast<size_t>(pixels), static_cast<size_t>(n) * s->in_c, threads,
                                static_cast<size_t>(s->mr));
  s->tile_rows = ParallelTile(static_cast<size_t>(s->batches) * s->out_h,
                              std::max<size_t>(static_cast<size_t>(s->out_w) * n, 1), threads, 1);

  // Pack B: panel p holds columns [p*nr, p*nr + nr): nr zero biases, then row c of nr weights for each c < I.
  const int nr = s->nr;
  const int64_t panels = (n + nr - 1) / nr;
  const size_t panel_floats = static_cast<size_t>(nr) * (static_cast<size_t>(s->in_c) + 1);
  bool filled = false;
  float* packed = static_cast<float*>(ctx->AllocatePacked(static_cast<size_t>(panels) * panel_floats * 4,
                                                          PackedLayoutKey("f32-deconv-b", {nr, s->in_c}), &filled));
  if (packed == nullptr)
    return ctx->Error(StatusCode::kOutOfMemory, "out of memory for %lld packed weight panels",
                      static_cast<long long>(panels));
  const float* w = weights->data_as<float>();
  const int taps = s->filter_h * s->filter_w;
  for (int64_t col = 0; col < n && !filled; ++col) {
    const int64_t tap = col / s->out_c, o = col % s->out_c;  // col = tap * O + o
    float* dst = packed + static_cast<size_t>(col / nr) * panel_floats + static_cast<size_t>(col % nr);
    const float* src = w + (o * taps + tap) * s->in_c;  // weights[o][ky][kx][:]
    for (int c = 0; c < s->in_c; ++c) dst[static_cast<size_t>(c + 1) * nr] = src[c];
  }
  s->packed = packed;
  ctx->MarkInputPacked(1);  // the bias is read at eval
  const int64_t oc = s->out_c;
  EDGERT_RETURN_IF_ERROR(AxisTaps(ctx, s->out_h, s->pad_top, s->filter_h, s->stride_h, s->in_h,
                                  static_cast<int64_t>(s->filter_w) * oc, static_cast<int64_t>(s->in_w) * n,
                                  &s->row_begin, &s->row_off));
  EDGERT_RETURN_IF_ERROR(AxisTaps(ctx, s->out_w, s->pad_left, s->filter_w, s->stride_w, s->in_w, oc, n,
                                  &s->col_begin, &s->col_off));
  s->gemm = isa.f32_gemm.fn;
  return Status::Ok();
}

Status Eval(KernelContext* ctx) {
  const TransposeConvState& s = *ctx->state<TransposeConvState>();
  if (s.qs8.gemm != nullptr || s.qs8.dot4 != nullptr) {
    EvalQS8TransposeConv(ctx, s.qs8);
    return Status::Ok();
  }
  if (s.dot4 != nullptr) {
    EvalDot4(ctx, s);
    return Status::Ok();
  }
  if (s.direct.gemm != nullptr) {
    EvalDirect(ctx, s);
    return Status::Ok();
  }
  if (s.gemm == nullptr) return s.fallback.Eval(ctx);
  const float* in = ctx->input(0)->data_as<float>();
  float* out = ctx->output(0)->data_as<float>();
  float* cols = static_cast<float*>(ctx->scratch(s.scratch));
  const size_t n = static_cast<size_t>(s.n), ic = static_cast<size_t>(s.in_c), oc = static_cast<size_t>(s.out_c);
  const size_t mr = static_cast<size_t>(s.mr);
  const size_t pixels = static_cast<size_t>(s.batches) * s.in_h * s.in_w;
  const F32MinMaxParams none = {-std::numeric_limits<float>::infinity(), std::numeric_limits<float>::infinity()};

  // 1. cols[pixel][tap * O + o] = sum over c of in[pixel][c] * w[o][tap][c].
  ctx->ParallelFor(pixels, s.tile_pixels, [&](int, size_t p0, size_t np) {
    for (size_t p = p0; p < p0 + np; p += mr) {
      const size_t rows = std::min(mr, p0 + np - p);
      s.gemm(rows, n, ic, in + p * ic, ic, s.packed, cols + p * n, n, &none);
    }
  });

  // 2. Gather into each output pixel, taps in (ky, kx) order; then bias and activation.
  const size_t image_pixels = static_cast<size_t>(s.in_h) * s.in_w;
  ctx->ParallelFor(static_cast<size_t>(s.batches) * s.out_h, s.tile_rows, [&](int, size_t start, size_t count) {
    for (size_t row = start; row < start + count; ++row) {
      const size_t b = row / s.out_h;
      const int oy = static_cast<int>(row % s.out_h);
      const float* image = cols + b * image_pixels * n;
      float* dst = out + row * static_cast<size_t>(s.out_w) * oc;
      float* const row_out = dst;
      std::fill_n(row_out, static_cast<size_t>(s.out_w) * oc, 0.f);
      // Per output pixel the taps add in (ky, kx) order: rows outermost.
      for (int32_t rt = s.row_begin[oy]; rt < s.row_begin[oy + 1]; ++rt) {
        const float* src_row = image + s.row_off[rt];
        dst = row_out;
        for (int ox = 0; ox < s.out_w; ++ox, dst += oc) {
          for (int32_t ct = s.col_begin[ox]; ct < s.col_begin[ox + 1]; ++ct) {
            const float* src = src_row + s.col_off[ct];
            for (size_t o = 0; o < oc; ++o) dst[o] += src[o];
          }
        }
      }
      dst = row_out;
      for (int ox = 0; ox < s.out_w; ++ox, dst += oc) {
        for (size_t o = 0; o < oc; ++o) {
          const float v = s.bias != nullptr ? dst[o] + s.bias[o] : dst[o];
          dst[o] = ApplyActivation(v, s.minmax.min, s.minmax.max);
        }
      }
    }
  });
  return Status::Ok();
}

}  // namespace

const OpKernel* Register_TRANSPOSE_CONV() {
  static const OpKernel kernel = {"TRANSPOSE_CONV/optimized", Prepare, Eval, kNoFlags};
  return &kernel;
}

}  // namespace opt
}  // namespace edgert
