// Block-sparse f32 and int8 constants (schema BlockSparsity, runtime/tensor.h
// BlockSparseView): validation of the stored form, densifying it, and encoding
// a dense tensor. A block column is block_size consecutive rows of one column;
// it is stored unless all its values are zero.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "runtime/dtype.h"
#include "runtime/status.h"
#include "runtime/tensor.h"

namespace edgert {

// Block sizes the format allows.
inline bool IsValidSparseBlockSize(int b) { return b == 8 || b == 16; }

// The dtypes the format allows: f32 and int8 (a missing block column holds
// zeros, the int8 value 0 whatever the zero point).
inline bool IsSparseStorableDType(DType d) { return d == DType::kF32 || d == DType::kI8; }

// Checks a stored form against the tensor's shape and the segment size before
// anything is read through it: block size, block_ptr length, first entry 0,
// non-decreasing, last entry = number of column indices, every index in
// [0, columns) and strictly ascending within its block, and value bytes =
// stored columns * block_size * the dtype's size. `what` names the tensor in
// messages. On success fills *view (values pointing at `values`).
Status ValidateBlockSparse(const std::string& what, const Shape& shape, DType dtype, int block_size,
                           const int32_t* block_ptr,
                           size_t block_ptr_size, const int32_t* column_indices, size_t column_indices_size,
                           const void* values, uint64_t value_bytes, BlockSparseView* view);

// Writes the dense [rows, columns] tensor (rows * columns elements of the
// view's dtype) of a valid view.
void DensifyBlockSparse(const BlockSparseView& view, void* dense);

// The stored form of a dense [rows, columns] f32 or int8 tensor with blocks of
// block_size rows. A block column is left out when all its values compare
// equal to zero (-0.f too, which densifies to +0.f).
struct BlockSparseData {
  int block_size = 0;
  std::vector<int32_t> block_ptr, column_indices;
  std::vector<uint8_t> values;  // stored columns * block_size elements
};
BlockSparseData EncodeBlockSparse(const void* dense, DType dtype, int64_t rows, int64_t columns, int block_size);

// Fraction of all-zero block columns of a dense [rows, columns] f32 or int8
// tensor (0 for an empty one).
double ZeroBlockFraction(const void* dense, DType dtype, int64_t rows, int64_t columns, int block_size);

}  // namespace edgert
