// LAYER_NORM: f32 and i8/u8 (through float) against a naive double-precision layer norm.
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

struct Affine {
  std::vector<int32_t> shape;
  std::vector<float> values;  // empty: omitted
};

std::vector<double> NaiveLayerNorm(const std::vector<double>& x, const std::vector<int32_t>& shape, int axis,
                                   double eps, const Affine& gamma, const Affine& beta) {
  const std::vector<int32_t> norm(shape.begin() + axis, shape.end());
  const size_t count = static_cast<size_t>(Count(norm)), outer = x.size() / count;
  std::vector<double> y(x.size());
  for (size_t o = 0; o < outer; ++o) {
    double sum = 0, sum_sq = 0;
    for (size_t k = 0; k < count; ++k) sum += x[o * count + k];
    const double mean = sum / count;
    for (size_t k = 0; k < count; ++k) sum_sq += (x[o * count + k] - mean) * (x[o * count + k] - mean);
    const double var = sum_sq / count;
    for (size_t k = 0; k < count; ++k) {
      double v = (x[o * count + k] - mean) / std::sqrt(var + eps);
      // gamma and beta broadcast against the normalized dims (numpy rules).
      if (!gamma.values.empty()) v *= gamma.values[BroadcastIndex(gamma.shape, norm, static_cast<int64_t>(k))];
      if (!beta.values.empty()) v += beta.values[BroadcastIndex(beta.shape, norm, static_cast<int64_t>(k))];
      y[o * count + k] = v;
    }
  }
  return y;
}

void SetOptions(OpTest& t, int axis, float epsilon) {
  t.SetOptions(schema::OpOptions_LayerNormOptions, schema::CreateLayerNormOptions(t.fbb(), axis, epsilon).Union());
}

// Adds gamma and beta as constants (or graph inputs when as_inputs), or omits them.
void AddAffine(OpTest& t, const Affine& gamma, const Affine& beta, bool as_inputs) {
  for (const Affine* a : {&gamma, &beta}) {
    if (a->values.empty()) {
      t.OmitInput();
    } else if (as_inputs) {
      t.Input<float>(a->shape, a->values);
    } else {
      t.Const<float>(a->shape, a->values);
    }
  }
}

void CheckFloat(const std::vector<int32_t>& shape, int axis, float eps, const Affine& gamma, const Affine& beta,
                uint32_t seed, bool affine_as_inputs = false) {
  INFO("axis " << axis << " eps " << eps << " gamma rank " << gamma.shape.size() << " beta rank "
                << beta.shape.size());
  const std::vector<float> x = RandomFloats(static_cast<size_t>(Count(shape)), -3, 5, seed);
  OpTest t(schema::OpType_LAYER_NORM);
  t.Input<float>(shape, x);
  AddAffine(t, gamma, beta, affine_as_inputs);
  t.Output(DType::kF32);
  SetOptions(t, axis, eps);
  const std::vector<float> y = RunAndGetOutput<float>(t, ref::Register_LAYER_NORM(), shape);
  const int a = axis < 0 ? axis + static_cast<int>(shape.size()) : axis;
  const std::vector<double> want = NaiveLayerNorm(std::vector<double>(x.begin(), x.end()), shape, a, eps, gamma, beta);
  ExpectClose(y, want, /*rtol=*/1e-5, /*atol=*/1e-5);
}

TEST_CASE("LAYER_NORM f32 over the last axis with gamma and beta", "[kernels][layer_norm]") {
  const Affine gamma{{5}, RandomFloats(5, 0.5f, 2, 1)};
  const Affine beta{{5}, RandomFloats(5, -1, 1, 2)};
  CheckFloat({2, 7, 5}, -1, 1e-5f, gamma, beta, 3);
  CheckFloat({2, 7, 5}, 2, 1e-5f, gamma, beta, 4);
  const Affine gamma17{{17}, RandomFloats(17, -2, 2, 5)};
  const Affine beta17{{17}, RandomFloats(17, -1, 1, 6)};
  CheckFloat({3, 17}, -1, 1e-3f, gamma17, beta17, 7);
  CheckFloat({17}, 0, 1e-5f, gamma17, beta17, 8);
}

TEST_CASE("LAYER_NORM f32 over several axes with broadcast gamma and beta", "[kernels][layer_norm]") {
  // Data [3, 4, 5], normalized dims [4, 5].
  CheckFloat({3, 4, 5}, 1, 1e-5f, Affine{{4, 5}, RandomFloats(20, 0.5f, 2, 11)}, Affine{{4, 5}, RandomFloats(20, -1, 1, 12)}, 13);
  CheckFloat({3, 4, 5}, -2, 1e-5f, Affine{{4, 1}, RandomFloats(4, 0.5f, 2, 14)}, Affine{{5}, RandomFloats(5, -1, 1, 15)}, 16);
  // Extra leading dims of size 1 and a scalar.
  CheckFloat({3, 4, 5}, 1, 1e-5f, Affine{{1, 1, 4, 5}, RandomFloats(20, 0.5f, 2, 17)}, Affine{{}, {0.25f}}, 18);
  // Normalizing everything ([1, 7, 5, 3], axis 0) with a per-channel gamma.
  CheckFloat({1, 7, 5, 3}, 0, 1e-5f, Affine{{3}, {0.5f, 1.5f, -2.f}}, Affine{{1, 5, 1}, RandomFloats(5, -1, 1, 19)}, 20);
  // gamma and beta fed at run time rather than constant.
  CheckFloat({2, 6, 4}, -1, 1e-5f, Affine{{4}, RandomFloats(4, 0.5f, 2, 21)}, Affine{{1, 4}, RandomFloats(4, -1, 1, 22)}, 23,
             /*affine_as_inputs=*/true);
}

