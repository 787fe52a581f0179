// MEAN optimized kernel. Covered: rank-4 input reduced over exactly axes 1
// and 2 (global average pooling of NHWC, keep_dims either way):
//  - f32 when the ISA table has the global-average microkernel: per image,
//    each channel's pixels are summed in double in input order and divided by
//    their count, the reference's arithmetic, so results are bit-identical;
//  - int8 / uint8 (any level): per image, each channel's pixels are summed in
//    int32 lanes across channels (a loop the compiler vectorizes; exact while
//    pixels x 255 fits int32, else the reference runs), then the reference's
//    integer requantization (RequantizeSum with its folded multiplier), so
//    results are bit-identical.
//    Where the level has the block-sum microkernel (QS8GSumUkernelFn), each
//    channel range is summed by it in blocks of up to 256 pixels instead,
//    and images of more than 64 pixels whose channel ranges are fewer than
//    the threads are summed in 64-pixel blocks in parallel (exact either
//    way, so the same results).
// Every other node runs the reference kernel. Images and channel ranges are
// split across threads (an f32 channel's sum never is), so all thread counts
// give identical results. Splitting the channels lets one image's mean use every
// thread: squeezenet's 13x13x1000 f32 mean at 2 threads went from 0.056 ms
// (slower than the 0.034 of 1 thread) to 0.025.
#include <algorithm>

#include "kernels/common/parallel_tile.h"
#include "kernels/common/shape_reduce.h"
#include "kernels/dispatch.h"
#include "kernels/optimized/fallback.h"
#include "kernels/optimized/optimized_kernels.h"
#include "kernels/reference/reference_kernels.h"

