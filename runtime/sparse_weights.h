// Block-sparse f32 and int8 constants (schema BlockSparsity, runtime/tensor.h
// BlockSparseView) and zero-mask constants (schema ZeroMask): validation of the
// stored form, densifying it, and encoding a dense tensor. A block column is
// block_size consecutive rows of one column; it is stored unless all its
// values are zero.
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

// Zero-mask constants (schema ZeroMask, any dtype): one bit per element, row
// major, least significant bit first; the values hold the elements whose bit
// is 1, in order, and every other element is all zero bytes.

// Bytes of the mask of `elements` elements.
inline size_t ZeroMaskBytes(size_t elements) { return (elements + 7) / 8; }

// Checks a stored form before anything is read through it: mask size, no bit
// set past the last element, and value bytes = set bits * element_bytes.
// `what` names the tensor in messages.
Status ValidateZeroMask(const std::string& what, size_t elements, size_t element_bytes, const uint8_t* mask,
                        size_t mask_size, uint64_t value_bytes);

// Writes the dense tensor (elements * element_bytes bytes) of a valid stored form.
void DensifyZeroMask(const uint8_t* mask, size_t elements, size_t element_bytes, const void* values, void* dense);

// The stored form of a dense tensor: an element is left out when all its
// bytes are zero (so a float -0.f is kept).
struct ZeroMaskData {
  std::vector<uint8_t> mask, values;
};
ZeroMaskData EncodeZeroMask(const void* dense, size_t elements, size_t element_bytes);

// Bytes of the stored form (mask and values) of a dense tensor.
uint64_t ZeroMaskStoredBytes(const void* dense, size_t elements, size_t element_bytes);

// Writers store a constant with a zero mask when that saves at least this
// fraction of its bytes, and at least kZeroMaskMinSavedBytes (segments are
// 64-byte aligned, and the mask's table costs a few dozen bytes): the dense
// copy made at load costs load time and memory, worth it for pruned weights
// (from 28% zeros in f32, 37.5% in int8), not for the few zeros of ordinary
// ones or a small all-zero bias.
constexpr double kZeroMaskMinSaving = 0.25;
constexpr size_t kZeroMaskMinSavedBytes = 64;
// Whether a stored form of `stored` bytes (ZeroMaskStoredBytes) saves enough
// of a constant's dense_bytes.
inline bool ZeroMaskSaves(uint64_t stored, uint64_t dense_bytes) {
  return stored + kZeroMaskMinSavedBytes <= dense_bytes &&
         static_cast<double>(stored) <= (1.0 - kZeroMaskMinSaving) * static_cast<double>(dense_bytes);
}

}  // namespace edgert
