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
//  - otherwise im2col by tiles: for each tile of MR output pixels, their MR
//    patches (K floats each, zeros for taps outside the input, in the weights'
//    (ky, kx, c) order) are gathered into a scratch buffer of MR*K floats
//    requested in prepare, and the GEMM computes all O channels of the tile.
//    (Chosen over an indirection buffer: the scratch is tiny, the input
//    pointers are only known at eval, and one plain GEMM microkernel serves
//    both paths; the gather costs K copies per pixel against K*O FMAs.)
//  - 1x1, stride 1, no padding with weights stored block-sparse (block size of
//    the ISA table's spmm microkernel): the sparse microkernel runs on the
//    input and the stored weights (kernels/optimized/f32_spmm.h); nothing is
//    packed but the bias.
// Threads: the output is split into tiles of whole MR-pixel groups x whole
// NR-channel panels (sizes chosen in prepare), run by ctx->ParallelFor2D; each
// im2col tile gathers into its worker's slice of the scratch (num_threads
// slices). Every output value is computed by the same microkernel arithmetic
// whatever the tiling, so all thread counts give identical results.
#include <algorithm>
#include <cstring>

#include "kernels/common/conv_util.h"
#include "kernels/common/quant.h"
#include "kernels/dispatch.h"
#include "kernels/optimized/f32_gemm.h"
#include "kernels/optimized/f32_spmm.h"
#include "kernels/optimized/fallback.h"
#include "kernels/optimized/optimized_kernels.h"
#include "kernels/optimized/qs8_conv.h"
#include "kernels/reference/reference_kernels.h"

