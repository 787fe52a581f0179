// Block-sparse f32 products of the optimized kernels: CONV_2D 1x1 (stride 1,
// no padding) and FULLY_CONNECTED with constant weights stored block-sparse
// (runtime/tensor.h BlockSparseView) run the ISA table's F32SpmmUkernelFn
// when its block size matches the stored one, straight on the stored form
// (zero-copy from the model); only the bias is packed, into B floats per block.
// Output = input [M, K] x weights^T (weights [N, K]) + bias, clamped.
#pragma once

#include <cstddef>

#include "kernels/dispatch.h"
#include "runtime/kernel_api.h"

namespace edgert {
namespace opt {

struct F32Spmm {
  F32SpmmUkernelFn fn = nullptr;  // nullptr: not used for this node
  size_t mr = 0, block = 0;
  const BlockSparseView* w = nullptr;
  const float* bias = nullptr;  // block * num_blocks floats (persistent)
  size_t tile_m = 0, tile_n = 0;
  F32MinMaxParams minmax = {0.f, 0.f};
};

// Sets up *s when `weights` ([N, K], or [N, 1, 1, K]) is stored block-sparse
// with the block size of the active ISA table's spmm microkernel, for an
// M x K input (the stored form must have N rows of K columns); otherwise
// leaves s->fn nullptr. bias: N values or nullptr.
Status PrepareF32Spmm(KernelContext* ctx, const Tensor* weights, const Tensor* bias, size_t m, size_t n, size_t k,
                      float out_min, float out_max, F32Spmm* s);

// C rows [m0, m0 + rows) x channels [n0, n0 + cols) (n0 a multiple of the
// block size): A rows of K floats at a + i * a_stride, C rows at
// c + i * c_stride (both for row 0).
void RunSpmmTile(const F32Spmm& s, size_t m0, size_t rows, size_t n0, size_t cols, const float* a, size_t a_stride,
                 float* c, size_t c_stride);

}  // namespace opt
}  // namespace edgert
