// MEAN, SUM, REDUCE_MAX, REDUCE_MIN, REDUCE_PROD: compared with naive
// reductions written here, which for every output coordinate enumerate the
// reduced coordinates explicitly (double precision for float). Quantized MEAN
// and SUM are checked exactly against this file's own implementation of
// TFLite's integer QuantizedMeanOrSum (QuantizeMultiplier,
// SaturatingRoundingDoublingHighMul, RoundingDivideByPOT), and within one
// step of the ideal real-valued result (the fixed-point multiplier and the
// folded 1/n legitimately lose a little precision).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <set>
#include <type_traits>
#include <vector>

#include "kernels/optimized/optimized_kernels.h"
#include "kernels/reference/reference_kernels.h"
#include "tests/kernels/kernel_variants.h"
#include "tests/kernels/shape_test_util.h"
#include "tests/op_test.h"

namespace edgert {
namespace {

// Which kernel the running test case uses (EDGERT_KERNEL_VARIANTS).
bool g_optimized = false;

using namespace testing;  // OpTest and the shape test helpers

enum class R { kMean, kSum, kMax, kMin, kProd };

schema::OpType TypeOf(R r) {
  switch (r) {
    case R::kMean: return schema::OpType_MEAN;
    case R::kSum: return schema::OpType_SUM;
    case R::kMax: return schema::OpType_REDUCE_MAX;
    case R::kMin: return schema::OpType_REDUCE_MIN;
    case R::kProd: return schema::OpType_REDUCE_PROD;
  }
  return schema::OpType_MEAN;
}

const OpKernel* KernelOf(R r) {
  switch (r) {
    case R::kMean: return g_optimized ? opt::Register_MEAN() : ref::Register_MEAN();
    case R::kSum: return ref::Register_SUM();
    case R::kMax: return ref::Register_REDUCE_MAX();
    case R::kMin: return ref::Register_REDUCE_MIN();
    case R::kProd: return ref::Register_REDUCE_PROD();
  }
  return nullptr;
}

// Groups of input flat indices, one per output element (in output order), and the output shape.
std::vector<std::vector<int64_t>> Groups(const Dims& shape, const std::vector<int>& axes, bool keep, Dims* out) {
  const int rank = static_cast<int>(shape.size());
  std::set<int> red;
  for (int a : axes) red.insert(a < 0 ? a + rank : a);
  Dims kept;  // output dims without the reduced ones
  out->clear();
  for (int d = 0; d < rank; ++d) {
    if (red.count(d)) {
      if (keep) out->push_back(1);
    } else {
      out->push_back(shape[d]);
      kept.push_back(shape[d]);
    }
  }
  std::vector<std::vector<int64_t>> groups(static_cast<size_t>(Count(kept)));
  for (int64_t k = 0; k < Count(shape); ++k) {
    const std::vector<int64_t> c = Unravel(k, shape);
    int64_t o = 0;  // row-major index over the kept dimensions
    for (int d = 0; d < rank; ++d) {
      if (!red.count(d)) o = o * shape[d] + c[d];
    }
    groups[o].push_back(k);
  }
  return groups;
}

template <typename T>
Status RunReduce(R r, const std::vector<T>& x, const Dims& shape, DType dt, const std::vector<int>& axes, bool keep,
                 std::vector<T>* y, Dims* out, const QuantSpec& qin = {}, const QuantSpec& qout = {},
                 bool axes_i64 = false, bool axes_const = true, DType out_dt = DType::kBF16, int threads = 1) {
  OpTest t(TypeOf(r));
  t.SetNumThreads(threads);
  InputOf(t, dt, shape, x, qin);
  const int32_t n = static_cast<int32_t>(axes.size());
  if (!axes_const)
    t.Input<int32_t>({n}, std::vector<int32_t>(axes.begin(), axes.end()));
  else if (axes_i64)
    t.Const<int64_t>({n}, std::vector<int64_t>(axes.begin(), axes.end()));
  else
    t.Const<int32_t>({n}, std::vector<int32_t>(axes.begin(), axes.end()));
  t.Output(out_dt == DType::kBF16 ? dt : out_dt, qout);
  t.SetOptions(schema::OpOptions_ReduceOptions, schema::CreateReduceOptions(t.fbb(), keep).Union());
  return RunAndFetch(t, KernelOf(r), y, out);
}

// --- TFLite fixed-point arithmetic, written independently for the test ---
void TestQuantizeMultiplier(double m, int32_t* q, int* shift) {
  if (m == 0.0) {
    *q = 0;
    *shift = 0;
    return;
  }
  int e = 0;
  const double f = std::frexp(m, &e);
  int64_t qf = std::llround(f * 2147483648.0);
  if (qf == 2147483648LL) {
    qf /= 2;
    ++e;
  }
  if (e < -31) {
    e = 0;
    qf = 0;
  }
  *q = static_cast<int32_t>(qf);
  *shift = e;
}

int32_t TestHighMul(int32_t a, int32_t b) {
  if (a == INT32_MIN && b == INT32_MIN) return INT32_MAX;
  const int64_t ab = static_cast<int64_t>(a) * b;
  const int64_t nudge = ab >= 0 ? (1LL << 30) : (1 - (1LL << 30));
  return static_cast<int32_t>((ab + nudge) / (1LL << 31));
}

int32_t TestDivPOT(int32_t x, int e) {
  const int32_t mask = static_cast<int32_t>((1LL << e) - 1);
  const int32_t rem = x & mask;
  const int32_t thr = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> e) + (rem > thr ? 1 : 0);
}

int32_t TestMulByQuantized(int32_t x, int32_t q, int shift) {
  const int left = shift > 0 ? shift : 0, right = shift > 0 ? 0 : -shift;
  return TestDivPOT(TestHighMul(x * (1 << left), q), right);
}

// TFLite QuantizedMeanOrSum for one output: sum of the group's quantized values.
int32_t TfliteQuantizedMeanOrSum(int64_t sum, int64_t n, float s_in, int32_t zp_in, float s_out, int32_t zp_out,
                                 bool mean, int32_t qmin, int32_t qmax) {
  int32_t mult;
  int shift;
  TestQuantizeMultiplier(static_cast<double>(s_in) / static_cast<double>(s_out), &mult, &shift);
  if (mean) {
    int k = 0;
    while ((int64_t{1} << (k + 1)) <= n) ++k;
    k = std::min(k, 32);
    k = std::min(k, 31 + shift);
    mult = static_cast<int32_t>((static_cast<int64_t>(mult) << k) / n);
    shift -= k;
  }
  const int32_t shifted = static_cast<int32_t>(sum - zp_in * n);
  const int32_t v = TestMulByQuantized(shifted, mult, shift) + zp_out;
  return std::min(std::max(v, qmin), qmax);
}

const std::vector<std::vector<int>> kAxisSets = {{1, 2}, {-1}, {0, 2, 3}, {}, {1, -3}, {0, 1, 2, 3}, {3, 0}};

}  // namespace