namespace edgert {
namespace opt {
namespace {

// Larger patches (hostile filters) stay on the reference kernel, whose work is
// bounded by the input size.
constexpr int64_t kMaxPatch = 1 << 20;  // floats per im2col row

struct ConvState {
  ReferenceFallback fallback;
  F32Gemm gemm;  // gemm.gemm nullptr: the reference kernel runs this node
  Window2D window;
  int out_c = 0, k = 0;
  bool direct = false;  // 1x1, stride 1, no padding
  int scratch = -1;     // im2col tiles, mr * k floats per worker
  size_t tile_pixels = 0, tile_channels = 0;  // parallel tile: multiples of mr and nr (or all channels)
  const float* packed = nullptr;
  F32MinMaxParams minmax = {0.f, 0.f};
  QS8Conv2D qs8;  // the int8 path when qs8.gemm != nullptr
  F32Spmm spmm;   // the block-sparse path when spmm.fn != nullptr
};

Status Prepare(KernelContext* ctx) {
  ConvState* s = nullptr;
  EDGERT_RETURN_IF_ERROR(PrepareWithFallback(ctx, ref::Register_CONV_2D(), &s));

  // The reference prepare validated the operands; only coverage is decided here.
  const F32Gemm gemm = GetF32Gemm();
  const Tensor* input = ctx->input(0);
  const Tensor* weights = ctx->input(1);
  const Tensor* bias = ctx->input(2);
  const auto* opt = ctx->options<schema::Conv2DOptions>();
  const Shape& is = input->shape;
  const Shape& ws = weights->shape;
  const int64_t k = static_cast<int64_t>(ws[1]) * ws[2] * ws[3];
  if (input->dtype == DType::kI8) return PrepareQS8Conv2D(ctx, &s->qs8);
  if (gemm.gemm == nullptr || !F32WithConstantWeights(ctx) || ws[3] != is[3] || k > kMaxPatch)
    return Status::Ok();

  EDGERT_RETURN_IF_ERROR(PrepareWindow2D(ctx, is, opt->padding(), opt->pads(), ws[1], ws[2], opt->stride_h(),
                                         opt->stride_w(), opt->dilation_h(), opt->dilation_w(), &s->window));
  const Window2D& g = s->window;
  const size_t mr = gemm.mr, nr = gemm.nr;
  s->out_c = ws[0];
  s->k = static_cast<int>(k);
  s->direct = ws[1] == 1 && ws[2] == 1 && g.stride_h == 1 && g.stride_w == 1 && g.pad_top == 0 &&
              g.pad_left == 0 && g.out_h == g.in_h && g.out_w == g.in_w;
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
  const int threads = ctx->num_threads();
  if (!s->direct)
    EDGERT_RETURN_IF_ERROR(
        ctx->RequestScratch(mr * static_cast<size_t>(k) * sizeof(float) * static_cast<size_t>(threads), &s->scratch));
  ChooseGemmTiles(static_cast<size_t>(g.out_pixels()), static_cast<size_t>(s->out_c), static_cast<size_t>(k), mr, nr,
                  threads, &s->tile_pixels, &s->tile_channels);

  // Weights [O, K] are B^T: column oc of B is row oc of the weights.
  const size_t oc = static_cast<size_t>(s->out_c);
  const size_t packed_floats = PackedGemmFloats(oc, static_cast<size_t>(k), nr);
  float* packed = static_cast<float*>(ctx->AllocatePersistent(packed_floats * sizeof(float)));
  if (packed == nullptr)
    return ctx->Error(StatusCode::kOutOfMemory, "out of memory for %zu packed weight floats", packed_floats);
  PackGemmB(oc, static_cast<size_t>(k), weights->data_as<float>(), 1, static_cast<size_t>(k),
            bias != nullptr ? bias->data_as<float>() : nullptr, nr, packed);
  s->packed = packed;
  ctx->MarkInputPacked(1);
  ctx->MarkInputPacked(2);
  s->gemm = gemm;
  return Status::Ok();
}

// Writes the k = KH*KW*C patch of output pixel `pixel` into dst, zeros outside the input.
void GatherPatch(const Window2D& g, const float* in, int64_t pixel, float* dst) {
  const PixelPos o = SplitPixel(pixel, g.out_h, g.out_w);
  const int64_t y0 = static_cast<int64_t>(o.y) * g.stride_h - g.pad_top;
  const int64_t x0 = static_cast<int64_t>(o.x) * g.stride_w - g.pad_left;
  const size_t c = static_cast<size_t>(g.in_c);
  for (int ky = 0; ky < g.filter_h; ++ky) {
    const int64_t y = y0 + static_cast<int64_t>(ky) * g.dilation_h;
    const bool row_in = y >= 0 && y < g.in_h;
    for (int kx = 0; kx < g.filter_w; ++kx, dst += c) {
      const int64_t x = x0 + static_cast<int64_t>(kx) * g.dilation_w;
      if (row_in && x >= 0 && x < g.in_w)
        std::memcpy(dst, in + ((o.b * g.in_h + y) * g.in_w + x) * g.in_c, c * sizeof(float));
      else
        std::memset(dst, 0, c * sizeof(float));
    }
  }
}

Status Eval(KernelContext* ctx) {
  const ConvState& s = *ctx->state<ConvState>();
  if (s.qs8.gemm != nullptr) {
    EvalQS8Conv2D(ctx, s.qs8);
    return Status::Ok();
  }
  if (s.gemm.gemm == nullptr) return s.fallback.Eval(ctx);
  const float* in = ctx->input(0)->data_as<float>();
  float* out = ctx->output(0)->data_as<float>();
  const int64_t pixels = s.window.out_pixels();
  const size_t k = static_cast<size_t>(s.k), oc = static_cast<size_t>(s.out_c);
  const size_t mr = s.gemm.mr, nr = s.gemm.nr;
  const size_t panel_floats = nr * (k + 1);
  const size_t m = static_cast<size_t>(pixels);
  if (s.spmm.fn != nullptr) {
    ctx->ParallelFor2D(m, oc, s.spmm.tile_m, s.spmm.tile_n, [&](int /*worker*/, size_t p0, size_t c0, size_t np, size_t nc) {
      RunSpmmTile(s.spmm, p0, np, c0, nc, in, k, out, oc);
    });
    return Status::Ok();
  }
  float* scratch = s.direct ? nullptr : static_cast<float*>(ctx->scratch(s.scratch));
  // Tile [p0, p0 + np) x [c0, c0 + nc): c0 is a multiple of nr, p0 of mr.
  ctx->ParallelFor2D(static_cast<size_t>(pixels), oc, s.tile_pixels, s.tile_channels,
                     [&](int worker, size_t p0, size_t c0, size_t np, size_t nc) {
                       if (s.direct) {
                         RunGemmTile(s.gemm, m, p0, np, c0, nc, k, in, k, s.packed, out, oc, &s.minmax);
                         return;
                       }
                       const float* w = s.packed + (c0 / nr) * panel_floats;
                       float* a = scratch + static_cast<size_t>(worker) * mr * k;
                       for (size_t p = p0; p < p0 + np; p += mr) {
                         const size_t rows = std::min(mr, p0 + np - p);
                         for (size_t r = 0; r < rows; ++r)
                           GatherPatch(s.window, in, static_cast<int64_t>(p + r), a + r * k);
                         s.gemm.gemm(rows, nc, k, a, k, w, out + p * oc + c0, oc, &s.minmax);
                       }
                     });
  return Status::Ok();
}

}  // namespace

const OpKernel* Register_CONV_2D() {
  static const OpKernel kernel = {"CONV_2D/optimized", Prepare, Eval, kNoFlags};
  return &kernel;
}

}  // namespace opt
}  // namespace edgert