TEST_CASE("LAYER_NORM f32 with gamma or beta omitted", "[kernels][layer_norm]") {
  CheckFloat({4, 9}, -1, 1e-5f, Affine{}, Affine{}, 31);
  CheckFloat({4, 9}, -1, 1e-5f, Affine{}, Affine{{9}, RandomFloats(9, -1, 1, 32)}, 33);
  CheckFloat({4, 9}, -1, 1e-5f, Affine{{9}, RandomFloats(9, -1, 1, 34)}, Affine{}, 35);

  // Data only (one input): each row has mean 0 and variance ~1.
  const std::vector<float> x = RandomFloats(4 * 9, -3, 5, 36);
  OpTest t(schema::OpType_LAYER_NORM);
  t.Input<float>({4, 9}, x);
  t.Output(DType::kF32);
  SetOptions(t, -1, 0.f);
  REQUIRE(t.Run(ref::Register_LAYER_NORM()).ok());
  const std::vector<float> y = t.OutputData<float>(0);
  for (int r = 0; r < 4; ++r) {
    double sum = 0, sum_sq = 0;
    for (int k = 0; k < 9; ++k) {
      sum += y[r * 9 + k];
      sum_sq += double(y[r * 9 + k]) * y[r * 9 + k];
    }
    CHECK(std::fabs(sum / 9) < 1e-6);
    CHECK(sum_sq / 9 == Approx(1.0).epsilon(1e-5));
  }
}

TEST_CASE("LAYER_NORM f32 epsilon", "[kernels][layer_norm]") {
  // A constant row normalizes to 0, leaving beta.
  OpTest t(schema::OpType_LAYER_NORM);
  t.Input<float>({2, 3}, {4.f, 4.f, 4.f, 1.f, 2.f, 3.f});
  t.Const<float>({3}, {2.f, 2.f, 2.f});
  t.Const<float>({3}, {0.5f, -1.f, 7.f});
  t.Output(DType::kF32);
  SetOptions(t, -1, 1e-5f);
  REQUIRE(t.Run(ref::Register_LAYER_NORM()).ok());
  const std::vector<float> y = t.OutputData<float>(0);
  CHECK(y[0] == 0.5f);
  CHECK(y[1] == -1.f);
  CHECK(y[2] == 7.f);
  // Row 2: mean 2, variance 2/3.
  const double inv = 1 / std::sqrt(2.0 / 3 + 1e-5);
  CHECK(y[3] == Approx(-2 * inv + 0.5));
  CHECK(y[4] == Approx(-1.0));
  CHECK(y[5] == Approx(2 * inv + 7));
  // A large epsilon is honoured (the naive reference uses it too).
  CheckFloat({3, 8}, -1, 10.f, Affine{}, Affine{}, 41);
}

// i8/u8 go through float: dequantize, normalize, quantize with round half away from zero.
// The kernel multiplies by 1/sqrt(var + eps) where this divides by sqrt(var + eps), so a
// result may differ by 1 step, but only within 0.01 step of a rounding boundary; everywhere
// else they must agree exactly (CheckQuantAgainstReal).
template <typename T>
void CheckQuant(const std::vector<int32_t>& shape, int axis, float in_scale, int32_t in_zp, float out_scale,
                int32_t out_zp, const Affine& gamma, const Affine& beta, uint32_t seed) {
  INFO("axis " << axis << " in " << in_scale << "/" << in_zp << " out " << out_scale << "/" << out_zp);
  const std::vector<T> x = RandomInts<T>(static_cast<size_t>(Count(shape)), seed);
  OpTest t(schema::OpType_LAYER_NORM);
  t.Input<T>(shape, x, QuantSpec::PerTensor(in_scale, in_zp));
  AddAffine(t, gamma, beta, false);
  t.Output(DTypeOf<T>::value, QuantSpec::PerTensor(out_scale, out_zp));
  SetOptions(t, axis, 1e-5f);
  const std::vector<T> y = RunAndGetOutput<T>(t, ref::Register_LAYER_NORM(), shape);
  const int a = axis < 0 ? axis + static_cast<int>(shape.size()) : axis;
  const std::vector<double> want = NaiveLayerNorm(DequantizeRef(x, in_scale, in_zp), shape, a, 1e-5, gamma, beta);
  const size_t saturated = CheckQuantAgainstReal(y, want, out_scale, out_zp);
  CHECK(saturated * 10 <= y.size());  // the scales keep most results in range
}