TEST_CASE("MEAN SUM REDUCE_MAX REDUCE_MIN REDUCE_PROD float", "[kernels][mean][sum][reduce_max][reduce_min][reduce_prod]") {
  EDGERT_KERNEL_VARIANTS(g_optimized);
  const Dims shape = {2, 3, 5, 7};
  std::mt19937 rng(101);
  const std::vector<float> x = RandomFloats(Count(shape), rng, -2.f, 2.f);
  const std::vector<float> xp = RandomFloats(Count(shape), rng, 0.7f, 1.3f);  // products near one
  const R ops[] = {R::kMean, R::kSum, R::kMax, R::kMin, R::kProd};
  for (R r : ops) {
    const std::vector<float>& in = r == R::kProd ? xp : x;
    for (const auto& axes : kAxisSets) {
      for (int keep = 0; keep < 2; ++keep) {
        std::vector<float> y;
        Dims out, es;
        const Status st = RunReduce<float>(r, in, shape, DType::kF32, axes, keep != 0, &y, &out, {}, {}, keep == 1);
        INFO("op " << static_cast<int>(r) << " keep " << keep << " axes " << axes.size());
        REQUIRE(st.ok());
        const auto groups = Groups(shape, axes, keep != 0, &es);
        CHECK(out == es);
        REQUIRE(y.size() == groups.size());
        for (size_t o = 0; o < groups.size(); ++o) {
          double acc = r == R::kProd ? 1.0 : 0.0;
          double mx = -1e300, mn = 1e300;
          for (int64_t i : groups[o]) {
            acc = r == R::kProd ? acc * in[i] : acc + in[i];
            mx = std::max<double>(mx, in[i]);
            mn = std::min<double>(mn, in[i]);
          }
          double e = acc;
          if (r == R::kMean) e = acc / static_cast<double>(groups[o].size());
          if (r == R::kMax) e = mx;
          if (r == R::kMin) e = mn;
          if (r == R::kMax || r == R::kMin)
            CHECK(y[o] == static_cast<float>(e));
          else
            CHECK(y[o] == Approx(e).epsilon(1e-5).margin(1e-5));
        }
      }
    }
  }
}

