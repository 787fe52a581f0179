// TRANSPOSE: compared with a naive gather written here: for every output
// coordinate o, the input coordinate is i[perm[d]] = o[d].
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <random>
#include <vector>

#include "kernels/optimized/optimized_kernels.h"
#include "kernels/reference/reference_kernels.h"
#include "kernels/dispatch.h"
#include "tests/kernels/kernel_variants.h"
#include "tests/kernels/shape_test_util.h"
#include "tests/kernels/ukernel_test_util.h"
#include "tests/op_test.h"

namespace edgert {
namespace {

using namespace testing;  // OpTest and the shape test helpers

template <typename T>
std::vector<T> NaiveTranspose(const std::vector<T>& x, const Dims& in, const std::vector<int>& perm) {
  const int rank = static_cast<int>(in.size());
  Dims out(rank);
  for (int d = 0; d < rank; ++d) out[d] = in[perm[d]];
  std::vector<T> y(x.size());
  std::vector<int64_t> i(rank, 0);
  for (int64_t k = 0; k < Count(out); ++k) {
    const std::vector<int64_t> o = Unravel(k, out);
    for (int d = 0; d < rank; ++d) i[perm[d]] = o[d];
    y[k] = x[Ravel(i, in)];
  }
  return y;
}

template <typename T>
Status RunTranspose(const std::vector<T>& x, const Dims& shape, const std::vector<int>& perm, DType dt,
                    std::vector<T>* y, Dims* out_shape, const QuantSpec& q = {},
                    const OpKernel* kernel = ref::Register_TRANSPOSE(), int threads = 1) {
  OpTest t(schema::OpType_TRANSPOSE);
  InputOf(t, dt, shape, x, q);
  t.Const<int32_t>({static_cast<int32_t>(perm.size())}, std::vector<int32_t>(perm.begin(), perm.end()));
  t.Output(dt, q);
  t.SetNumThreads(threads);
  return RunAndFetch(t, kernel, y, out_shape);
}

}  // namespace

TEST_CASE("TRANSPOSE float, every permutation of a 4-D tensor", "[kernels][transpose]") {
  const Dims shape = {1, 7, 5, 3};
  std::mt19937 rng(11);
  const std::vector<float> x = RandomFloats(Count(shape), rng, -5.f, 5.f);
  std::vector<int> perm = {0, 1, 2, 3};
  int tested = 0;
  do {
    std::vector<float> y;
    Dims out;
    REQUIRE(RunTranspose<float>(x, shape, perm, DType::kF32, &y, &out).ok());
    for (int d = 0; d < 4; ++d) CHECK(out[d] == shape[perm[d]]);
    CHECK(y == NaiveTranspose(x, shape, perm));
    ++tested;
  } while (std::next_permutation(perm.begin(), perm.end()));
  CHECK(tested == 24);
}

TEST_CASE("TRANSPOSE other ranks and dtypes", "[kernels][transpose]") {
  std::mt19937 rng(12);
  {  // rank 6, int8 quantized (values pass through)
    const Dims shape = {2, 3, 1, 4, 2, 3};
    const std::vector<int8_t> x = RandomBits<int8_t>(Count(shape), rng);
    const std::vector<int> perm = {5, 3, 0, 4, 2, 1};
    std::vector<int8_t> y;
    Dims out;
    REQUIRE(RunTranspose<int8_t>(x, shape, perm, DType::kI8, &y, &out, QuantSpec::PerTensor(0.1f, 7)).ok());
    CHECK(out == (Dims{3, 4, 2, 2, 1, 3}));
    CHECK(y == NaiveTranspose(x, shape, perm));
  }
  {  // rank 2 uint8 with 17 columns
    const Dims shape = {9, 17};
    const std::vector<uint8_t> x = RandomBits<uint8_t>(Count(shape), rng);
    std::vector<uint8_t> y;
    Dims out;
    REQUIRE(RunTranspose<uint8_t>(x, shape, {1, 0}, DType::kU8, &y, &out).ok());
    CHECK(out == (Dims{17, 9}));
    CHECK(y == NaiveTranspose(x, shape, {1, 0}));
  }
  {  // int64 and int16 (f16 bit patterns) rank 3
    const Dims shape = {3, 5, 2};
    std::vector<int64_t> x(static_cast<size_t>(Count(shape)));
    for (auto& v : x) v = static_cast<int64_t>(rng()) << 20;
    std::vector<int64_t> y;
    Dims out;
    REQUIRE(RunTranspose<int64_t>(x, shape, {2, 0, 1}, DType::kI64, &y, &out).ok());
    CHECK(y == NaiveTranspose(x, shape, {2, 0, 1}));
    const std::vector<uint16_t> h = RandomBits<uint16_t>(Count(shape), rng);
    std::vector<uint16_t> yh;
    REQUIRE(RunTranspose<uint16_t>(h, shape, {1, 2, 0}, DType::kF16, &yh, &out).ok());
    CHECK(out == (Dims{5, 2, 3}));
    CHECK(yh == NaiveTranspose(h, shape, {1, 2, 0}));
  }
  {  // bool, identity permutation of rank 1
    std::vector<uint8_t> b = {1, 0, 0, 1, 1};
    std::vector<uint8_t> y;
    Dims out;
    REQUIRE(RunTranspose<uint8_t>(b, {5}, {0}, DType::kBool, &y, &out).ok());
    CHECK(y == b);
  }
  {  // an empty dimension
    std::vector<float> x;
    std::vector<float> y;
    Dims out;
    REQUIRE(RunTranspose<float>(x, {2, 0, 3}, {2, 1, 0}, DType::kF32, &y, &out).ok());
    CHECK(out == (Dims{3, 0, 2}));
  }
}

TEST_CASE("TRANSPOSE channels last from channels first (short inner dimension, long contiguous rows)",
          "[kernels][transpose]") {
  // NCHW -> NHWC with 3 channels over rows of 37 (two batches, 9 rows each),
  // and a 5 x 40 matrix: the inner output dimension is short and each of its
  // positions reads a contiguous input row.
  std::mt19937 rng(13);
  const Dims nchw = {2, 3, 9, 37};
  const std::vector<float> x = RandomFloats(Count(nchw), rng, -5.f, 5.f);
  std::vector<float> y;
  Dims out;
  REQUIRE(RunTranspose<float>(x, nchw, {0, 2, 3, 1}, DType::kF32, &y, &out).ok());
  CHECK(out == (Dims{2, 9, 37, 3}));
  CHECK(y == NaiveTranspose(x, nchw, {0, 2, 3, 1}));
  const std::vector<int8_t> q = RandomBits<int8_t>(Count(nchw), rng);
  std::vector<int8_t> yq;
  REQUIRE(RunTranspose<int8_t>(q, nchw, {0, 2, 3, 1}, DType::kI8, &yq, &out, QuantSpec::PerTensor(0.1f, 7)).ok());
  CHECK(yq == NaiveTranspose(q, nchw, {0, 2, 3, 1}));
  const Dims m = {5, 40};
  const std::vector<float> xm = RandomFloats(Count(m), rng, -5.f, 5.f);
  REQUIRE(RunTranspose<float>(xm, m, {1, 0}, DType::kF32, &y, &out).ok());
  CHECK(out == (Dims{40, 5}));
  CHECK(y == NaiveTranspose(xm, m, {1, 0}));
}

TEST_CASE("optimized TRANSPOSE splits large copies across threads, with the same bytes", "[kernels][transpose]") {
  // Split by the outermost output dimension longer than 1: image rows
  // (NCHW -> NHWC of one image), images (two of them), and a 3-D case.
  std::mt19937 rng(14);
  struct Case {
    Dims shape;
    std::vector<int> perm;
  };
  const Case cases[] = {{{1, 3, 200, 90}, {0, 2, 3, 1}},
                        {{2, 3, 64, 97}, {0, 2, 3, 1}},
                        {{1, 1, 300, 70}, {0, 1, 3, 2}},
                        {{1, 64, 33, 9}, {0, 3, 1, 2}}};
  for (const Case& c : cases) {
    const std::vector<float> x = RandomFloats(Count(c.shape), rng, -5.f, 5.f);
    const std::vector<int8_t> q = RandomBits<int8_t>(Count(c.shape), rng);
    for (int threads : {1, 2, 3}) {
      INFO(c.shape[0] << "x" << c.shape[1] << "x" << c.shape[2] << "x" << c.shape[3] << " on " << threads);
      std::vector<float> y;
      Dims out;
      REQUIRE(RunTranspose<float>(x, c.shape, c.perm, DType::kF32, &y, &out, {}, opt::Register_TRANSPOSE(), threads)
                  .ok());
      CHECK(y == NaiveTranspose(x, c.shape, c.perm));
      std::vector<int8_t> yq;
      REQUIRE(RunTranspose<int8_t>(q, c.shape, c.perm, DType::kI8, &yq, &out, QuantSpec::PerTensor(0.1f, 7),
                                   opt::Register_TRANSPOSE(), threads)
                  .ok());
      CHECK(yq == NaiveTranspose(q, c.shape, c.perm));
    }
  }
}

TEST_CASE("optimized TRANSPOSE of planar 3-channel images at every ISA level", "[kernels][transpose]") {
  // [N, 3, H, W] -> [N, H, W, 3] of 32-bit values runs the level's x32_zip3
  // microkernel, of 8-bit values its x8_zip3: pixel counts below, at and past
  // their vector widths, with tails of every length, one and two images, 1
  // and 3 threads.
  std::mt19937 rng(15);
  std::vector<Dims> shapes = {{2, 3, 9, 37}, {1, 3, 61, 67}, {2, 3, 50, 41}, {1, 3, 4, 4}};
  for (int32_t w = 1; w <= 33; ++w) shapes.push_back({1, 3, 1, w});  // every tail of 4, 8 and 16 lanes
  for (IsaLevel level : SupportedMicrokernelLevels()) {
    variant_test::ScopedIsa scoped(level);
    for (const Dims& shape : shapes) {
      const std::vector<float> x = RandomFloats(Count(shape), rng, -5.f, 5.f);
      std::vector<int32_t> xi(x.size());
      for (size_t i = 0; i < xi.size(); ++i) xi[i] = static_cast<int32_t>(rng());
      for (int threads : {1, 3}) {
        INFO("ISA " << GetKernelIsa().name << ", " << shape[0] << "x3x" << shape[2] << "x" << shape[3] << " on "
                    << threads);
        std::vector<float> y;
        std::vector<int32_t> yi;
        Dims out;
        REQUIRE(RunTranspose<float>(x, shape, {0, 2, 3, 1}, DType::kF32, &y, &out, {}, opt::Register_TRANSPOSE(),
                                    threads)
                    .ok());
        CHECK(y == NaiveTranspose(x, shape, {0, 2, 3, 1}));
        REQUIRE(RunTranspose<int32_t>(xi, shape, {0, 2, 3, 1}, DType::kI32, &yi, &out, {},
                                      opt::Register_TRANSPOSE(), threads)
                    .ok());
        CHECK(yi == NaiveTranspose(xi, shape, {0, 2, 3, 1}));
        std::vector<uint8_t> xb(x.size()), yb;
        for (size_t i = 0; i < xb.size(); ++i) xb[i] = static_cast<uint8_t>(rng());
        REQUIRE(RunTranspose<uint8_t>(xb, shape, {0, 2, 3, 1}, DType::kU8, &yb, &out, QuantSpec::PerTensor(0.02f, 128),
                                      opt::Register_TRANSPOSE(), threads)
                    .ok());
        CHECK(yb == NaiveTranspose(xb, shape, {0, 2, 3, 1}));
      }
    }
  }
}

TEST_CASE("TRANSPOSE perm given as i64", "[kernels][transpose]") {
  OpTest t(schema::OpType_TRANSPOSE);
  t.Input<float>({2, 3}, {1, 2, 3, 4, 5, 6});
  t.Const<int64_t>({2}, {1, 0});
  t.Output(DType::kF32);
  REQUIRE(t.Run(ref::Register_TRANSPOSE()).ok());
  CHECK(t.OutputData<float>(0) == std::vector<float>{1, 4, 2, 5, 3, 6});
}

TEST_CASE("TRANSPOSE rejects bad permutations", "[kernels][transpose]") {
  const std::vector<float> x(24, 1.f);
  std::vector<float> y;
  Dims out;
  Status st = RunTranspose<float>(x, {2, 3, 4}, {0, 1, 1}, DType::kF32, &y, &out);
  CHECK_FALSE(st.ok());
  CHECK_THAT(st.message(), Catch::Contains("permutation"));
  st = RunTranspose<float>(x, {2, 3, 4}, {0, 1}, DType::kF32, &y, &out);
  CHECK_FALSE(st.ok());
  CHECK_THAT(st.message(), Catch::Contains("rank"));
  st = RunTranspose<float>(x, {2, 3, 4}, {0, 3, 1}, DType::kF32, &y, &out);
  CHECK_FALSE(st.ok());
  CHECK_THAT(st.message(), Catch::Contains("out of range"));
  st = RunTranspose<float>(x, {2, 3, 4}, {0, -1, 1}, DType::kF32, &y, &out);
  CHECK_FALSE(st.ok());
  {
    OpTest t(schema::OpType_TRANSPOSE);
    t.Input<float>({2, 3}, {1, 2, 3, 4, 5, 6});
    t.Input<int32_t>({2}, {1, 0});
    t.Output(DType::kF32);
    st = t.Run(ref::Register_TRANSPOSE());
    CHECK_FALSE(st.ok());
    CHECK_THAT(st.message(), Catch::Contains("constant"));
  }
  {
    OpTest t(schema::OpType_TRANSPOSE);
    t.Input<float>({2, 3}, {1, 2, 3, 4, 5, 6});
    t.Const<int32_t>({2}, {1, 0});
    t.Output(DType::kI8, QuantSpec::PerTensor(1.f, 0));
    st = t.Run(ref::Register_TRANSPOSE());
    CHECK_FALSE(st.ok());
    CHECK_THAT(st.message(), Catch::Contains("dtype"));
  }
}

}  // namespace edgert
