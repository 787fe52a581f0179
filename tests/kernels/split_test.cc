// SPLIT: each output is compared with a naive slice of the input written here
// (coordinate walk with an offset along the axis).
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

// The part of x with axis coordinates [start, start + len).
template <typename T>
std::vector<T> NaivePart(const std::vector<T>& x, const Dims& shape, int axis, int start, int len) {
  Dims out = shape;
  out[axis] = len;
  std::vector<T> y;
  for (int64_t k = 0; k < Count(out); ++k) {
    std::vector<int64_t> c = Unravel(k, out);
    c[axis] += start;
    y.push_back(x[Ravel(c, shape)]);
  }
  return y;
}

template <typename T>
Status RunSplit(const std::vector<T>& x, const Dims& shape, DType dt, int axis, int outputs,
                const std::vector<int>* size_splits, std::vector<std::vector<T>>* ys, std::vector<Dims>* shapes,
                const QuantSpec& q = {}) {
  OpTest t(schema::OpType_SPLIT);
  InputOf(t, dt, shape, x, q);
  if (size_splits)
    t.Const<int64_t>({static_cast<int32_t>(size_splits->size())},
                     std::vector<int64_t>(size_splits->begin(), size_splits->end()));
  for (int i = 0; i < outputs; ++i) t.Output(dt, q);
  t.SetOptions(schema::OpOptions_SplitOptions, schema::CreateSplitOptions(t.fbb(), axis).Union());
  const Status st = t.Run(ref::Register_SPLIT());
  if (st.ok()) {
    ys->clear();
    shapes->clear();
    for (int i = 0; i < outputs; ++i) {
      ys->push_back(t.OutputData<T>(i));
      shapes->push_back(ShapeDims(t.OutputShape(i)));
    }
  }
  return st;
}

}  // namespace

TEST_CASE("SPLIT float equal parts along every axis", "[kernels][split]") {
  std::mt19937 rng(61);
  const Dims shape = {2, 6, 3, 9};
  const std::vector<float> x = RandomFloats(Count(shape), rng, -2.f, 2.f);
  for (int axis = -4; axis < 4; ++axis) {
    const int a = axis < 0 ? axis + 4 : axis;
    const int n = shape[a] % 3 == 0 ? 3 : shape[a];
    std::vector<std::vector<float>> ys;
    std::vector<Dims> shapes;
    REQUIRE(RunSplit<float>(x, shape, DType::kF32, axis, n, nullptr, &ys, &shapes).ok());
    const int len = shape[a] / n;
    for (int i = 0; i < n; ++i) {
      Dims es = shape;
      es[a] = len;
      CHECK(shapes[i] == es);
      CHECK(ys[i] == NaivePart(x, shape, a, i * len, len));
    }
  }
}

TEST_CASE("SPLIT with size_splits and an inferred part", "[kernels][split]") {
  std::mt19937 rng(62);
  const Dims shape = {3, 17, 2};
  std::vector<float> x(static_cast<size_t>(Count(shape)));
  for (auto& v : x) v = static_cast<float>(rng() % 1000);
  const std::vector<std::vector<int>> cases = {{5, 12}, {1, -1, 3}, {0, 17, 0}, {-1, 4, 4, 4}};
  for (const auto& sizes : cases) {
    std::vector<std::vector<float>> ys;
    std::vector<Dims> shapes;
    REQUIRE(RunSplit<float>(x, shape, DType::kF32, 1, static_cast<int>(sizes.size()), &sizes, &ys, &shapes).ok());
    int known = 0;
    for (int s : sizes) known += s < 0 ? 0 : s;
    int start = 0;
    for (size_t i = 0; i < sizes.size(); ++i) {
      const int len = sizes[i] < 0 ? 17 - known : sizes[i];
      CHECK(shapes[i] == (Dims{3, len, 2}));
      CHECK(ys[i] == NaivePart(x, shape, 1, start, len));
      start += len;
    }
  }
}

