// QUANTIZE: f32 -> i8 / u8 / i16 (per-tensor and per-channel) and requantization
// between i8 / u8 / i16. Expected values come from naive loops written here:
// q = clamp(round_half_away(x / scale) + zero_point) with the division in float
// (TFLite's reference AffineQuantize), and for requantization the tests' own
// implementation of TFLite's fixed-point multiplier (tests/kernels/kernel_test_util.h).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <random>
#include <vector>

#include "kernels/optimized/optimized_kernels.h"
#include "kernels/reference/reference_kernels.h"
#include "runtime/builder.h"
#include "runtime/interpreter.h"
#include "runtime/model.h"
#include "runtime/op_resolver.h"
#include "tests/kernels/kernel_test_util.h"
#include "tests/kernels/kernel_variants.h"
#include "tests/op_test.h"

namespace edgert {
namespace {

// Every test case runs once per kernel variant (tests/kernels/kernel_variants.h).
bool g_optimized = false;
const OpKernel* QuantizeKernel() { return g_optimized ? opt::Register_QUANTIZE() : ref::Register_QUANTIZE(); }

using namespace testing;  // NOLINT: OpTest and tests/kernels/kernel_test_util.h

// Naive affine quantization of one value.
template <typename T>
int32_t QuantizeOne(float x, float scale, int32_t zp) {
  const float r = std::round(x / scale);  // float division, half away from zero
  if (std::isnan(r)) return zp;
  const double v = static_cast<double>(r) + zp;
  return static_cast<int32_t>(std::min<double>(std::numeric_limits<T>::max(),
                                               std::max<double>(std::numeric_limits<T>::min(), v)));
}

// OpTest declares its output without a shape, which the loader cannot check a
// per-channel quantization against; this runner declares the output's shape.
Status RunQuantizeWithOutputShape(const Dims& shape, const std::vector<float>& x, DType out_type,
                                  const QuantSpec& qo, std::vector<uint8_t>* out) {
  ModelBuilder b;
  const int in = b.AddInput("x", DType::kF32, shape);
  const int y = b.AddTensor("y", out_type, shape, qo);
  b.AddOp(schema::OpType_QUANTIZE, {in}, {y}, schema::OpOptions_NONE, 0, "quantize");
  b.MarkOutput(y);
  const std::vector<uint8_t> file = b.Finish();
  std::shared_ptr<const Model> model;
  EDGERT_RETURN_IF_ERROR(Model::LoadBuffer(file.data(), file.size(), /*copy=*/true, &model));
  OpResolver resolver;
  resolver.Add(schema::OpType_QUANTIZE, QuantizeKernel());
  Interpreter interp(model, &resolver);
  EDGERT_RETURN_IF_ERROR(interp.Prepare());
  REQUIRE(interp.input(0)->bytes == x.size() * sizeof(float));
  std::memcpy(interp.input(0)->data, x.data(), x.size() * sizeof(float));
  EDGERT_RETURN_IF_ERROR(interp.Invoke());
  const Tensor* t = interp.output(0);
  const uint8_t* p = static_cast<const uint8_t*>(t->data);
  out->assign(p, p + t->bytes);
  return Status::Ok();
}

template <typename T>
void CheckPerTensor(const Dims& shape, float scale, int32_t zp, float lo, float hi, uint32_t seed) {
  INFO(DTypeName(DTypeOf<T>::value) << " scale " << scale << " zp " << zp);
  std::vector<float> x = RandomFloats(static_cast<size_t>(Count(shape)), lo, hi, seed);
  OpTest t(schema::OpType_QUANTIZE);
  t.Input<float>(shape, x);
  t.Output(DTypeOf<T>::value, QuantSpec::PerTensor(scale, zp));
  const std::vector<T> y = RunAndGetOutput<T>(t, QuantizeKernel(), shape);
  int saturated = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    INFO("x=" << x[i]);
    REQUIRE(static_cast<int32_t>(y[i]) == QuantizeOne<T>(x[i], scale, zp));
    // Independent sanity: the dequantized value is within half a step of x unless saturated.
    const double back = scale * (static_cast<double>(y[i]) - zp);
    if (y[i] == std::numeric_limits<T>::min() || y[i] == std::numeric_limits<T>::max())
      ++saturated;
    else
      REQUIRE(std::abs(back - x[i]) <= 0.5 * scale + 1e-6 * std::abs(x[i]));  // float division error
  }
  REQUIRE(saturated < static_cast<int>(x.size()) / 2);
}

template <typename T>
void CheckPerChannel(const Dims& shape, int axis, uint32_t seed) {
  INFO(DTypeName(DTypeOf<T>::value) << " axis " << axis);
  const int channels = shape[axis];
  QuantSpec q;
  q.axis = axis;
  for (int c = 0; c < channels; ++c) {
    q.scale.push_back(0.01f * static_cast<float>(1 + c * 3));
    q.zero_point.push_back(std::is_same<T, uint8_t>::value ? 120 + c : (std::is_same<T, int8_t>::value ? c - 3 : 0));
  }
  std::vector<float> x = RandomFloats(static_cast<size_t>(Count(shape)), -2.f, 2.f, seed);
  std::vector<uint8_t> out;
  const Status st = RunQuantizeWithOutputShape(shape, x, DTypeOf<T>::value, q, &out);
  INFO(st.message());
  REQUIRE(st.ok());
  REQUIRE(out.size() == x.size() * sizeof(T));
  std::vector<T> y(x.size());
  std::memcpy(y.data(), out.data(), out.size());
  int64_t inner = 1;
  for (size_t d = axis + 1; d < shape.size(); ++d) inner *= shape[d];
  for (size_t i = 0; i < x.size(); ++i) {
    const int c = static_cast<int>((static_cast<int64_t>(i) / inner) % channels);
    INFO("i=" << i << " channel " << c);
    REQUIRE(static_cast<int32_t>(y[i]) == QuantizeOne<T>(x[i], q.scale[c], static_cast<int32_t>(q.zero_point[c])));
  }
}

template <typename TIn, typename TOut>
void CheckRequantize(float si, int32_t zi, float so, int32_t zo) {
  INFO(DTypeName(DTypeOf<TIn>::value) << " -> " << DTypeName(DTypeOf<TOut>::value) << " " << si << "/" << zi << " -> "
                                      << so << "/" << zo);
  std::vector<TIn> x;
  if (sizeof(TIn) == 1) {
    x = AllValuesShuffled<TIn>(3);
  } else {
    std::mt19937 rng(4);
    std::uniform_int_distribution<int> dist(std::numeric_limits<TIn>::min(), std::numeric_limits<TIn>::max());
    for (int i = 0; i < 1000; ++i) x.push_back(static_cast<TIn>(dist(rng)));
    x.push_back(std::numeric_limits<TIn>::min());
    x.push_back(std::numeric_limits<TIn>::max());
  }
  OpTest t(schema::OpType_QUANTIZE);
  t.Input<TIn>({static_cast<int32_t>(x.size())}, x, QuantSpec::PerTensor(si, zi));
  t.Output(DTypeOf<TOut>::value, QuantSpec::PerTensor(so, zo));
  const std::vector<TOut> y = RunAndGetOutput<TOut>(t, QuantizeKernel());
  const Multiplier m = MakeMultiplier(static_cast<double>(si) / so);
  for (size_t i = 0; i < x.size(); ++i) {
    const int32_t want = std::min<int32_t>(
        std::numeric_limits<TOut>::max(),
        std::max<int32_t>(std::numeric_limits<TOut>::min(), ApplyMultiplier(x[i] - zi, m) + zo));
    const int32_t ideal = QuantizeRef<TOut>(si * static_cast<double>(x[i] - zi), so, zo);
    INFO("x=" << static_cast<int>(x[i]));
    REQUIRE(static_cast<int32_t>(y[i]) == want);
    REQUIRE(std::abs(static_cast<int32_t>(y[i]) - ideal) <= 1);
  }
}

}  // namespace

