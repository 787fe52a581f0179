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
// Every other node runs the reference kernel. Images and channel ranges are
// split across threads (a channel's sum never is), so all thread counts give
// identical results. Splitting the channels lets one image's mean use every
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
};

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
  return Status::Ok();
}

Status Eval(KernelContext* ctx) {
  const MeanState& s = *ctx->state<MeanState>();
  if (s.quantized) {
    // The reference state's accumulator scratch (8 bytes per output) holds
    // each image's int32 sums.
    const auto* ref_state = static_cast<const SumReduceState*>(s.fallback.state);
    int32_t* acc = static_cast<int32_t*>(ctx->scratch(ref_state->scratch));
    const Tensor* input = ctx->input(0);
    const size_t c = static_cast<size_t>(s.channels), pixels = static_cast<size_t>(s.pixels);
    ctx->ParallelFor2D(static_cast<size_t>(s.batches), c, 1, s.channel_tile,
                       [&](int, size_t b, size_t c0, size_t, size_t nc) {
                         const size_t in_off = b * pixels * c + c0, out_off = b * c + c0;
                         if (input->dtype == DType::kI8)
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
