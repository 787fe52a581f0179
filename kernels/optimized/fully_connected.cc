// FULLY_CONNECTED optimized kernel. Covered: f32 with constant weights [O, I]
// (and constant or no bias), when the ISA table has an f32 GEMM microkernel,
// and int8 input / weights / output with constant weights and int32 bias when
// it has a QS8 GEMM (kernels/optimized/qs8_conv.h: per-tensor or per-channel
// weight scales, the input zero point folded into each unit's constant, the
// reference's requantization, bit-identical); every other node (weights fed at
// run time, u8, hybrid f32 x i8) runs the reference kernel (decided in prepare).
//
// Prepare runs the reference prepare (validation, the output shape with the
// keep_num_dims rule), then packs the weights once into persistent memory as
// the GEMM's B (kernels/optimized/f32_gemm.h): the weights are B^T, the bias
// goes into the panels' bias row and the fused activation is the
// microkernel's output clamp. Eval is one GEMM of the input as a rows x I
// matrix (rows = input elements / I, whatever keep_num_dims says about the
// output's shape) giving the rows x O output. A single row (batch-1 inference)
// runs the 1-row microkernel where the ISA table has one.
// Weights stored as f16 run the half-precision GEMM where the CPU has f16
// arithmetic and the interpreter allows it (kernels/optimized/f16_gemm.h;
// weights packed in f16, half the memory).
// Weights stored block-sparse with the block size of the ISA table's spmm
// microkernel run that microkernel on the stored form instead (nothing packed
// but the bias; kernels/optimized/f32_spmm.h).
// Threads: row tiles of whole MR groups x column tiles of whole NR panels
// (ChooseGemmTiles), so results are identical on any thread count.
// The int8 path is the same GEMM on the QS8 microkernel (weights packed once
// by PackQS8Gemm, like a 1x1 CONV_2D's).
#include <algorithm>

#include "kernels/common/quant.h"
#include "kernels/optimized/f16_gemm.h"
#include "kernels/optimized/f32_gemm.h"
#include "kernels/optimized/f32_spmm.h"
#include "kernels/optimized/fallback.h"
#include "kernels/optimized/qs8_conv.h"
#include "kernels/optimized/optimized_kernels.h"
#include "kernels/reference/reference_kernels.h"

