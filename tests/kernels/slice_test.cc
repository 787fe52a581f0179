// SLICE: compared with a naive copy written here (nested coordinate walk over
// the requested box).
#include <catch2/catch.hpp>

#include <cstdint>
#include <random>
#include <vector>

#include "kernels/reference/reference_kernels.h"
#include "tests/kernels/shape_test_util.h"
#include "tests/op_test.h"

namespace edgert {
namespace {

using namespace testing;  // OpTest and the shape test helpers

// begin/size already resolved (no -1).
template <typename T>
std::vector<T> NaiveSlice(const std::vector<T>& x, const Dims& in, const Dims& begin, const Dims& size) {
  std::vector<T> y;
  for (int64_t k = 0; k < Count(size); ++k) {
    std::vector<int64_t> c = Unravel(k, size);  // coordinate in the box
    for (size_t d = 0; d < c.size(); ++d) c[d] += begin[d];
    y.push_back(x[Ravel(c, in)]);
  }
  return y;
}

template <typename T>
Status RunSlice(const std::vector<T>& x, const Dims& shape, const Dims& begin, const Dims& size, DType dt,
                std::vector<T>* y, Dims* out, const QuantSpec& q = {}) {
  OpTest t(schema::OpType_SLICE);
  InputOf(t, dt, shape, x, q);
  t.Const<int32_t>({static_cast<int32_t>(begin.size())}, begin);
  t.Const<int64_t>({static_cast<int32_t>(size.size())}, std::vector<int64_t>(size.begin(), size.end()));
  t.Output(dt, q);
  return RunAndFetch(t, ref::Register_SLICE(), y, out);
}

}  // namespace

TEST_CASE("SLICE float random boxes", "[kernels][slice]") {
  const Dims shape = {2, 7, 5, 3};
  std::mt19937 rng(21);
  const std::vector<float> x = RandomFloats(Count(shape), rng, -3.f, 3.f);
  for (int iter = 0; iter < 40; ++iter) {
    Dims begin(4), size(4), resolved(4);
    for (int d = 0; d < 4; ++d) {
      begin[d] = static_cast<int32_t>(rng() % (shape[d] + 1));
      const int32_t rest = shape[d] - begin[d];
      if (rng() % 4 == 0) {
        size[d] = -1;
        resolved[d] = rest;
      } else {
        size[d] = static_cast<int32_t>(rng() % (rest + 1));
        resolved[d] = size[d];
      }
    }
    std::vector<float> y;
    Dims out;
    REQUIRE(RunSlice<float>(x, shape, begin, size, DType::kF32, &y, &out).ok());
    CHECK(out == resolved);
    CHECK(y == NaiveSlice(x, shape, begin, resolved));
  }
}

TEST_CASE("SLICE other dtypes", "[kernels][slice]") {
  std::mt19937 rng(22);
  const Dims shape = {3, 17};
  {
    const std::vector<int8_t> x = RandomBits<int8_t>(Count(shape), rng);
    std::vector<int8_t> y;
    Dims out;
    REQUIRE(RunSlice<int8_t>(x, shape, {1, 4}, {2, -1}, DType::kI8, &y, &out, QuantSpec::PerTensor(0.3f, -5)).ok());
    CHECK(out == (Dims{2, 13}));
    CHECK(y == NaiveSlice(x, shape, {1, 4}, {2, 13}));
  }
  {
    const std::vector<uint8_t> x = RandomBits<uint8_t>(Count(shape), rng);
    std::vector<uint8_t> y;
    Dims out;
    REQUIRE(RunSlice<uint8_t>(x, shape, {0, 16}, {3, 1}, DType::kU8, &y, &out).ok());
    CHECK(y == NaiveSlice(x, shape, {0, 16}, {3, 1}));
  }
  {
    std::vector<int64_t> x(static_cast<size_t>(Count(shape)));
    for (auto& v : x) v = static_cast<int64_t>(rng()) * 77777;
    std::vector<int64_t> y;
    Dims out;
    REQUIRE(RunSlice<int64_t>(x, shape, {2, 0}, {1, 17}, DType::kI64, &y, &out).ok());
    CHECK(y == NaiveSlice(x, shape, {2, 0}, {1, 17}));
  }
  {
    std::vector<uint8_t> x(static_cast<size_t>(Count(shape)));
    for (auto& v : x) v = static_cast<uint8_t>(rng() & 1);
    std::vector<uint8_t> y;
    Dims out;
    REQUIRE(RunSlice<uint8_t>(x, shape, {1, 2}, {1, 5}, DType::kBool, &y, &out).ok());
    CHECK(y == NaiveSlice(x, shape, {1, 2}, {1, 5}));
  }
}

TEST_CASE("SLICE rejects bad boxes", "[kernels][slice]") {
  const std::vector<float> x(12, 0.f);
  std::vector<float> y;
  Dims out;
  Status st = RunSlice<float>(x, {3, 4}, {1, 5}, {1, 1}, DType::kF32, &y, &out);
  CHECK_FALSE(st.ok());
  CHECK_THAT(st.message(), Catch::Contains("begin[1]"));
  st = RunSlice<float>(x, {3, 4}, {1, 1}, {3, 1}, DType::kF32, &y, &out);
  CHECK_FALSE(st.ok());
  CHECK_THAT(st.message(), Catch::Contains("size[0]"));
  st = RunSlice<float>(x, {3, 4}, {-1, 0}, {1, 1}, DType::kF32, &y, &out);
  CHECK_FALSE(st.ok());
  st = RunSlice<float>(x, {3, 4}, {0, 0}, {1, -2}, DType::kF32, &y, &out);
  CHECK_FALSE(st.ok());
  st = RunSlice<float>(x, {3, 4}, {0}, {1}, DType::kF32, &y, &out);
  CHECK_FALSE(st.ok());
  CHECK_THAT(st.message(), Catch::Contains("rank"));
  {
    OpTest t(schema::OpType_SLICE);
    t.Input<float>({3, 4}, x);
    t.Input<int32_t>({2}, {0, 0});
    t.Const<int32_t>({2}, {1, 1});
    t.Output(DType::kF32);
    st = t.Run(ref::Register_SLICE());
    CHECK_FALSE(st.ok());
    CHECK_THAT(st.message(), Catch::Contains("constant"));
  }
}

}  // namespace edgert