TEST_CASE("SPLIT other dtypes", "[kernels][split]") {
  std::mt19937 rng(63);
  const Dims shape = {4, 5};
  {
    const std::vector<int8_t> x = RandomBits<int8_t>(20, rng);
    std::vector<std::vector<int8_t>> ys;
    std::vector<Dims> shapes;
    REQUIRE(RunSplit<int8_t>(x, shape, DType::kI8, 0, 2, nullptr, &ys, &shapes, QuantSpec::PerTensor(0.1f, 3)).ok());
    CHECK(ys[0] == NaivePart(x, shape, 0, 0, 2));
    CHECK(ys[1] == NaivePart(x, shape, 0, 2, 2));
  }
  {
    std::vector<int64_t> x(20);
    for (auto& v : x) v = static_cast<int64_t>(rng()) * 12345;
    std::vector<std::vector<int64_t>> ys;
    std::vector<Dims> shapes;
    const std::vector<int> sizes = {2, 3};
    REQUIRE(RunSplit<int64_t>(x, shape, DType::kI64, -1, 2, &sizes, &ys, &shapes).ok());
    CHECK(ys[0] == NaivePart(x, shape, 1, 0, 2));
    CHECK(ys[1] == NaivePart(x, shape, 1, 2, 3));
  }
  {
    std::vector<uint8_t> x(20);
    for (auto& v : x) v = static_cast<uint8_t>(rng() & 1);
    std::vector<std::vector<uint8_t>> ys;
    std::vector<Dims> shapes;
    REQUIRE(RunSplit<uint8_t>(x, shape, DType::kBool, 1, 5, nullptr, &ys, &shapes).ok());
    for (int i = 0; i < 5; ++i) CHECK(ys[i] == NaivePart(x, shape, 1, i, 1));
  }
}

TEST_CASE("SPLIT rejects bad splits", "[kernels][split]") {
  const std::vector<float> x(12, 0.f);
  std::vector<std::vector<float>> ys;
  std::vector<Dims> shapes;
  Status st = RunSplit<float>(x, {3, 4}, DType::kF32, 1, 3, nullptr, &ys, &shapes);
  CHECK_FALSE(st.ok());
  CHECK_THAT(st.message(), Catch::Contains("evenly"));
  st = RunSplit<float>(x, {3, 4}, DType::kF32, 2, 2, nullptr, &ys, &shapes);
  CHECK_FALSE(st.ok());
  CHECK_THAT(st.message(), Catch::Contains("axis"));
  const std::vector<int> bad_sum = {1, 2};
  st = RunSplit<float>(x, {3, 4}, DType::kF32, 1, 2, &bad_sum, &ys, &shapes);
  CHECK_FALSE(st.ok());
  CHECK_THAT(st.message(), Catch::Contains("add up"));
  const std::vector<int> too_big = {3, -1, 2};
  st = RunSplit<float>(x, {3, 4}, DType::kF32, 1, 3, &too_big, &ys, &shapes);
  CHECK_FALSE(st.ok());
  CHECK_THAT(st.message(), Catch::Contains("add up"));
  const std::vector<int> two = {-1, -1};
  st = RunSplit<float>(x, {3, 4}, DType::kF32, 1, 2, &two, &ys, &shapes);
  CHECK_FALSE(st.ok());
  CHECK_THAT(st.message(), Catch::Contains("-1"));
  const std::vector<int> neg = {-2, 6};
  st = RunSplit<float>(x, {3, 4}, DType::kF32, 1, 2, &neg, &ys, &shapes);
  CHECK_FALSE(st.ok());
  CHECK_THAT(st.message(), Catch::Contains("negative"));
  const std::vector<int> count = {4};
  st = RunSplit<float>(x, {3, 4}, DType::kF32, 1, 2, &count, &ys, &shapes);
  CHECK_FALSE(st.ok());
  CHECK_THAT(st.message(), Catch::Contains("outputs"));
  {
    OpTest t(schema::OpType_SPLIT);
    t.Input<float>({3, 4}, x);
    t.Output(DType::kF32);
    t.Output(DType::kI32);
    t.SetOptions(schema::OpOptions_SplitOptions, schema::CreateSplitOptions(t.fbb(), 1).Union());
    st = t.Run(ref::Register_SPLIT());
    CHECK_FALSE(st.ok());
    CHECK_THAT(st.message(), Catch::Contains("dtype"));
  }
  {
    OpTest t(schema::OpType_SPLIT);
    t.Input<float>({3, 4}, x);
    t.Input<int32_t>({2}, {2, 2});
    t.Output(DType::kF32);
    t.Output(DType::kF32);
    t.SetOptions(schema::OpOptions_SplitOptions, schema::CreateSplitOptions(t.fbb(), 1).Union());
    st = t.Run(ref::Register_SPLIT());
    CHECK_FALSE(st.ok());
    CHECK_THAT(st.message(), Catch::Contains("constant"));
  }
}

}  // namespace edgert