TEST_CASE("QUANTIZE f32 to i8 u8 i16 per tensor", "[kernels][quantize]") {
  EDGERT_KERNEL_VARIANTS(g_optimized);
  CheckPerTensor<int8_t>({1, 7, 5, 3}, 0.05f, -3, -7.f, 7.f, 1);
  CheckPerTensor<int8_t>({17}, 0.1f, 0, -20.f, 20.f, 2);  // some saturation
  CheckPerTensor<uint8_t>({1, 7, 5, 3}, 0.02f, 128, -3.f, 3.f, 3);
  CheckPerTensor<uint8_t>({2, 3}, 0.5f, 0, -10.f, 100.f, 4);
  CheckPerTensor<int16_t>({1, 7, 5, 3}, 0.001f, 0, -30.f, 30.f, 5);
  CheckPerTensor<int16_t>({3, 17}, 0.0005f, 100, -20.f, 20.f, 6);
}

TEST_CASE("QUANTIZE rounds half away from zero and saturates (hand-computed)", "[kernels][quantize]") {
  EDGERT_KERNEL_VARIANTS(g_optimized);
  const float inf = std::numeric_limits<float>::infinity();
  const std::vector<float> x = {0.25f, -0.25f, 0.75f, -0.75f, 1.25f, 0.2499f, 1e30f, -1e30f, inf, -inf,
                                std::numeric_limits<float>::quiet_NaN(), 63.5f, 64.0f, -64.5f};
  OpTest t(schema::OpType_QUANTIZE);
  t.Input<float>({static_cast<int32_t>(x.size())}, x);
  t.Output(DType::kI8, QuantSpec::PerTensor(0.5f, -1));
  REQUIRE(t.Run(QuantizeKernel()).ok());
  // x / 0.5 = 0.5, -0.5, 1.5, -1.5, 2.5, 0.4998, huge, -huge, inf, -inf, nan, 127, 128, -129; then + (-1).
  const std::vector<int8_t> want = {0, -2, 1, -3, 2, -1, 127, -128, 127, -128, -1, 126, 127, -128};
  CHECK(t.OutputData<int8_t>(0) == want);
}

