#include "kernels/optimized/f32_winograd.h"

#include <algorithm>
#include <atomic>
#include <limits>
#include <vector>

namespace edgert {
namespace opt {
namespace {

// Thresholds (kAuto), measured with edgert-bench --profile (one thread, AVX-512
// GEMM) against the indirect GEMM path. F(2x2, 3x3): every 3x3 stride-1 layer
// of resnet18 and squeezenet1_1 with at least 49 2x2 tiles got faster (16 ->
// 64 channels on 55x55: 0.51 -> 0.33 ms; 64 -> 64 on 56x56: 2.06 -> 1.04 ms;
// 256 -> 256 on 14x14: 2.2 -> 1.2 ms), while resnet18's 512 -> 512 layers on
// 7x7 (16 tiles, 64 outputs computed for 49, 16 MB of transformed weights)
// got slower (2.5 -> 2.4 to 3.8 ms, depending on the block size). Below 16
// channels the transforms' share grows and the GEMM's K is short.
// F(4x4, 3x3) (36 positions per 16 outputs instead of 16 per 4) beat
// F(2x2, 3x3) where there are at least 49 4x4 tiles (56x56: 1.13 -> 0.76 ms,
// 28x28: 1.06 -> 0.81, squeezenet's 55x55: 0.35 -> 0.28, 27x27: 0.29 ->
// 0.23) and lost with 16 (14x14 256 -> 256: 1.4 -> 1.8 ms; 13x13: 0.20 ->
// 0.26): its transformed weights, 2.25 times larger, are then read for few
// tiles.
constexpr size_t kMinInChannels = 16;
constexpr size_t kMinOutChannels = 16;
constexpr size_t kMinTiles = 32;  // tiles of the transform's size

// Bytes of one block's V and M (positions x block x (I + O) floats) aimed at:
// within the L2 cache with room for the GEMM's weights.
constexpr size_t kBlockBytes = size_t{512} << 10;
constexpr size_t kMaxBlock = 64;
constexpr size_t kSplitMinWeightBytes = size_t{1} << 20;

std::atomic<int>& Policy() {
  static std::atomic<int> policy{static_cast<int>(WinogradPolicy::kAuto)};
  return policy;
}

size_t RoundUp16(size_t n) { return (n + 15) / 16 * 16; }

// Floats of one worker's scratch slice: V, M, and the discard row.
size_t WorkerFloats(const F32Winograd& w) {
  const size_t p = w.positions();
  return RoundUp16(p * w.block * w.in_c) + RoundUp16(p * w.block * w.out_c) + RoundUp16(w.out_c);
}

// G of F(2x2, 3x3) and of F(4x4, 3x3): U = G g G^T.
constexpr double kG2[4][3] = {{1.0, 0.0, 0.0}, {0.5, 0.5, 0.5}, {0.5, -0.5, 0.5}, {0.0, 0.0, 1.0}};
constexpr double kG4[6][3] = {{1.0 / 4, 0.0, 0.0},
                              {-1.0 / 6, -1.0 / 6, -1.0 / 6},
                              {-1.0 / 6, 1.0 / 6, -1.0 / 6},
                              {1.0 / 24, 1.0 / 12, 1.0 / 6},
                              {1.0 / 24, -1.0 / 12, 1.0 / 6},
                              {0.0, 0.0, 1.0}};

// U_e for every (oc, ic) of weights [O, 3, 3, I]: u[(e * O + oc) * I + ic],
// e = alpha * a + b for the alpha x 3 matrix G.
void TransformWeights(const double (*kg)[3], int alpha, const float* weights, size_t out_c, size_t in_c, float* u) {
  for (size_t oc = 0; oc < out_c; ++oc)
    for (size_t ic = 0; ic < in_c; ++ic) {
      double g[3][3];
      for (int ky = 0; ky < 3; ++ky)
        for (int kx = 0; kx < 3; ++kx) g[ky][kx] = weights[((oc * 3 + ky) * 3 + kx) * in_c + ic];
      double gg[6][3];  // G g
      for (int a = 0; a < alpha; ++a)
        for (int kx = 0; kx < 3; ++kx) gg[a][kx] = kg[a][0] * g[0][kx] + kg[a][1] * g[1][kx] + kg[a][2] * g[2][kx];
      for (int a = 0; a < alpha; ++a)
        for (int b = 0; b < alpha; ++b) {
          const double v = gg[a][0] * kg[b][0] + gg[a][1] * kg[b][1] + gg[a][2] * kg[b][2];
          u[(static_cast<size_t>(alpha * a + b) * out_c + oc) * in_c + ic] = static_cast<float>(v);
        }
    }
}

// One block of tiles [t0, t0 + nt) and output channels [o0, o0 + no) (see
// the header): transforms into the worker's V, the GEMMs into its M, output
// transforms into `out`.
void RunBlock(const F32Winograd& w, const float* in, float* out, size_t ldc, float* scratch, size_t t0, size_t nt,
              size_t o0, size_t no) {
  const Window2D& g = w.window;
  const size_t ic = w.in_c, oc = w.out_c, block = w.block, positions = w.positions();
  const int tile = w.tile, alpha = w.tile + 2;
  float* v = scratch;
  float* m = v + RoundUp16(positions * block * ic);
  float* discard = m + RoundUp16(positions * block * oc);
  const size_t image_tiles = w.tiles_h * w.tiles_w;
  for (size_t t = 0; t < nt; ++t) {
    const size_t index = t0 + t;
    const size_t b = index / image_tiles, r = index % image_tiles;
    const int iy0 = static_cast<int>(r / w.tiles_w) * tile - g.pad_top;
    const int ix0 = static_cast<int>(r % w.tiles_w) * tile - g.pad_left;
    const float* image = in + b * static_cast<size_t>(g.in_h) * g.in_w * ic;
    const float* ptrs[36];
    for (int i = 0; i < alpha; ++i)
      for (int j = 0; j < alpha; ++j) {
        const int iy = iy0 + i, ix = ix0 + j;
        ptrs[alpha * i + j] = iy >= 0 && iy < g.in_h && ix >= 0 && ix < g.in_w
                                  ? image + (static_cast<size_t>(iy) * g.in_w + ix) * ic
                                  : w.zeros;
      }
    w.input(ic, ptrs, v + t * ic, block * ic);
  }
  const F32MinMaxParams none = {-std::numeric_limits<float>::infinity(), std::numeric_limits<float>::infinity()};
  const size_t mr = w.gemm.mr, nr = w.gemm.nr;
  const size_t col_block = GemmColumnBlock(ic, nr);
  for (size_t e = 0; e < positions; ++e) {
    const float* a = v + e * block * ic;
    float* c = m + e * block * oc;
    const float* packed = w.packed + e * w.gemm_floats;
    for (size_t j = o0; j < o0 + no; j += col_block) {
      const float* wj = packed + j / nr * (nr * (ic + 1));
      const size_t nc = std::min(col_block, o0 + no - j);
      for (size_t i = 0; i < nt; i += mr)
        w.gemm.gemm(std::min(mr, nt - i), nc, ic, a + i * ic, ic, wj, c + i * oc + j, oc, &none);
    }
  }
  const float* bias = w.packed + positions * w.gemm_floats;
  for (size_t t = 0; t < nt; ++t) {
    const size_t index = t0 + t;
    const size_t b = index / image_tiles, r = index % image_tiles;
    const int oy0 = static_cast<int>(r / w.tiles_w) * tile, ox0 = static_cast<int>(r % w.tiles_w) * tile;
    float* image = out + b * static_cast<size_t>(g.out_h) * g.out_w * ldc;
    float* outs[16];
    for (int i = 0; i < tile; ++i)
      for (int j = 0; j < tile; ++j) {
        const int oy = oy0 + i, ox = ox0 + j;
        outs[tile * i + j] =
            oy < g.out_h && ox < g.out_w ? image + (static_cast<size_t>(oy) * g.out_w + ox) * ldc + o0 : discard;
      }
    w.output(no, m + t * oc + o0, block * oc, bias + o0, outs, &w.minmax);
  }
}

}  // namespace

WinogradPolicy SetF32WinogradPolicyForTesting(WinogradPolicy policy) {
  return static_cast<WinogradPolicy>(Policy().exchange(static_cast<int>(policy)));
}

int F32WinogradTile(const Window2D& g, int out_c) {
  if (g.filter_h != 3 || g.filter_w != 3 || g.stride_h != 1 || g.stride_w != 1 || g.dilation_h != 1 ||
      g.dilation_w != 1)
    return 0;
  if (GetKernelIsa().f32_gemm.fn == nullptr) return 0;
  const WinogradPolicy policy = static_cast<WinogradPolicy>(Policy().load());
  if (policy == WinogradPolicy::kNever) return 0;
  if (policy == WinogradPolicy::kAlways2x2) return 2;
  if (policy == WinogradPolicy::kAlways4x4) return 4;
  auto tiles = [&](int side) {
    return static_cast<size_t>(g.batches) * ((g.out_h + side - 1) / side) * ((g.out_w + side - 1) / side);
  };
  if (static_cast<size_t>(g.in_c) < kMinInChannels || static_cast<size_t>(out_c) < kMinOutChannels ||
      tiles(2) < kMinTiles)
    return 0;
  return tiles(4) >= kMinTiles ? 4 : 2;
}

Status PrepareF32Winograd(KernelContext* ctx, int tile, const Window2D& g, const Tensor* weights, const Tensor* bias,
                          F32MinMaxParams minmax, F32Winograd* w) {
  const KernelIsa& isa = GetKernelIsa();
  F32Winograd s;
  s.gemm = GetF32Gemm();
  if (s.gemm.gemm == nullptr || (tile != 2 && tile != 4)) return Status::Ok();
  s.tile = tile;
  if (tile == 2) {
    s.input = isa.f32_winograd.input_2x2 != nullptr ? isa.f32_winograd.input_2x2
                                                    : f32_winograd_input_ukernel_2x2_3x3__scalar;
    s.output = isa.f32_winograd.output_2x2 != nullptr ? isa.f32_winograd.output_2x2
                                                      : f32_winograd_output_minmax_ukernel_2x2_3x3__scalar;
  } else {
    s.input = isa.f32_winograd.input_4x4 != nullptr ? isa.f32_winograd.input_4x4
                                                    : f32_winograd_input_ukernel_4x4_3x3__scalar;
    s.output = isa.f32_winograd.output_4x4 != nullptr ? isa.f32_winograd.output_4x4
                                                      : f32_winograd_output_minmax_ukernel_4x4_3x3__scalar;
  }
  s.window = g;
  s.in_c = static_cast<size_t>(g.in_c);
  s.out_c = static_cast<size_t>(weights->shape[0]);
  s.tiles_h = static_cast<size_t>(g.out_h + tile - 1) / tile;
  s.tiles_w = static_cast<size_t>(g.out_w + tile - 1) / tile;
  s.tiles = static_cast<size_t>(g.batches) * s.tiles_h * s.tiles_w;
  const size_t positions = s.positions();
  const size_t mr = s.gemm.mr, nr = s.gemm.nr;
  const size_t threads = static_cast<size_t>(ctx->num_threads());
  const size_t tile_bytes = positions * (s.in_c + s.out_c) * sizeof(float);
  // The fewest blocks of at most the budget's tiles, their count rounded up
  // to a multiple of the threads, and the tiles spread evenly over them
  // (F32Winograd::BlockStart): 49 tiles (a 13x13 or 27x27 layer) on 2 threads
  // ran as blocks of 16, 16, 16 and 1 when blocks were one size (a multiple
  // of 4), giving the threads 32 and 17 tiles; now 24 and 25.
  const size_t block = std::max(std::min(kBlockBytes / tile_bytes, kMaxBlock) / 4 * 4, mr);
  size_t blocks = (s.tiles + block - 1) / block;
  blocks = (blocks + threads - 1) / threads * threads;
  s.blocks = std::max<size_t>(std::min(blocks, s.tiles), 1);
  s.block = 0;
  for (size_t b = 0; b < s.blocks; ++b) s.block = std::max(s.block, s.BlockStart(b + 1) - s.BlockStart(b));
  // Few tiles (at most two blocks per thread) and transformed weights of
  // kSplitMinWeightBytes or more: the output channels are split across the
  // threads too, each thread's share of the weights read by it alone (split
  // by tiles only, every thread reads all of them), the input transforms
  // repeated per part. 2 threads: squeezenet1_1's 13x13 64 -> 256 layers (1 MB
  // of U) 0.107 -> 0.096 ms, resnet18's 14x14 256 -> 256 (4 MB) 0.38 -> 0.35
  // and 28x28 128 -> 128 (2.4 MB) 0.289 -> 0.268 ms; squeezenet's 27x27
  // 32 -> 128 (0.6 MB, F(4x4, 3x3): 36 input transforms per tile) got slower,
  // 0.081 -> 0.093 ms, hence the 1 MB.
  s.parts = 1;
  s.part_channels = s.out_c;
  const size_t weight_bytes = positions * s.in_c * s.out_c * sizeof(float);
  if (threads > 1 && s.blocks <= 2 * threads && weight_bytes >= kSplitMinWeightBytes && s.out_c >= 2 * nr * threads) {
    s.parts = threads;
    s.part_channels = (s.out_c + threads * nr - 1) / (threads * nr) * nr;
  }
  s.minmax = minmax;

  EDGERT_RETURN_IF_ERROR(ctx->RequestScratch(WorkerFloats(s) * sizeof(float) * threads, &s.scratch));
  float* zeros = static_cast<float*>(ctx->AllocatePersistent(s.in_c * sizeof(float)));
  if (zeros == nullptr) return ctx->Error(StatusCode::kOutOfMemory, "out of memory for a padding pixel");
  s.zeros = zeros;  // AllocatePersistent zeroes

  s.gemm_floats = PackedGemmFloats(s.out_c, s.in_c, nr);
  const size_t packed_floats = positions * s.gemm_floats + RoundUp16(s.out_c);
  bool filled = false;
  float* packed = static_cast<float*>(ctx->AllocatePacked(
      packed_floats * sizeof(float),
      PackedLayoutKey(tile == 2 ? "f32-winograd-2x2-3x3" : "f32-winograd-4x4-3x3",
                      {static_cast<int64_t>(nr), static_cast<int64_t>(s.in_c), static_cast<int64_t>(s.out_c)}),
      &filled));
  if (packed == nullptr)
    return ctx->Error(StatusCode::kOutOfMemory, "out of memory for %zu packed weight floats", packed_floats);
  if (!filled) {
    std::vector<float> u(positions * s.out_c * s.in_c);
    TransformWeights(tile == 2 ? kG2 : kG4, tile + 2, weights->data_as<float>(), s.out_c, s.in_c, u.data());
    for (size_t e = 0; e < positions; ++e)
      PackGemmB(s.out_c, s.in_c, u.data() + e * s.out_c * s.in_c, 1, s.in_c, nullptr, nr,
                packed + e * s.gemm_floats);
    float* b = packed + positions * s.gemm_floats;
    const float* src = bias != nullptr ? bias->data_as<float>() : nullptr;
    for (size_t oc = 0; oc < RoundUp16(s.out_c); ++oc) b[oc] = src != nullptr && oc < s.out_c ? src[oc] : 0.f;
  }
  s.packed = packed;
  ctx->MarkInputPacked(1);
  ctx->MarkInputPacked(2);
  *w = s;
  return Status::Ok();
}

void EvalF32Winograd(KernelContext* ctx, const F32Winograd& w, const float* in, float* out, size_t ldc) {
  float* scratch = static_cast<float*>(ctx->scratch(w.scratch));
  const size_t worker_floats = WorkerFloats(w);
  // Item i: part i / blocks (output channels), block i % blocks (tiles); a
  // thread's contiguous share of the items is then one part's.
  ctx->ParallelFor(w.blocks * w.parts, 1, [&](int worker, size_t i0, size_t ni) {
    for (size_t i = i0; i < i0 + ni; ++i) {
      const size_t b = i % w.blocks, o0 = i / w.blocks * w.part_channels;
      if (o0 >= w.out_c) continue;
      const size_t t0 = w.BlockStart(b);
      RunBlock(w, in, out, ldc, scratch + static_cast<size_t>(worker) * worker_floats, t0, w.BlockStart(b + 1) - t0,
               o0, std::min(w.part_channels, w.out_c - o0));
    }
  });
}

}  // namespace opt
}  // namespace edgert
