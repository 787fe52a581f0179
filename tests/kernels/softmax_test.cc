// SOFTMAX: f32, i8 and u8 against a naive double-precision softmax along any axis.
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

// Naive softmax of real values along `axis` (already non-negative), in double.
std::vector<double> NaiveSoftmax(const std::vector<double>& x, const std::vector<int32_t>& shape, int axis,
                                 double beta) {
  size_t outer = 1, inner = 1;
  for (int i = 0; i < axis; ++i) outer *= shape[i];
  for (size_t i = axis + 1; i < shape.size(); ++i) inner *= shape[i];
  const size_t n = shape[axis];
  std::vector<double> y(x.size());
  for (size_t o = 0; o < outer; ++o) {
    for (size_t i = 0; i < inner; ++i) {
      auto at = [&](size_t k) { return (o * n + k) * inner + i; };
      double m = -std::numeric_limits<double>::infinity();
      for (size_t k = 0; k < n; ++k) m = std::max(m, beta * x[at(k)]);
      double sum = 0;
      for (size_t k = 0; k < n; ++k) sum += std::exp(beta * x[at(k)] - m);
      for (size_t k = 0; k < n; ++k) y[at(k)] = std::exp(beta * x[at(k)] - m) / sum;
    }
  }
  return y;
}

void SetSoftmaxOptions(OpTest& t, float beta, int axis) {
  t.SetOptions(schema::OpOptions_SoftmaxOptions, schema::CreateSoftmaxOptions(t.fbb(), beta, axis).Union());
}

std::vector<float> RunFloat(const std::vector<int32_t>& shape, const std::vector<float>& x, float beta, int axis) {
  OpTest t(schema::OpType_SOFTMAX);
  t.Input<float>(shape, x);
  t.Output(DType::kF32);
  SetSoftmaxOptions(t, beta, axis);
  return RunAndGetOutput<float>(t, ref::Register_SOFTMAX(), shape);
}

void CheckFloat(const std::vector<int32_t>& shape, const std::vector<float>& x, float beta, int axis) {
  INFO("beta " << beta << " axis " << axis);
  const std::vector<float> y = RunFloat(shape, x, beta, axis);
  const int a = axis < 0 ? axis + static_cast<int>(shape.size()) : axis;
  const std::vector<double> want = NaiveSoftmax(std::vector<double>(x.begin(), x.end()), shape, a, beta);
  ExpectClose(y, want, /*rtol=*/1e-5, /*atol=*/1e-6);  // want >= 0
}

// Quantized: the kernel sums float table entries and rounds in float, the naive version
// is double arithmetic followed by round half away from zero, so results may differ by 1
// step, but only where the exact value lies within 0.01 step of a rounding boundary;
// everywhere else they must agree exactly (CheckQuantAgainstReal).
template <typename T>
void CheckQuant(const std::vector<int32_t>& shape, float beta, int axis, float in_scale, int32_t in_zp,
                float out_scale, int32_t out_zp, uint32_t seed) {
  INFO("beta " << beta << " axis " << axis << " in " << in_scale << "/" << in_zp << " out " << out_scale << "/"
                << out_zp);
  const std::vector<T> x = RandomInts<T>(static_cast<size_t>(Count(shape)), seed);
  OpTest t(schema::OpType_SOFTMAX);
  t.Input<T>(shape, x, QuantSpec::PerTensor(in_scale, in_zp));
  t.Output(DTypeOf<T>::value, QuantSpec::PerTensor(out_scale, out_zp));
  SetSoftmaxOptions(t, beta, axis);
  const std::vector<T> y = RunAndGetOutput<T>(t, ref::Register_SOFTMAX(), shape);

  const int a = axis < 0 ? axis + static_cast<int>(shape.size()) : axis;
  const std::vector<double> p = NaiveSoftmax(DequantizeRef(x, in_scale, in_zp), shape, a, beta);
  CheckQuantAgainstReal(y, p, out_scale, out_zp);
}

