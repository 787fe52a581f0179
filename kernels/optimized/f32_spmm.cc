#include "kernels/optimized/f32_spmm.h"

#include <algorithm>

#include "kernels/optimized/f32_gemm.h"

namespace edgert {
namespace opt {

Status PrepareF32Spmm(KernelContext* ctx, const Tensor* weights, const Tensor* bias, size_t m, size_t n, size_t k,
                      float out_min, float out_max, F32Spmm* s) {
  const KernelIsa& isa = GetKernelIsa();
  const BlockSparseView* w = weights->sparse;
  if (isa.f32_spmm.fn == nullptr || w == nullptr || weights->dtype != DType::kF32 ||
      w->block_size != isa.f32_spmm.block ||
      static_cast<size_t>(w->rows) != n || static_cast<size_t>(w->columns) != k)
    return Status::Ok();
  const size_t block = static_cast<size_t>(w->block_size);
  const size_t padded = block * static_cast<size_t>(w->num_blocks);
  float* b = static_cast<float*>(ctx->AllocatePersistent(std::max<size_t>(padded, 1) * sizeof(float)));
  if (b == nullptr) return ctx->Error(StatusCode::kOutOfMemory, "out of memory for %zu bias floats", padded);
  for (size_t i = 0; i < padded; ++i) b[i] = bias != nullptr && i < n ? bias->data_as<float>()[i] : 0.f;
  s->fn = isa.f32_spmm.fn;
  s->mr = static_cast<size_t>(isa.f32_spmm.mr);
  s->block = block;
  s->w = w;
  s->bias = b;
  s->minmax = {out_min, out_max};
  // Work per output value: the average number of stored columns of a block.
  const size_t k_avg = static_cast<size_t>(w->stored_columns() / std::max(w->num_blocks, 1)) + 1;
  ChooseGemmTiles(m, n, k_avg, s->mr, block, ctx->num_threads(), &s->tile_m, &s->tile_n);
  return Status::Ok();
}

void RunSpmmTile(const F32Spmm& s, size_t m0, size_t rows, size_t n0, size_t cols, const float* a, size_t a_stride,
                 float* c, size_t c_stride) {
  const size_t b0 = n0 / s.block;
  for (size_t i = m0; i < m0 + rows; i += s.mr)
    s.fn(std::min(s.mr, m0 + rows - i), cols, a + i * a_stride, a_stride, s.w->block_ptr + b0, s.w->column_indices,
         static_cast<const float*>(s.w->values), s.bias + b0 * s.block, c + i * c_stride + n0, c_stride, &s.minmax);
}

}  // namespace opt
}  // namespace edgert
