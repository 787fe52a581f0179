// BATCH_MATMUL optimized kernel. Covered: f32 (both operands activations or
// constants, adj_x / adj_y, broadcast batch dims as the reference kernel),
// when the ISA table has an f32 GEMM microkernel; i8/u8 run the reference
// kernel (decided in prepare).
//
// out[b] = op(x[b]) * op(y[b]) is a GEMM with A = op(x[b]) (M x K) and
// B = op(y[b]) (K x N), run by the microkernels of kernels/optimized/f32_gemm.h
// on B packed into panels. A constant y is packed once in prepare; otherwise
// prepare requests one scratch buffer and eval
//  1. packs every distinct y matrix (product of y's own batch dims) into its
//     panels (zero bias), and with adj_x transposes every distinct x matrix
//     into rows of K, in parallel over matrices;
//  2. runs the GEMM of each output batch, in parallel over (batch, row tile,
//     column tile) with tiles of whole MR rows and NR panels.
// Each output is computed by the same microkernel arithmetic whatever the
// tiling, so all thread counts give identical results. A single-row product
// (M = 1) runs the 1-row microkernel where the ISA table has one.
#include <algorithm>
#include <limits>

#include "kernels/common/parallel_tile.h"
#include "kernels/optimized/f32_gemm.h"
#include "kernels/optimized/fallback.h"
#include "kernels/optimized/optimized_kernels.h"
#include "kernels/reference/reference_kernels.h"

