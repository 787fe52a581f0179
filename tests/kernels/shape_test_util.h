// Helpers shared by the data-movement and reduction kernel tests (pad,
// concatenation, split, slice, strided_slice, reshape, transpose, gather,
// resize, space_depth, reduce): shapes as vectors, row-major index
// arithmetic, deterministic random data, and running a single-op test.
// Test code only: nothing here calls kernel code, so each test's naive
// reference computation stays independent of the kernels.
#pragma once

#include <cstdint>
#include <random>
#include <vector>

#include "tests/op_test.h"

namespace edgert {
namespace testing {

using Dims = std::vector<int32_t>;

inline Dims ShapeDims(const Shape& s) { return Dims(s.dims, s.dims + s.rank); }

// Number of elements of a shape (1 for a scalar).
inline int64_t Count(const Dims& d) {
  int64_t n = 1;
  for (int32_t v : d) n *= v;
  return n;
}

// Row-major coordinates of flat index k in `shape`.
inline std::vector<int64_t> Unravel(int64_t k, const Dims& shape) {
  std::vector<int64_t> c(shape.size());
  for (int d = static_cast<int>(shape.size()) - 1; d >= 0; --d) {
    c[d] = k % shape[d];
    k /= shape[d];
  }
  return c;
}

// Row-major flat index of coordinates `c` in `shape`.
inline int64_t Ravel(const std::vector<int64_t>& c, const Dims& shape) {
  int64_t flat = 0;
  for (size_t d = 0; d < shape.size(); ++d) flat = flat * shape[d] + c[d];
  return flat;
}

// n values static_cast<T>(rng()): random bit patterns of an integer type.
template <typename T>
std::vector<T> RandomBits(int64_t n, std::mt19937& rng) {
  std::vector<T> v(static_cast<size_t>(n));
  for (auto& e : v) e = static_cast<T>(rng());
  return v;
}

// n floats drawn uniformly from [lo, hi).
inline std::vector<float> RandomFloats(int64_t n, std::mt19937& rng, float lo, float hi) {
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(static_cast<size_t>(n));
  for (auto& e : v) e = dist(rng);
  return v;
}

// Adds a graph input of dtype dt holding x (T is the element's storage type,
// e.g. uint16_t for f16 or uint8_t for bool).
template <typename T>
int InputOf(OpTest& t, DType dt, const Dims& shape, const std::vector<T>& x, const QuantSpec& q = {}) {
  return t.Input(dt, shape, x.data(), x.size() * sizeof(T), q);
}

// Runs t; when it succeeds, reads output 0's values into y and its shape into out.
template <typename T>
Status RunAndFetch(OpTest& t, const OpKernel* kernel, std::vector<T>* y, Dims* out) {
  const Status st = t.Run(kernel);
  if (st.ok()) {
    *y = t.OutputData<T>(0);
    *out = ShapeDims(t.OutputShape(0));
  }
  return st;
}

}  // namespace testing
}  // namespace edgert
