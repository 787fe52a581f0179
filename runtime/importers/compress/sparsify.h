// Weight pruning and block-sparse storage of a converted .ert model.
//
// Layers: CONV_2D with constant f32 or int8 weights [O, 1, 1, I] (1x1, one
// group) and FULLY_CONNECTED with constant f32 or int8 weights [O, I], each
// weight tensor read by that op alone (int8: quantized per tensor or per
// output channel). A block column is B = 16 consecutive output channels of one
// input channel (the unit the f32 block-sparse microkernel skips,
// kernels/optimized/f32_spmm.h).
//  - Pruning (magnitude): per f32 layer, the given fraction of pruning units,
//    16 output channels x kPruneUnitColumns = 4 consecutive input channels
//    (4 block columns; the quad the int8 block-sparse GEMM skips,
//    kernels/optimized/qs8_spmm.cc), with the smallest L2 norm is set to zero
//    (ties broken by position). edgert-convert prunes before it quantizes, so
//    int8 layers inherit the zeros (symmetric weights quantize 0 to 0).
//  - Sparse storage (auto): a layer's weights are stored block-sparse
//    (schema BlockSparsity) when the kernel runs them sparse (1x1 convs with
//    stride 1 and no padding, fully connected) and at least
//    kSparseBreakEvenZeroBlocks of their block columns are zero, unless the
//    stored form would be larger than the dense one (layers of fewer than 16
//    output channels, whose one block is zero-padded). int8 weights are
//    densified at load; prepare packs them for the block-sparse int8 GEMM
//    where enough of their quads are zero (kQS8SpmmMinZeroQuads), whether or
//    not they are stored sparse, so they are stored sparse only to shrink the
//    file, where that saves at least kSparseInt8MinSaving of their bytes (the
//    column indices cost a quarter of an int8 block column's 16 bytes).
//  - Zero masks (auto): every other constant, of any op and dtype, is stored
//    with a zero mask (schema ZeroMask: one bit per element, only the nonzero
//    elements) where that saves kZeroMaskMinSaving of its bytes (and 64 bytes): unstructured
//    sparsity, which no block of 16 rows shows (face_detection_full_range_
//    sparse's 70% zeros). It only shrinks the file: the loader densifies it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "runtime/dtype.h"
#include "runtime/status.h"

namespace edgert {

constexpr int kSparseBlockSize = 16;
// Input channels per pruning unit (see above).
constexpr int kPruneUnitColumns = 4;
// Fraction of zero block columns from which the sparse microkernel beats the
// dense GEMM on a 1x1 convolution (bench/f32_spmm_bench.cc: about 10% on
// AVX2 + FMA3, single thread, CPU time; 20% leaves a margin and makes the
// file smaller too: values + 1/16 for the indices).
constexpr double kSparseBreakEvenZeroBlocks = 0.2;
constexpr double kSparseInt8MinSaving = 0.1;

struct SparsifyOptions {
  double prune_fraction = 0.0;  // 0: no pruning
  bool store_sparse = true;     // --sparse auto
};

struct SparsifyLayer {
  std::string op;                // "CONV_2D 'name'"
  std::vector<int32_t> shape;    // weight shape
  DType dtype = DType::kF32;     // f32 or int8
  double zero_blocks_before = 0, zero_blocks_after = 0;  // fractions of block columns
  double zero_values_after = 0;  // fraction of zero weights
  bool stored_sparse = false;
  uint64_t dense_bytes = 0, stored_bytes = 0;  // weight values (sparse: values + indices)
};

struct SparsifyReport {
  std::vector<SparsifyLayer> layers;  // every eligible layer
  int pruned = 0, sparse = 0;
  // Constants stored with a zero mask (any op, any dtype; not block-sparse):
  // count, and their dense and stored (mask + values) bytes.
  int masked = 0;
  uint64_t masked_dense_bytes = 0, masked_stored_bytes = 0;
  uint64_t bytes_before = 0, bytes_after = 0;  // file sizes
  std::string Summary() const;  // multi-line text
};

// Prunes (options.prune_fraction > 0) and/or marks weights for sparse storage
// in the model `in`, writing the result to *out.
Status SparsifyModel(const std::vector<uint8_t>& in, const SparsifyOptions& options, std::vector<uint8_t>* out,
                     SparsifyReport* report);

}  // namespace edgert