namespace edgert {
namespace opt {
namespace {

// Larger scratch buffers (hostile shapes) stay on the reference kernel.
constexpr double kMaxScratchFloats = double{1 << 30};

struct BatchMatMulState {
  ReferenceFallback fallback;
  F32Gemm gemm;  // gemm.gemm nullptr: the reference kernel runs this node
  size_t m = 0, n = 0, k = 0;
  bool adj_x = false, adj_y = false;
  int batch_rank = 0;
  size_t batch_dims[kMaxRank] = {};
  size_t x_stride[kMaxRank] = {};  // in matrices; 0 along broadcast dims
  size_t y_stride[kMaxRank] = {};
  size_t num_batches = 0, num_x = 0, num_y = 0;  // output, x and y matrices
  size_t packed_floats = 0;                      // per packed y matrix
  const float* packed_const_y = nullptr;         // y constant: packed in prepare
  int scratch = -1;  // num_y packed y matrices unless y is constant, then (adj_x) num_x transposed x matrices
  size_t pack_tile = 0, tile_rows = 0, tile_cols = 0;
};

// Matrix strides of `in`'s batch dims laid right-aligned against the
// broadcast batch shape; returns the number of matrices of `in`.
size_t BatchStrides(const Shape& in, const BatchMatMulState& s, size_t* stride) {
  const int in_batch = in.rank - 2;
  size_t st = 1;
  for (int d = s.batch_rank - 1; d >= 0; --d) {
    const int id = d - (s.batch_rank - in_batch);
    if (id < 0) {
      stride[d] = 0;
      continue;
    }
    stride[d] = in[id] == 1 ? 0 : st;
    st *= static_cast<size_t>(in[id]);
  }
  return st;
}

// Packs y matrix i (B = y, or y^T with adj_y) into its panels of `packed`.
void PackY(const BatchMatMulState& s, size_t nr, const float* y, size_t i, float* packed) {
  const float* b = y + i * s.k * s.n;
  if (s.adj_y)  // stored [N, K]
    PackGemmB(s.n, s.k, b, 1, s.k, nullptr, nr, packed + i * s.packed_floats);
  else  // stored [K, N]
    PackGemmB(s.n, s.k, b, s.n, 1, nullptr, nr, packed + i * s.packed_floats);
}

// Work items of eval's first phase: the y matrices to pack (none when y is
// constant), then the x matrices to transpose (with adj_x).
size_t YItems(const BatchMatMulState& s) { return s.packed_const_y != nullptr ? 0 : s.num_y; }
size_t PackItems(const BatchMatMulState& s) { return YItems(s) + (s.adj_x ? s.num_x : 0); }

Status Prepare(KernelContext* ctx) {
  BatchMatMulState* s = nullptr;
  EDGERT_RETURN_IF_ERROR(PrepareWithFallback(ctx, ref::Register_BATCH_MATMUL(), &s));

  // The reference prepare validated the operands (one dtype, K agrees, batch
  // dims broadcast); only coverage is decided here.
  const F32Gemm gemm = GetF32Gemm();
  const Tensor* x = ctx->input(0);
  const Tensor* y = ctx->input(1);
  if (gemm.gemm == nullptr || x->dtype != DType::kF32) return Status::Ok();
  const auto* opt = ctx->options<schema::BatchMatMulOptions>();
  const Shape& xs = x->shape;
  const Shape& ys = y->shape;
  const Shape& os = ctx->output(0)->shape;
  s->adj_x = opt->adj_x();
  s->adj_y = opt->adj_y();
  s->m = static_cast<size_t>(os[os.rank - 2]);
  s->n = static_cast<size_t>(os[os.rank - 1]);
  s->k = static_cast<size_t>(s->adj_x ? xs[xs.rank - 2] : xs[xs.rank - 1]);
  s->batch_rank = os.rank - 2;
  s->num_batches = 1;
  for (int d = 0; d < s->batch_rank; ++d) {
    s->batch_dims[d] = static_cast<size_t>(os[d]);
    s->num_batches *= s->batch_dims[d];
  }
  s->num_x = BatchStrides(xs, *s, s->x_stride);
  s->num_y = BatchStrides(ys, *s, s->y_stride);
  s->packed_floats = PackedGemmFloats(s->n, s->k, gemm.nr);
  const double y_floats = static_cast<double>(s->num_y) * static_cast<double>(s->packed_floats);
  const double x_floats = s->adj_x ? static_cast<double>(s->num_x) * static_cast<double>(s->m * s->k) : 0.0;
  if (y_floats > kMaxScratchFloats || x_floats > kMaxScratchFloats) return Status::Ok();
  if (s->num_batches == 0 || s->m == 0 || s->n == 0) return Status::Ok();  // nothing to compute: reference
  if (y->is_constant) {
    bool filled = false;
    float* packed = static_cast<float*>(ctx->AllocatePacked(
        static_cast<size_t>(y_floats) * sizeof(float),
        PackedLayoutKey("f32-batch-matmul-y", {static_cast<int64_t>(gemm.nr), s->adj_y ? 1 : 0,
                                                 static_cast<int64_t>(s->k), static_cast<int64_t>(s->n)}), &filled));
    if (packed == nullptr)
      return ctx->Error(StatusCode::kOutOfMemory, "out of memory for %.0f packed floats of '%s'", y_floats, y->name);
    for (size_t i = 0; i < s->num_y && !filled; ++i) PackY(*s, gemm.nr, y->data_as<float>(), i, packed);
    s->packed_const_y = packed;
    ctx->MarkInputPacked(1);
  }
  const size_t scratch_floats = (y->is_constant ? 0 : static_cast<size_t>(y_floats)) + static_cast<size_t>(x_floats);
  if (scratch_floats > 0)
    EDGERT_RETURN_IF_ERROR(ctx->RequestScratch(scratch_floats * sizeof(float), &s->scratch));

  const int threads = ctx->num_threads();
  s->pack_tile = ParallelTile(PackItems(*s), s->k * std::max(s->n, s->m), threads, 1);
  // Batches already give the threads tiles; rows and columns are split only
  // as much as the threads left per batch ask.
  const int per_batch =
      threads <= 1 ? 1 : static_cast<int>((static_cast<size_t>(threads) + s->num_batches - 1) / s->num_batches);
  ChooseGemmTiles(s->m, s->n, s->k, gemm.mr, gemm.nr, per_batch, &s->tile_rows, &s->tile_cols);
  s->gemm = gemm;
  return Status::Ok();
}

// Offset (in matrices) along `stride` of output batch b.
size_t MatrixIndex(const BatchMatMulState& s, const size_t* stride, size_t b) {
  size_t index = 0;
  for (int d = s.batch_rank - 1; d >= 0; --d) {
    index += b % s.batch_dims[d] * stride[d];
    b /= s.batch_dims[d];
  }
  return index;
}

Status Eval(KernelContext* ctx) {
  const BatchMatMulState& s = *ctx->state<BatchMatMulState>();
  if (s.gemm.gemm == nullptr) return s.fallback.Eval(ctx);
  const float* x = ctx->input(0)->data_as<float>();
  const float* y = ctx->input(1)->data_as<float>();
  float* out = ctx->output(0)->data_as<float>();
  float* scratch = s.scratch >= 0 ? static_cast<float*>(ctx->scratch(s.scratch)) : nullptr;
  const size_t y_items = YItems(s);
  float* packed_scratch = scratch;
  const float* packed_y = s.packed_const_y != nullptr ? s.packed_const_y : packed_scratch;
  float* x_rows = s.adj_x ? scratch + y_items * s.packed_floats : nullptr;  // x matrices as M rows of K
  const size_t m = s.m, n = s.n, k = s.k;

  // 1. Pack y (unless constant) and transpose x with adj_x.
  ctx->ParallelFor(PackItems(s), s.pack_tile, [&](int /*worker*/, size_t i0, size_t count) {
    for (size_t i = i0; i < i0 + count; ++i) {
      if (i < y_items) {
        PackY(s, s.gemm.nr, y, i, packed_scratch);
        continue;
      }
      const size_t j = i - y_items;  // x matrix j, stored [K, M]
      const float* src = x + j * m * k;
      float* dst = x_rows + j * m * k;
      for (size_t p = 0; p < k; ++p)
        for (size_t r = 0; r < m; ++r) dst[r * k + p] = src[p * m + r];
    }
  });

  // 2. The GEMMs: i runs over (batch, row tile).
  const size_t row_tiles = (m + s.tile_rows - 1) / s.tile_rows;
  const F32MinMaxParams unbounded = {-std::numeric_limits<float>::infinity(), std::numeric_limits<float>::infinity()};
  ctx->ParallelFor2D(s.num_batches * row_tiles, n, 1, s.tile_cols,
                     [&](int /*worker*/, size_t i, size_t c0, size_t /*count_i*/, size_t nc) {
                       const size_t b = i / row_tiles, r0 = i % row_tiles * s.tile_rows;
                       const size_t rows = std::min(s.tile_rows, m - r0);
                       const size_t xi = MatrixIndex(s, s.x_stride, b), yi = MatrixIndex(s, s.y_stride, b);
                       const float* a = (s.adj_x ? x_rows : x) + xi * m * k;
                       RunGemmTile(s.gemm, m, r0, rows, c0, nc, k, a, k, packed_y + yi * s.packed_floats,
                                   out + b * m * n, n, &unbounded);
                     });
  return Status::Ok();
}

}  // namespace

const OpKernel* Register_BATCH_MATMUL() {
  static const OpKernel kernel = {"BATCH_MATMUL/optimized", Prepare, Eval, kNoFlags};
  return &kernel;
}

}  // namespace opt
}  // namespace edgert
