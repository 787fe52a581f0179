// CONV_2D optimized kernel. Covered: f32, groups 1, constant weights and bias,
// any stride, dilation and padding, when the ISA table has an f32 GEMM
// microkernel; int8 likewise with a QS8 GEMM microkernel (that path is in
// conv_2d_qs8.cc, kernels/optimized/qs8_conv.h); every other node runs the
// reference kernel (decided in prepare).
//
// Prepare runs the reference prepare (all validation and the output shape),
// then packs the weights [O,KH,KW,I] once into persistent memory in the GEMM
// microkernel's layout: panels of NR output channels, each NR bias values
// followed by K = KH*KW*I rows of NR weights (zero-padded past O).
// Eval, with the input as a pixels x I matrix:
//  - 1x1, stride 1, no padding: the GEMM runs straight on the input.
//  - 3x3, stride 1, dilation 1 with at least 16 input and 16 output channels
//    and 32 tiles of 2x2 output pixels (F32WinogradTile): Winograd
//    (kernels/optimized/f32_winograd.h), F(4x4, 3x3) where there are at least
//    32 tiles of 4x4 pixels, else F(2x2, 3x3): GEMMs over transformed tiles,
//    2.25 or 4 multiplications per output instead of 9; prepare packs the
//    transformed weights instead (its own layout and threads). Results differ
//    from direct summation by rounding (relative to the sum of |x * w|: up to
//    some 3.5e-6 with F(4x4, 3x3), 2e-7 with F(2x2, 3x3)).
//  - otherwise the indirect GEMM microkernel (F32IgemmUkernelFn, same packed
//    weights): for each tile of MR output pixels, MR pointers per tap into
//    the input are written to the worker's slice of a scratch buffer, and the
//    microkernel reads the patches in place, computing all of the tile's
//    output channels. A tap is a whole filter row (KW*I contiguous floats)
//    when dilation_w is 1, else one (ky, kx) (kernels/common/conv_util.h
//    ConvTapsOf). Taps wholly in the padding point at a persistent zero row;
//    only filter rows crossing the left or right edge are copied (with
//    zeros) into the worker's scratch. Levels without an indirect
//    microkernel run the reference kernel for these nodes.
//  - weights stored as f16, where the CPU has half-precision arithmetic and
//    the interpreter allows it (kernels/optimized/f16_gemm.h), on all but the
//    Winograd and block-sparse paths: the f16 GEMM (direct) or indirect GEMM
//    on weights packed in f16 (panels of the f16 microkernels' NR).
//  - 1x1, stride 1, no padding with weights stored block-sparse (block size of
//    the ISA table's spmm microkernel): the sparse microkernel runs on the
//    input and the stored weights (kernels/optimized/f32_spmm.h); nothing is
//    packed but the bias.
// A CONCATENATION after the node that the interpreter elides
// (KernelContext::OfferOutputSlice): the direct, indirect and Winograd f32
// paths and the int8 paths write the output at the concatenation's pixel
// stride, straight into its channel slice; the others never offer.
// A residual ADD after the node (KernelContext::TakeResidualAdd, f32 nodes)
// is added in the tiles of the direct and indirect GEMM paths, right after
// each microkernel call (or group of 4 MR rows), while the result is in
// cache, with the level's f32 ADD microkernel and the ADD's activation, so
// the values are those of the separate ADD; the other paths (Winograd,
// block-sparse, direct f16, reference) add it to the whole output after.
// A HARD_SWISH, LOGISTIC or TANH after the node (KernelContext::
// TakeActivation, f32 nodes, when that node runs this library's optimized
// kernel) is applied the same way, with the microkernel that kernel runs
// (FusableActivation), so the values are those of the separate op.
// The direct GEMM path without a residual ADD or rows of its own offers its
// rows on demand (KernelContext::OfferRows) to a DEPTHWISE_CONV_2D reading its
// result alone, which may then compute them itself, a few rows at a time.
// A DEPTHWISE_CONV_2D before a direct (1x1) node, read by it alone
// (KernelContext::TakeRowSource, f32 GEMM path): its rows are computed here,
// a tile of rows at a time into the worker's buffer (at most
// kSourceRowBytes), each followed by the GEMM over all output channels and
// the epilogue, so its result never goes to memory; the depthwise node does
// not run. Same microkernels, same values.
// Threads: the output is split into tiles of whole MR-pixel groups x whole
// NR-channel panels (sizes chosen in prepare), run by ctx->ParallelFor2D; each
// indirect tile writes its pointers into its worker's slice of the scratch
// (num_threads slices). Within a tile, the columns are walked in blocks whose
// packed weights fit the cache (GemmColumnBlock), all pixel groups per block.
// Every output value is computed by the same microkernel arithmetic whatever
// the tiling, so all thread counts give identical results.
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstring>