TEST_CASE("MEAN SUM REDUCE_MAX REDUCE_MIN REDUCE_PROD int32", "[kernels][mean][sum][reduce_max][reduce_min][reduce_prod]") {
  EDGERT_KERNEL_VARIANTS(g_optimized);
  const Dims shape = {3, 4, 5};
  std::mt19937 rng(102);
  std::vector<int32_t> x(static_cast<size_t>(Count(shape))), xp(x.size());
  for (auto& v : x) v = static_cast<int32_t>(rng() % 2000001) - 1000000;
  for (auto& v : xp) v = static_cast<int32_t>(rng() % 7) - 3;
  const std::vector<std::vector<int>> axis_sets = {{1}, {0, 2}, {-1, -2, -3}, {2, 2}};
  const R ops[] = {R::kMean, R::kSum, R::kMax, R::kMin, R::kProd};
  for (R r : ops) {
    const std::vector<int32_t>& in = r == R::kProd ? xp : x;
    for (const auto& axes : axis_sets) {
      std::vector<int32_t> y;
      Dims out, es;
      REQUIRE(RunReduce<int32_t>(r, in, shape, DType::kI32, axes, false, &y, &out).ok());
      const auto groups = Groups(shape, axes, false, &es);
      CHECK(out == es);
      for (size_t o = 0; o < groups.size(); ++o) {
        int64_t sum = 0, mx = INT64_MIN, mn = INT64_MAX;
        uint32_t prod = 1;  // modulo 2^32, as int32 multiplication wraps
        for (int64_t i : groups[o]) {
          sum += in[i];
          prod *= static_cast<uint32_t>(in[i]);
          mx = std::max<int64_t>(mx, in[i]);
          mn = std::min<int64_t>(mn, in[i]);
        }
        const int64_t n = static_cast<int64_t>(groups[o].size());
        int64_t e = 0;
        switch (r) {
          case R::kMean: e = sum / n; break;  // C++ division truncates toward zero, like TFLite
          case R::kSum: e = sum; break;
          case R::kMax: e = mx; break;
          case R::kMin: e = mn; break;
          case R::kProd: e = static_cast<int32_t>(prod); break;
        }
        CHECK(y[o] == static_cast<int32_t>(e));
      }
    }
  }
  // SUM and PROD wrap around like int32 arithmetic.
  std::vector<int32_t> y;
  Dims out;
  REQUIRE(RunReduce<int32_t>(R::kSum, {INT32_MAX, 2}, {2}, DType::kI32, {0}, false, &y, &out).ok());
  CHECK(y == std::vector<int32_t>{INT32_MIN + 1});
  REQUIRE(RunReduce<int32_t>(R::kProd, {65536, 65536, 3}, {3}, DType::kI32, {0}, false, &y, &out).ok());
  CHECK(y == std::vector<int32_t>{0});
}

