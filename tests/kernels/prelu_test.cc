// PRELU: out = x >= 0 ? x : alpha * x with alpha broadcast against the input.
// Float results are checked exactly against a naive loop; quantized results
// against this file's own implementation of TFLite's two-multiplier
// fixed-point formula (exactly) and against the ideal real result (one step).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "kernels/reference/reference_kernels.h"
#include "tests/op_test.h"

namespace edgert {
namespace {

using testing::OpTest;
using Dims = std::vector<int32_t>;

int64_t Count(const Dims& d) {
  int64_t n = 1;
  for (int32_t v : d) n *= v;
  return n;
}

int64_t BroadcastIndex(const Dims& in, const Dims& out, int64_t i) {
  int64_t idx = 0, stride = 1;
  const int shift = static_cast<int>(out.size() - in.size());
  for (int d = static_cast<int>(out.size()) - 1; d >= 0; --d) {
    const int64_t coord = i % out[d];
    i /= out[d];
    const int id = d - shift;
    if (id < 0) continue;
    if (in[id] != 1) idx += coord * stride;
    stride *= in[id];
  }
  return idx;
}

template <typename T>
std::vector<T> RandomInts(size_t n, int64_t lo, int64_t hi, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int64_t> dist(lo, hi);
  std::vector<T> v(n);
  for (T& x : v) x = static_cast<T>(dist(rng));
  return v;
}

std::vector<float> RandomFloats(size_t n, float lo, float hi, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

// --- this file's own TFLite fixed-point helpers ---
struct Multiplier {
  int32_t m = 0;
  int shift = 0;
};
Multiplier MakeMultiplier(double real) {
  Multiplier r;
  int e = 0;
  const double frac = std::frexp(real, &e);
  int64_t m = std::llround(frac * 2147483648.0);
  if (m == 2147483648LL) {
    m /= 2;
    ++e;
  }
  r.m = static_cast<int32_t>(m);
  r.shift = e;
  return r;
}
int32_t HighMul(int32_t a, int32_t b) {  // round(a*b/2^31), ties toward +inf
  const int64_t ab = static_cast<int64_t>(a) * b;
  const int64_t num = ab + (int64_t{1} << 30), den = int64_t{1} << 31;
  int64_t q = num / den;
  if (num % den != 0 && num < 0) --q;
  return static_cast<int32_t>(q);
}
int32_t ShiftRound(int32_t x, int e) {  // round(x / 2^e), ties away from zero
  if (e == 0) return x;
  const int64_t ax = std::llabs(static_cast<int64_t>(x));
  const int64_t r = (ax + (int64_t{1} << (e - 1))) >> e;
  return static_cast<int32_t>(x < 0 ? -r : r);
}
int32_t ApplyMultiplier(int32_t x, const Multiplier& m) {
  const int left = std::max(m.shift, 0), right = std::max(-m.shift, 0);
  return ShiftRound(HighMul(static_cast<int32_t>(static_cast<int64_t>(x) << left), m.m), right);
}

struct QParams {
  float scale;
  int32_t zp;
};

template <typename T>
void RunQuantizedPrelu(const Dims& in_shape, const Dims& alpha_shape, const Dims& out_shape, QParams qi, QParams qa,
                       QParams qo, uint32_t seed, bool alpha_const) {
  INFO(DTypeName(DTypeOf<T>::value) << " alpha rank " << alpha_shape.size());
  const int64_t lo = std::numeric_limits<T>::min(), hi = std::numeric_limits<T>::max();
  std::vector<T> x = RandomInts<T>(static_cast<size_t>(Count(in_shape)), lo, hi, seed);
  std::vector<T> a = RandomInts<T>(static_cast<size_t>(Count(alpha_shape)), lo, hi, seed + 1);
  OpTest t(schema::OpType_PRELU);
  t.Input<T>(in_shape, x, QuantSpec::PerTensor(qi.scale, qi.zp));
  if (alpha_const)
    t.Const<T>(alpha_shape, a, QuantSpec::PerTensor(qa.scale, qa.zp));
  else
    t.Input<T>(alpha_shape, a, QuantSpec::PerTensor(qa.scale, qa.zp));
  t.Output(DTypeOf<T>::value, QuantSpec::PerTensor(qo.scale, qo.zp));
  const Status st = t.Run(ref::Register_PRELU());
  INFO(st.message());
  REQUIRE(st.ok());
  REQUIRE(t.OutputShape(0) == Shape::FromArray(out_shape.data(), static_cast<int>(out_shape.size())));
  const std::vector<T> got = t.OutputData<T>(0);
  const Multiplier m1 = MakeMultiplier(static_cast<double>(qi.scale) / qo.scale);
  const Multiplier m2 = MakeMultiplier(static_cast<double>(qi.scale) * qa.scale / qo.scale);
  for (int64_t i = 0; i < Count(out_shape); ++i) {
    const int32_t xv = x[BroadcastIndex(in_shape, out_shape, i)] - qi.zp;
    const int32_t av = a[BroadcastIndex(alpha_shape, out_shape, i)] - qa.zp;
    int32_t want = (xv >= 0 ? ApplyMultiplier(xv, m1) : ApplyMultiplier(xv * av, m2)) + qo.zp;
    want = static_cast<int32_t>(std::min<int64_t>(hi, std::max<int64_t>(lo, want)));
    // Ideal real-valued result.
    const double rx = qi.scale * static_cast<double>(xv), ra = qa.scale * static_cast<double>(av);
    const double ry = rx >= 0 ? rx : rx * ra;
    const double ideal = std::min<double>(hi, std::max<double>(lo, std::round(ry / qo.scale) + qo.zp));
    INFO("i=" << i << " xv=" << xv << " av=" << av);
    REQUIRE(static_cast<int32_t>(got[i]) == want);
    REQUIRE(std::abs(static_cast<double>(got[i]) - ideal) <= 1.0);
  }
}

}  // namespace

TEST_CASE("PRELU float32 with alpha broadcast", "[kernels][prelu]") {
  struct Case {
    Dims in, alpha, out;
  };
  const Case cases[] = {
      {{1, 7, 5, 3}, {3}, {1, 7, 5, 3}},        // per-channel alpha
      {{1, 7, 5, 3}, {1, 1, 3}, {1, 7, 5, 3}},  // TFLite's usual [1,1,C]
      {{2, 5, 17}, {5, 1}, {2, 5, 17}},         // alpha along a middle axis
      {{1, 7, 5, 3}, {1, 7, 5, 3}, {1, 7, 5, 3}},
      {{4, 1}, {1, 6}, {4, 6}},                 // both broadcast (output takes the broadcast shape)
      {{9}, {}, {9}},                           // scalar alpha
  };
  uint32_t seed = 1;
  for (const Case& c : cases) {
    std::vector<float> x = RandomFloats(static_cast<size_t>(Count(c.in)), -5.f, 5.f, seed++);
    std::vector<float> a = RandomFloats(static_cast<size_t>(Count(c.alpha)), -1.f, 1.f, seed++);
    x[0] = 0.f;
    x[1 % x.size()] = -0.f;
    OpTest t(schema::OpType_PRELU);
    t.Input<float>(c.in, x);
    t.Const<float>(c.alpha, a);
    t.Output(DType::kF32);
    REQUIRE(t.Run(ref::Register_PRELU()).ok());
    REQUIRE(t.OutputShape(0) == Shape::FromArray(c.out.data(), static_cast<int>(c.out.size())));
    const std::vector<float> y = t.OutputData<float>(0);
    for (int64_t i = 0; i < Count(c.out); ++i) {
      const float xv = x[BroadcastIndex(c.in, c.out, i)], av = a[BroadcastIndex(c.alpha, c.out, i)];
      const float want = xv >= 0.f ? xv : static_cast<float>(static_cast<double>(xv) * av);
      REQUIRE(y[i] == want);
    }
  }
}

TEST_CASE("PRELU int8 and uint8 quantized (TFLite semantics)", "[kernels][prelu]") {
  RunQuantizedPrelu<int8_t>({1, 7, 5, 3}, {3}, {1, 7, 5, 3}, {0.05f, -10}, {0.01f, 3}, {0.04f, -20}, 11, true);
  RunQuantizedPrelu<int8_t>({1, 7, 5, 17}, {1, 1, 17}, {1, 7, 5, 17}, {0.1f, 5}, {0.004f, -7}, {0.08f, 0}, 12, false);
  RunQuantizedPrelu<int8_t>({3, 4}, {}, {3, 4}, {0.02f, 0}, {0.02f, 0}, {0.02f, 0}, 13, true);
  // alpha up to |2|: the alpha part may need a multiplier > 1 relative to the identity part.
  RunQuantizedPrelu<uint8_t>({1, 7, 5, 3}, {3}, {1, 7, 5, 3}, {0.05f, 128}, {0.015f, 128}, {0.1f, 140}, 14, true);
  RunQuantizedPrelu<uint8_t>({2, 5, 1}, {5, 3}, {2, 5, 3}, {0.2f, 100}, {0.01f, 0}, {0.15f, 90}, 15, false);
  // Output scale smaller than the input's: identity multiplier > 1 and saturation.
  RunQuantizedPrelu<int8_t>({1, 3, 3, 3}, {3}, {1, 3, 3, 3}, {0.1f, 0}, {0.01f, 0}, {0.03f, 0}, 16, true);
}

TEST_CASE("PRELU rejects bad inputs with a useful message", "[kernels][prelu]") {
  {
    OpTest t(schema::OpType_PRELU);
    t.Input<float>({1, 4, 4, 3}, std::vector<float>(48, 1.f));
    t.Const<float>({4, 2}, std::vector<float>(8, 0.1f));
    t.Output(DType::kF32);
    const Status st = t.Run(ref::Register_PRELU());
    REQUIRE_FALSE(st.ok());
    CHECK_THAT(st.message(), Catch::Contains("broadcast"));
    CHECK_THAT(st.message(), Catch::Contains("[4,2]"));
  }
  {
    OpTest t(schema::OpType_PRELU);
    t.Input<float>({2, 3}, std::vector<float>(6, 1.f));
    t.Const<int8_t>({3}, std::vector<int8_t>(3, 1), QuantSpec::PerTensor(0.1f, 0));
    t.Output(DType::kF32);
    const Status st = t.Run(ref::Register_PRELU());
    REQUIRE_FALSE(st.ok());
    CHECK_THAT(st.message(), Catch::Contains("alpha"));
    CHECK_THAT(st.message(), Catch::Contains("i8"));
  }
  {
    OpTest t(schema::OpType_PRELU);
    t.Input<int32_t>({2, 3}, std::vector<int32_t>(6, 1));
    t.Const<int32_t>({3}, std::vector<int32_t>(3, 1));
    t.Output(DType::kI32);
    const Status st = t.Run(ref::Register_PRELU());
    REQUIRE_FALSE(st.ok());
    CHECK(st.code() == StatusCode::kUnsupported);
    CHECK_THAT(st.message(), Catch::Contains("i32"));
  }
  {
    OpTest t(schema::OpType_PRELU);
    t.Input<int8_t>({2, 3}, std::vector<int8_t>(6, 1), QuantSpec::PerTensor(0.1f, 0));
    t.Const<int8_t>({3}, std::vector<int8_t>(3, 1));  // alpha without quantization
    t.Output(DType::kI8, QuantSpec::PerTensor(0.1f, 0));
    const Status st = t.Run(ref::Register_PRELU());
    REQUIRE_FALSE(st.ok());
    CHECK_THAT(st.message(), Catch::Contains("quantization"));
  }
  {
    OpTest t(schema::OpType_PRELU);
    t.Input<float>({2, 3}, std::vector<float>(6, 1.f));
    t.Const<float>({3}, std::vector<float>(3, 1.f));
    t.Output(DType::kI8, QuantSpec::PerTensor(0.1f, 0));
    const Status st = t.Run(ref::Register_PRELU());
    REQUIRE_FALSE(st.ok());
    CHECK_THAT(st.message(), Catch::Contains("output"));
  }
}

}  // namespace edgert