#include "kernels/common/conv_util.h"
#include "kernels/common/depthwise_rows.h"
#include "kernels/common/parallel_tile.h"
#include "kernels/common/quant.h"
#include "kernels/dispatch.h"
#include "kernels/optimized/f16_gemm.h"
#include "kernels/optimized/f32_epilogue.h"
#include "kernels/optimized/f32_gemm.h"
#include "kernels/optimized/f32_spmm.h"
#include "kernels/optimized/f32_winograd.h"
#include "kernels/optimized/fallback.h"
#include "kernels/optimized/optimized_kernels.h"
#include "kernels/optimized/qs8_conv.h"
#include "kernels/reference/reference_kernels.h"
#include "runtime/cpu_features.h"

namespace edgert {
namespace opt {
namespace {

// Larger patches (hostile filters) stay on the reference kernel, whose work is
// bounded by the input size.
constexpr int64_t kMaxPatch = 1 << 20;  // K = KH*KW*I, floats per patch

// Bytes of one worker's scratch on the indirect path: the tile's pointers,
// then room for every tap of the tile copied (edge taps), 64-byte aligned.
size_t PointerBytes(size_t mr, size_t taps) { return (mr * taps * sizeof(const float*) + 63) / 64 * 64; }
size_t WorkerScratchBytes(size_t mr, size_t taps, size_t k) {
  return PointerBytes(mr, taps) + (mr * k * sizeof(float) + 63) / 64 * 64;
}

// The indirection pointers of every MR-pixel tile of the indirect path, kept
// between invokes as the depthwise rows are (kernels/common/depthwise_rows.h):
// they depend only on the geometry and the input's address, and building them
// took 38% of a 3-channel stem's time ([1,256,256,3] -> 16 channels, 3x3
// stride 2, AVX-512: 18 cycles per output pixel). Kept when they take at most
// kMaxCachedRowBytes; built in a pass of their own before the tiles run when
// the input's address differs from slot 0's. A tile with a filter row
// crossing the input's left or right edge reads a copy of that row, made per
// use in the worker's scratch: edge[t] marks those tiles, which are filled
// per use as without the cache.
struct TileCache {
  const float** pointers = nullptr;  // slot 0: the input address; then tile t's mr * taps pointers
  uint8_t* edge = nullptr;           // per tile
  size_t tiles = 0;
};

struct ConvState {
  ReferenceFallback fallback;
  F32Gemm gemm;  // gemm.gemm nullptr: the reference kernel runs this node
  F32IgemmUkernelFn igemm = nullptr;  // the f32 indirect path
  Window2D window;
  int out_c = 0, k = 0;
  bool direct = false;  // 1x1, stride 1, no padding
  int scratch = -1;     // per worker: mr * taps pointers, then mr * k floats of edge copies
  const float* zeros = nullptr;  // one tap of zeros, the padding taps' row
  size_t tile_pixels = 0, tile_channels = 0;  // parallel tile: multiples of mr and nr (or all channels)
  const float* packed = nullptr;
  F32MinMaxParams minmax = {0.f, 0.f};
  QS8Conv2D qs8;  // the int8 path when qs8.gemm != nullptr
  F32Spmm spmm;   // the block-sparse path when spmm.fn != nullptr
  F32Winograd winograd;  // the Winograd path when winograd.gemm.gemm != nullptr
  F16Gemm f16;           // the half-precision paths when f16.gemm != nullptr
  const uint16_t* packed_f16 = nullptr;
  F32Epilogue epilogue;  // a fused residual ADD and / or activation
  TileCache tile_cache;  // the indirect paths' pointers (pointers nullptr: built per use)
  // The depthwise convolution before the node, computed here (KernelContext::
  // TakeRowSource; source.rows nullptr: none): tiles of source_tile of its
  // source_rows rows (each source_row_pixels pixels), written to the worker's
  // slice of scratch `source_scratch` (source_slice_bytes each), then the GEMM.
  KernelContext::RowSource source;
  size_t source_rows = 0, source_row_pixels = 0, source_tile = 0, source_slice_bytes = 0;
  int source_scratch = -1;
};

// Bytes of a worker's buffer of depthwise rows, at most: a few rows kept in
// L1 / L2 between the depthwise microkernel writing them and the GEMM reading.
constexpr size_t kSourceRowBytes = size_t{48} << 10;

// Depthwise results of less than a quarter of the core's L2 stay separate:
// they are read back from L2 anyway, and computing them in row tiles between
// the GEMM's calls made mobilenet_v3_small's 28x28x72 and 28x28x88 pairs
// 4-7% slower (1 thread, 2 MB of L2), where face_detection_full_range's
// 96x96 pairs (0.3-1.2 MB) and mobilenet_v2's large ones gained. Without
// the L2 size (CpuFeatures), kSourceMinBytes.
constexpr size_t kSourceMinBytes = size_t{512} << 10;
std::atomic<size_t> g_source_min_bytes{SIZE_MAX};  // SetDepthwiseRowsMinBytesForTesting; SIZE_MAX: the default

size_t DefaultSourceMinBytes() {
  const size_t l2 = GetCpuFeatures().l2_bytes_per_processor;
  return l2 > 0 ? l2 / 4 : kSourceMinBytes;
}

// With the direct GEMM path: takes the depthwise convolution producing the
// input when the interpreter offers it, and sizes the row tiles and buffers.
Status TakeDepthwiseRows(KernelContext* ctx, ConvState* s) {
  const Shape& is = ctx->input(0)->shape;
  if (is.rank != 4 || ctx->input(0)->bytes < DepthwiseRowsMinBytes() || !ctx->TakeRowSource(&s->source))
    return Status::Ok();
  const size_t rows = static_cast<size_t>(is[0]) * static_cast<size_t>(is[1]);
  const size_t row_pixels = static_cast<size_t>(is[2]), k = static_cast<size_t>(s->k);
  const size_t row_bytes = row_pixels * k * sizeof(float);
  // Work per row: the depthwise taps (about 9 per value) and the GEMM.
  const size_t row_cost = row_pixels * k * (9 + static_cast<size_t>(s->out_c));
  size_t tile = ParallelTile(rows, row_cost, ctx->num_threads(), 1);
  tile = std::max<size_t>(1, std::min(tile, kSourceRowBytes / std::max<size_t>(row_bytes, 1)));
  s->source_rows = rows;
  s->source_row_pixels = row_pixels;
  s->source_tile = tile;
  s->source_slice_bytes = (tile * row_bytes + 63) / 64 * 64;
  return ctx->RequestScratch(s->source_slice_bytes * static_cast<size_t>(ctx->num_threads()), &s->source_scratch);
}

// Output rows on demand (KernelContext::RowSource), offered by the direct GEMM
// path when it took no residual ADD and no rows itself: a DEPTHWISE_CONV_2D
// reading this node's output (or its fused activation's) alone may compute
// rows [r0, r0 + n) (batch x height) a few at a time into its own buffer
// (kernels/optimized/depthwise_conv_2d.cc). Same GEMM tiles and epilogue as
// Eval, so the same values.
uint64_t RowsBegin(const void* /*state*/, KernelContext* /*ctx*/) { return 0; }

void Rows(const void* state, KernelContext* ctx, uint64_t /*pass*/, int /*worker*/, size_t r0, size_t n, float* dst) {
  const ConvState& s = *static_cast<const ConvState*>(state);
  const size_t k = static_cast<size_t>(s.k), oc = static_cast<size_t>(s.out_c);
  const size_t row_pixels = static_cast<size_t>(s.window.out_w), m = static_cast<size_t>(s.window.out_pixels());
  const float* a = ctx->input(0)->data_as<float>() + r0 * row_pixels * k;
  const size_t np = n * row_pixels;
  const size_t rows_per_add = s.epilogue.any() ? 4 * s.gemm.mr : np;
  for (size_t p = 0; p < np; p += rows_per_add) {
    const size_t rows = std::min(rows_per_add, np - p);
    RunGemmTile(s.gemm, m, p, rows, 0, oc, k, a, k, s.packed, dst, oc, &s.minmax);
    if (s.epilogue.any()) s.epilogue.Apply(dst, oc, p, rows, 0, oc);
  }
}

void RowsEnd(const void* /*state*/, KernelContext* /*ctx*/) {}

// The epilogue over the whole output, in parallel (the paths without a tile epilogue).
void EpilogueToAll(KernelContext* ctx, const ConvState& s, float* out, size_t pixels, size_t oc) {
  ctx->ParallelFor(pixels, ParallelTile(pixels, oc, ctx->num_threads(), 1),
                   [&](int /*worker*/, size_t p0, size_t np) { s.epilogue.Apply(out, oc, p0, np, 0, oc); });
}

// The indirect paths' scratch (per worker: mr * taps pointers and the edge
// copies) and their persistent row of padding zeros.
Status PrepareIndirect(KernelContext* ctx, size_t mr, ConvState* s) {
  const ConvTaps ct = ConvTapsOf(s->window);
  EDGERT_RETURN_IF_ERROR(ctx->RequestScratch(
      WorkerScratchBytes(mr, ct.taps, static_cast<size_t>(s->k)) * static_cast<size_t>(ctx->num_threads()),
      &s->scratch));
  float* zeros = static_cast<float*>(ctx->AllocatePersistent(ct.tap_values * sizeof(float)));
  if (zeros == nullptr) return ctx->Error(StatusCode::kOutOfMemory, "out of memory for a padding row");
  std::fill(zeros, zeros + ct.tap_values, 0.f);
  s->zeros = zeros;
  const size_t tiles = (static_cast<size_t>(s->window.out_pixels()) + mr - 1) / mr;
  if (tiles * mr * ct.taps <= kMaxCachedRowBytes / sizeof(const float*)) {
    const size_t pointer_bytes = (1 + tiles * mr * ct.taps) * sizeof(const float*);
    uint8_t* cache = static_cast<uint8_t*>(ctx->AllocatePersistent(pointer_bytes + tiles));
    if (cache == nullptr) return ctx->Error(StatusCode::kOutOfMemory, "out of memory for %zu indirection bytes", pointer_bytes);
    std::memset(cache, 0, pointer_bytes + tiles);  // resident before the first invoke (PrepareDepthwiseRows)
    s->tile_cache.pointers = reinterpret_cast<const float**>(cache);
    s->tile_cache.edge = cache + pointer_bytes;
    s->tile_cache.tiles = tiles;
  }
  return Status::Ok();
}

// The direct and indirect paths in half precision: weights packed as f16.
Status PrepareF16(KernelContext* ctx, const F16Gemm& h, const Tensor* weights, const Tensor* bias, ConvState* s) {
  const size_t oc = static_cast<size_t>(s->out_c), k = static_cast<size_t>(s->k);
  if (!s->direct) EDGERT_RETURN_IF_ERROR(PrepareIndirect(ctx, h.mr, s));
  ChooseGemmTiles(static_cast<size_t>(s->window.out_pixels()), oc, k, h.mr, h.nr, ctx->num_threads(),
                  &s->tile_pixels, &s->tile_channels);
  EDGERT_RETURN_IF_ERROR(PackF16Weights(ctx, h, oc, k, weights, bias, &s->packed_f16));
  s->f16 = h;
  return Status::Ok();
}

Status Prepare(KernelContext* ctx) {
  ConvState* s = nullptr;
  EDGERT_RETURN_IF_ERROR(PrepareWithFallback(ctx, ref::Register_CONV_2D(), &s));

  // The reference prepare validated the operands; only coverage is decided here.
  F32Gemm gemm = GetF32Gemm();
  const Tensor* input = ctx->input(0);
  const Tensor* weights = ctx->input(1);
  const Tensor* bias = ctx->input(2);
  const auto* opt = ctx->options<schema::Conv2DOptions>();
  const Shape& is = input->shape;
  const Shape& ws = weights->shape;
  const int64_t k = static_cast<int64_t>(ws[1]) * ws[2] * ws[3];
  if (input->dtype == DType::kI8) return PrepareQS8Conv2D(ctx, &s->qs8);
  if (input->dtype == DType::kF32) TakeF32Epilogue(ctx, &s->epilogue);
  if (gemm.gemm == nullptr || !F32WithConstantWeights(ctx) || ws[3] != is[3] || k > kMaxPatch)
    return Status::Ok();

  EDGERT_RETURN_IF_ERROR(PrepareWindow2D(ctx, is, opt->padding(), opt->pads(), ws[1], ws[2], opt->stride_h(),
                                         opt->stride_w(), opt->dilation_h(), opt->dilation_w(), &s->window));
  const Window2D& g = s->window;
  s->out_c = ws[0];
  s->k = static_cast<int>(k);
  s->direct = ws[1] == 1 && ws[2] == 1 && g.stride_h == 1 && g.stride_w == 1 && g.pad_top == 0 &&
              g.pad_left == 0 && g.out_h == g.in_h && g.out_w == g.in_w;
  // A plain GEMM of few output channels takes the narrow panels where the
  // level has them (the indirect and Winograd paths share the wide ones).
  if (s->direct) gemm = GetF32Gemm(static_cast<size_t>(s->out_c));
  const size_t nr = gemm.nr;
  ActivationRangeFloat(opt->activation(), &s->minmax.min, &s->minmax.max);
  if (s->direct) {
    EDGERT_RETURN_IF_ERROR(PrepareF32Spmm(ctx, weights, bias, static_cast<size_t>(g.out_pixels()),
                                          static_cast<size_t>(s->out_c), static_cast<size_t>(k), s->minmax.min,
                                          s->minmax.max, &s->spmm));
    if (s->spmm.fn != nullptr) {
      s->gemm = gemm;
      return Status::Ok();
    }
  }
  // Half precision where the weights are stored as f16 (after the sparse and
  // Winograd paths, which do fewer multiplications).
  const F16Gemm h = GetF16GemmFor(ctx, weights);
  const int winograd_tile = s->direct ? 0 : F32WinogradTile(g, s->out_c);
  if (winograd_tile != 0) {
    EDGERT_RETURN_IF_ERROR(PrepareF32Winograd(ctx, winograd_tile, g, weights, bias, s->minmax, &s->winograd));
    if (s->winograd.gemm.gemm != nullptr) {
      s->gemm = gemm;
      ctx->OfferOutputSlice();
      return Status::Ok();
    }
  }
  if (h.gemm != nullptr && (s->direct || h.igemm != nullptr)) return PrepareF16(ctx, h, weights, bias, s);
  if (!s->direct) {
    const KernelIsa& isa = GetKernelIsa();
    if (isa.f32_igemm.fn == nullptr || static_cast<size_t>(isa.f32_igemm.nr) != nr) return Status::Ok();
    // The indirect GEMM's own tile rows (the same packed B).
    gemm.mr = static_cast<size_t>(isa.f32_igemm.mr);
    EDGERT_RETURN_IF_ERROR(PrepareIndirect(ctx, gemm.mr, s));
    s->igemm = isa.f32_igemm.fn;
  }
  ChooseGemmTiles(static_cast<size_t>(g.out_pixels()), static_cast<size_t>(s->out_c), static_cast<size_t>(k), gemm.mr,
                  nr,
                  ctx->num_threads(), &s->tile_pixels, &s->tile_channels);

  // Weights [O, K] are B^T: column oc of B is row oc of the weights.
  const size_t oc = static_cast<size_t>(s->out_c);
  const size_t packed_floats = PackedGemmFloats(oc, static_cast<size_t>(k), nr);
  bool filled = false;
  float* packed = static_cast<float*>(ctx->AllocatePacked(
      packed_floats * sizeof(float), PackedLayoutKey("f32-gemm-b", {static_cast<int64_t>(nr), k}), &filled));
  if (packed == nullptr)
    return ctx->Error(StatusCode::kOutOfMemory, "out of memory for %zu packed weight floats", packed_floats);
  if (!filled)
    PackGemmB(oc, static_cast<size_t>(k), weights->data_as<float>(), 1, static_cast<size_t>(k),
              bias != nullptr ? bias->data_as<float>() : nullptr, nr, packed);
  s->packed = packed;
  ctx->MarkInputPacked(1);
  ctx->MarkInputPacked(2);
  s->gemm = gemm;
  if (s->direct) EDGERT_RETURN_IF_ERROR(TakeDepthwiseRows(ctx, s));
  // The direct and indirect GEMM paths write any row stride: an elided
  // CONCATENATION's channel slice (never offered with a residual ADD).
  ctx->OfferOutputSlice();
  if (s->direct && s->source.rows == nullptr && s->epilogue.residual == nullptr) {
    ctx->OfferRows({s, ctx, RowsBegin, Rows, RowsEnd});
  }
  return Status::Ok();
}

// The direct path on rows of the depthwise convolution before the node,
// computed tile by tile into the worker's buffer (the GEMM's A), each tile's
// GEMM and epilogue right after.
void EvalDepthwiseRows(KernelContext* ctx, const ConvState& s, float* out, size_t ldc) {
  const size_t k = static_cast<size_t>(s.k), oc = static_cast<size_t>(s.out_c);
  const size_t rows_per_add = s.epilogue.any() ? 4 * s.gemm.mr : s.source_tile * s.source_row_pixels;
  uint8_t* scratch = static_cast<uint8_t*>(ctx->scratch(s.source_scratch));
  const KernelContext::RowSource& src = s.source;
  const uint64_t pass = src.begin(src.state, src.ctx);
  ctx->ParallelFor(s.source_rows, s.source_tile, [&](int worker, size_t r0, size_t nr) {
    float* a = reinterpret_cast<float*>(scratch + static_cast<size_t>(worker) * s.source_slice_bytes);
    src.rows(src.state, src.ctx, pass, worker, r0, nr, a);
    const size_t p0 = r0 * s.source_row_pixels, np = nr * s.source_row_pixels;
    for (size_t p = 0; p < np; p += rows_per_add) {
      const size_t rows = std::min(rows_per_add, np - p);
      RunGemmTile(s.gemm, np, p, rows, 0, oc, k, a, k, s.packed, out + p0 * ldc, ldc, &s.minmax);
      if (s.epilogue.any()) s.epilogue.Apply(out, oc, p0 + p, rows, 0, oc);
    }
  });
  src.end(src.state, src.ctx);
}

// The indirect path's tiles on microkernel `igemm` over weights packed in
// panels of nr columns (W: float, or uint16_t halves).
template <typename W, typename Igemm>
void EvalIndirect(KernelContext* ctx, const ConvState& s, size_t mr, size_t nr, const W* packed, Igemm igemm,
                  const float* in, float* out, size_t ldc) {
  const size_t k = static_cast<size_t>(s.k), oc = static_cast<size_t>(s.out_c);
  const size_t panel = nr * (k + 1);
  uint8_t* scratch = static_cast<uint8_t*>(ctx->scratch(s.scratch));
  const ConvTaps ct = ConvTapsOf(s.window);
  const size_t pointer_bytes = PointerBytes(mr, ct.taps), worker_bytes = WorkerScratchBytes(mr, ct.taps, k);
  const size_t m = static_cast<size_t>(s.window.out_pixels());
  const TileCache& cache = s.tile_cache;
  if (cache.pointers != nullptr && cache.pointers[0] != in) {  // (re)build every tile's pointers
    // Work unit: a pointer, counted as 8 (a division and a few branches per pixel and tap).
    ctx->ParallelFor(cache.tiles, ParallelTile(cache.tiles, mr * ct.taps * 8, ctx->num_threads(), 1),
                     [&](int worker, size_t t0, size_t nt) {
                       float* edge = reinterpret_cast<float*>(scratch + static_cast<size_t>(worker) * worker_bytes +
                                                              pointer_bytes);
                       for (size_t t = t0; t < t0 + nt; ++t)
                         cache.edge[t] = FillConvTilePointers(s.window, in, static_cast<int64_t>(t * mr),
                                                              std::min(mr, m - t * mr), mr, s.zeros, 0.f, edge,
                                                              cache.pointers + 1 + t * mr * ct.taps)
                                             ? 1
                                             : 0;
                     });
    cache.pointers[0] = in;
  }
  // Tile [p0, p0 + np) x [c0, c0 + nc): c0 is a multiple of nr, p0 of mr.
  ctx->ParallelFor2D(m, oc, s.tile_pixels, s.tile_channels,
                     [&](int worker, size_t p0, size_t c0, size_t np, size_t nc) {
                       uint8_t* mine = scratch + static_cast<size_t>(worker) * worker_bytes;
                       float* edge = reinterpret_cast<float*>(mine + pointer_bytes);
                       const size_t block = GemmColumnBlock(k, nr, sizeof(W));
                       for (size_t j = c0; j < c0 + nc; j += block) {
                         const W* w = packed + (j / nr) * panel;
                         const size_t cols = std::min(block, c0 + nc - j);
                         for (size_t p = p0; p < p0 + np; p += mr) {
                           const size_t rows = std::min(mr, p0 + np - p);
                           const float** ptrs = reinterpret_cast<const float**>(mine);
                           if (cache.pointers != nullptr && cache.edge[p / mr] == 0)
                             ptrs = cache.pointers + 1 + p / mr * mr * ct.taps;
                           else
                             FillConvTilePointers(s.window, in, static_cast<int64_t>(p), rows, mr, s.zeros, 0.f, edge,
                                                  ptrs);
                           igemm(rows, cols, ct.tap_values, ct.taps, ptrs, w, out + p * ldc + j, ldc, &s.minmax);
                           if (s.epilogue.any()) s.epilogue.Apply(out, oc, p, rows, j, cols);
                         }
                       }
                     });
}

Status Eval(KernelContext* ctx) {
  const ConvState& s = *ctx->state<ConvState>();
  if (s.qs8.gemm != nullptr) {
    EvalQS8Conv2D(ctx, s.qs8);
    return Status::Ok();
  }
  const float* in = ctx->input(0)->data_as<float>();
  float* out = ctx->output(0)->data_as<float>();
  const size_t m = static_cast<size_t>(s.window.out_pixels());
  const size_t k = static_cast<size_t>(s.k), oc = static_cast<size_t>(s.out_c);
  // Output pixel stride: oc, or the channels of the elided CONCATENATION whose
  // slice this output is (only on the paths that offered it in prepare).
  const size_t ldc = ctx->output_pixel_stride() != 0 ? ctx->output_pixel_stride() : oc;
  bool added = false;  // the epilogue (residual, activation) ran in the tiles
  if (s.f16.gemm != nullptr) {
    if (!s.direct) {
      EvalIndirect(ctx, s, s.f16.mr, s.f16.nr, s.packed_f16, s.f16.igemm, in, out, oc);
      added = true;
    } else {
      ctx->ParallelFor2D(m, oc, s.tile_pixels, s.tile_channels,
                         [&](int /*worker*/, size_t p0, size_t c0, size_t np, size_t nc) {
                           RunF16GemmTile(s.f16, m, p0, np, c0, nc, k, in, k, s.packed_f16, out, oc, &s.minmax);
                         });
    }
  } else if (s.gemm.gemm == nullptr) {
    EDGERT_RETURN_IF_ERROR(s.fallback.Eval(ctx));
  } else if (s.winograd.gemm.gemm != nullptr) {
    EvalF32Winograd(ctx, s.winograd, in, out, ldc);
  } else if (s.spmm.fn != nullptr) {
    ctx->ParallelFor2D(m, oc, s.spmm.tile_m, s.spmm.tile_n, [&](int /*worker*/, size_t p0, size_t c0, size_t np, size_t nc) {
      RunSpmmTile(s.spmm, p0, np, c0, nc, in, k, out, oc);
    });
  } else if (!s.direct) {
    EvalIndirect(ctx, s, s.gemm.mr, s.gemm.nr, s.packed, s.igemm, in, out, ldc);
    added = true;
  } else if (s.source.rows != nullptr) {
    EvalDepthwiseRows(ctx, s, out, ldc);
    added = true;
  } else {
    // Tile [p0, p0 + np) x [c0, c0 + nc): c0 is a multiple of nr, p0 of mr;
    // with an epilogue, in groups of 4 MR rows, each followed by it.
    const size_t rows_per_add = s.epilogue.any() ? 4 * s.gemm.mr : m;
    ctx->ParallelFor2D(m, oc, s.tile_pixels, s.tile_channels,
                       [&](int /*worker*/, size_t p0, size_t c0, size_t np, size_t nc) {
                         for (size_t p = p0; p < p0 + np; p += rows_per_add) {
                           const size_t rows = std::min(rows_per_add, p0 + np - p);
                           RunGemmTile(s.gemm, m, p, rows, c0, nc, k, in, k, s.packed, out, ldc, &s.minmax);
                           if (s.epilogue.any()) s.epilogue.Apply(out, oc, p, rows, c0, nc);
                         }
                       });
    added = true;
  }
  if (s.epilogue.any() && !added) {
    const Shape& os = ctx->output(0)->shape;
    const size_t channels = static_cast<size_t>(os.dims[os.rank - 1]);
    EpilogueToAll(ctx, s, out, channels > 0 ? static_cast<size_t>(os.NumElements()) / channels : 0, channels);
  }
  return Status::Ok();
}

}  // namespace

size_t DepthwiseRowsMinBytes() {
  const size_t forced = g_source_min_bytes.load(std::memory_order_relaxed);
  return forced == SIZE_MAX ? DefaultSourceMinBytes() : forced;
}

size_t SetDepthwiseRowsMinBytesForTesting(size_t bytes) {
  return g_source_min_bytes.exchange(bytes, std::memory_order_relaxed);
}

const OpKernel* Register_CONV_2D() {
  static const OpKernel kernel = {"CONV_2D/optimized", Prepare, Eval, kNoFlags};
  return &kernel;
}

}  // namespace opt
}  // namespace edgert
