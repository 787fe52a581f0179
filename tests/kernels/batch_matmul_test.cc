// BATCH_MATMUL: the reference and optimized kernels against a naive batched
// matmul written here, with the batch broadcast done by explicit multi-index
// arithmetic (double for float; int64 plus TFLite's fixed-point requantization
// for i8/u8, which must match exactly and be within one step of the real-valued
// result). Every case runs on the reference kernel, the optimized kernel at the
// reference ISA level (its fallback) and at the CPU's best level (its GEMM
// microkernels for f32).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "kernels/optimized/optimized_kernels.h"
#include "kernels/reference/reference_kernels.h"
#include "tests/kernels/conv_test_util.h"
#include "tests/kernels/kernel_test_util.h"
#include "tests/op_test.h"

namespace edgert {
namespace {

using namespace conv_test;  // NOLINT: OpTest and tests/kernels/conv_test_util.h

// Each TEST_CASE using it runs once per kernel variant (reference kernel,
// optimized kernel at the reference ISA level and at the best level), with
// `kernel` the kernel to run and that ISA level active.
#define BMM_KERNELS()                                                                                  \
  const testing::KernelVariant variant = GENERATE(from_range(testing::AllKernelVariants()));           \
  testing::ScopedIsaLevel isa_level(variant.isa);                                                      \
  const OpKernel* kernel = variant.optimized ? opt::Register_BATCH_MATMUL() : ref::Register_BATCH_MATMUL(); \
  INFO(variant.name << ", ISA " << GetKernelIsa().name)

struct BmmCase {
  std::vector<int32_t> x_shape, y_shape;
  bool adj_x, adj_y;
  std::vector<int32_t> want_shape;
};

const std::vector<BmmCase> kCases = {
    {{3, 5}, {5, 4}, false, false, {3, 4}},
    {{2, 3, 5}, {2, 5, 4}, false, false, {2, 3, 4}},
    {{2, 5, 3}, {2, 4, 5}, true, true, {2, 3, 4}},
    {{2, 3, 5}, {2, 4, 5}, false, true, {2, 3, 4}},
    {{2, 5, 3}, {2, 5, 4}, true, false, {2, 3, 4}},
    {{2, 1, 3, 7}, {1, 3, 7, 2}, false, false, {2, 3, 3, 2}},  // both sides broadcast
    {{3, 2, 6}, {6, 5}, false, false, {3, 2, 5}},                // rank-2 rhs broadcast over batch
    {{4, 1}, {2, 3, 1, 5}, false, false, {2, 3, 4, 5}},          // K = 1, rank-2 lhs
    {{1, 1, 17, 3}, {2, 1, 3, 17}, true, true, {2, 1, 3, 3}},
};

// Naive: for each output batch multi-index, map to each input's batch index
// (right-aligned, size-1 dims broadcast) and do the matmul with explicit transposes.
template <typename Acc, typename Term>
std::vector<Acc> Naive(const BmmCase& c, Term term) {
  const auto& xs = c.x_shape;
  const auto& ys = c.y_shape;
  const auto& os = c.want_shape;
  const int orank = static_cast<int>(os.size());
  const int xr = static_cast<int>(xs.size()), yr = static_cast<int>(ys.size());
  const int m = os[orank - 2], n = os[orank - 1];
  const int k = c.adj_x ? xs[xr - 2] : xs[xr - 1];
  size_t batches = 1;
  for (int d = 0; d < orank - 2; ++d) batches *= os[d];
  std::vector<Acc> out;
  for (size_t bi = 0; bi < batches; ++bi) {
    // Multi-index of this output batch.
    std::vector<int> idx(orank - 2);
    size_t rest = bi;
    for (int d = orank - 3; d >= 0; --d) {
      idx[d] = static_cast<int>(rest % os[d]);
      rest /= os[d];
    }
    auto flat = [&](const std::vector<int32_t>& s) {
      const int r = static_cast<int>(s.size());
      size_t off = 0;
      for (int d = 0; d < r - 2; ++d) {
        const int od = d + (orank - r);
        off = off * s[d] + (s[d] == 1 ? 0 : idx[od]);
      }
      return off;
    };
    const size_t xb = flat(xs) * xs[xr - 2] * xs[xr - 1], yb = flat(ys) * ys[yr - 2] * ys[yr - 1];
    for (int i = 0; i < m; ++i)
      for (int j = 0; j < n; ++j) {
        Acc acc = 0;
        for (int p = 0; p < k; ++p) {
          const size_t xi = c.adj_x ? static_cast<size_t>(p) * m + i : static_cast<size_t>(i) * k + p;
          const size_t yi = c.adj_y ? static_cast<size_t>(j) * k + p : static_cast<size_t>(p) * n + j;
          acc += term(xb + xi, yb + yi);
        }
        out.push_back(acc);
      }
  }
  return out;
}

// Runs the float case with `kernel` on `threads` threads (y a constant when
// y_const), checks it against the naive double computation and returns the output.
std::vector<float> RunFloatCase(const OpKernel* kernel, const BmmCase& c, uint32_t seed, int threads = 1,
                                bool y_const = false) {
  std::mt19937 rng(seed);
  const auto x = RandomFloats(rng, Count(c.x_shape));
  const auto y = RandomFloats(rng, Count(c.y_shape));
  OpTest t(schema::OpType_BATCH_MATMUL);
  t.Input<float>(c.x_shape, x);
  if (y_const)
    t.Const<float>(c.y_shape, y);
  else
    t.Input<float>(c.y_shape, y);
  t.Output(DType::kF32);
  t.SetOptions(schema::OpOptions_BatchMatMulOptions,
               schema::CreateBatchMatMulOptions(t.fbb(), c.adj_x, c.adj_y).Union());
  t.SetNumThreads(threads);
  RequireRun(t, kernel);
  REQUIRE(t.OutputShape(0) == ToShape(c.want_shape));
  const auto want = Naive<double>(c, [&](size_t i, size_t j) { return static_cast<double>(x[i]) * y[j]; });
  // Float rounding of a K-term sum grows with the terms' magnitudes.
  const auto magnitude =
      Naive<double>(c, [&](size_t i, size_t j) { return std::fabs(static_cast<double>(x[i]) * y[j]); });
  const auto got = t.OutputData<float>(0);
  REQUIRE(got.size() == want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    INFO("element " << i);
    REQUIRE(std::fabs(got[i] - want[i]) <= 1e-5 + 1e-5 * std::fabs(want[i]) + 2e-6 * magnitude[i]);
  }
  return got;
}

TEST_CASE("BATCH_MATMUL float matches naive batched matmul", "[kernels][batch_matmul]") {
  BMM_KERNELS();
  uint32_t seed = 5;
  for (const BmmCase& c : kCases) {
    INFO("case " << &c - kCases.data());
    RunFloatCase(kernel, c, seed++);
    RunFloatCase(kernel, c, seed++, 1, /*y_const=*/true);
  }
}

// Builds the case op(x)[batch_x..., M, K] * op(y)[batch_y..., K, N].
BmmCase MakeCase(std::vector<int32_t> bx, std::vector<int32_t> by, int m, int n, int k, bool adj_x, bool adj_y) {
  BmmCase c;
  c.adj_x = adj_x;
  c.adj_y = adj_y;
  c.x_shape = bx;
  c.x_shape.push_back(adj_x ? k : m);
  c.x_shape.push_back(adj_x ? m : k);
  c.y_shape = by;
  c.y_shape.push_back(adj_y ? n : k);
  c.y_shape.push_back(adj_y ? k : n);
  // Broadcast batch shape, right-aligned.
  const size_t rank = std::max(bx.size(), by.size());
  for (size_t d = 0; d < rank; ++d) {
    const int dx = d + bx.size() >= rank ? bx[d + bx.size() - rank] : 1;
    const int dy = d + by.size() >= rank ? by[d + by.size() - rank] : 1;
    c.want_shape.push_back(std::max(dx, dy));
  }
  c.want_shape.push_back(m);
  c.want_shape.push_back(n);
  return c;
}

// Tails of the optimized kernel's tiles (4 rows x 16 columns, the 1-row kernel
// for M = 1): M, N, K over 1..37, 64 and 100, all adj_x / adj_y combinations,
// batch dims broadcast on either side, y an activation or (packed in prepare) a constant.
TEST_CASE("BATCH_MATMUL float odd sizes match naive batched matmul", "[kernels][batch_matmul]") {
  BMM_KERNELS();
  const std::vector<std::vector<int32_t>> batches[] = {{{}, {}}, {{2}, {2}}, {{3}, {}}, {{2, 1}, {1, 3}}, {{1}, {2}}};
  uint32_t seed = 2000;
  int index = 0;
  for (int m : {1, 2, 3, 5, 16, 37, 64})
    for (int n : {1, 4, 15, 17, 33, 100})
      for (int k : {1, 3, 16, 37, 100}) {
        const auto& b = batches[index % 5];
        const bool adj_x = (index & 1) != 0, adj_y = (index & 2) != 0;
        ++index;
        const BmmCase c = MakeCase(b[0], b[1], m, n, k, adj_x, adj_y);
        INFO("m " << m << " n " << n << " k " << k << " adj_x " << adj_x << " adj_y " << adj_y << " batch case "
                  << (index - 1) % 5);
        RunFloatCase(kernel, c, seed++, 1, /*y_const=*/index % 3 == 0);
      }
}

// Several threads: batches, and within few batches rows and columns, are split
// across the threads. Outputs must be bit-identical to the one-thread output.
TEST_CASE("BATCH_MATMUL float gives identical results on 1, 2 and 3 threads", "[kernels][batch_matmul]") {
  BMM_KERNELS();
  const std::vector<BmmCase> cases = {
      MakeCase({1, 2}, {1, 2}, 32, 32, 64, false, true),  // attention Q K^T
      MakeCase({1, 2}, {1, 2}, 32, 64, 32, false, false),  // attention A V
      MakeCase({5}, {5}, 37, 45, 64, true, false),
      MakeCase({}, {}, 100, 200, 256, false, false),
      MakeCase({3}, {}, 1, 1000, 300, false, true),
  };
  uint32_t seed = 4000;
  for (const BmmCase& c : cases) {
    INFO("case " << &c - cases.data());
    const std::vector<float> one = RunFloatCase(kernel, c, seed, 1);
    for (int threads : {2, 3}) {
      INFO("threads " << threads);
      const std::vector<float> many = RunFloatCase(kernel, c, seed, threads);
      REQUIRE(many.size() == one.size());
      CHECK(std::memcmp(many.data(), one.data(), one.size() * sizeof(float)) == 0);
    }
    ++seed;
  }
}

template <typename T>
void RunQuant(const OpKernel* kernel, uint32_t seed, int32_t x_zp, int32_t y_zp, int32_t out_zp) {
  std::mt19937 rng(seed);
  const int qmin = std::numeric_limits<T>::min(), qmax = std::numeric_limits<T>::max();
  for (const BmmCase& c : kCases) {
    INFO("case " << &c - kCases.data());
    const int k = c.adj_x ? c.x_shape[c.x_shape.size() - 2] : c.x_shape.back();
    const float xs = 0.02f, ys = 0.03f;
    const float os = static_cast<float>(xs * ys * 60.0 * std::sqrt(k) * 1.2);
    const auto x = RandomInts<T>(rng, Count(c.x_shape), qmin, qmax);
    const auto y = RandomInts<T>(rng, Count(c.y_shape), qmin, qmax);
    OpTest t(schema::OpType_BATCH_MATMUL);
    t.Input<T>(c.x_shape, x, QuantSpec::PerTensor(xs, x_zp));
    t.Const<T>(c.y_shape, y, QuantSpec::PerTensor(ys, y_zp));
    t.Output(DTypeOf<T>::value, QuantSpec::PerTensor(os, out_zp));
    t.SetOptions(schema::OpOptions_BatchMatMulOptions,
                 schema::CreateBatchMatMulOptions(t.fbb(), c.adj_x, c.adj_y).Union());
    RequireRun(t, kernel);
    REQUIRE(t.OutputShape(0) == ToShape(c.want_shape));
    const auto acc = Naive<int64_t>(c, [&](size_t i, size_t j) {
      return static_cast<int64_t>(static_cast<int>(x[i]) - x_zp) * (static_cast<int>(y[j]) - y_zp);
    });
    const auto got = t.OutputData<T>(0);
    REQUIRE(got.size() == acc.size());
    QuantTally tally;
    for (size_t i = 0; i < got.size(); ++i) {
      const int want = NaiveRequantize(acc[i], static_cast<double>(xs) * ys / os, out_zp, qmin, qmax);
      tally.Add(got[i], want, NaiveQuantize(static_cast<double>(xs) * ys * acc[i], os, out_zp, qmin, qmax),
                [&] { return "element " + std::to_string(i); });
    }
    tally.Check();
  }
}

TEST_CASE("BATCH_MATMUL int8 per-tensor", "[kernels][batch_matmul]") {
  BMM_KERNELS();
  RunQuant<int8_t>(kernel, 11, 0, 0, 0);
  RunQuant<int8_t>(kernel, 12, -7, 3, 9);
}

TEST_CASE("BATCH_MATMUL uint8 per-tensor", "[kernels][batch_matmul]") {
  BMM_KERNELS();
  RunQuant<uint8_t>(kernel, 13, 128, 120, 131);
}

TEST_CASE("BATCH_MATMUL small exact example", "[kernels][batch_matmul]") {
  BMM_KERNELS();
  OpTest t(schema::OpType_BATCH_MATMUL);
  t.Input<float>({2, 2}, {1, 2, 3, 4});
  t.Input<float>({2, 2}, {5, 6, 7, 8});
  t.Output(DType::kF32);
  t.SetOptions(schema::OpOptions_BatchMatMulOptions, schema::CreateBatchMatMulOptions(t.fbb(), false, true).Union());
  REQUIRE(t.Run(kernel).ok());
  // x * y^T
  CHECK(t.OutputData<float>(0) == std::vector<float>({17, 23, 39, 53}));
}

Status RunBad(const OpKernel* kernel, const std::vector<int32_t>& xs, const std::vector<int32_t>& ys, bool adj_x,
              bool adj_y, DType ytype = DType::kF32) {
  OpTest t(schema::OpType_BATCH_MATMUL);
  t.Input<float>(xs, std::vector<float>(Count(xs), 1.f));
  if (ytype == DType::kI8)
    t.Input<int8_t>(ys, std::vector<int8_t>(Count(ys), 1), QuantSpec::PerTensor(0.1f, 0));
  else
    t.Input<float>(ys, std::vector<float>(Count(ys), 1.f));
  t.Output(DType::kF32);
  t.SetOptions(schema::OpOptions_BatchMatMulOptions, schema::CreateBatchMatMulOptions(t.fbb(), adj_x, adj_y).Union());
  return t.Run(kernel);
}

TEST_CASE("BATCH_MATMUL rejects bad models with useful messages", "[kernels][batch_matmul]") {
  BMM_KERNELS();
  Status s = RunBad(kernel, {2, 3, 5}, {2, 4, 5}, false, false);
  CHECK(s.code() == StatusCode::kInvalidModel);
  CHECK(Contains(s.message(), "inner"));

  s = RunBad(kernel, {2, 3, 5}, {3, 5, 4}, false, false);
  CHECK(!s.ok());
  CHECK(Contains(s.message(), "broadcast"));

  s = RunBad(kernel, {5}, {5, 4}, false, false);
  CHECK(!s.ok());
  CHECK(Contains(s.message(), "rank"));

  s = RunBad(kernel, {3, 5}, {5, 4}, false, false, DType::kI8);
  CHECK(s.code() == StatusCode::kUnsupported);
  CHECK(Contains(s.message(), "dtype"));
}

TEST_CASE("BATCH_MATMUL int8 requires quantization parameters", "[kernels][batch_matmul]") {
  BMM_KERNELS();
  OpTest t(schema::OpType_BATCH_MATMUL);
  t.Input<int8_t>({2, 2}, {1, 2, 3, 4}, QuantSpec::PerTensor(0.1f, 0));
  t.Input<int8_t>({2, 2}, {1, 2, 3, 4});
  t.Output(DType::kI8, QuantSpec::PerTensor(0.1f, 0));
  t.SetOptions(schema::OpOptions_BatchMatMulOptions, schema::CreateBatchMatMulOptions(t.fbb()).Union());
  const Status s = t.Run(kernel);
  CHECK(s.code() == StatusCode::kInvalidModel);
  CHECK(Contains(s.message(), "quantization"));
}

}  // namespace
}  // namespace edgert