template <typename T>
void CheckQuantizedMeanSum(R r, uint32_t seed, float s_in, int32_t zp_in, float s_out, int32_t zp_out) {
  const Dims shape = {2, 5, 7, 3};
  std::mt19937 rng(seed);
  const std::vector<T> x = RandomBits<T>(Count(shape), rng);
  const int32_t qmin = std::numeric_limits<T>::min(), qmax = std::numeric_limits<T>::max();
  const DType dt = std::is_same<T, int8_t>::value ? DType::kI8 : DType::kU8;
  for (const auto& axes : kAxisSets) {
    for (int keep = 0; keep < 2; ++keep) {
      std::vector<T> y;
      Dims out, es;
      REQUIRE(RunReduce<T>(r, x, shape, dt, axes, keep != 0, &y, &out, QuantSpec::PerTensor(s_in, zp_in),
                           QuantSpec::PerTensor(s_out, zp_out))
                  .ok());
      const auto groups = Groups(shape, axes, keep != 0, &es);
      CHECK(out == es);
      REQUIRE(y.size() == groups.size());
      for (size_t o = 0; o < groups.size(); ++o) {
        int64_t sum = 0;
        for (int64_t i : groups[o]) sum += x[i];
        const int64_t n = static_cast<int64_t>(groups[o].size());
        const int32_t tfl = TfliteQuantizedMeanOrSum(sum, n, s_in, zp_in, s_out, zp_out, r == R::kMean, qmin, qmax);
        CHECK(static_cast<int32_t>(y[o]) == tfl);
        double real = static_cast<double>(s_in) * static_cast<double>(sum - zp_in * n);
        if (r == R::kMean) real /= static_cast<double>(n);
        const double ideal = std::min<double>(std::max<double>(std::round(real / s_out) + zp_out, qmin), qmax);
        CHECK(std::abs(static_cast<double>(y[o]) - ideal) <= 1.0);
      }
    }
  }
}

TEST_CASE("MEAN int8 and uint8 follow TFLite's integer requantization", "[kernels][mean]") {
  EDGERT_KERNEL_VARIANTS(g_optimized);
  CheckQuantizedMeanSum<int8_t>(R::kMean, 103, 0.05f, -3, 0.05f, -3);
  CheckQuantizedMeanSum<int8_t>(R::kMean, 104, 0.05f, 7, 0.02f, -10);
  CheckQuantizedMeanSum<uint8_t>(R::kMean, 105, 0.1f, 128, 0.07f, 120);
  CheckQuantizedMeanSum<uint8_t>(R::kMean, 106, 0.01f, 0, 0.5f, 3);
}

// An image with many channels: the optimized MEAN splits them across threads
// (tiles of 64; 300 channels on 3 threads run as 128, 128 and 44); where the
// level has the block-sum microkernel, each range is summed in blocks of up
// to 256 pixels (460 pixels: 256 + 204).
template <typename T>
void CheckWideMean(const Dims& shape, uint32_t seed, float s_in, int32_t zp_in, float s_out, int32_t zp_out) {
  std::mt19937 rng(seed);
  const std::vector<T> x = RandomBits<T>(Count(shape), rng);
  const size_t pixels = static_cast<size_t>(shape[1]) * shape[2], channels = static_cast<size_t>(shape[3]);
  const DType dtype = std::is_same<T, int8_t>::value ? DType::kI8 : DType::kU8;
  const int32_t qmin = std::numeric_limits<T>::min(), qmax = std::numeric_limits<T>::max();
  // 1, 2 and 3 threads (channel ranges fewer than, as many as and more than the
  // threads), or 1 under emulation (tests/kernels/kernel_variants.h).
  const std::vector<int> thread_counts =
      variant_test::TestThreadCounts().size() == 1 ? std::vector<int>{1} : std::vector<int>{1, 2, 3};
  for (int threads : thread_counts) {
    INFO("threads " << threads << ", " << pixels << " pixels");
    std::vector<T> y;
    Dims out;
    REQUIRE(RunReduce<T>(R::kMean, x, shape, dtype, {1, 2}, true, &y, &out, QuantSpec::PerTensor(s_in, zp_in),
                         QuantSpec::PerTensor(s_out, zp_out), false, true, DType::kBF16, threads)
                .ok());
    REQUIRE(y.size() == static_cast<size_t>(shape[0]) * channels);
    for (size_t o = 0; o < y.size(); ++o) {
      const size_t b = o / channels, c = o % channels;
      int64_t sum = 0;
      for (size_t p = 0; p < pixels; ++p) sum += x[(b * pixels + p) * channels + c];
      INFO("output " << o);
      CHECK(static_cast<int32_t>(y[o]) ==
            TfliteQuantizedMeanOrSum(sum, static_cast<int64_t>(pixels), s_in, zp_in, s_out, zp_out, true, qmin,
                                     qmax));
    }
  }
}