TEST_CASE("SOFTMAX f32 along the last axis", "[kernels][softmax]") {
  CheckFloat({3, 7, 5}, RandomFloats(105, -6, 6, 1), 1.f, -1);
  CheckFloat({1, 17}, RandomFloats(17, -6, 6, 2), 0.5f, -1);
  CheckFloat({5}, RandomFloats(5, -3, 3, 3), 2.f, 0);
  CheckFloat({4, 1}, RandomFloats(4, -3, 3, 4), 1.f, -1);  // a single element per row: 1
}

TEST_CASE("SOFTMAX f32 rows sum to one", "[kernels][softmax]") {
  const std::vector<float> y = RunFloat({6, 33}, RandomFloats(6 * 33, -10, 10, 5), 1.f, -1);
  for (int r = 0; r < 6; ++r) {
    double sum = 0;
    for (int k = 0; k < 33; ++k) sum += y[r * 33 + k];
    CHECK(sum == Approx(1.0).epsilon(1e-5));
  }
}

TEST_CASE("SOFTMAX f32 along inner and outer axes", "[kernels][softmax]") {
  const std::vector<float> x = RandomFloats(2 * 5 * 3 * 4, -4, 4, 6);
  CheckFloat({2, 5, 3, 4}, x, 1.f, 1);
  CheckFloat({2, 5, 3, 4}, x, 1.f, -3);
  CheckFloat({2, 5, 3, 4}, x, 0.8f, 0);
  CheckFloat({2, 5, 3, 4}, x, 1.3f, 2);
  // Axis 1 and axis -3 are the same axis.
  CHECK(RunFloat({2, 5, 3, 4}, x, 1.f, 1) == RunFloat({2, 5, 3, 4}, x, 1.f, -3));
}

TEST_CASE("SOFTMAX f32 is stable for large inputs", "[kernels][softmax]") {
  const std::vector<float> x = {1000.f, 999.f, -1000.f, 998.5f, 3e4f, 3e4f, -3e4f, 0.f};
  const std::vector<float> y = RunFloat({2, 4}, x, 1.f, -1);
  for (float v : y) CHECK(std::isfinite(v));
  CheckFloat({2, 4}, x, 1.f, -1);
  CHECK(y[4] == Approx(0.5));
  CHECK(y[6] == 0.f);
}

TEST_CASE("SOFTMAX f32 with negative and zero beta", "[kernels][softmax]") {
  const std::vector<float> x = RandomFloats(3 * 9, -5, 5, 7);
  CheckFloat({3, 9}, x, -0.7f, -1);
  const std::vector<float> y = RunFloat({3, 9}, x, 0.f, -1);
  for (float v : y) CHECK(v == Approx(1.0 / 9));
}

TEST_CASE("SOFTMAX i8 with TFLite's output quantization", "[kernels][softmax]") {
  // Output scale 1/256, zero point -128.
  CheckQuant<int8_t>({4, 17}, 1.f, -1, 0.1f, 5, 1.f / 256, -128, 11);
  CheckQuant<int8_t>({2, 9, 3}, 1.f, 1, 0.05f, -20, 1.f / 256, -128, 12);
  CheckQuant<int8_t>({3, 5, 7}, 0.6f, -1, 0.2f, 0, 1.f / 256, -128, 13);
  CheckQuant<int8_t>({7, 64}, 1.f, -1, 0.03f, 0, 1.f / 256, -128, 14);
}

TEST_CASE("SOFTMAX u8 with TFLite's output quantization", "[kernels][softmax]") {
  // Output scale 1/256, zero point 0.
  CheckQuant<uint8_t>({4, 17}, 1.f, -1, 0.1f, 128, 1.f / 256, 0, 21);
  CheckQuant<uint8_t>({3, 5, 7}, 1.f, 0, 0.07f, 100, 1.f / 256, 0, 22);
  CheckQuant<uint8_t>({5, 11}, 1.5f, -1, 0.02f, 128, 1.f / 256, 0, 23);
}

TEST_CASE("SOFTMAX i8 and u8 with other output quantization and beta", "[kernels][softmax]") {
  CheckQuant<int8_t>({5, 13}, 2.f, -1, 0.04f, 10, 1.f / 100, -50, 31);
  CheckQuant<int8_t>({6, 3, 2}, -0.5f, 1, 0.1f, 0, 1.f / 200, -100, 32);
  CheckQuant<uint8_t>({4, 6, 5}, 1.f, 2, 0.05f, 128, 0.005f, 10, 33);
}