namespace edgert {
namespace opt {
namespace {

struct MeanState {
  ReferenceFallback fallback;
  F32GAvgPoolUkernelFn gavgpool = nullptr;  // f32 path
  bool quantized = false;                   // int8 / uint8 path
  int batches = 0, pixels = 0, channels = 0;
  size_t channel_tile = 1;  // channels per parallel tile (ChannelTile)
  // int8 / uint8 images of more than kBlockPixels pixels where the level has
  // the block-sum microkernel: blocks summed in parallel (exact int32) into
  // scratch block_sums (batches x blocks x channels), tile_blocks per tile;
  // blocks 0: the per-channel-range path.
  size_t blocks = 0, tile_blocks = 1;
  int block_sums = -1;
  // The level's block-sum microkernels (both paths); nullptr: none.
  QS8GSumUkernelFn qs8_gsum = nullptr;
  QU8GSumUkernelFn qu8_gsum = nullptr;
};

// Pixels per block of the int8 / uint8 block path (at most 256:
// QS8GSumUkernelFn).
constexpr size_t kBlockPixels = 64;
constexpr size_t kMaxGSumPixels = 256;  // the most one QS8GSumUkernelFn call sums

// Per-channel int32 sums of `channels` channels of one image's pixels
// (pixel_stride values apart), then the reference's requantization.
// (__restrict: without it the 8-bit loads may alias the int32 sums, and the
// sum loop is not vectorized.)
template <typename T>
void QuantizedImageMean(const T* __restrict in, size_t pixels, size_t channels, size_t pixel_stride,
                        int32_t* __restrict acc, const QuantizedSumParams& q, T* __restrict out) {
  for (size_t c = 0; c < channels; ++c) acc[c] = 0;
  for (size_t p = 0; p < pixels; ++p, in += pixel_stride)
    for (size_t c = 0; c < channels; ++c) acc[c] += in[c];
  for (size_t c = 0; c < channels; ++c)
    out[c] = static_cast<T>(RequantizeSum(acc[c], static_cast<int64_t>(pixels), q));
}

// QuantizedImageMean with the block-sum microkernel: blocks of up to
// kMaxGSumPixels pixels summed into `block`, added into `acc`.
template <typename T, typename Sum>
void BlockSumImageMean(const T* in, size_t pixels, size_t channels, size_t pixel_stride, const Sum& sum_block,
                       int32_t* acc, int32_t* block, const QuantizedSumParams& q, T* out) {
  for (size_t p0 = 0; p0 < pixels; p0 += kMaxGSumPixels) {
    const size_t n = std::min(kMaxGSumPixels, pixels - p0);
    sum_block(n, channels, in + p0 * pixel_stride, pixel_stride, p0 == 0 ? acc : block);
    if (p0 != 0)
      for (size_t c = 0; c < channels; ++c) acc[c] += block[c];
  }
  for (size_t c = 0; c < channels; ++c)
    out[c] = static_cast<T>(RequantizeSum(acc[c], static_cast<int64_t>(pixels), q));
}

// Channels per parallel tile: multiples of 64 (whole cache lines of f32
// values), about one tile per thread and image, each worth a parallel loop.
size_t ChannelTile(size_t batches, size_t pixels, size_t channels, int threads) {
  const size_t per_image = (static_cast<size_t>(threads) + batches - 1) / batches;
  size_t tile = (channels + per_image - 1) / per_image;
  tile = std::max(tile, kParallelMinTileCost / std::max<size_t>(pixels, 1));
  return std::min((tile + 63) / 64 * 64, std::max<size_t>(channels, 1));
}

Status Prepare(KernelContext* ctx) {
  MeanState* s = nullptr;
  EDGERT_RETURN_IF_ERROR(PrepareWithFallback(ctx, ref::Register_MEAN(), &s));
  const auto* ref_state = static_cast<const SumReduceState*>(s->fallback.state);
  const ReduceGeometry& g = ref_state->g;
  const Shape& is = g.in_shape;
  const KernelIsa& isa = GetKernelIsa();
  const DType t = ctx->input(0)->dtype;
  if (is.rank != 4 || g.reduced[0] || !g.reduced[1] || !g.reduced[2] || g.reduced[3] || g.reduce_count < 1)
    return Status::Ok();
  const bool quantized = (t == DType::kI8 || t == DType::kU8) && g.reduce_count < (int64_t{1} << 31) / 255;
  if (!quantized && (t != DType::kF32 || isa.f32_pool.gavgpool == nullptr)) return Status::Ok();
  s->batches = is[0];
  s->pixels = is[1] * is[2];
  s->channels = is[3];
  s->quantized = quantized;
  s->channel_tile = ChannelTile(static_cast<size_t>(s->batches), static_cast<size_t>(s->pixels),
                                static_cast<size_t>(s->channels), ctx->num_threads());
  if (!quantized) s->gavgpool = isa.f32_pool.gavgpool;
  const size_t pixels = static_cast<size_t>(s->pixels);
  const bool gsum = t == DType::kI8 ? isa.x8_gsum.qs8 != nullptr : isa.x8_gsum.qu8 != nullptr;
  if (quantized && gsum) {
    s->qs8_gsum = isa.x8_gsum.qs8;
    s->qu8_gsum = isa.x8_gsum.qu8;
  }
  // Pixel blocks only where the channel ranges cannot occupy every thread
  // (selfie segmentation's [128,128,16] pools). With as many ranges as
  // threads, a thread reads the channels a channel-split producer wrote on
  // its own core: squeezenet's [13,13,1000] int8 mean (after a convolution
  // split by output channels) took 0.016 ms on 2 threads in pixel blocks,
  // against 0.011 ms on 1.
  const size_t channel_tiles = static_cast<size_t>(s->batches) *
                               ((static_cast<size_t>(s->channels) + s->channel_tile - 1) / s->channel_tile);
  if (quantized && gsum && pixels > kBlockPixels && channel_tiles < static_cast<size_t>(ctx->num_threads())) {
    s->blocks = (pixels + kBlockPixels - 1) / kBlockPixels;
    const size_t items = static_cast<size_t>(s->batches) * s->blocks;
    EDGERT_RETURN_IF_ERROR(
        ctx->RequestScratch(items * static_cast<size_t>(s->channels) * sizeof(int32_t), &s->block_sums));
    s->tile_blocks = ParallelTile(items, kBlockPixels * static_cast<size_t>(s->channels), ctx->num_threads(), 1);
  }
  return Status::Ok();
}

// The block path: each block's exact int32 sums in parallel, added in block
// order per image and channel, then the reference's requantization.
template <typename T, typename Sum>
void BlockMean(KernelContext* ctx, const MeanState& s, const Sum& sum_block) {
  const auto* ref_state = static_cast<const SumReduceState*>(s.fallback.state);
  const T* in = ctx->input(0)->data_as<T>();
  T* out = ctx->output(0)->data_as<T>();
  int32_t* sums = static_cast<int32_t*>(ctx->scratch(s.block_sums));
  const size_t c = static_cast<size_t>(s.channels), pixels = static_cast<size_t>(s.pixels);
  ctx->ParallelFor(static_cast<size_t>(s.batches) * s.blocks, s.tile_blocks, [&](int, size_t start, size_t count) {
    for (size_t item = start; item < start + count; ++item) {
      const size_t b = item / s.blocks, p0 = item % s.blocks * kBlockPixels;
      sum_block(std::min(kBlockPixels, pixels - p0), c, in + (b * pixels + p0) * c, c, sums + item * c);
    }
  });
  for (size_t b = 0; b < static_cast<size_t>(s.batches); ++b) {
    const int32_t* block = sums + b * s.blocks * c;
    for (size_t ch = 0; ch < c; ++ch) {
      int32_t acc = 0;  // exact: pixels * 255 < 2^31 (Prepare)
      for (size_t k = 0; k < s.blocks; ++k) acc += block[k * c + ch];
      out[b * c + ch] = static_cast<T>(RequantizeSum(acc, static_cast<int64_t>(pixels), ref_state->q));
    }
  }
}

Status Eval(KernelContext* ctx) {
  const MeanState& s = *ctx->state<MeanState>();
  if (s.blocks != 0) {
    if (ctx->input(0)->dtype == DType::kI8)
      BlockMean<int8_t>(ctx, s, s.qs8_gsum);
    else
      BlockMean<uint8_t>(ctx, s, s.qu8_gsum);
    return Status::Ok();
  }
  if (s.quantized) {
    // The reference state's accumulator scratch (8 bytes per output) holds
    // each image's int32 sums, and (second half) the block-sum path's block sums.
    const auto* ref_state = static_cast<const SumReduceState*>(s.fallback.state);
    int32_t* acc = static_cast<int32_t*>(ctx->scratch(ref_state->scratch));
    const Tensor* input = ctx->input(0);
    const size_t c = static_cast<size_t>(s.channels), pixels = static_cast<size_t>(s.pixels);
    int32_t* block = acc + static_cast<size_t>(s.batches) * c;
    ctx->ParallelFor2D(static_cast<size_t>(s.batches), c, 1, s.channel_tile,
                       [&](int, size_t b, size_t c0, size_t, size_t nc) {
                         const size_t in_off = b * pixels * c + c0, out_off = b * c + c0;
                         if (input->dtype == DType::kI8 && s.qs8_gsum != nullptr)
                           BlockSumImageMean(input->data_as<int8_t>() + in_off, pixels, nc, c, s.qs8_gsum,
                                             acc + out_off, block + out_off, ref_state->q,
                                             ctx->output(0)->data_as<int8_t>() + out_off);
                         else if (input->dtype == DType::kU8 && s.qu8_gsum != nullptr)
                           BlockSumImageMean(input->data_as<uint8_t>() + in_off, pixels, nc, c, s.qu8_gsum,
                                             acc + out_off, block + out_off, ref_state->q,
                                             ctx->output(0)->data_as<uint8_t>() + out_off);
                         else if (input->dtype == DType::kI8)
                           QuantizedImageMean(input->data_as<int8_t>() + in_off, pixels, nc, c, acc + out_off,
                                              ref_state->q, ctx->output(0)->data_as<int8_t>() + out_off);
                         else
                           QuantizedImageMean(input->data_as<uint8_t>() + in_off, pixels, nc, c, acc + out_off,
                                              ref_state->q, ctx->output(0)->data_as<uint8_t>() + out_off);
                       });
    return Status::Ok();
  }
  if (s.gavgpool == nullptr) return s.fallback.Eval(ctx);
  const float* in = ctx->input(0)->data_as<float>();
  float* out = ctx->output(0)->data_as<float>();
  const size_t c = static_cast<size_t>(s.channels), image = static_cast<size_t>(s.pixels) * c;
  if (c == 0) return Status::Ok();
  ctx->ParallelFor2D(static_cast<size_t>(s.batches), c, 1, s.channel_tile,
                     [&](int, size_t b, size_t c0, size_t, size_t nc) {
                       s.gavgpool(static_cast<size_t>(s.pixels), nc, in + b * image + c0, c, out + b * c + c0);
                     });
  return Status::Ok();
}

}  // namespace

const OpKernel* Register_MEAN() {
  static const OpKernel kernel = {"MEAN/optimized", Prepare, Eval, kNoFlags};
  return &kernel;
}

}  // namespace opt
}  // namespace edgert
