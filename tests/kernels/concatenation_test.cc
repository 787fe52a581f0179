// CONCATENATION: compared with a naive concatenation written here (coordinate
// walk over the output, picking the input that covers the axis position).
// Quantized inputs with other scales are checked two ways: exactly against
// TFLite's ConcatenationWithScaling float formula re-implemented here, and
// within one quantization step of the ideal real-valued requantization.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <type_traits>
#include <vector>

#include "kernels/optimized/optimized_kernels.h"
#include "kernels/reference/reference_kernels.h"
#include "tests/kernels/shape_test_util.h"
#include "tests/kernels/kernel_variants.h"
#include "tests/op_test.h"

namespace edgert {
namespace {

// Every test case runs once per kernel variant (tests/kernels/kernel_variants.h).
bool g_optimized = false;
const OpKernel* ConcatKernel() { return g_optimized ? opt::Register_CONCATENATION() : ref::Register_CONCATENATION(); }

using namespace testing;  // OpTest and the shape test helpers

// Output position -> (input, flat index in that input).
template <typename T>
std::vector<T> NaiveConcat(const std::vector<std::vector<T>>& xs, const std::vector<Dims>& shapes, int axis,
                           Dims* out_shape) {
  *out_shape = shapes[0];
  (*out_shape)[axis] = 0;
  for (auto& s : shapes) (*out_shape)[axis] += s[axis];
  std::vector<T> y;
  for (int64_t k = 0; k < Count(*out_shape); ++k) {
    std::vector<int64_t> c = Unravel(k, *out_shape);
    size_t which = 0;  // the input covering c[axis]; c becomes its coordinate there
    while (c[axis] >= shapes[which][axis]) c[axis] -= shapes[which++][axis];
    y.push_back(xs[which][Ravel(c, shapes[which])]);
  }
  return y;
}

struct QIn {
  float scale;
  int zp;
};

template <typename T>
Status RunConcat(const std::vector<std::vector<T>>& xs, const std::vector<Dims>& shapes, DType dt, int axis,
                 schema::Activation act, std::vector<T>* y, Dims* out, const std::vector<QuantSpec>& qin = {},
                 const QuantSpec& qout = {}) {
  OpTest t(schema::OpType_CONCATENATION);
  for (size_t i = 0; i < xs.size(); ++i) InputOf(t, dt, shapes[i], xs[i], qin.empty() ? QuantSpec{} : qin[i]);
  t.Output(dt, qout);
  t.SetOptions(schema::OpOptions_ConcatenationOptions,
               schema::CreateConcatenationOptions(t.fbb(), axis, act).Union());
  return RunAndFetch(t, ConcatKernel(), y, out);
}

}  // namespace

TEST_CASE("CONCATENATION float along every axis", "[kernels][concatenation]") {
  EDGERT_KERNEL_VARIANTS(g_optimized);
  std::mt19937 rng(51);
  const Dims base = {2, 7, 5, 3};
  for (int axis = -4; axis < 4; ++axis) {
    const int a = axis < 0 ? axis + 4 : axis;
    std::vector<Dims> shapes;
    std::vector<std::vector<float>> xs;
    const int32_t sizes[] = {1, 3, 17};
    for (int32_t s : sizes) {
      Dims d = base;
      d[a] = s;
      shapes.push_back(d);
      xs.push_back(RandomFloats(Count(d), rng, -8.f, 8.f));
    }
    std::vector<float> y;
    Dims out, es;
    REQUIRE(RunConcat<float>(xs, shapes, DType::kF32, axis, schema::Activation_NONE, &y, &out).ok());
    CHECK(y == NaiveConcat(xs, shapes, a, &es));
    CHECK(out == es);
  }
}

// 18 inputs along the channels, 1 to 18 channels each (slices of 4 to 72
// bytes: the optimized kernel's 32- and 16-byte moves, their remainders, and
// inputs past the 16 whose data it lists once per eval).
TEST_CASE("CONCATENATION float of many inputs with varied slice sizes", "[kernels][concatenation]") {
  EDGERT_KERNEL_VARIANTS(g_optimized);
  std::mt19937 rng(57);
  std::vector<Dims> shapes;
  std::vector<std::vector<float>> xs;
  for (int32_t c = 1; c <= 18; ++c) {
    const Dims d = {1, 5, 3, c};
    shapes.push_back(d);
    xs.push_back(RandomFloats(Count(d), rng, -8.f, 8.f));
  }
  std::vector<float> y;
  Dims out, es;
  REQUIRE(RunConcat<float>(xs, shapes, DType::kF32, 3, schema::Activation_NONE, &y, &out).ok());
  CHECK(y == NaiveConcat(xs, shapes, 3, &es));
  CHECK(out == es);
}

TEST_CASE("CONCATENATION float fused activations", "[kernels][concatenation]") {
  EDGERT_KERNEL_VARIANTS(g_optimized);
  std::mt19937 rng(52);
  const std::vector<Dims> shapes = {{3, 4}, {3, 2}};
  const std::vector<std::vector<float>> xs = {RandomFloats(12, rng, -8.f, 8.f), RandomFloats(6, rng, -8.f, 8.f)};
  Dims es;
  const std::vector<float> plain = NaiveConcat(xs, shapes, 1, &es);
  struct Case {
    schema::Activation act;
    float lo, hi;
  };
  const Case cases[] = {{schema::Activation_RELU, 0.f, 1e30f},
                        {schema::Activation_RELU6, 0.f, 6.f},
                        {schema::Activation_RELU_N1_TO_1, -1.f, 1.f}};
  for (const Case& c : cases) {
    std::vector<float> y;
    Dims out;
    REQUIRE(RunConcat<float>(xs, shapes, DType::kF32, -1, c.act, &y, &out).ok());
    REQUIRE(y.size() == plain.size());
    for (size_t i = 0; i < y.size(); ++i) CHECK(y[i] == std::min(std::max(plain[i], c.lo), c.hi));
  }
}

TEST_CASE("CONCATENATION single input and other dtypes", "[kernels][concatenation]") {
  EDGERT_KERNEL_VARIANTS(g_optimized);
  std::mt19937 rng(53);
  {
    const std::vector<Dims> shapes = {{4, 5}};
    const std::vector<std::vector<float>> xs = {RandomFloats(20, rng, -8.f, 8.f)};
    std::vector<float> y;
    Dims out;
    REQUIRE(RunConcat<float>(xs, shapes, DType::kF32, 1, schema::Activation_NONE, &y, &out).ok());
    CHECK(y == xs[0]);
  }
  {
    const std::vector<Dims> shapes = {{2, 3, 2}, {2, 1, 2}, {2, 4, 2}};
    std::vector<std::vector<int64_t>> xs;
    for (auto& s : shapes) {
      std::vector<int64_t> v(static_cast<size_t>(Count(s)));
      for (auto& e : v) e = static_cast<int64_t>(rng()) * 99991;
      xs.push_back(v);
    }
    std::vector<int64_t> y;
    Dims out, es;
    REQUIRE(RunConcat<int64_t>(xs, shapes, DType::kI64, 1, schema::Activation_NONE, &y, &out).ok());
    CHECK(y == NaiveConcat(xs, shapes, 1, &es));
  }
  {
    const std::vector<Dims> shapes = {{3}, {0}, {2}};
    const std::vector<std::vector<uint8_t>> xs = {{1, 0, 1}, {}, {0, 1}};
    std::vector<uint8_t> y;
    Dims out;
    REQUIRE(RunConcat<uint8_t>(xs, shapes, DType::kBool, 0, schema::Activation_NONE, &y, &out).ok());
    CHECK(y == std::vector<uint8_t>{1, 0, 1, 0, 1});
  }
  {
    const std::vector<Dims> shapes = {{2, 2}, {2, 3}};
    std::vector<std::vector<uint16_t>> xs;
    for (const Dims& s : shapes) xs.push_back(RandomBits<uint16_t>(Count(s), rng));
    std::vector<uint16_t> y;
    Dims out, es;
    REQUIRE(RunConcat<uint16_t>(xs, shapes, DType::kF16, 1, schema::Activation_NONE, &y, &out).ok());
    CHECK(y == NaiveConcat(xs, shapes, 1, &es));
  }
}

template <typename T>
void CheckQuantizedConcat(uint32_t seed, DType dt, schema::Activation act) {
  std::mt19937 rng(seed);
  const std::vector<Dims> shapes = {{1, 3, 5, 2}, {1, 3, 5, 3}, {1, 3, 5, 1}};
  const QIn qin[] = {{0.05f, std::is_same<T, int8_t>::value ? -3 : 125},
                     {0.13f, std::is_same<T, int8_t>::value ? 10 : 100},
                     {0.08f, std::is_same<T, int8_t>::value ? 4 : 130}};  // the last equals the output
  const QIn qout = qin[2];
  std::vector<std::vector<T>> xs;
  std::vector<QuantSpec> specs;
  for (size_t i = 0; i < shapes.size(); ++i) {
    xs.push_back(RandomBits<T>(Count(shapes[i]), rng));
    specs.push_back(QuantSpec::PerTensor(qin[i].scale, qin[i].zp));
  }
  std::vector<T> y;
  Dims out;
  REQUIRE(RunConcat<T>(xs, shapes, dt, 3, act, &y, &out, specs, QuantSpec::PerTensor(qout.scale, qout.zp)).ok());
  CHECK(out == (Dims{1, 3, 5, 6}));

  const int qmin = std::numeric_limits<T>::min(), qmax = std::numeric_limits<T>::max();
  int lo = qmin, hi = qmax;
  if (act == schema::Activation_RELU) lo = std::max(qmin, qout.zp);
  // Requantize each input, then concatenate naively.
  std::vector<std::vector<T>> tflite(xs.size()), ideal(xs.size());
  for (size_t i = 0; i < xs.size(); ++i) {
    for (T q : xs[i]) {
      int t_val, i_val;
      if (qin[i].scale == qout.scale && qin[i].zp == qout.zp) {
        t_val = i_val = q;
      } else {
        const float scale = qin[i].scale * (1.f / qout.scale);
        const float bias = -qin[i].zp * scale;
        t_val = static_cast<int>(std::round(q * scale + bias)) + qout.zp;
        const double real = static_cast<double>(qin[i].scale) * (q - qin[i].zp);
        i_val = static_cast<int>(std::lround(real / qout.scale)) + qout.zp;
      }
      tflite[i].push_back(static_cast<T>(std::min(std::max(t_val, lo), hi)));
      ideal[i].push_back(static_cast<T>(std::min(std::max(i_val, lo), hi)));
    }
  }
  Dims es;
  const std::vector<T> expected = NaiveConcat(tflite, shapes, 3, &es);
  const std::vector<T> expected_ideal = NaiveConcat(ideal, shapes, 3, &es);
  CHECK(y == expected);
  for (size_t k = 0; k < y.size(); ++k) CHECK(std::abs(int(y[k]) - int(expected_ideal[k])) <= 1);
}

TEST_CASE("CONCATENATION int8 and uint8 requantize inputs to the output scale", "[kernels][concatenation]") {
  EDGERT_KERNEL_VARIANTS(g_optimized);
  CheckQuantizedConcat<int8_t>(54, DType::kI8, schema::Activation_NONE);
  CheckQuantizedConcat<uint8_t>(55, DType::kU8, schema::Activation_NONE);
  CheckQuantizedConcat<int8_t>(56, DType::kI8, schema::Activation_RELU);
}

TEST_CASE("CONCATENATION int8 with equal quantization copies exactly", "[kernels][concatenation]") {
  EDGERT_KERNEL_VARIANTS(g_optimized);
  std::mt19937 rng(57);
  const std::vector<Dims> shapes = {{2, 3}, {1, 3}};
  std::vector<std::vector<int8_t>> xs;
  for (const Dims& s : shapes) xs.push_back(RandomBits<int8_t>(Count(s), rng));
  const QuantSpec q = QuantSpec::PerTensor(0.3f, -2);
  std::vector<int8_t> y;
  Dims out, es;
  REQUIRE(RunConcat<int8_t>(xs, shapes, DType::kI8, 0, schema::Activation_NONE, &y, &out, {q, q}, q).ok());
  CHECK(y == NaiveConcat(xs, shapes, 0, &es));
}

TEST_CASE("CONCATENATION rejects mismatched inputs", "[kernels][concatenation]") {
  EDGERT_KERNEL_VARIANTS(g_optimized);
  std::mt19937 rng(58);
  std::vector<float> y;
  Dims out;
  const std::vector<std::vector<float>> xs = {RandomFloats(6, rng, -8.f, 8.f), RandomFloats(8, rng, -8.f, 8.f)};
  Status st = RunConcat<float>(xs, {{2, 3}, {2, 4}}, DType::kF32, 0, schema::Activation_NONE, &y, &out);
  CHECK_FALSE(st.ok());
  CHECK_THAT(st.message(), Catch::Contains("dimension 1"));
  st = RunConcat<float>(xs, {{2, 3}, {2, 4}}, DType::kF32, 2, schema::Activation_NONE, &y, &out);
  CHECK_FALSE(st.ok());
  CHECK_THAT(st.message(), Catch::Contains("axis"));
  st = RunConcat<float>(xs, {{2, 3}, {8}}, DType::kF32, 0, schema::Activation_NONE, &y, &out);
  CHECK_FALSE(st.ok());
  CHECK_THAT(st.message(), Catch::Contains("rank"));
  {
    OpTest t(schema::OpType_CONCATENATION);
    t.Input<float>({2}, {1, 2});
    t.Input<int32_t>({2}, {1, 2});
    t.Output(DType::kF32);
    t.SetOptions(schema::OpOptions_ConcatenationOptions, schema::CreateConcatenationOptions(t.fbb(), 0).Union());
    st = t.Run(ConcatKernel());
    CHECK_FALSE(st.ok());
    CHECK_THAT(st.message(), Catch::Contains("dtype"));
  }
  {
    const std::vector<std::vector<int32_t>> xi = {{1, 2}, {3}};
    std::vector<int32_t> yi;
    st = RunConcat<int32_t>(xi, {{2}, {1}}, DType::kI32, 0, schema::Activation_RELU, &yi, &out);
    CHECK_FALSE(st.ok());
    CHECK_THAT(st.message(), Catch::Contains("activation"));
  }
  {
    const std::vector<std::vector<int8_t>> xq = {{1, 2}, {3}};
    std::vector<int8_t> yq;
    st = RunConcat<int8_t>(xq, {{2}, {1}}, DType::kI8, 0, schema::Activation_NONE, &yq, &out,
                           {QuantSpec::PerTensor(1.f, 0), QuantSpec{}}, QuantSpec::PerTensor(1.f, 0));
    CHECK_FALSE(st.ok());
    CHECK_THAT(st.message(), Catch::Contains("quantized"));
  }
}

}  // namespace edgert