TEST_CASE("QUANTIZE f32 per-channel", "[kernels][quantize]") {
  EDGERT_KERNEL_VARIANTS(g_optimized);
  CheckPerChannel<int8_t>({1, 7, 5, 3}, 3, 10);
  CheckPerChannel<int8_t>({4, 3, 2}, 0, 11);
  CheckPerChannel<uint8_t>({2, 17, 3}, 1, 12);
  CheckPerChannel<int16_t>({5, 6}, 1, 13);
}

TEST_CASE("QUANTIZE requantizes between i8 u8 i16 (TFLite fixed point)", "[kernels][quantize]") {
  EDGERT_KERNEL_VARIANTS(g_optimized);
  CheckRequantize<int8_t, uint8_t>(0.05f, -3, 0.05f, 125);  // the usual i8 -> u8: exact +128
  CheckRequantize<uint8_t, int8_t>(0.1f, 128, 0.1f, 0);
  CheckRequantize<int8_t, int8_t>(0.05f, 10, 0.13f, -7);
  CheckRequantize<int8_t, int8_t>(0.3f, 0, 0.1f, 0);  // multiplier > 1, saturation
  CheckRequantize<uint8_t, uint8_t>(0.02f, 100, 0.03f, 140);
  CheckRequantize<int16_t, int8_t>(0.001f, 0, 0.1f, 4);
  CheckRequantize<int8_t, int16_t>(0.1f, -5, 0.002f, 0);
  // The i8 -> u8 case with equal scale is exactly a shift of the zero point.
  std::vector<int8_t> x = AllValuesShuffled<int8_t>(9);
  OpTest t(schema::OpType_QUANTIZE);
  t.Input<int8_t>({256}, x, QuantSpec::PerTensor(0.07f, -3));
  t.Output(DType::kU8, QuantSpec::PerTensor(0.07f, 125));
  REQUIRE(t.Run(QuantizeKernel()).ok());
  const std::vector<uint8_t> y = t.OutputData<uint8_t>(0);
  for (size_t i = 0; i < x.size(); ++i) REQUIRE(static_cast<int>(y[i]) == x[i] + 128);
}

TEST_CASE("QUANTIZE rejects bad inputs with a useful message", "[kernels][quantize]") {
  EDGERT_KERNEL_VARIANTS(g_optimized);
  {
    OpTest t(schema::OpType_QUANTIZE);
    t.Input<float>({2}, {1.f, 2.f});
    t.Output(DType::kF32);
    const Status st = t.Run(QuantizeKernel());
    REQUIRE_FALSE(st.ok());
    CHECK(st.code() == StatusCode::kUnsupported);
    CHECK_THAT(st.message(), Catch::Contains("f32"));
  }
  {
    OpTest t(schema::OpType_QUANTIZE);
    t.Input<float>({2}, {1.f, 2.f});
    t.Output(DType::kI8);  // no quantization parameters
    const Status st = t.Run(QuantizeKernel());
    REQUIRE_FALSE(st.ok());
    CHECK_THAT(st.message(), Catch::Contains("quantization"));
  }
  {
    OpTest t(schema::OpType_QUANTIZE);
    t.Input<int32_t>({2}, {1, 2});
    t.Output(DType::kI8, QuantSpec::PerTensor(0.1f, 0));
    const Status st = t.Run(QuantizeKernel());
    REQUIRE_FALSE(st.ok());
    CHECK(st.code() == StatusCode::kUnsupported);
    CHECK_THAT(st.message(), Catch::Contains("i32"));
  }
  {
    OpTest t(schema::OpType_QUANTIZE);
    t.Input<int8_t>({2, 2}, {1, 2, 3, 4}, QuantSpec{{0.1f, 0.2f}, {0, 0}, 1});
    t.Output(DType::kU8, QuantSpec::PerTensor(0.1f, 128));
    const Status st = t.Run(QuantizeKernel());
    REQUIRE_FALSE(st.ok());
    CHECK_THAT(st.message(), Catch::Contains("per-channel"));
  }
  {
    OpTest t(schema::OpType_QUANTIZE);
    t.Input<float>({2}, {1.f, 2.f});
    t.Output(DType::kU8, QuantSpec::PerTensor(0.1f, -1));
    const Status st = t.Run(QuantizeKernel());
    REQUIRE_FALSE(st.ok());
    CHECK_THAT(st.message(), Catch::Contains("zero point"));
  }
}

}  // namespace edgert
