// Shared by the optimized MAX_POOL_2D and AVERAGE_POOL_2D kernels (f32, int8
// and uint8 NHWC). Prepare runs the reference prepare
// (validation, output shape; its state is the Pool2DParams of
// kernels/common/conv_util.h) and covers the nodes whose dtype has a pooling
// microkernel in the ISA table. Eval clamps each output pixel's window
// to the input (TapRange) and hands the microkernel the in-bounds rows x cols
// block; the microkernel runs over the channels. Output rows are split across
// threads (the blocks of an f32 global average pool: kGlobalPoolBlockPixels);
// every output value is computed by the same arithmetic whatever the tiling,
// so all thread counts give identical results.
#pragma once

#include <algorithm>
#include <cmath>

#include "kernels/common/conv_util.h"
#include "kernels/common/parallel_tile.h"
#include "kernels/dispatch.h"
#include "kernels/optimized/fallback.h"

namespace edgert {
namespace opt {

struct Pool2DState {
  ReferenceFallback fallback;
  const Pool2DParams* params = nullptr;  // the reference kernel's state
  F32MaxPoolUkernelFn maxpool = nullptr;  // one of the two, or neither (reference eval)
  F32AvgPoolUkernelFn avgpool = nullptr;
  QS8MaxPoolUkernelFn qs8_maxpool = nullptr;  // int8 / uint8 max pooling
  QU8MaxPoolUkernelFn qu8_maxpool = nullptr;
  QS8AvgPoolUkernelFn qs8_avgpool = nullptr;  // int8 / uint8 average pooling
  QU8AvgPoolUkernelFn qu8_avgpool = nullptr;
  F32MinMaxParams minmax = {0.f, 0.f};
  X8MinMaxParams x8_minmax = {0, 0};  // the quantized activation range
  size_t tile_rows = 1;  // output rows (batch * out_h) per parallel tile
  // f32 global average pooling of more than one block (see
  // kGlobalPoolBlockPixels): blocks per image, the blocks' sums (persistent,
  // batches x blocks x channels floats) and the blocks per parallel tile;
  // global_blocks 0: the windowed path.
  size_t global_blocks = 0;
  float* global_sums = nullptr;
  size_t tile_blocks = 1;
  // The same for int8 / uint8 (global_blocks != 0 with qs8_avgpool or
  // qu8_avgpool set, where the level has the block-sum microkernel): the
  // blocks' exact int32 sums.
  int32_t* global_int_sums = nullptr;
  QS8GSumUkernelFn qs8_gsum = nullptr;
  QU8GSumUkernelFn qu8_gsum = nullptr;
};

// An f32 AVERAGE_POOL_2D whose one window is the whole image (the squeeze of
// squeeze-and-excitation blocks: [1,128,128,16] -> [1,1,1,16]) is one long sum
// per channel: serial, it waits out the add latency at every pixel and runs on
// one thread, which also reads the half of the image that the previous op left
// in the other core's cache. Above one block of this many pixels, the
// microkernel sums each block (divisor 1, no clamp) on whichever thread, and
// the block sums are added in block order, then divided and clamped. The
// grouping depends on the shape only, so every thread count gives the same
// result; it differs from the serial reference sum by float reassociation
// (int8 / uint8: no difference, the sums are exact).
constexpr size_t kGlobalPoolBlockPixels = 64;
// int8 / uint8 windows over a whole image take the same blocks with exact
// int32 sums, so the result is the reference's whatever the grouping; up to
// this many pixels (|sum| <= 255 * pixels < 2^31).
constexpr size_t kGlobalPoolMaxIntPixels = size_t{1} << 23;
static_assert(kGlobalPoolBlockPixels <= 256, "QS8GSumUkernelFn sums at most 256 pixels");

inline Status PreparePool2DOptimized(KernelContext* ctx, const OpKernel* ref, bool max) {
  Pool2DState* s = nullptr;
  EDGERT_RETURN_IF_ERROR(PrepareWithFallback(ctx, ref, &s));
  const Pool2DParams* p = static_cast<const Pool2DParams*>(s->fallback.state);
  const KernelIsa& isa = GetKernelIsa();
  if (max && p->type == DType::kI8 && isa.x8.qs8_maxpool != nullptr) {
    s->qs8_maxpool = isa.x8.qs8_maxpool;
  } else if (max && p->type == DType::kU8 && isa.x8.qu8_maxpool != nullptr) {
    s->qu8_maxpool = isa.x8.qu8_maxpool;
  } else if (!max && p->type != DType::kF32 &&
             static_cast<int64_t>(p->window.filter_h) * p->window.filter_w <= (1 << 22)) {
    // (a window of at most 2^22 taps keeps the int32 sums exact)
    if (p->type == DType::kI8) s->qs8_avgpool = isa.x8.qs8_avgpool;
    if (p->type == DType::kU8) s->qu8_avgpool = isa.x8.qu8_avgpool;
    if (s->qs8_avgpool == nullptr && s->qu8_avgpool == nullptr) return Status::Ok();
  } else if (p->type != DType::kF32 ||
             (max ? isa.f32_pool.maxpool == nullptr : isa.f32_pool.avgpool == nullptr)) {
    return Status::Ok();
  } else if (max) {
    s->maxpool = isa.f32_pool.maxpool;
  } else {
    s->avgpool = isa.f32_pool.avgpool;
  }
  s->params = p;
  s->x8_minmax = {p->act_min, p->act_max};
  s->minmax = {p->float_min, p->float_max};
  const Window2D& g = p->window;
  const size_t image = static_cast<size_t>(g.in_h) * static_cast<size_t>(g.in_w);
  const bool x8_avg = (s->qs8_avgpool != nullptr && isa.x8_gsum.qs8 != nullptr) ||
                      (s->qu8_avgpool != nullptr && isa.x8_gsum.qu8 != nullptr);
  if ((s->avgpool != nullptr || (x8_avg && image <= kGlobalPoolMaxIntPixels)) && g.out_h == 1 && g.out_w == 1 &&
      g.pad_top == 0 && g.pad_left == 0 && g.filter_h == g.in_h && g.filter_w == g.in_w &&
      image > kGlobalPoolBlockPixels) {
    s->global_blocks = (image + kGlobalPoolBlockPixels - 1) / kGlobalPoolBlockPixels;
    const size_t items = static_cast<size_t>(g.batches) * s->global_blocks;
    void* sums = ctx->AllocatePersistent(items * static_cast<size_t>(g.in_c) * sizeof(float));  // or int32
    if (sums == nullptr) return ctx->Error(StatusCode::kOutOfMemory, "out of memory for %zu block sums", items);
    if (x8_avg) {
      s->global_int_sums = static_cast<int32_t*>(sums);
      s->qs8_gsum = isa.x8_gsum.qs8;
      s->qu8_gsum = isa.x8_gsum.qu8;
    } else {
      s->global_sums = static_cast<float*>(sums);
    }
    s->tile_blocks = ParallelTile(items, kGlobalPoolBlockPixels * static_cast<size_t>(g.in_c), ctx->num_threads(), 1);
    return Status::Ok();
  }
  const size_t row_cost = static_cast<size_t>(g.out_w) * g.in_c * std::min(g.filter_h, g.in_h) *
                          std::min(g.filter_w, g.in_w);
  s->tile_rows = ParallelTile(static_cast<size_t>(g.batches) * g.out_h, std::max<size_t>(row_cost, 1),
                              ctx->num_threads(), 1);
  return Status::Ok();
}

// Runs pool(rows, cols, src, dst) for every output pixel: src is the first
// in-bounds tap of its window (rows x cols taps, row stride in_w * in_c), dst
// its output pixel (in_c values of T).
template <typename T, typename Pool>
void ForEachPoolWindow(KernelContext* ctx, const Pool2DState& s, const Pool& pool) {
  const Window2D& g = s.params->window;
  const T* in = ctx->input(0)->data_as<T>();
  T* out = ctx->output(0)->data_as<T>();
  const size_t c = static_cast<size_t>(g.in_c);
  const size_t row_stride = static_cast<size_t>(g.in_w) * c;
  ctx->ParallelFor(static_cast<size_t>(g.batches) * g.out_h, s.tile_rows, [&](int, size_t start, size_t count) {
    for (size_t row = start; row < start + count; ++row) {
      const int64_t b = static_cast<int64_t>(row / g.out_h);
      const int oy = static_cast<int>(row % g.out_h);
      const int64_t y0 = static_cast<int64_t>(oy) * g.stride_h - g.pad_top;
      int ky0, ky1;
      TapRange(y0, g.filter_h, 1, g.in_h, &ky0, &ky1);
      const T* in_rows = in + (b * g.in_h + y0 + ky0) * static_cast<int64_t>(row_stride);
      T* dst = out + row * static_cast<size_t>(g.out_w) * c;
      for (int ox = 0; ox < g.out_w; ++ox, dst += c) {
        const int64_t x0 = static_cast<int64_t>(ox) * g.stride_w - g.pad_left;
        int kx0, kx1;
        TapRange(x0, g.filter_w, 1, g.in_w, &kx0, &kx1);
        const T* src = in_rows + (x0 + kx0) * static_cast<int64_t>(c);
        pool(static_cast<size_t>(ky1 - ky0), static_cast<size_t>(kx1 - kx0), src, dst);
      }
    }
  });
}

// The f32 global average pool of kGlobalPoolBlockPixels blocks (above).
inline void EvalGlobalAvgPoolF32(KernelContext* ctx, const Pool2DState& s) {
  const Window2D& g = s.params->window;
  const float* in = ctx->input(0)->data_as<float>();
  float* out = ctx->output(0)->data_as<float>();
  float* sums = s.global_sums;  // [batch][block][channel]
  const size_t c = static_cast<size_t>(g.in_c);
  const size_t image = static_cast<size_t>(g.in_h) * static_cast<size_t>(g.in_w);
  const size_t blocks = s.global_blocks;
  const F32MinMaxParams sum_only = {-INFINITY, INFINITY};
  ctx->ParallelFor(static_cast<size_t>(g.batches) * blocks, s.tile_blocks, [&](int, size_t start, size_t count) {
    for (size_t item = start; item < start + count; ++item) {
      const size_t b = item / blocks, p0 = item % blocks * kGlobalPoolBlockPixels;
      const size_t n = std::min(kGlobalPoolBlockPixels, image - p0);
      s.avgpool(1, n, c, in + (b * image + p0) * c, n * c, 1.f, sums + item * c, &sum_only);
    }
  });
  const float area = static_cast<float>(image);
  for (size_t b = 0; b < static_cast<size_t>(g.batches); ++b) {
    float* dst = out + b * c;
    const float* block = sums + b * blocks * c;
    std::copy_n(block, c, dst);
    for (size_t k = 1; k < blocks; ++k)
      for (size_t ch = 0; ch < c; ++ch) dst[ch] += block[k * c + ch];
    for (size_t ch = 0; ch < c; ++ch) dst[ch] = std::min(std::max(dst[ch] / area, s.minmax.min), s.minmax.max);
  }
}

// The int8 / uint8 global average pool: exact int32 sums of the
// kGlobalPoolBlockPixels blocks in parallel (the level's block-sum
// microkernel), added in order, then the reference's quotient (rounded half
// away from zero) and clamp.
template <typename T, typename Sum>
void EvalGlobalAvgPoolX8(KernelContext* ctx, const Pool2DState& s, const Sum& sum_block) {
  const Window2D& g = s.params->window;
  const T* in = ctx->input(0)->data_as<T>();
  T* out = ctx->output(0)->data_as<T>();
  int32_t* sums = s.global_int_sums;  // [batch][block][channel]
  const size_t c = static_cast<size_t>(g.in_c);
  const size_t image = static_cast<size_t>(g.in_h) * static_cast<size_t>(g.in_w);
  const size_t blocks = s.global_blocks;
  ctx->ParallelFor(static_cast<size_t>(g.batches) * blocks, s.tile_blocks, [&](int, size_t start, size_t count) {
    for (size_t item = start; item < start + count; ++item) {
      const size_t b = item / blocks, p0 = item % blocks * kGlobalPoolBlockPixels;
      sum_block(std::min(kGlobalPoolBlockPixels, image - p0), c, in + (b * image + p0) * c, c, sums + item * c);
    }
  });
  const int64_t divisor = static_cast<int64_t>(image);
  for (size_t b = 0; b < static_cast<size_t>(g.batches); ++b) {
    const int32_t* block = sums + b * blocks * c;
    for (size_t ch = 0; ch < c; ++ch) {
      int64_t acc = 0;
      for (size_t k = 0; k < blocks; ++k) acc += block[k * c + ch];
      acc = acc > 0 ? (acc + divisor / 2) / divisor : (acc - divisor / 2) / divisor;
      out[b * c + ch] = static_cast<T>(std::min<int64_t>(std::max<int64_t>(acc, s.x8_minmax.min), s.x8_minmax.max));
    }
  }
}

inline Status EvalPool2DOptimized(KernelContext* ctx) {
  const Pool2DState& s = *ctx->state<Pool2DState>();
  if (s.params == nullptr) return s.fallback.Eval(ctx);
  const Pool2DParams& p = *s.params;
  const Window2D& g = p.window;
  const size_t c = static_cast<size_t>(g.in_c);
  const size_t row_stride = static_cast<size_t>(g.in_w) * c;
  if (s.qs8_maxpool != nullptr) {
    ForEachPoolWindow<int8_t>(ctx, s, [&](size_t rows, size_t cols, const int8_t* src, int8_t* dst) {
      s.qs8_maxpool(rows, cols, c, src, row_stride, dst, &s.x8_minmax);
    });
  } else if (s.qu8_maxpool != nullptr) {
    ForEachPoolWindow<uint8_t>(ctx, s, [&](size_t rows, size_t cols, const uint8_t* src, uint8_t* dst) {
      s.qu8_maxpool(rows, cols, c, src, row_stride, dst, &s.x8_minmax);
    });
  } else if (s.global_int_sums != nullptr) {
    if (s.qs8_avgpool != nullptr)
      EvalGlobalAvgPoolX8<int8_t>(ctx, s, s.qs8_gsum);
    else
      EvalGlobalAvgPoolX8<uint8_t>(ctx, s, s.qu8_gsum);
  } else if (s.qs8_avgpool != nullptr || s.qu8_avgpool != nullptr) {
    // The reference's quantized average: padded taps count as the zero point
    // under count_include_pad, with the full window as the divisor.
    const int32_t window = g.filter_h * g.filter_w;
    auto bias_divisor = [&](size_t rows, size_t cols, int32_t* bias, int32_t* divisor) {
      const int32_t taps = static_cast<int32_t>(rows * cols);
      *bias = p.count_include_pad ? (window - taps) * p.zero_point : 0;
      *divisor = p.count_include_pad ? window : taps;
    };
    if (s.qs8_avgpool != nullptr) {
      ForEachPoolWindow<int8_t>(ctx, s, [&](size_t rows, size_t cols, const int8_t* src, int8_t* dst) {
        int32_t bias, divisor;
        bias_divisor(rows, cols, &bias, &divisor);
        s.qs8_avgpool(rows, cols, c, src, row_stride, bias, divisor, dst, &s.x8_minmax);
      });
    } else {
      ForEachPoolWindow<uint8_t>(ctx, s, [&](size_t rows, size_t cols, const uint8_t* src, uint8_t* dst) {
        int32_t bias, divisor;
        bias_divisor(rows, cols, &bias, &divisor);
        s.qu8_avgpool(rows, cols, c, src, row_stride, bias, divisor, dst, &s.x8_minmax);
      });
    }
  } else if (s.maxpool != nullptr) {
    ForEachPoolWindow<float>(ctx, s, [&](size_t rows, size_t cols, const float* src, float* dst) {
      s.maxpool(rows, cols, c, src, row_stride, dst, &s.minmax);
    });
  } else if (s.global_blocks != 0) {
    EvalGlobalAvgPoolF32(ctx, s);
  } else {
    const float area = static_cast<float>(g.filter_h * g.filter_w);
    ForEachPoolWindow<float>(ctx, s, [&](size_t rows, size_t cols, const float* src, float* dst) {
      const float divisor = p.count_include_pad ? area : static_cast<float>(static_cast<int>(rows * cols));
      s.avgpool(rows, cols, c, src, row_stride, divisor, dst, &s.minmax);
    });
  }
  return Status::Ok();
}

}  // namespace opt
}  // namespace edgert
