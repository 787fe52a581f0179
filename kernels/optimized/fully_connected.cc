// FULLY_CONNECTED optimized kernel. Covered: f32 with constant weights [O, I]
// (and constant or no bias), when the ISA table has an f32 GEMM microkernel;
// every other node (weights fed at run time, i8/u8) runs the reference kernel
// (decided in prepare).
//
// Prepare runs the reference prepare (validation, the output shape with the
// keep_num_dims rule), then packs the weights once into persistent memory as
// the GEMM's B (kernels/optimized/f32_gemm.h): the weights are B^T, the bias
// goes into the panels' bias row and the fused activation is the
// microkernel's output clamp. Eval is one GEMM of the input as a rows x I
// matrix (rows = input elements / I, whatever keep_num_dims says about the
// output's shape) giving the rows x O output. A single row (batch-1 inference)
// runs the 1-row microkernel where the ISA table has one.
// Weights stored block-sparse with the block size of the ISA table's spmm
// microkernel run that microkernel on the stored form instead (nothing packed
// but the bias; kernels/optimized/f32_spmm.h).
// Threads: row tiles of whole MR groups x column tiles of whole NR panels
// (ChooseGemmTiles), so results are identical on any thread count.
#include "kernels/common/quant.h"
#include "kernels/optimized/f32_gemm.h"
#include "kernels/optimized/f32_spmm.h"
#include "kernels/optimized/fallback.h"
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
  F32Spmm spmm;  // the block-sparse path when spmm.fn != nullptr
};

Status Prepare(KernelContext* ctx) {
  FullyConnectedState* s = nullptr;
  EDGERT_RETURN_IF_ERROR(PrepareWithFallback(ctx, ref::Register_FULLY_CONNECTED(), &s));

  // The reference prepare validated the operands (one dtype for input,
  // weights, bias and output); only coverage is decided here.
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
  ChooseGemmTiles(rows, n, k, gemm.mr, gemm.nr, ctx->num_threads(), &s->tile_rows, &s->tile_cols);

  const size_t packed_floats = PackedGemmFloats(n, k, gemm.nr);
  float* packed = static_cast<float*>(ctx->AllocatePersistent(packed_floats * sizeof(float)));
  if (packed == nullptr)
    return ctx->Error(StatusCode::kOutOfMemory, "out of memory for %zu packed weight floats", packed_floats);
  PackGemmB(n, k, weights->data_as<float>(), 1, k, bias != nullptr ? bias->data_as<float>() : nullptr, gemm.nr,
            packed);
  s->packed = packed;
  s->gemm = gemm;
  return Status::Ok();
}

Status Eval(KernelContext* ctx) {
  const FullyConnectedState& s = *ctx->state<FullyConnectedState>();
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
