// DEPTH_TO_SPACE and SPACE_TO_DEPTH: the TensorFlow documentation examples,
// random shapes compared with naive loops over the defining index formulas,
// and a round trip.
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

// out[n, h*b + by, w*b + bx, c] = in[n, h, w, (by*b + bx) * oc + c]
template <typename T>
std::vector<T> NaiveDepthToSpace(const std::vector<T>& x, const Dims& s, int b) {
  const int N = s[0], H = s[1], W = s[2], C = s[3], OC = C / (b * b);
  std::vector<T> y(x.size());
  for (int n = 0; n < N; ++n)
    for (int h = 0; h < H; ++h)
      for (int w = 0; w < W; ++w)
        for (int by = 0; by < b; ++by)
          for (int bx = 0; bx < b; ++bx)
            for (int c = 0; c < OC; ++c) {
              const int64_t oy = h * b + by, ox = w * b + bx;
              y[((n * (H * b) + oy) * (W * b) + ox) * OC + c] = x[((n * H + h) * W + w) * C + (by * b + bx) * OC + c];
            }
  return y;
}

// out[n, h, w, (by*b + bx) * C + c] = in[n, h*b + by, w*b + bx, c]
template <typename T>
std::vector<T> NaiveSpaceToDepth(const std::vector<T>& x, const Dims& s, int b) {
  const int N = s[0], H = s[1], W = s[2], C = s[3], OH = H / b, OW = W / b, OC = C * b * b;
  std::vector<T> y(x.size());
  for (int n = 0; n < N; ++n)
    for (int h = 0; h < OH; ++h)
      for (int w = 0; w < OW; ++w)
        for (int by = 0; by < b; ++by)
          for (int bx = 0; bx < b; ++bx)
            for (int c = 0; c < C; ++c)
              y[((n * OH + h) * OW + w) * OC + (by * b + bx) * C + c] =
                  x[((n * H + h * b + by) * W + w * b + bx) * C + c];
  return y;
}

template <typename T>
Status Run(schema::OpType type, const std::vector<T>& x, const Dims& shape, DType dt, int block, std::vector<T>* y,
           Dims* out, const QuantSpec& q = {}) {
  OpTest t(type);
  InputOf(t, dt, shape, x, q);
  t.Output(dt, q);
  t.SetOptions(schema::OpOptions_SpaceDepthOptions, schema::CreateSpaceDepthOptions(t.fbb(), block).Union());
  return RunAndFetch(t,
                     type == schema::OpType_DEPTH_TO_SPACE ? ref::Register_DEPTH_TO_SPACE()
                                                           : ref::Register_SPACE_TO_DEPTH(),
                     y, out);
}

}  // namespace

TEST_CASE("DEPTH_TO_SPACE documentation example", "[kernels][depth_to_space]") {
  std::vector<float> y;
  Dims out;
  REQUIRE(Run<float>(schema::OpType_DEPTH_TO_SPACE, {1, 2, 3, 4}, {1, 1, 1, 4}, DType::kF32, 2, &y, &out).ok());
  CHECK(out == (Dims{1, 2, 2, 1}));
  CHECK(y == std::vector<float>{1, 2, 3, 4});
  // [1,2,2,4] -> [1,4,4,1] (TensorFlow docs)
  const std::vector<float> x = {1, 2, 5, 6, 3, 4, 7, 8, 9, 10, 13, 14, 11, 12, 15, 16};
  REQUIRE(Run<float>(schema::OpType_DEPTH_TO_SPACE, x, {1, 2, 2, 4}, DType::kF32, 2, &y, &out).ok());
  CHECK(out == (Dims{1, 4, 4, 1}));
  CHECK(y == std::vector<float>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16});
}

TEST_CASE("SPACE_TO_DEPTH documentation example", "[kernels][space_to_depth]") {
  std::vector<float> y;
  Dims out;
  const std::vector<float> x = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
  REQUIRE(Run<float>(schema::OpType_SPACE_TO_DEPTH, x, {1, 4, 4, 1}, DType::kF32, 2, &y, &out).ok());
  CHECK(out == (Dims{1, 2, 2, 4}));
  CHECK(y == std::vector<float>{1, 2, 5, 6, 3, 4, 7, 8, 9, 10, 13, 14, 11, 12, 15, 16});
}

TEST_CASE("DEPTH_TO_SPACE and SPACE_TO_DEPTH random shapes and round trip", "[kernels][depth_to_space][space_to_depth]") {
  std::mt19937 rng(91);
  struct Case {
    Dims d2s_in;
    int block;
  };
  const Case cases[] = {{{1, 3, 5, 8}, 2}, {{2, 2, 3, 27}, 3}, {{1, 7, 1, 4}, 2}, {{1, 2, 2, 5}, 1}};
  for (const Case& c : cases) {
    std::vector<float> x(static_cast<size_t>(Count(c.d2s_in)));
    for (auto& v : x) v = static_cast<float>(rng() % 100000);
    std::vector<float> y, back;
    Dims out, out2;
    REQUIRE(Run<float>(schema::OpType_DEPTH_TO_SPACE, x, c.d2s_in, DType::kF32, c.block, &y, &out).ok());
    const int b = c.block;
    CHECK(out == (Dims{c.d2s_in[0], c.d2s_in[1] * b, c.d2s_in[2] * b, c.d2s_in[3] / (b * b)}));
    CHECK(y == NaiveDepthToSpace(x, c.d2s_in, b));
    REQUIRE(Run<float>(schema::OpType_SPACE_TO_DEPTH, y, out, DType::kF32, b, &back, &out2).ok());
    CHECK(out2 == c.d2s_in);
    CHECK(back == NaiveSpaceToDepth(y, out, b));
    CHECK(back == x);
  }
}