namespace edgert {
namespace opt {
namespace {

struct FullyConnectedState {
  ReferenceFallback fallback;
  F32Gemm gemm;  // gemm.gemm nullptr: the reference kernel runs this node
  size_t rows = 0, in_size = 0, out_size = 0;
  size_t tile_rows = 0, tile_cols = 0;
  const float* packed = nullptr;
  F32MinMaxParams minmax = {0.f, 0.f};
  // int8 nodes: qs8.gemm != nullptr.
  QS8PackedGemm qs8;
  QS8ConvParams qs8_params = {0, 0, 0};
  F32Spmm spmm;  // the block-sparse path when spmm.fn != nullptr
  F16Gemm f16;   // the half-precision path when f16.gemm != nullptr
  const uint16_t* packed_f16 = nullptr;
};

// The int8 path's prepare: packs the weights when the node is covered.
Status PrepareQS8(KernelContext* ctx, FullyConnectedState* s) {
  if (GetKernelIsa().qs8_gemm.fn == nullptr || !QS8WithConstantWeights(ctx)) return Status::Ok();
  const Tensor* input = ctx->input(0);
  const Tensor* weights = ctx->input(1);
  const Tensor* bias = ctx->input(2);
  const auto* opt = ctx->options<schema::FullyConnectedOptions>();
  const int n = weights->shape[0];
  const int64_t k = weights->shape[1];
  ConvQuantParams q;
  EDGERT_RETURN_IF_ERROR(PrepareConvQuant(ctx, input, weights, bias, ctx->output(0), 0, n, opt->activation(), &q));
  // Weights with enough all-zero 16 x 4 blocks (pruned ones) run on the
  // block-sparse GEMM, others on the dense one.
  QS8PackedGemm pg;
  const int32_t* bias_data = bias != nullptr ? bias->data_as<int32_t>() : nullptr;
  EDGERT_RETURN_IF_ERROR(PackQS8Spmm(ctx, q, weights->data_as<int8_t>(), n, k, bias_data, &pg));
  if (pg.gemm == nullptr) EDGERT_RETURN_IF_ERROR(PackQS8Gemm(ctx, q, weights->data_as<int8_t>(), n, k, bias_data, &pg));
  if (pg.gemm == nullptr) return Status::Ok();
  s->in_size = static_cast<size_t>(k);
  s->out_size = static_cast<size_t>(n);
  s->rows = static_cast<size_t>(input->shape.NumElements()) / s->in_size;
  ChooseGemmTiles(s->rows, s->out_size, static_cast<size_t>(pg.k_work), static_cast<size_t>(pg.mr),
                  static_cast<size_t>(pg.nr),
                  ctx->num_threads(), &s->tile_rows, &s->tile_cols);
  s->qs8 = pg;
  ctx->MarkInputPacked(1);  // the bias is folded into the packed panels
  ctx->MarkInputPacked(2);
  s->qs8_params = QS8GemmParams(q, pg);
  return Status::Ok();
}

Status EvalQS8(KernelContext* ctx, const FullyConnectedState& s) {
  if (s.rows == 0) return Status::Ok();
  const int8_t* in = ctx->input(0)->data_as<int8_t>();
  int8_t* out = ctx->output(0)->data_as<int8_t>();
  const size_t mr = static_cast<size_t>(s.qs8.mr);
  // Tile [r0, r0 + nrows) x [c0, c0 + nc): c0 is a multiple of nr, r0 of mr.
  ctx->ParallelFor2D(s.rows, s.out_size, s.tile_rows, s.tile_cols,
                     [&](int /*worker*/, size_t r0, size_t c0, size_t nrows, size_t nc) {
                       const uint8_t* w = s.qs8.PanelAt(c0);
                       for (size_t r = r0; r < r0 + nrows; r += mr)
                         s.qs8.gemm(std::min(mr, r0 + nrows - r), nc, s.in_size, in + r * s.in_size, s.in_size, w,
                                    out + r * s.out_size + c0, s.out_size, &s.qs8_params);
                       ReleaseGemm(s.qs8.release);
                     });
  return Status::Ok();
}

Status Prepare(KernelContext* ctx) {
  FullyConnectedState* s = nullptr;
  EDGERT_RETURN_IF_ERROR(PrepareWithFallback(ctx, ref::Register_FULLY_CONNECTED(), &s));

  // The reference prepare validated the operands (one dtype for input,
  // weights, bias and output); only coverage is decided here.
  if (ctx->input(0)->dtype == DType::kI8) return PrepareQS8(ctx, s);
  const F32Gemm gemm = GetF32Gemm();
  if (gemm.gemm == nullptr || !F32WithConstantWeights(ctx)) return Status::Ok();
  const Tensor* weights = ctx->input(1);
  const Tensor* bias = ctx->input(2);
  const auto* opt = ctx->options<schema::FullyConnectedOptions>();
  const size_t n = static_cast<size_t>(weights->shape[0]), k = static_cast<size_t>(weights->shape[1]);
  const size_t rows = static_cast<size_t>(ctx->input(0)->shape.NumElements()) / k;
  s->rows = rows;
  s->in_size = k;
  s->out_size = n;
  ActivationRangeFloat(opt->activation(), &s->minmax.min, &s->minmax.max);
  EDGERT_RETURN_IF_ERROR(PrepareF32Spmm(ctx, weights, bias, rows, n, k, s->minmax.min, s->minmax.max, &s->spmm));
  if (s->spmm.fn != nullptr) {
    s->gemm = gemm;
    return Status::Ok();
  }
  const F16Gemm h = GetF16GemmFor(ctx, weights);
  if (h.gemm != nullptr) {
    ChooseGemmTiles(rows, n, k, h.mr, h.nr, ctx->num_threads(), &s->tile_rows, &s->tile_cols);
    EDGERT_RETURN_IF_ERROR(PackF16Weights(ctx, h, n, k, weights, bias, &s->packed_f16));
    s->f16 = h;
    s->gemm = gemm;
    return Status::Ok();
  }
  ChooseGemmTiles(rows, n, k, gemm.mr, gemm.nr, ctx->num_threads(), &s->tile_rows, &s->tile_cols);

  const size_t packed_floats = PackedGemmFloats(n, k, gemm.nr);
  bool filled = false;
  float* packed = static_cast<float*>(
      ctx->AllocatePacked(packed_floats * sizeof(float),
                          PackedLayoutKey("f32-gemm-b", {static_cast<int64_t>(gemm.nr), static_cast<int64_t>(k)}),
                          &filled));
  if (packed == nullptr)
    return ctx->Error(StatusCode::kOutOfMemory, "out of memory for %zu packed weight floats", packed_floats);
  if (!filled)
    PackGemmB(n, k, weights->data_as<float>(), 1, k, bias != nullptr ? bias->data_as<float>() : nullptr, gemm.nr,
              packed);
  s->packed = packed;
  ctx->MarkInputPacked(1);
  ctx->MarkInputPacked(2);
  s->gemm = gemm;
  return Status::Ok();
}

Status Eval(KernelContext* ctx) {
  const FullyConnectedState& s = *ctx->state<FullyConnectedState>();
  if (s.qs8.gemm != nullptr) return EvalQS8(ctx, s);
  if (s.gemm.gemm == nullptr) return s.fallback.Eval(ctx);
  if (s.rows == 0) return Status::Ok();
  const float* in = ctx->input(0)->data_as<float>();
  float* out = ctx->output(0)->data_as<float>();
  if (s.spmm.fn != nullptr) {
    ctx->ParallelFor2D(s.rows, s.out_size, s.spmm.tile_m, s.spmm.tile_n,
                       [&](int /*worker*/, size_t r0, size_t c0, size_t nr, size_t nc) {
                         RunSpmmTile(s.spmm, r0, nr, c0, nc, in, s.in_size, out, s.out_size);
                       });
    return Status::Ok();
  }
  if (s.f16.gemm != nullptr) {
    ctx->ParallelFor2D(s.rows, s.out_size, s.tile_rows, s.tile_cols,
                       [&](int /*worker*/, size_t r0, size_t c0, size_t nr, size_t nc) {
                         RunF16GemmTile(s.f16, s.rows, r0, nr, c0, nc, s.in_size, in, s.in_size, s.packed_f16, out,
                                        s.out_size, &s.minmax);
                       });
    return Status::Ok();
  }
  ctx->ParallelFor2D(s.rows, s.out_size, s.tile_rows, s.tile_cols,
                     [&](int /*worker*/, size_t r0, size_t c0, size_t nr, size_t nc) {
                       RunGemmTile(s.gemm, s.rows, r0, nr, c0, nc, s.in_size, in, s.in_size, s.packed, out,
                                   s.out_size, &s.minmax);
                     });
  return Status::Ok();
}

}  // namespace

const OpKernel* Register_FULLY_CONNECTED() {
  static const OpKernel kernel = {"FULLY_CONNECTED/optimized", Prepare, Eval, kNoFlags};
  return &kernel;
}

}  // namespace opt
}  // namespace edgert
