// STRIDED_SLICE: compared with a naive implementation of Python/numpy slice
// semantics written here (CPython's slice.indices clamping, then an explicit
// index list per dimension and their cartesian product). Ellipsis and
// new-axis specs are checked against the equivalent explicit slices.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <random>
#include <vector>

#include "kernels/reference/reference_kernels.h"
#include "tests/kernels/shape_test_util.h"
#include "tests/op_test.h"

namespace edgert {
namespace {

using namespace testing;  // OpTest and the shape test helpers

struct Masks {
  int begin = 0, end = 0, ellipsis = 0, new_axis = 0, shrink = 0;
  bool offset = false;
};

// Indices selected by x[begin:end:stride] along a dimension of size n (None
// for a masked bound), following CPython's PySlice_AdjustIndices.
std::vector<int64_t> PySliceIndices(int64_t n, int64_t begin, int64_t end, int64_t stride, bool begin_none,
                                    bool end_none) {
  const int64_t lower = stride > 0 ? 0 : -1;
  const int64_t upper = stride > 0 ? n : n - 1;
  int64_t start, stop;
  if (begin_none) {
    start = stride > 0 ? lower : upper;
  } else {
    start = begin < 0 ? std::max(begin + n, lower) : std::min(begin, upper);
  }
  if (end_none) {
    stop = stride > 0 ? upper : lower;
  } else {
    stop = end < 0 ? std::max(end + n, lower) : std::min(end, upper);
  }
  std::vector<int64_t> idx;
  for (int64_t i = start; stride > 0 ? i < stop : i > stop; i += stride) idx.push_back(i);
  return idx;
}

// Naive strided slice without ellipsis/new axis: one spec per leading dimension.
template <typename T>
std::vector<T> NaiveStridedSlice(const std::vector<T>& x, const Dims& shape, const std::vector<int>& begin,
                                 const std::vector<int>& end, const std::vector<int>& strides, const Masks& m,
                                 Dims* out_shape) {
  const int rank = static_cast<int>(shape.size());
  std::vector<std::vector<int64_t>> lists(rank);
  out_shape->clear();
  for (int d = 0; d < rank; ++d) {
    const int64_t n = shape[d];
    if (d >= static_cast<int>(begin.size())) {
      lists[d] = PySliceIndices(n, 0, 0, 1, true, true);
      out_shape->push_back(static_cast<int32_t>(lists[d].size()));
    } else if (m.shrink & (1 << d)) {
      lists[d] = {begin[d] < 0 ? begin[d] + n : begin[d]};
    } else {
      int64_t e = end[d];
      bool end_none = (m.end & (1 << d)) != 0;
      if (m.offset && !end_none) {
        // offset: end is relative to the resolved (clamped) begin.
        const int64_t b = (m.begin & (1 << d)) ? (strides[d] > 0 ? 0 : n - 1)
                                               : (begin[d] < 0 ? std::max<int64_t>(begin[d] + n, strides[d] > 0 ? 0 : -1)
                                                               : std::min<int64_t>(begin[d], strides[d] > 0 ? n : n - 1));
        e = b + end[d];
      }
      lists[d] = PySliceIndices(n, begin[d], e, strides[d], (m.begin & (1 << d)) != 0, end_none);
      out_shape->push_back(static_cast<int32_t>(lists[d].size()));
    }
  }
  // The cartesian product of the index lists, in row-major order.
  Dims sizes;
  for (auto& l : lists) sizes.push_back(static_cast<int32_t>(l.size()));
  std::vector<T> y;
  std::vector<int64_t> idx(rank);
  for (int64_t k = 0; k < Count(sizes); ++k) {
    const std::vector<int64_t> c = Unravel(k, sizes);
    for (int d = 0; d < rank; ++d) idx[d] = lists[d][c[d]];
    y.push_back(x[Ravel(idx, shape)]);
  }
  return y;
}

template <typename T>
Status RunStridedSlice(const std::vector<T>& x, const Dims& shape, DType dt, const std::vector<int>& begin,
                       const std::vector<int>& end, const std::vector<int>* strides, const Masks& m,
                       std::vector<T>* y, Dims* out, const QuantSpec& q = {}) {
  OpTest t(schema::OpType_STRIDED_SLICE);
  InputOf(t, dt, shape, x, q);
  const int32_t n = static_cast<int32_t>(begin.size());
  t.Const<int32_t>({n}, std::vector<int32_t>(begin.begin(), begin.end()));
  t.Const<int64_t>({static_cast<int32_t>(end.size())}, std::vector<int64_t>(end.begin(), end.end()));
  if (strides) t.Const<int32_t>({static_cast<int32_t>(strides->size())}, std::vector<int32_t>(strides->begin(), strides->end()));
  t.Output(dt, q);
  t.SetOptions(schema::OpOptions_StridedSliceOptions,
               schema::CreateStridedSliceOptions(t.fbb(), m.begin, m.end, m.ellipsis, m.new_axis, m.shrink, m.offset)
                   .Union());
  return RunAndFetch(t, ref::Register_STRIDED_SLICE(), y, out);
}

std::vector<float> Iota(int64_t n) {
  std::vector<float> v(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) v[i] = static_cast<float>(i);
  return v;
}

}  // namespace

TEST_CASE("STRIDED_SLICE hand-computed numpy cases", "[kernels][strided_slice]") {
  const std::vector<float> x = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
  std::vector<float> y;
  Dims out;
  const std::vector<int> s1 = {1}, sm1 = {-1}, sm2 = {-2}, s3 = {3};
  // x[2:8:3] = [2, 5]
  REQUIRE(RunStridedSlice<float>(x, {10}, DType::kF32, {2}, {8}, &s3, {}, &y, &out).ok());
  CHECK(y == std::vector<float>{2, 5});
  // x[::-1]
  Masks rev;
  rev.begin = rev.end = 1;
  REQUIRE(RunStridedSlice<float>(x, {10}, DType::kF32, {0}, {0}, &sm1, rev, &y, &out).ok());
  CHECK(y == std::vector<float>{9, 8, 7, 6, 5, 4, 3, 2, 1, 0});
  // x[-2:1:-2] = [8, 6, 4, 2]
  REQUIRE(RunStridedSlice<float>(x, {10}, DType::kF32, {-2}, {1}, &sm2, {}, &y, &out).ok());
  CHECK(y == std::vector<float>{8, 6, 4, 2});
  // x[-100:100] = everything (clamped)
  REQUIRE(RunStridedSlice<float>(x, {10}, DType::kF32, {-100}, {100}, &s1, {}, &y, &out).ok());
  CHECK(y == x);
  // x[7:3] = empty
  REQUIRE(RunStridedSlice<float>(x, {10}, DType::kF32, {7}, {3}, nullptr, {}, &y, &out).ok());
  CHECK(out == Dims{0});
  // x[-3] with shrink = scalar 7
  Masks shrink;
  shrink.shrink = 1;
  REQUIRE(RunStridedSlice<float>(x, {10}, DType::kF32, {-3}, {0}, nullptr, shrink, &y, &out).ok());
  CHECK(out.empty());
  CHECK(y == std::vector<float>{7});
  // offset: begin 3, end +4 -> x[3:7]
  Masks off;
  off.offset = true;
  REQUIRE(RunStridedSlice<float>(x, {10}, DType::kF32, {3}, {4}, nullptr, off, &y, &out).ok());
  CHECK(y == std::vector<float>{3, 4, 5, 6});
  // offset with a negative begin: begin -4 (= 6), end +2 -> x[6:8]
  REQUIRE(RunStridedSlice<float>(x, {10}, DType::kF32, {-4}, {2}, nullptr, off, &y, &out).ok());
  CHECK(y == std::vector<float>{6, 7});
}

TEST_CASE("STRIDED_SLICE random specs against python slicing", "[kernels][strided_slice]") {
  std::mt19937 rng(31);
  const int kStrides[] = {-3, -2, -1, 1, 2, 3};
  for (int iter = 0; iter < 300; ++iter) {
    const int rank = 1 + static_cast<int>(rng() % 4);
    Dims shape(rank);
    for (auto& d : shape) d = 1 + static_cast<int32_t>(rng() % 6);
    const int specs = 1 + static_cast<int>(rng() % rank);
    std::vector<int> begin(specs), end(specs), strides(specs);
    Masks m;
    for (int i = 0; i < specs; ++i) {
      const int n = shape[i];
      begin[i] = static_cast<int>(rng() % (2 * n + 7)) - n - 3;
      end[i] = static_cast<int>(rng() % (2 * n + 7)) - n - 3;
      strides[i] = kStrides[rng() % 6];
      if (rng() % 4 == 0) m.begin |= 1 << i;
      if (rng() % 4 == 0) m.end |= 1 << i;
      if (rng() % 5 == 0) {
        m.shrink |= 1 << i;
        begin[i] = static_cast<int>(rng() % (2 * n)) - n;  // valid index in [-n, n)
        m.begin &= ~(1 << i);
      }
    }
    m.offset = rng() % 5 == 0;
    const std::vector<float> x = Iota(Count(shape));
    Dims expected_shape;
    const std::vector<float> expected = NaiveStridedSlice(x, shape, begin, end, strides, m, &expected_shape);
    std::vector<float> y;
    Dims out;
    const Status st = RunStridedSlice<float>(x, shape, DType::kF32, begin, end, &strides, m, &y, &out);
    INFO("iteration " << iter);
    REQUIRE(st.ok());
    CHECK(out == expected_shape);
    CHECK(y == expected);
  }
}

TEST_CASE("STRIDED_SLICE ellipsis and new axis", "[kernels][strided_slice]") {
  const Dims shape = {2, 3, 4, 5};
  const std::vector<float> x = Iota(Count(shape));
  std::vector<float> y, expected;
  Dims out, expected_shape;
  {  // x[..., 1:4:2]  ==  x[:, :, :, 1:4:2]
    Masks m;
    m.ellipsis = 1;
    const std::vector<int> st = {1, 2};
    REQUIRE(RunStridedSlice<float>(x, shape, DType::kF32, {0, 1}, {0, 4}, &st, m, &y, &out).ok());
    Masks full;
    full.begin = full.end = 7;
    const std::vector<int> st4 = {1, 1, 1, 2};
    expected = NaiveStridedSlice(x, shape, {0, 0, 0, 1}, {0, 0, 0, 4}, st4, full, &expected_shape);
    CHECK(out == (Dims{2, 3, 4, 2}));
    CHECK(out == expected_shape);
    CHECK(y == expected);
  }
  {  // x[1, ..., ::-2] with shrink on the first spec == x[1, :, :, ::-2]
    Masks m;
    m.ellipsis = 2;
    m.shrink = 1;
    m.begin = 4;
    m.end = 4;
    const std::vector<int> st = {1, 1, -2};
    REQUIRE(RunStridedSlice<float>(x, shape, DType::kF32, {1, 0, 0}, {2, 0, 0}, &st, m, &y, &out).ok());
    Masks full;
    full.shrink = 1;
    full.begin = full.end = 2 | 4 | 8;
    const std::vector<int> st4 = {1, 1, 1, -2};
    expected = NaiveStridedSlice(x, shape, {1, 0, 0, 0}, {2, 0, 0, 0}, st4, full, &expected_shape);
    CHECK(out == (Dims{3, 4, 3}));
    CHECK(out == expected_shape);
    CHECK(y == expected);
  }
  {  // x[np.newaxis, 0, ::2] on [3,4,5]: new_axis bit 0, shrink bit 1 -> shape [1, 2, 5]
    const Dims s3 = {3, 4, 5};
    const std::vector<float> x3 = Iota(Count(s3));
    Masks m;
    m.new_axis = 1;
    m.shrink = 2;
    m.begin = 4;
    m.end = 4;
    const std::vector<int> st = {1, 1, 2};
    REQUIRE(RunStridedSlice<float>(x3, s3, DType::kF32, {0, 0, 0}, {0, 1, 0}, &st, m, &y, &out).ok());
    CHECK(out == (Dims{1, 2, 5}));
    // x3[0, ::2, :] laid out with a leading 1.
    Masks e;
    e.shrink = 1;
    e.begin = e.end = 2;
    const std::vector<int> st3 = {1, 2, 1};
    expected = NaiveStridedSlice(x3, s3, {0, 0, 0}, {1, 0, 5}, st3, e, &expected_shape);
    CHECK(expected_shape == (Dims{2, 5}));
    CHECK(y == expected);
  }
  {  // x[..., np.newaxis] adds a trailing dimension
    Masks m;
    m.ellipsis = 1;
    m.new_axis = 2;
    REQUIRE(RunStridedSlice<float>(x, shape, DType::kF32, {0, 0}, {0, 0}, nullptr, m, &y, &out).ok());
    CHECK(out == (Dims{2, 3, 4, 5, 1}));
    CHECK(y == x);
  }
  {  // ellipsis that covers no dimension: x[..., 0, 1, 2, 3] with shrinks -> scalar
    Masks m;
    m.ellipsis = 1;
    m.shrink = 2 | 4 | 8 | 16;
    REQUIRE(RunStridedSlice<float>(x, shape, DType::kF32, {0, 1, 2, 3, 4}, {0, 0, 0, 0, 0}, nullptr, m, &y, &out)
                .ok());
    CHECK(out.empty());
    CHECK(y == std::vector<float>{static_cast<float>(((1 * 3 + 2) * 4 + 3) * 5 + 4)});
  }
}

TEST_CASE("STRIDED_SLICE other dtypes", "[kernels][strided_slice]") {
  std::mt19937 rng(33);
  const Dims shape = {4, 7, 3};
  const std::vector<int8_t> x = RandomBits<int8_t>(Count(shape), rng);
  const std::vector<int> st = {2, -3, 1};
  Masks m;
  m.begin = 2;
  std::vector<int8_t> y;
  Dims out, expected_shape;
  REQUIRE(RunStridedSlice<int8_t>(x, shape, DType::kI8, {0, 0, 1}, {4, 0, 3}, &st, m, &y, &out,
                                  QuantSpec::PerTensor(0.02f, 9))
              .ok());
  CHECK(y == NaiveStridedSlice(x, shape, {0, 0, 1}, {4, 0, 3}, st, m, &expected_shape));
  CHECK(out == expected_shape);

  std::vector<int64_t> x64(static_cast<size_t>(Count(shape)));
  for (auto& v : x64) v = static_cast<int64_t>(rng()) * 3;
  std::vector<int64_t> y64;
  REQUIRE(RunStridedSlice<int64_t>(x64, shape, DType::kI64, {0, 0, 1}, {4, 0, 3}, &st, m, &y64, &out).ok());
  CHECK(y64 == NaiveStridedSlice(x64, shape, {0, 0, 1}, {4, 0, 3}, st, m, &expected_shape));
}

TEST_CASE("STRIDED_SLICE rejects bad specs", "[kernels][strided_slice]") {
  const std::vector<float> x = Iota(12);
  std::vector<float> y;
  Dims out;
  const std::vector<int> zero = {1, 0};
  Status st = RunStridedSlice<float>(x, {3, 4}, DType::kF32, {0, 0}, {3, 4}, &zero, {}, &y, &out);
  CHECK_FALSE(st.ok());
  CHECK_THAT(st.message(), Catch::Contains("non-zero"));
  const std::vector<int> one = {1};
  st = RunStridedSlice<float>(x, {3, 4}, DType::kF32, {0, 0}, {3, 4}, &one, {}, &y, &out);
  CHECK_FALSE(st.ok());
  CHECK_THAT(st.message(), Catch::Contains("same length"));
  Masks shrink;
  shrink.shrink = 1;
  st = RunStridedSlice<float>(x, {3, 4}, DType::kF32, {3}, {4}, nullptr, shrink, &y, &out);
  CHECK_FALSE(st.ok());
  CHECK_THAT(st.message(), Catch::Contains("out of range"));
  Masks two;
  two.ellipsis = 3;
  st = RunStridedSlice<float>(x, {3, 4}, DType::kF32, {0, 0}, {0, 0}, nullptr, two, &y, &out);
  CHECK_FALSE(st.ok());
  CHECK_THAT(st.message(), Catch::Contains("ellipsis"));
  st = RunStridedSlice<float>(x, {3, 4}, DType::kF32, {0, 0, 0}, {1, 1, 1}, nullptr, {}, &y, &out);
  CHECK_FALSE(st.ok());
  CHECK_THAT(st.message(), Catch::Contains("rank"));
}

}  // namespace edgert