TEST_CASE("DEPTH_TO_SPACE and SPACE_TO_DEPTH other dtypes", "[kernels][depth_to_space][space_to_depth]") {
  std::mt19937 rng(92);
  const Dims shape = {2, 2, 4, 12};
  {
    const std::vector<int8_t> x = RandomBits<int8_t>(Count(shape), rng);
    std::vector<int8_t> y;
    Dims out;
    REQUIRE(Run<int8_t>(schema::OpType_DEPTH_TO_SPACE, x, shape, DType::kI8, 2, &y, &out,
                        QuantSpec::PerTensor(0.2f, -1))
                .ok());
    CHECK(y == NaiveDepthToSpace(x, shape, 2));
    REQUIRE(Run<int8_t>(schema::OpType_SPACE_TO_DEPTH, x, shape, DType::kI8, 2, &y, &out,
                        QuantSpec::PerTensor(0.2f, -1))
                .ok());
    CHECK(out == (Dims{2, 1, 2, 48}));
    CHECK(y == NaiveSpaceToDepth(x, shape, 2));
  }
  {
    const std::vector<uint8_t> x = RandomBits<uint8_t>(Count(shape), rng);
    std::vector<uint8_t> y;
    Dims out;
    REQUIRE(Run<uint8_t>(schema::OpType_SPACE_TO_DEPTH, x, shape, DType::kU8, 2, &y, &out,
                         QuantSpec::PerTensor(0.2f, 128))
                .ok());
    CHECK(y == NaiveSpaceToDepth(x, shape, 2));
  }
  {
    std::vector<int64_t> x(static_cast<size_t>(Count(shape)));
    for (auto& v : x) v = static_cast<int64_t>(rng()) * 31;
    std::vector<int64_t> y;
    Dims out;
    REQUIRE(Run<int64_t>(schema::OpType_DEPTH_TO_SPACE, x, shape, DType::kI64, 2, &y, &out).ok());
    CHECK(y == NaiveDepthToSpace(x, shape, 2));
  }
}

TEST_CASE("DEPTH_TO_SPACE rejects bad inputs", "[kernels][depth_to_space]") {
  std::vector<float> y;
  Dims out;
  Status st = Run<float>(schema::OpType_DEPTH_TO_SPACE, std::vector<float>(12, 0.f), {1, 1, 2, 6}, DType::kF32, 2, &y,
                         &out);
  CHECK_FALSE(st.ok());
  CHECK_THAT(st.message(), Catch::Contains("divisible"));
  st = Run<float>(schema::OpType_DEPTH_TO_SPACE, std::vector<float>(8, 0.f), {1, 2, 4}, DType::kF32, 2, &y, &out);
  CHECK_FALSE(st.ok());
  CHECK_THAT(st.message(), Catch::Contains("4-D"));
  st = Run<float>(schema::OpType_DEPTH_TO_SPACE, std::vector<float>(4, 0.f), {1, 1, 1, 4}, DType::kF32, 0, &y, &out);
  CHECK_FALSE(st.ok());
  CHECK_THAT(st.message(), Catch::Contains("block_size"));
}

TEST_CASE("SPACE_TO_DEPTH rejects bad inputs", "[kernels][space_to_depth]") {
  std::vector<float> y;
  Dims out;
  Status st = Run<float>(schema::OpType_SPACE_TO_DEPTH, std::vector<float>(12, 0.f), {1, 3, 4, 1}, DType::kF32, 2, &y,
                         &out);
  CHECK_FALSE(st.ok());
  CHECK_THAT(st.message(), Catch::Contains("divisible"));
  st = Run<float>(schema::OpType_SPACE_TO_DEPTH, std::vector<float>(16, 0.f), {1, 4, 4, 1}, DType::kF32, -2, &y, &out);
  CHECK_FALSE(st.ok());
  CHECK_THAT(st.message(), Catch::Contains("block_size"));
  OpTest t(schema::OpType_SPACE_TO_DEPTH);
  t.Input<float>({1, 2, 2, 1}, {1, 2, 3, 4});
  t.Output(DType::kI32);
  t.SetOptions(schema::OpOptions_SpaceDepthOptions, schema::CreateSpaceDepthOptions(t.fbb(), 2).Union());
  st = t.Run(ref::Register_SPACE_TO_DEPTH());
  CHECK_FALSE(st.ok());
  CHECK_THAT(st.message(), Catch::Contains("dtype"));
}

}  // namespace edgert
