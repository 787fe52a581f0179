#include "runtime/sparse_weights.h"

#include <algorithm>
#include <cstring>

namespace edgert {

namespace {

bool IsZero(const void* dense, DType dtype, int64_t i) {
  return dtype == DType::kF32 ? static_cast<const float*>(dense)[i] == 0.f : static_cast<const int8_t*>(dense)[i] == 0;
}

bool BlockColumnIsZero(const void* dense, DType dtype, int64_t rows, int64_t columns, int64_t r0, int block_size,
                       int64_t col) {
  const int64_t r1 = std::min<int64_t>(rows, r0 + block_size);
  for (int64_t r = r0; r < r1; ++r)
    if (!IsZero(dense, dtype, r * columns + col)) return false;
  return true;
}

}  // namespace

Status ValidateBlockSparse(const std::string& what, const Shape& shape, DType dtype, int block_size,
                           const int32_t* block_ptr,
                           size_t block_ptr_size, const int32_t* column_indices, size_t column_indices_size,
                           const void* values, uint64_t value_bytes, BlockSparseView* view) {
  auto invalid = [&](const std::string& msg) {
    return Status(StatusCode::kInvalidModel, what + ": block-sparse storage: " + msg);
  };
  if (!IsSparseStorableDType(dtype))
    return invalid(std::string("defined for f32 and int8 constants only, not ") + DTypeName(dtype));
  if (!IsValidSparseBlockSize(block_size))
    return invalid("block size " + std::to_string(block_size) + " is not 8 or 16");
  if (shape.rank < 1) return invalid("a scalar cannot be stored sparse");
  const int64_t rows = shape[0];
  const int64_t columns = shape.Product(1, shape.rank);
  const int64_t blocks = (rows + block_size - 1) / block_size;
  if (block_ptr == nullptr || block_ptr_size != static_cast<size_t>(blocks) + 1)
    return invalid("block_ptr has " + std::to_string(block_ptr_size) + " entries; " + std::to_string(rows) +
                   " rows in blocks of " + std::to_string(block_size) + " need " + std::to_string(blocks + 1));
  if (block_ptr[0] != 0) return invalid("block_ptr[0] is " + std::to_string(block_ptr[0]) + ", not 0");
  for (int64_t b = 0; b < blocks; ++b) {
    const int32_t lo = block_ptr[b], hi = block_ptr[b + 1];
    if (hi < lo)
      return invalid("block_ptr decreases at block " + std::to_string(b) + " (" + std::to_string(lo) + " -> " +
                     std::to_string(hi) + ")");
    if (static_cast<uint64_t>(hi) > column_indices_size || hi - lo > columns)
      return invalid("block " + std::to_string(b) + " ends at column entry " + std::to_string(hi) + ", past the " +
                     std::to_string(column_indices_size) + " column indices or holding more than " +
                     std::to_string(columns) + " columns");
  }
  if (static_cast<uint64_t>(block_ptr[blocks]) != column_indices_size)
    return invalid("block_ptr ends at " + std::to_string(block_ptr[blocks]) + " but there are " +
                   std::to_string(column_indices_size) + " column indices");
  for (int64_t b = 0; b < blocks; ++b) {
    for (int32_t j = block_ptr[b]; j < block_ptr[b + 1]; ++j) {
      const int32_t c = column_indices[j];
      if (c < 0 || c >= columns)
        return invalid("column index " + std::to_string(c) + " of block " + std::to_string(b) +
                       " is outside [0, " + std::to_string(columns) + ")");
      if (j > block_ptr[b] && c <= column_indices[j - 1])
        return invalid("column indices of block " + std::to_string(b) + " are not strictly ascending (" +
                       std::to_string(column_indices[j - 1]) + " then " + std::to_string(c) + ")");
    }
  }
  const size_t element_bytes = DTypeSize(dtype);
  const uint64_t need = static_cast<uint64_t>(column_indices_size) * static_cast<uint64_t>(block_size) * element_bytes;
  if (value_bytes != need)
    return invalid("values are " + std::to_string(value_bytes) + " bytes; " + std::to_string(column_indices_size) +
                   " stored columns of " + std::to_string(block_size) + " " + DTypeName(dtype) + " values need " +
                   std::to_string(need));
  view->block_size = block_size;
  view->element_bytes = element_bytes;
  view->num_blocks = static_cast<int>(blocks);
  view->rows = rows;
  view->columns = columns;
  view->block_ptr = block_ptr;
  view->column_indices = column_indices;
  view->values = values;
  return Status::Ok();
}

void DensifyBlockSparse(const BlockSparseView& v, void* dense) {
  const size_t e = v.element_bytes;
  uint8_t* out = static_cast<uint8_t*>(dense);
  if (v.rows * v.columns > 0) std::memset(out, 0, static_cast<size_t>(v.rows * v.columns) * e);
  const uint8_t* values = static_cast<const uint8_t*>(v.values);
  for (int b = 0; b < v.num_blocks; ++b) {
    const int64_t r0 = static_cast<int64_t>(b) * v.block_size;
    const int64_t n = std::min<int64_t>(v.block_size, v.rows - r0);
    for (int32_t j = v.block_ptr[b]; j < v.block_ptr[b + 1]; ++j) {
      const uint8_t* src = values + static_cast<size_t>(j) * static_cast<size_t>(v.block_size) * e;
      const int64_t c = v.column_indices[j];
      for (int64_t r = 0; r < n; ++r)
        std::memcpy(out + static_cast<size_t>((r0 + r) * v.columns + c) * e, src + static_cast<size_t>(r) * e, e);
    }
  }
}

BlockSparseData EncodeBlockSparse(const void* dense, DType dtype, int64_t rows, int64_t columns, int block_size) {
  BlockSparseData d;
  d.block_size = block_size;
  const size_t e = DTypeSize(dtype);
  const uint8_t* bytes = static_cast<const uint8_t*>(dense);
  const int64_t blocks = (rows + block_size - 1) / block_size;
  d.block_ptr.push_back(0);
  for (int64_t b = 0; b < blocks; ++b) {
    const int64_t r0 = b * block_size;
    const int64_t n = std::min<int64_t>(block_size, rows - r0);
    for (int64_t c = 0; c < columns; ++c) {
      if (BlockColumnIsZero(dense, dtype, rows, columns, r0, block_size, c)) continue;
      d.column_indices.push_back(static_cast<int32_t>(c));
      for (int64_t r = 0; r < block_size; ++r) {
        // Rows past the tensor (a partial last block) are stored as zeros.
        if (r < n && !IsZero(dense, dtype, (r0 + r) * columns + c)) {
          const uint8_t* src = bytes + static_cast<size_t>((r0 + r) * columns + c) * e;
          d.values.insert(d.values.end(), src, src + e);
        } else {
          d.values.insert(d.values.end(), e, uint8_t{0});
        }
      }
    }
    d.block_ptr.push_back(static_cast<int32_t>(d.column_indices.size()));
  }
  return d;
}

double ZeroBlockFraction(const void* dense, DType dtype, int64_t rows, int64_t columns, int block_size) {
  const int64_t blocks = (rows + block_size - 1) / block_size;
  if (blocks * columns == 0) return 0.0;
  int64_t zero = 0;
  for (int64_t b = 0; b < blocks; ++b)
    for (int64_t c = 0; c < columns; ++c)
      zero += BlockColumnIsZero(dense, dtype, rows, columns, b * block_size, block_size, c);
  return static_cast<double>(zero) / static_cast<double>(blocks * columns);
}

Status ValidateZeroMask(const std::string& what, size_t elements, size_t element_bytes, const uint8_t* mask,
                        size_t mask_size, uint64_t value_bytes) {
  auto invalid = [&](const std::string& msg) {
    return Status(StatusCode::kInvalidModel, what + ": zero-mask storage: " + msg);
  };
  const size_t need = ZeroMaskBytes(elements);
  if (mask_size != need || (need > 0 && mask == nullptr))
    return invalid("the mask has " + std::to_string(mask_size) + " bytes; " + std::to_string(elements) +
                   " elements need " + std::to_string(need));
  if (elements % 8 != 0 && (mask[need - 1] >> (elements % 8)) != 0)
    return invalid("bits are set past the last of the " + std::to_string(elements) + " elements");
  uint64_t stored = 0;
  for (size_t i = 0; i < mask_size; ++i) stored += static_cast<uint64_t>(__builtin_popcount(mask[i]));
  if (value_bytes != stored * element_bytes)
    return invalid("values are " + std::to_string(value_bytes) + " bytes; the mask marks " + std::to_string(stored) +
                   " stored elements of " + std::to_string(element_bytes) + " bytes (" +
                   std::to_string(stored * element_bytes) + ")");
  return Status::Ok();
}

namespace {

// DensifyZeroMask for elements of E bytes (a compile-time size, so that the
// copies are plain moves rather than calls).
template <size_t E>
void DensifyZeroMaskOf(const uint8_t* mask, size_t elements, const uint8_t* in, uint8_t* out) {
  for (size_t byte = 0; byte < ZeroMaskBytes(elements); ++byte) {
    const unsigned bits = mask[byte];
    uint8_t* group = out + byte * 8 * E;
    if (bits == 0xFF) {  // 8 stored elements in a row
      std::memcpy(group, in, 8 * E);
      in += 8 * E;
      continue;
    }
    for (unsigned b = bits; b != 0; b &= b - 1) {
      std::memcpy(group + static_cast<size_t>(__builtin_ctz(b)) * E, in, E);
      in += E;
    }
  }
}

}  // namespace

void DensifyZeroMask(const uint8_t* mask, size_t elements, size_t element_bytes, const void* values, void* dense) {
  uint8_t* out = static_cast<uint8_t*>(dense);
  const uint8_t* in = static_cast<const uint8_t*>(values);
  if (elements == 0) return;
  std::memset(out, 0, elements * element_bytes);
  switch (element_bytes) {
    case 1: return DensifyZeroMaskOf<1>(mask, elements, in, out);
    case 2: return DensifyZeroMaskOf<2>(mask, elements, in, out);
    case 4: return DensifyZeroMaskOf<4>(mask, elements, in, out);
    case 8: return DensifyZeroMaskOf<8>(mask, elements, in, out);
    default: break;
  }
  for (size_t i = 0; i < elements; ++i)
    if ((mask[i / 8] >> (i % 8) & 1) != 0) {
      std::memcpy(out + i * element_bytes, in, element_bytes);
      in += element_bytes;
    }
}

namespace {

bool ElementIsZero(const uint8_t* p, size_t element_bytes) {
  for (size_t j = 0; j < element_bytes; ++j)
    if (p[j] != 0) return false;
  return true;
}

}  // namespace

ZeroMaskData EncodeZeroMask(const void* dense, size_t elements, size_t element_bytes) {
  ZeroMaskData d;
  d.mask.assign(ZeroMaskBytes(elements), 0);
  const uint8_t* p = static_cast<const uint8_t*>(dense);
  for (size_t i = 0; i < elements; ++i, p += element_bytes) {
    if (ElementIsZero(p, element_bytes)) continue;
    d.mask[i / 8] = static_cast<uint8_t>(d.mask[i / 8] | (1u << (i % 8)));
    d.values.insert(d.values.end(), p, p + element_bytes);
  }
  return d;
}

uint64_t ZeroMaskStoredBytes(const void* dense, size_t elements, size_t element_bytes) {
  const uint8_t* p = static_cast<const uint8_t*>(dense);
  uint64_t stored = 0;
  for (size_t i = 0; i < elements; ++i, p += element_bytes) stored += ElementIsZero(p, element_bytes) ? 0 : 1;
  return ZeroMaskBytes(elements) + stored * element_bytes;
}

}  // namespace edgert
