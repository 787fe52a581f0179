// PRELU: out = x >= 0 ? x : alpha * x with alpha broadcast against the input.
// Float results are checked exactly against a naive loop; quantized results
// against the tests' own implementation of TFLite's two-multiplier fixed-point
// formula (tests/kernels/kernel_test_util.h; exactly) and against the ideal
// real result (one step).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "kernels/reference/reference_kernels.h"
#include "tests/kernels/kernel_test_util.h"
#include "tests/op_test.h"

namespace edgert {
namespace {

using namespace testing;  // NOLINT: OpTest and tests/kernels/kernel_test_util.h

template <typename T>
void RunQuantizedPrelu(const Dims& in_shape, const Dims& alpha_shape, const Dims& out_shape, QParams qi, QParams qa,
                       QParams qo, uint32_t seed, bool alpha_const) {
  INFO(DTypeName(DTypeOf<T>::value) << " alpha rank " << alpha_shape.size());
  const int64_t lo = std::numeric_limits<T>::min(), hi = std::numeric_limits<T>::max();
  std::vector<T> x = RandomInts<T>(static_cast<size_t>(Count(in_shape)), lo, hi, seed);
  std::vector<T> a = RandomInts<T>(static_cast<size_t>(Count(alpha_shape)), lo, hi, seed + 1);
  OpTest t(schema::OpType_PRELU);
  t.Input<T>(in_shape, x, PerTensor(qi));
  if (alpha_const)
    t.Const<T>(alpha_shape, a, PerTensor(qa));
  else
    t.Input<T>(alpha_shape, a, PerTensor(qa));
  t.Output(DTypeOf<T>::value, PerTensor(qo));
  const std::vector<T> got = RunAndGetOutput<T>(t, ref::Register_PRELU(), out_shape);
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
    const int32_t ideal = QuantizeRef<T>(ry, qo.scale, qo.zp);
    INFO("i=" << i << " xv=" << xv << " av=" << av);
    REQUIRE(static_cast<int32_t>(got[i]) == want);
    REQUIRE(std::abs(static_cast<int32_t>(got[i]) - ideal) <= 1);
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
    const std::vector<float> y = RunAndGetOutput<float>(t, ref::Register_PRELU(), c.out);
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