TEST_CASE("LAYER_NORM i8 and u8 through float", "[kernels][layer_norm]") {
  const Affine gamma{{17}, RandomFloats(17, 0.5f, 1.5f, 51)};
  const Affine beta{{17}, RandomFloats(17, -0.5f, 0.5f, 52)};
  CheckQuant<int8_t>({2, 3, 17}, -1, 0.05f, -3, 0.02f, 5, gamma, beta, 53);
  CheckQuant<uint8_t>({2, 3, 17}, -1, 0.1f, 120, 0.015f, 128, gamma, beta, 54);
  CheckQuant<int8_t>({4, 3, 5}, 1, 0.2f, 0, 0.025f, 0, Affine{{3, 1}, {1.f, 0.5f, 1.25f}}, Affine{}, 55);
  CheckQuant<uint8_t>({6, 10}, -1, 0.03f, 0, 0.02f, 128, Affine{}, Affine{}, 56);
}

// ---------------------------------------------------------------- bad input

Status RunBad(const std::vector<int32_t>& shape, int axis, float eps, const Affine& gamma, const Affine& beta) {
  OpTest t(schema::OpType_LAYER_NORM);
  t.Input<float>(shape, std::vector<float>(static_cast<size_t>(Count(shape)), 1.f));
  AddAffine(t, gamma, beta, false);
  t.Output(DType::kF32);
  SetOptions(t, axis, eps);
  return t.Run(ref::Register_LAYER_NORM());
}

TEST_CASE("LAYER_NORM rejects gamma and beta that do not broadcast", "[kernels][layer_norm]") {
  Status s = RunBad({2, 3, 5}, -1, 1e-5f, Affine{{4}, std::vector<float>(4, 1.f)}, Affine{});
  REQUIRE_FALSE(s.ok());
  CHECK_THAT(s.message(), Catch::Contains("gamma") && Catch::Contains("[4]") && Catch::Contains("[5]"));
  // [3, 5] is not within the normalized dims [5] (axis -1).
  s = RunBad({2, 3, 5}, -1, 1e-5f, Affine{}, Affine{{3, 5}, std::vector<float>(15, 1.f)});
  REQUIRE_FALSE(s.ok());
  CHECK_THAT(s.message(), Catch::Contains("beta") && Catch::Contains("broadcast"));
}

TEST_CASE("LAYER_NORM rejects a bad axis or epsilon", "[kernels][layer_norm]") {
  Status s = RunBad({2, 3, 5}, 3, 1e-5f, Affine{}, Affine{});
  REQUIRE_FALSE(s.ok());
  CHECK_THAT(s.message(), Catch::Contains("axis 3"));
  s = RunBad({2, 3, 5}, -4, 1e-5f, Affine{}, Affine{});
  REQUIRE_FALSE(s.ok());
  CHECK_THAT(s.message(), Catch::Contains("axis -4"));
  s = RunBad({2, 3, 5}, -1, -1.f, Affine{}, Affine{});
  REQUIRE_FALSE(s.ok());
  CHECK_THAT(s.message(), Catch::Contains("epsilon"));
}

TEST_CASE("LAYER_NORM rejects unsupported dtypes", "[kernels][layer_norm]") {
  {
    OpTest t(schema::OpType_LAYER_NORM);
    t.Input<float>({2, 4}, std::vector<float>(8, 1.f));
    t.Const<int8_t>({4}, {1, 2, 3, 4}, QuantSpec::PerTensor(0.1f, 0));
    t.Output(DType::kF32);
    SetOptions(t, -1, 1e-5f);
    const Status s = t.Run(ref::Register_LAYER_NORM());
    REQUIRE_FALSE(s.ok());
    CHECK(s.code() == StatusCode::kUnsupported);
    CHECK_THAT(s.message(), Catch::Contains("gamma") && Catch::Contains("i8"));
  }
  {
    OpTest t(schema::OpType_LAYER_NORM);
    t.Input<int32_t>({2, 4}, std::vector<int32_t>(8, 1));
    t.Output(DType::kI32);
    SetOptions(t, -1, 1e-5f);
    const Status s = t.Run(ref::Register_LAYER_NORM());
    REQUIRE_FALSE(s.ok());
    CHECK(s.code() == StatusCode::kUnsupported);
    CHECK_THAT(s.message(), Catch::Contains("i32"));
  }
  {
    OpTest t(schema::OpType_LAYER_NORM);
    t.Input<int8_t>({2, 4}, std::vector<int8_t>(8, 1), QuantSpec::PerTensor(0.1f, 0));
    t.Output(DType::kF32);
    SetOptions(t, -1, 1e-5f);
    const Status s = t.Run(ref::Register_LAYER_NORM());
    REQUIRE_FALSE(s.ok());
    CHECK_THAT(s.message(), Catch::Contains("must match"));
  }
}

}  // namespace
}  // namespace edgert
