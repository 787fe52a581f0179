// Tensor: what kernels see. Shapes are small fixed arrays; nothing here allocates.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>

#include "runtime/dtype.h"

namespace edgert {

constexpr int kMaxRank = 8;

struct Shape {
  int rank = 0;
  int32_t dims[kMaxRank] = {};

  Shape() = default;
  Shape(std::initializer_list<int32_t> d) {
    for (int32_t v : d) dims[rank++] = v;
  }
  static Shape FromArray(const int32_t* d, int n) {
    Shape s;
    s.rank = n;
    for (int i = 0; i < n; ++i) s.dims[i] = d[i];
    return s;
  }
  int32_t operator[](int i) const { return dims[i]; }
  int32_t& operator[](int i) { return dims[i]; }
  // Product of dims; shapes are validated so this cannot overflow int64.
  int64_t NumElements() const {
    int64_t n = 1;
    for (int i = 0; i < rank; ++i) n *= dims[i];
    return n;
  }
  // Product of dims in [begin, end).
  int64_t Product(int begin, int end) const {
    int64_t n = 1;
    for (int i = begin; i < end; ++i) n *= dims[i];
    return n;
  }
  bool operator==(const Shape& o) const {
    if (rank != o.rank) return false;
    for (int i = 0; i < rank; ++i)
      if (dims[i] != o.dims[i]) return false;
    return true;
  }
  bool operator!=(const Shape& o) const { return !(*this == o); }
};

// real = scale * (q - zero_point). count == 1: per tensor; count > 1: per channel along axis.
struct QuantParams {
  const float* scale = nullptr;
  const int32_t* zero_point = nullptr;
  int count = 0;
  int axis = 0;
  bool per_channel() const { return count > 1; }
};

// Block-sparse f32 constant (schema BlockSparsity, validated at load): the
// tensor as a matrix [rows = shape[0], columns = the other dims], rows grouped
// in blocks of block_size. Block b stores the columns
// column_indices[block_ptr[b] .. block_ptr[b + 1]) (ascending), each as
// block_size consecutive values in `values` (rows past `rows` are zero).
struct BlockSparseView {
  int block_size = 0;
  int num_blocks = 0;
  size_t element_bytes = 4;  // 4 (f32) or 1 (int8)
  int64_t rows = 0, columns = 0;
  const int32_t* block_ptr = nullptr;       // num_blocks + 1 entries
  const int32_t* column_indices = nullptr;  // block_ptr[num_blocks] entries
  // block_ptr[num_blocks] * block_size elements of the tensor's dtype (f32 or int8).
  const void* values = nullptr;
  int64_t stored_columns() const { return block_ptr[num_blocks]; }
};

struct Tensor {
  DType dtype = DType::kF32;
  Shape shape;
  void* data = nullptr;
  size_t bytes = 0;
  QuantParams quant;      // count == 0 when the tensor is not quantized
  bool is_constant = false;
  const char* name = "";
  // Constants stored block-sparse: the stored form (data is always the dense
  // tensor, so kernels that ignore this see ordinary weights).
  const BlockSparseView* sparse = nullptr;
  // A constant computed at prepare from float16 data (a folded DEQUANTIZE of
  // an f16 tensor): every value is exactly an f16, and the model's author
  // chose half precision for it (InterpreterOptions::f16_arithmetic).
  bool stored_as_f16 = false;

  int64_t NumElements() const { return shape.NumElements(); }
  bool is_quantized() const { return quant.count > 0; }
  template <typename T> T* data_as() { return static_cast<T*>(data); }
  template <typename T> const T* data_as() const { return static_cast<const T*>(data); }
};

}  // namespace edgert
