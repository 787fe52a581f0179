#include "kernels/optimized/f32_winograd.h"

#include <algorithm>
#include <atomic>
#include <limits>
#include <vector>

namespace edgert {
namespace opt {
namespace {

// Thresholds (kAuto), measured with edgert-bench --profile (one thread, AVX-512
// GEMM) against the indirect GEMM path: every 3x3 stride-1 layer of resnet18
// and squeezenet1_1 with at least 49 tiles got faster (16 -> 64 channels on
// 55x55: 0.51 -> 0.33 ms; 64 -> 64 on 56x56: 2.06 -> 1.04 ms; 256 -> 256 on
// 14x14: 2.2 -> 1.2 ms), while resnet18's 512 -> 512 layers on 7x7 (16 tiles,
// 64 outputs computed for 49, 16 MB of transformed weights) got slower (2.5
// -> 2.4 to 3.8 ms, depending on the block size). Below 16 channels the
// transforms' share grows and the GEMM's K is short.
constexpr size_t kMinInChannels = 16;
constexpr size_t kMinOutChannels = 16;
constexpr size_t kMinTiles = 32;

// Bytes of one block's V and M (16 x block x (I + O) floats) aimed at: within
// the L2 cache with room for the GEMM's weights.
constexpr size_t kBlockBytes = size_t{512} << 10;
constexpr size_t kMaxBlock = 64;

std::atomic<int>& Policy() {
  static std::atomic<int> policy{static_cast<int>(WinogradPolicy::kAuto)};
  return policy;
}

size_t RoundUp16(size_t n) { return (n + 15) / 16 * 16; }

// Floats of one worker's scratch slice: V, M, and the discard row.
size_t WorkerFloats(const F32Winograd& w) {
  return RoundUp16(16 * w.block * w.in_c) + RoundUp16(16 * w.block * w.out_c) + RoundUp16(w.out_c);
}

// G of F(2x2, 3x3): U = G g G^T.
constexpr double kG[4][3] = {{1.0, 0.0, 0.0}, {0.5, 0.5, 0.5}, {0.5, -0.5, 0.5}, {0.0, 0.0, 1.0}};

// U_e for every (oc, ic) of weights [O, 3, 3, I]: u[(e * O + oc) * I + ic].
void TransformWeights(const float* weights, size_t out_c, size_t in_c, float* u) {
  for (size_t oc = 0; oc < out_c; ++oc)
    for (size_t ic = 0; ic < in_c; ++ic) {
      double g[3][3];
      for (int ky = 0; ky < 3; ++ky)
        for (int kx = 0; kx < 3; ++kx) g[ky][kx] = weights[((oc * 3 + ky) * 3 + kx) * in_c + ic];
      double gg[4][3];  // G g
      for (int a = 0; a < 4; ++a)
        for (int kx = 0; kx < 3; ++kx) gg[a][kx] = kG[a][0] * g[0][kx] + kG[a][1] * g[1][kx] + kG[a][2] * g[2][kx];
      for (int a = 0; a < 4; ++a)
        for (int b = 0; b < 4; ++b) {
          const double v = gg[a][0] * kG[b][0] + gg[a][1] * kG[b][1] + gg[a][2] * kG[b][2];
          u[((static_cast<size_t>(4 * a + b)) * out_c + oc) * in_c + ic] = static_cast<float>(v);
        }
    }
}

// One block of tiles [t0, t0 + nt) (see the header): transforms into the
// worker's V, 16 GEMMs into its M, output transforms into `out`.
void RunBlock(const F32Winograd& w, const float* in, float* out, float* scratch, size_t t0, size_t nt) {
  const Window2D& g = w.window;
  const size_t ic = w.in_c, oc = w.out_c, block = w.block;
  float* v = scratch;
  float* m = v + RoundUp16(16 * block * ic);
  float* discard = m + RoundUp16(16 * block * oc);
  const size_t image_tiles = w.tiles_h * w.tiles_w;
  for (size_t t = 0; t < nt; ++t) {
    const size_t tile = t0 + t;
    const size_t b = tile / image_tiles, r = tile % image_tiles;
    const int iy0 = static_cast<int>(r / w.tiles_w) * 2 - g.pad_top;
    const int ix0 = static_cast<int>(r % w.tiles_w) * 2 - g.pad_left;
    const float* image = in + b * static_cast<size_t>(g.in_h) * g.in_w * ic;
    const float* ptrs[16];
    for (int i = 0; i < 4; ++i)
      for (int j = 0; j < 4; ++j) {
        const int iy = iy0 + i, ix = ix0 + j;
        ptrs[4 * i + j] = iy >= 0 && iy < g.in_h && ix >= 0 && ix < g.in_w
                              ? image + (static_cast<size_t>(iy) * g.in_w + ix) * ic
                              : w.zeros;
      }
    w.input(ic, ptrs, v + t * ic, block * ic);
  }
  const F32MinMaxParams none = {-std::numeric_limits<float>::infinity(), std::numeric_limits<float>::infinity()};
  const size_t mr = w.gemm.mr, nr = w.gemm.nr;
  const size_t col_block = GemmColumnBlock(ic, nr);
  for (size_t e = 0; e < 16; ++e) {
    const float* a = v + e * block * ic;
    float* c = m + e * block * oc;
    const float* packed = w.packed + e * w.gemm_floats;
    for (size_t j = 0; j < oc; j += col_block) {
      const float* wj = packed + j / nr * (nr * (ic + 1));
      const size_t nc = std::min(col_block, oc - j);
      for (size_t i = 0; i < nt; i += mr)
        w.gemm.gemm(std::min(mr, nt - i), nc, ic, a + i * ic, ic, wj, c + i * oc + j, oc, &none);
    }
  }
  const float* bias = w.packed + 16 * w.gemm_floats;
  for (size_t t = 0; t < nt; ++t) {
    const size_t tile = t0 + t;
    const size_t b = tile / image_tiles, r = tile % image_tiles;
    const int oy0 = static_cast<int>(r / w.tiles_w) * 2, ox0 = static_cast<int>(r % w.tiles_w) * 2;
    float* image = out + b * static_cast<size_t>(g.out_h) * g.out_w * oc;
    float* outs[4];
    for (int i = 0; i < 2; ++i)
      for (int j = 0; j < 2; ++j) {
        const int oy = oy0 + i, ox = ox0 + j;
        outs[2 * i + j] =
            oy < g.out_h && ox < g.out_w ? image + (static_cast<size_t>(oy) * g.out_w + ox) * oc : discard;
      }
    w.output(oc, m + t * oc, block * oc, bias, outs, &w.minmax);
  }
}

}  // namespace

WinogradPolicy SetF32WinogradPolicyForTesting(WinogradPolicy policy) {
  return static_cast<WinogradPolicy>(Policy().exchange(static_cast<int>(policy)));
}

bool F32WinogradCovers(const Window2D& g, int out_c) {
  if (g.filter_h != 3 || g.filter_w != 3 || g.stride_h != 1 || g.stride_w != 1 || g.dilation_h != 1 ||
      g.dilation_w != 1)
    return false;
  if (GetKernelIsa().f32_gemm.fn == nullptr) return false;
  const WinogradPolicy policy = static_cast<WinogradPolicy>(Policy().load());
  if (policy == WinogradPolicy::kNever) return false;
  if (policy == WinogradPolicy::kAlways) return true;
  const size_t tiles = static_cast<size_t>(g.batches) * ((g.out_h + 1) / 2) * ((g.out_w + 1) / 2);
  return static_cast<size_t>(g.in_c) >= kMinInChannels && static_cast<size_t>(out_c) >= kMinOutChannels &&
         tiles >= kMinTiles;
}

Status PrepareF32Winograd(KernelContext* ctx, const Window2D& g, const Tensor* weights, const Tensor* bias,
                          F32MinMaxParams minmax, F32Winograd* w) {
  const KernelIsa& isa = GetKernelIsa();
  F32Winograd s;
  s.gemm = GetF32Gemm();
  if (s.gemm.gemm == nullptr) return Status::Ok();
  s.input = isa.f32_winograd.input != nullptr ? isa.f32_winograd.input : f32_winograd_input_ukernel_2x2_3x3__scalar;
  s.output =
      isa.f32_winograd.output != nullptr ? isa.f32_winograd.output : f32_winograd_output_minmax_ukernel_2x2_3x3__scalar;
  s.window = g;
  s.in_c = static_cast<size_t>(g.in_c);
  s.out_c = static_cast<size_t>(weights->shape[0]);
  s.tiles_h = static_cast<size_t>(g.out_h + 1) / 2;
  s.tiles_w = static_cast<size_t>(g.out_w + 1) / 2;
  s.tiles = static_cast<size_t>(g.batches) * s.tiles_h * s.tiles_w;
  const size_t mr = s.gemm.mr, nr = s.gemm.nr;
  const size_t tile_bytes = 16 * (s.in_c + s.out_c) * sizeof(float);
  // The fewest blocks of at most the budget's tiles (a multiple of MR), their
  // count rounded up to a multiple of the threads so that the threads get
  // equal shares, and the tiles spread evenly over them.
  size_t block = std::max(std::min(kBlockBytes / tile_bytes, kMaxBlock) / mr * mr, mr);
  const size_t threads = static_cast<size_t>(ctx->num_threads());
  size_t blocks = (s.tiles + block - 1) / block;
  blocks = (blocks + threads - 1) / threads * threads;
  s.block = (s.tiles + blocks - 1) / blocks;
  s.minmax = minmax;

  EDGERT_RETURN_IF_ERROR(
      ctx->RequestScratch(WorkerFloats(s) * sizeof(float) * threads, &s.scratch));
  float* zeros = static_cast<float*>(ctx->AllocatePersistent(s.in_c * sizeof(float)));
  if (zeros == nullptr) return ctx->Error(StatusCode::kOutOfMemory, "out of memory for a padding pixel");
  s.zeros = zeros;  // AllocatePersistent zeroes

  s.gemm_floats = PackedGemmFloats(s.out_c, s.in_c, nr);
  const size_t packed_floats = 16 * s.gemm_floats + RoundUp16(s.out_c);
  bool filled = false;
  float* packed = static_cast<float*>(ctx->AllocatePacked(
      packed_floats * sizeof(float),
      PackedLayoutKey("f32-winograd-2x2-3x3", {static_cast<int64_t>(nr), static_cast<int64_t>(s.in_c),
                                               static_cast<int64_t>(s.out_c)}),
      &filled));
  if (packed == nullptr)
    return ctx->Error(StatusCode::kOutOfMemory, "out of memory for %zu packed weight floats", packed_floats);
  if (!filled) {
    std::vector<float> u(16 * s.out_c * s.in_c);
    TransformWeights(weights->data_as<float>(), s.out_c, s.in_c, u.data());
    for (size_t e = 0; e < 16; ++e)
      PackGemmB(s.out_c, s.in_c, u.data() + e * s.out_c * s.in_c, 1, s.in_c, nullptr, nr,
                packed + e * s.gemm_floats);
    float* b = packed + 16 * s.gemm_floats;
    const float* src = bias != nullptr ? bias->data_as<float>() : nullptr;
    for (size_t oc = 0; oc < RoundUp16(s.out_c); ++oc) b[oc] = src != nullptr && oc < s.out_c ? src[oc] : 0.f;
  }
  s.packed = packed;
  ctx->MarkInputPacked(1);
  ctx->MarkInputPacked(2);
  *w = s;
  return Status::Ok();
}

void EvalF32Winograd(KernelContext* ctx, const F32Winograd& w, const float* in, float* out) {
  float* scratch = static_cast<float*>(ctx->scratch(w.scratch));
  const size_t worker_floats = WorkerFloats(w);
  ctx->ParallelFor(w.tiles, w.block, [&](int worker, size_t t0, size_t nt) {
    RunBlock(w, in, out, scratch + static_cast<size_t>(worker) * worker_floats, t0, nt);
  });
}

void f32_winograd_input_ukernel_2x2_3x3__scalar(size_t channels, const float* const* input, float* output,
                                                size_t output_stride) {
  for (size_t c = 0; c < channels; ++c) {
    float d[16], t[16];
    for (int e = 0; e < 16; ++e) d[e] = input[e][c];
    for (int j = 0; j < 4; ++j) {
      t[j] = d[j] - d[8 + j];
      t[4 + j] = d[4 + j] + d[8 + j];
      t[8 + j] = d[8 + j] - d[4 + j];
      t[12 + j] = d[4 + j] - d[12 + j];
    }
    for (int i = 0; i < 4; ++i) {
      const float* r = t + 4 * i;
      float* o = output + static_cast<size_t>(4 * i) * output_stride + c;
      o[0] = r[0] - r[2];
      o[output_stride] = r[1] + r[2];
      o[2 * output_stride] = r[2] - r[1];
      o[3 * output_stride] = r[1] - r[3];
    }
  }
}

void f32_winograd_output_minmax_ukernel_2x2_3x3__scalar(size_t channels, const float* input, size_t input_stride,
                                                        const float* bias, float* const* output,
                                                        const F32MinMaxParams* params) {
  for (size_t c = 0; c < channels; ++c) {
    float s0[4], s1[4];
    for (int j = 0; j < 4; ++j) {
      const float m0 = input[static_cast<size_t>(j) * input_stride + c];
      const float m1 = input[static_cast<size_t>(4 + j) * input_stride + c];
      const float m2 = input[static_cast<size_t>(8 + j) * input_stride + c];
      const float m3 = input[static_cast<size_t>(12 + j) * input_stride + c];
      s0[j] = (m0 + m1) + m2;
      s1[j] = (m1 - m2) - m3;
    }
    const float y[4] = {((s0[0] + s0[1]) + s0[2]) + bias[c], ((s0[1] - s0[2]) - s0[3]) + bias[c],
                        ((s1[0] + s1[1]) + s1[2]) + bias[c], ((s1[1] - s1[2]) - s1[3]) + bias[c]};
    for (int p = 0; p < 4; ++p) {
      // max then min as the SIMD kernels compute them: a NaN gives min.
      float v = y[p] > params->min ? y[p] : params->min;
      v = v < params->max ? v : params->max;
      output[p][c] = v;
    }
  }
}

}  // namespace opt
}  // namespace edgert