TEST_CASE("SOFTMAX i8 gives 1 to the dominant element", "[kernels][softmax]") {
  OpTest t(schema::OpType_SOFTMAX);
  t.Input<int8_t>({1, 4}, {127, -128, -128, -128}, QuantSpec::PerTensor(0.5f, 0));
  t.Output(DType::kI8, QuantSpec::PerTensor(1.f / 256, -128));
  SetSoftmaxOptions(t, 1.f, -1);
  REQUIRE(t.Run(ref::Register_SOFTMAX()).ok());
  // 1.0 saturates at 127 (255/256), the others are 0 -> -128.
  CHECK(t.OutputData<int8_t>(0) == std::vector<int8_t>({127, -128, -128, -128}));
}

TEST_CASE("SOFTMAX rejects an axis out of range", "[kernels][softmax]") {
  OpTest t(schema::OpType_SOFTMAX);
  t.Input<float>({2, 3, 4}, RandomFloats(24, -1, 1, 41));
  t.Output(DType::kF32);
  SetSoftmaxOptions(t, 1.f, 3);
  const Status s = t.Run(ref::Register_SOFTMAX());
  REQUIRE_FALSE(s.ok());
  CHECK_THAT(s.message(), Catch::Contains("axis 3") && Catch::Contains("rank 3"));
}

TEST_CASE("SOFTMAX rejects a non-finite beta", "[kernels][softmax]") {
  OpTest t(schema::OpType_SOFTMAX);
  t.Input<float>({2, 3}, RandomFloats(6, -1, 1, 42));
  t.Output(DType::kF32);
  SetSoftmaxOptions(t, std::numeric_limits<float>::quiet_NaN(), -1);
  const Status s = t.Run(ref::Register_SOFTMAX());
  REQUIRE_FALSE(s.ok());
  CHECK_THAT(s.message(), Catch::Contains("beta"));
}

TEST_CASE("SOFTMAX rejects a scalar input", "[kernels][softmax]") {
  OpTest t(schema::OpType_SOFTMAX);
  t.Input<float>({}, {1.f});
  t.Output(DType::kF32);
  SetSoftmaxOptions(t, 1.f, -1);
  const Status s = t.Run(ref::Register_SOFTMAX());
  REQUIRE_FALSE(s.ok());
  CHECK_THAT(s.message(), Catch::Contains("rank"));
}

TEST_CASE("SOFTMAX rejects unsupported dtypes and missing quantization", "[kernels][softmax]") {
  {
    OpTest t(schema::OpType_SOFTMAX);
    t.Input<int32_t>({2, 3}, {1, 2, 3, 4, 5, 6});
    t.Output(DType::kI32);
    SetSoftmaxOptions(t, 1.f, -1);
    const Status s = t.Run(ref::Register_SOFTMAX());
    REQUIRE_FALSE(s.ok());
    CHECK(s.code() == StatusCode::kUnsupported);
    CHECK_THAT(s.message(), Catch::Contains("i32"));
  }
  {
    OpTest t(schema::OpType_SOFTMAX);
    t.Input<int8_t>({2, 3}, {1, 2, 3, 4, 5, 6}, QuantSpec::PerTensor(0.1f, 0));
    t.Output(DType::kI8);
    SetSoftmaxOptions(t, 1.f, -1);
    const Status s = t.Run(ref::Register_SOFTMAX());
    REQUIRE_FALSE(s.ok());
    CHECK_THAT(s.message(), Catch::Contains("out0") && Catch::Contains("quantization"));
  }
  {
    OpTest t(schema::OpType_SOFTMAX);
    t.Input<float>({2, 3}, RandomFloats(6, -1, 1, 43));
    t.Output(DType::kU8, QuantSpec::PerTensor(1.f / 256, 0));
    SetSoftmaxOptions(t, 1.f, -1);
    const Status s = t.Run(ref::Register_SOFTMAX());
    REQUIRE_FALSE(s.ok());
    CHECK_THAT(s.message(), Catch::Contains("u8") && Catch::Contains("f32"));
  }
}

}  // namespace
}  // namespace edgert