TEST_CASE("MEAN int8 of a wide image is the same on every thread count", "[kernels][mean]") {
  EDGERT_KERNEL_VARIANTS(g_optimized);
  CheckWideMean<int8_t>({2, 12, 12, 300}, 111, 0.05f, 4, 0.03f, -6);
  CheckWideMean<int8_t>({1, 20, 23, 300}, 112, 0.05f, -7, 0.01f, 3);
  CheckWideMean<uint8_t>({1, 20, 23, 300}, 113, 0.02f, 128, 0.01f, 120);
}

TEST_CASE("SUM int8 and uint8 follow TFLite's integer requantization", "[kernels][sum]") {
  CheckQuantizedMeanSum<int8_t>(R::kSum, 107, 0.01f, -3, 0.2f, 0);
  CheckQuantizedMeanSum<uint8_t>(R::kSum, 108, 0.02f, 128, 0.9f, 100);
  CheckQuantizedMeanSum<int8_t>(R::kSum, 109, 0.5f, 0, 0.5f, 0);  // equal params: saturates
}

TEST_CASE("REDUCE_MAX and REDUCE_MIN quantized compare raw values", "[kernels][reduce_max][reduce_min]") {
  const Dims shape = {3, 1, 4, 17};
  std::mt19937 rng(110);
  const std::vector<int8_t> x = RandomBits<int8_t>(Count(shape), rng);
  const std::vector<uint8_t> xu = RandomBits<uint8_t>(Count(shape), rng);
  const QuantSpec q = QuantSpec::PerTensor(0.3f, -5), qu = QuantSpec::PerTensor(0.3f, 140);
  for (R r : {R::kMax, R::kMin}) {
    for (const std::vector<int>& axes : {std::vector<int>{3}, std::vector<int>{0, 2}}) {
      std::vector<int8_t> y;
      std::vector<uint8_t> yu;
      Dims out, es;
      REQUIRE(RunReduce<int8_t>(r, x, shape, DType::kI8, axes, true, &y, &out, q, q).ok());
      REQUIRE(RunReduce<uint8_t>(r, xu, shape, DType::kU8, axes, true, &yu, &out, qu, qu).ok());
      const auto groups = Groups(shape, axes, true, &es);
      CHECK(out == es);
      for (size_t o = 0; o < groups.size(); ++o) {
        int mx = -1000, mn = 1000, mxu = -1, mnu = 1000;
        for (int64_t i : groups[o]) {
          mx = std::max<int>(mx, x[i]);
          mn = std::min<int>(mn, x[i]);
          mxu = std::max<int>(mxu, xu[i]);
          mnu = std::min<int>(mnu, xu[i]);
        }
        CHECK(int(y[o]) == (r == R::kMax ? mx : mn));
        CHECK(int(yu[o]) == (r == R::kMax ? mxu : mnu));
      }
    }
  }
}

