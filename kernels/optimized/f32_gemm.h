// Shared f32 GEMM plumbing of the optimized kernels that run the ISA table's
// GEMM microkernels (CONV_2D, FULLY_CONNECTED, BATCH_MATMUL): packing B into
// the microkernels' panel layout, choosing parallel tiles, and running a tile.
//
// Packed layout (F32GemmUkernelFn, kernels/dispatch.h): panels of NR columns,
// each NR bias values followed by K rows of NR values; columns past N are zero.
#pragma once

#include <cstddef>

#include "kernels/dispatch.h"

namespace edgert {
namespace opt {

// The microkernels an op uses, from the ISA table: `gemm` (MR x NR) for
// general tiles and `gemv` (1 x NR, same packed layout) for single-row
// products, or nullptr where the level has none.
struct F32Gemm {
  F32GemmUkernelFn gemm = nullptr;
  F32GemmUkernelFn gemv = nullptr;
  size_t mr = 0, nr = 0;
};
// The active ISA level's GEMM microkernels; gemm is nullptr without any.
F32Gemm GetF32Gemm();
// The same for a product of n columns: for n <= 8 the level's NR = 8 GEMM
// where it has one (no gemv), otherwise GetF32Gemm().
F32Gemm GetF32Gemm(size_t n);

// Floats of the packed form of a K x N matrix.
inline size_t PackedGemmFloats(size_t n, size_t k, size_t nr) { return (n + nr - 1) / nr * nr * (k + 1); }

// Packs the K x N matrix B, element (kk, j) at b[kk * k_stride + j * n_stride],
// and bias (N values, or nullptr for zeros) into `packed`
// (PackedGemmFloats(n, k, nr) floats), writing every float including the
// zero padding. B [K, N] row-major: k_stride N, n_stride 1; B^T stored as
// [N, K] (FULLY_CONNECTED and CONV_2D weights): k_stride 1, n_stride K.
void PackGemmB(size_t n, size_t k, const float* b, size_t k_stride, size_t n_stride, const float* bias, size_t nr,
               float* packed);

// PackGemmB's layout with elements of type T, each float converted by
// `convert` (the f16 GEMM's halves, kernels/optimized/f16_gemm.h).
template <typename T, typename Convert>
void PackGemmPanels(size_t n, size_t k, const float* b, size_t k_stride, size_t n_stride, const float* bias, size_t nr,
                    const Convert& convert, T* packed) {
  const T zero = convert(0.f);
  for (size_t p0 = 0; p0 < n; p0 += nr) {
    const size_t cols = n - p0 < nr ? n - p0 : nr;
    T* dst = packed;
    for (size_t j = 0; j < nr; ++j) dst[j] = j < cols && bias != nullptr ? convert(bias[p0 + j]) : zero;
    dst += nr;
    const float* src = b + p0 * n_stride;
    // Column j of the panel is column p0 + j of B: with B^T stored (n_stride
    // K), the panel's rows are written in order, reading the cols rows of B^T
    // as that many sequential streams.
    for (size_t kk = 0; kk < k; ++kk, dst += nr) {
      for (size_t j = 0; j < cols; ++j) dst[j] = convert(src[j * n_stride + kk * k_stride]);
      for (size_t j = cols; j < nr; ++j) dst[j] = zero;
    }
    packed += nr * (k + 1);
  }
}

// Parallel tiles of an M x N x K GEMM on `threads`: row tiles of whole MR
// groups over all N columns, unless that gives the threads too few tiles (few
// rows): then the columns are split into groups of whole NR panels too.
// Products with a megabyte or more of weights and more columns than rows
// are split by columns only (tiles of whole panels over all rows), so the
// threads share the weights instead of each reading all of them.
// One thread gets one tile of everything.
void ChooseGemmTiles(size_t m, size_t n, size_t k, size_t mr, size_t nr, int threads, size_t* tile_m,
                     size_t* tile_n);

// Columns per cache block of a tile: whole NR panels whose packed weights
// (K + 1 rows each) fit in kGemmBlockBytes, at least one panel. A tile runs
// block by block, all its MR-row groups per block, so a block's weights are
// read from the nearer cache once per row group, not from memory: layers
// with megabytes of weights and few pixels (the last stages of a CNN) are
// otherwise bound by memory bandwidth.
constexpr size_t kGemmBlockBytes = size_t{192} << 10;
// An even number of panels, at least two: kernels that walk two panels at a
// time (the AVX-512 ones) then never run a lone panel mid-tile, also when one
// panel alone exceeds the block (K of several thousand: resnet18's 3x3
// convolutions of 512 channels).
inline size_t GemmColumnBlock(size_t k, size_t nr, size_t element_bytes = sizeof(float)) {
  const size_t panels = kGemmBlockBytes / ((k + 1) * nr * element_bytes);
  return (panels > 2 ? panels / 2 * 2 : 2) * nr;
}

// C[m0 .. m0+rows) x [n0 .. n0+cols) = clamp(A B + bias), n0 a multiple of NR:
// A rows of k floats at a + i * a_stride, C rows at c + i * c_stride (both
// for row 0 of the whole matrix). Single-row products use the gemv kernel
// when there is one (only when the whole matrix has one row, so that each
// output is computed the same way whatever the tiling).
void RunGemmTile(const F32Gemm& g, size_t m, size_t m0, size_t rows, size_t n0, size_t cols, size_t k,
                 const float* a, size_t a_stride, const float* packed, float* c, size_t c_stride,
                 const F32MinMaxParams* minmax);

// RunGemmTile's body for microkernels of any packed element type W (float,
// or the f16 GEMM's halves): `gemm` (MR = mr) and `gemv` (MR = 1, or nullptr).
template <typename W, typename Kernel>
void RunGemmTileWith(Kernel gemm, Kernel gemv, size_t mr, size_t nr, size_t m, size_t m0, size_t rows, size_t n0,
                     size_t cols, size_t k, const float* a, size_t a_stride, const W* packed, float* c,
                     size_t c_stride, const F32MinMaxParams* minmax) {
  const size_t panel = nr * (k + 1);
  const W* w = packed + n0 / nr * panel;
  if (m == 1 && gemv != nullptr) {
    gemv(1, cols, k, a, a_stride, w, c + n0, c_stride, minmax);
    return;
  }
  const size_t block = GemmColumnBlock(k, nr, sizeof(W));
  for (size_t j = 0; j < cols; j += block, w += block / nr * panel) {
    const size_t nc = block < cols - j ? block : cols - j;
    for (size_t i = m0; i < m0 + rows; i += mr)
      gemm(mr < m0 + rows - i ? mr : m0 + rows - i, nc, k, a + i * a_stride, a_stride, w, c + i * c_stride + n0 + j,
           c_stride, minmax);
  }
}

}  // namespace opt
}  // namespace edgert