TEST_CASE("MEAN SUM REDUCE_PROD of an empty reduction", "[kernels][mean][sum][reduce_prod]") {
  EDGERT_KERNEL_VARIANTS(g_optimized);
  const std::vector<float> x;  // shape [2, 0, 3]
  std::vector<float> y;
  Dims out;
  REQUIRE(RunReduce<float>(R::kMean, x, {2, 0, 3}, DType::kF32, {1}, false, &y, &out).ok());
  CHECK(out == (Dims{2, 3}));
  for (float v : y) CHECK(std::isnan(v));
  REQUIRE(RunReduce<float>(R::kSum, x, {2, 0, 3}, DType::kF32, {1}, false, &y, &out).ok());
  CHECK(y == std::vector<float>(6, 0.f));
  REQUIRE(RunReduce<float>(R::kProd, x, {2, 0, 3}, DType::kF32, {1}, true, &y, &out).ok());
  CHECK(out == (Dims{2, 1, 3}));
  CHECK(y == std::vector<float>(6, 1.f));
}

TEST_CASE("MEAN SUM REDUCE_MAX REDUCE_MIN REDUCE_PROD reject bad inputs", "[kernels][mean][sum][reduce_max][reduce_min][reduce_prod]") {
  EDGERT_KERNEL_VARIANTS(g_optimized);
  const std::vector<float> x(12, 1.f);
  std::vector<float> y;
  Dims out;
  for (R r : {R::kMean, R::kSum, R::kMax, R::kMin, R::kProd}) {
    Status st = RunReduce<float>(r, x, {3, 4}, DType::kF32, {2}, false, &y, &out);
    CHECK_FALSE(st.ok());
    CHECK_THAT(st.message(), Catch::Contains("axis 2"));
    st = RunReduce<float>(r, x, {3, 4}, DType::kF32, {-3}, false, &y, &out);
    CHECK_FALSE(st.ok());
    CHECK_THAT(st.message(), Catch::Contains("out of range"));
    st = RunReduce<float>(r, x, {3, 4}, DType::kF32, {0}, false, &y, &out, {}, {}, false, /*axes_const=*/false);
    CHECK_FALSE(st.ok());
    CHECK_THAT(st.message(), Catch::Contains("constant"));
    st = RunReduce<float>(r, x, {3, 4}, DType::kF32, {0}, false, &y, &out, {}, {}, false, true, DType::kI32);
    CHECK_FALSE(st.ok());
    CHECK_THAT(st.message(), Catch::Contains("dtype"));
  }
  std::vector<int8_t> y8;
  const std::vector<int8_t> x8(12, 1);
  Status st = RunReduce<int8_t>(R::kProd, x8, {3, 4}, DType::kI8, {0}, false, &y8, &out, QuantSpec::PerTensor(1.f, 0),
                                QuantSpec::PerTensor(1.f, 0));
  CHECK_FALSE(st.ok());
  CHECK_THAT(st.message(), Catch::Contains("REDUCE_PROD"));
  st = RunReduce<int8_t>(R::kMax, x8, {3, 4}, DType::kI8, {0}, false, &y8, &out, QuantSpec::PerTensor(1.f, 0),
                         QuantSpec::PerTensor(2.f, 0));
  CHECK_FALSE(st.ok());
  CHECK_THAT(st.message(), Catch::Contains("quantization"));
  st = RunReduce<int8_t>(R::kMean, x8, {3, 4}, DType::kI8, {0}, false, &y8, &out);
  CHECK_FALSE(st.ok());
  CHECK_THAT(st.message(), Catch::Contains("quantized"));
  std::vector<int16_t> y16;
  st = RunReduce<int16_t>(R::kSum, std::vector<int16_t>(12, 1), {3, 4}, DType::kI16, {0}, false, &y16, &out);
  CHECK_FALSE(st.ok());
  CHECK_THAT(st.message(), Catch::Contains("i16"));
}

}  // namespace edgert
