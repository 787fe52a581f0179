// Elementwise activations: RELU, RELU6, LEAKY_RELU, HARD_SWISH, LOGISTIC, TANH, GELU,
// EXP, SQRT, RSQRT. Each kernel is compared with a naive double-precision computation
// written here; quantized kernels are fed every value of the input type.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <set>
#include <vector>

#include "kernels/optimized/optimized_kernels.h"
#include "kernels/reference/reference_kernels.h"
#include "tests/kernels/kernel_test_util.h"
#include "tests/op_test.h"

namespace edgert {
namespace {

using namespace testing;  // NOLINT: OpTest and tests/kernels/kernel_test_util.h
using OptionsFn = std::function<void(OpTest&)>;

const double kInf = std::numeric_limits<double>::infinity();

// The kernel variant of the running test case (ELEMENTWISE_VARIANTS): every
// case runs on the reference kernel and on the optimized kernel at both ISA levels.
bool g_optimized = false;
#define KERNEL(op) (g_optimized ? opt::Register_##op() : ref::Register_##op())
#define ELEMENTWISE_VARIANTS()                                       \
  const KernelVariant variant = GENERATE(from_range(AllKernelVariants())); \
  ScopedIsaLevel isa_level(variant.isa);                             \
  g_optimized = variant.optimized;                                   \
  INFO(variant.name << ", ISA " << GetKernelIsa().name)

std::vector<float> RunFloat(schema::OpType type, const OpKernel* kernel, const std::vector<int32_t>& shape,
                            const std::vector<float>& x, const OptionsFn& options = nullptr) {
  OpTest t(type);
  t.Input<float>(shape, x);
  t.Output(DType::kF32);
  if (options) options(t);
  return RunAndGetOutput<float>(t, kernel, shape);
}

// Runs a quantized op on all 256 input values; returns input and output values as ints.
template <typename T>
void RunQuantAll(schema::OpType type, const OpKernel* kernel, float in_scale, int32_t in_zp, float out_scale,
                 int32_t out_zp, const OptionsFn& options, std::vector<int32_t>* in_q, std::vector<int32_t>* out_q) {
  const std::vector<T> x = AllValuesShuffled<T>(1234);  // every value of T: shape {4, 8, 8}
  OpTest t(type);
  t.Input<T>({4, 8, 8}, x, QuantSpec::PerTensor(in_scale, in_zp));
  t.Output(DTypeOf<T>::value, QuantSpec::PerTensor(out_scale, out_zp));
  if (options) options(t);
  const std::vector<T> y = RunAndGetOutput<T>(t, kernel, {4, 8, 8});
  in_q->assign(x.begin(), x.end());
  out_q->assign(y.begin(), y.end());
}

// Table-driven ops must match dequantize -> f -> quantize (half away from zero) exactly:
// the kernel and this check evaluate the same real function in double precision.
template <typename T>
void CheckQuantLut(schema::OpType type, const OpKernel* kernel, const std::function<double(double)>& f,
                   float in_scale, int32_t in_zp, float out_scale, int32_t out_zp, const OptionsFn& options = nullptr,
                   size_t min_distinct = 20) {
  std::vector<int32_t> x, y;
  RunQuantAll<T>(type, kernel, in_scale, in_zp, out_scale, out_zp, options, &x, &y);
  size_t bad = 0, first = 0;
  std::set<int32_t> distinct;
  for (size_t i = 0; i < x.size(); ++i) {
    const int32_t want = QuantizeRef<T>(f(static_cast<double>(in_scale) * (x[i] - in_zp)), out_scale, out_zp);
    if (y[i] != want && bad++ == 0) first = i;
    distinct.insert(y[i]);
  }
  INFO("mismatches: " << bad << ", first: input q " << x[first] << " gave " << y[first]);
  CHECK(bad == 0);
  CHECK(distinct.size() >= min_distinct);  // the chosen scales exercise the function, not one saturated value
}

// Fixed-point requantizing ops (RELU, RELU6, LEAKY_RELU) against the real-domain result.
// The kernel (TFLite semantics) computes x * M * 2^(shift - 31) as two roundings:
// I = round(x * M / 2^31) (a tie of a negative value rounds toward zero), then
// round(I / 2^right) with right = -shift when shift < 0. This check rounds the exact double
// result once, half away from zero. The two may differ by 1 step, and only where the exact
// result lies within 2^-(right+1) step of a rounding boundary (within 0.01 step when
// right == 0: the single rounding differs only at ties). Everywhere else they must agree.
template <typename T>
void CheckQuantRequant(schema::OpType type, const OpKernel* kernel, const std::function<double(double)>& f,
                       float in_scale, int32_t in_zp, float out_scale, int32_t out_zp,
                       const OptionsFn& options = nullptr) {
  std::vector<int32_t> x, y;
  RunQuantAll<T>(type, kernel, in_scale, in_zp, out_scale, out_zp, options, &x, &y);
  size_t bad = 0, first = 0;
  std::set<int32_t> distinct;
  for (size_t i = 0; i < x.size(); ++i) {
    const double real = f(static_cast<double>(in_scale) * (x[i] - in_zp));
    const double exact = real / out_scale;
    const int32_t want = QuantizeRef<T>(real, out_scale, out_zp);
    // The effective multiplier of this branch (exact / d for these piecewise-linear f).
    const int32_t d = x[i] - in_zp;
    int e = 0;
    if (d != 0) std::frexp(std::fabs(exact) / std::abs(d), &e);
    const int right = e < 0 ? -e : 0;
    const double window = (right == 0 ? 0.0 : std::ldexp(1.0, -(right + 1))) + 0.01;
    const bool near_tie = NearRoundingTie(exact, window);
    const int32_t diff = std::abs(y[i] - want);
    if ((diff > 1 || (diff == 1 && !near_tie)) && bad++ == 0) first = i;
    distinct.insert(y[i]);
  }
  INFO("mismatches: " << bad << ", first: input q " << x[first] << " gave " << y[first]);
  CHECK(bad == 0);
  CHECK(distinct.size() >= 20);
}

OptionsFn LeakyAlpha(float alpha) {
  return [alpha](OpTest& t) {
    t.SetOptions(schema::OpOptions_LeakyReluOptions, schema::CreateLeakyReluOptions(t.fbb(), alpha).Union());
  };
}
OptionsFn GeluApprox(bool approximate) {
  return [approximate](OpTest& t) {
    t.SetOptions(schema::OpOptions_GeluOptions, schema::CreateGeluOptions(t.fbb(), approximate).Union());
  };
}

// Naive real functions.
double ReluD(double x) { return x > 0 ? x : 0; }
double Relu6D(double x) { return x > 6 ? 6 : (x > 0 ? x : 0); }
double HardSwishD(double x) { return x <= -3 ? 0 : (x >= 3 ? x : x * (x + 3) / 6); }
double LogisticD(double x) { return 1 / (1 + std::exp(-x)); }
double GeluExactD(double x) { return 0.5 * x * (1 + std::erf(x / std::sqrt(2.0))); }
double GeluTanhD(double x) {
  const double pi = std::acos(-1.0);
  return 0.5 * x * (1 + std::tanh(std::sqrt(2 / pi) * (x + 0.044715 * x * x * x)));
}
double SqrtD(double x) { return std::sqrt(x); }
double RsqrtD(double x) { return 1 / std::sqrt(x); }

std::vector<double> Apply(const std::vector<float>& x, const std::function<double(double)>& f) {
  std::vector<double> y;
  for (float v : x) y.push_back(f(v));
  return y;
}

const std::vector<int32_t> kShape = {2, 7, 5, 3};
const size_t kCount = 2 * 7 * 5 * 3;

// ---------------------------------------------------------------- RELU

TEST_CASE("RELU f32", "[kernels][relu]") {
  ELEMENTWISE_VARIANTS();
  std::vector<float> x = RandomFloats(kCount, -5, 5, 1);
  x[0] = 0.f;
  x[1] = -0.f;
  x[2] = static_cast<float>(kInf);
  x[3] = static_cast<float>(-kInf);
  const std::vector<float> y = RunFloat(schema::OpType_RELU, KERNEL(RELU), kShape, x);
  ExpectClose(y, Apply(x, ReluD), 0, 0);
  x = {std::numeric_limits<float>::quiet_NaN(), -1.f, 2.5f};
  const std::vector<float> yn = RunFloat(schema::OpType_RELU, KERNEL(RELU), {3}, x);
  CHECK(std::isnan(yn[0]));  // NaN propagates
  CHECK(yn[1] == 0.f);
  CHECK(yn[2] == 2.5f);
}

TEST_CASE("RELU i8 and u8", "[kernels][relu]") {
  ELEMENTWISE_VARIANTS();
  CheckQuantRequant<int8_t>(schema::OpType_RELU, KERNEL(RELU), ReluD, 0.05f, -10, 0.03f, -128);
  CheckQuantRequant<uint8_t>(schema::OpType_RELU, KERNEL(RELU), ReluD, 0.1f, 100, 0.07f, 3);
  // Output scale larger than input scale by a non-power of two, zero point not at the minimum.
  CheckQuantRequant<int8_t>(schema::OpType_RELU, KERNEL(RELU), ReluD, 0.02f, 20, 0.013f, -40);
}

TEST_CASE("RELU i8 with identical input and output quantization is exact", "[kernels][relu]") {
  ELEMENTWISE_VARIANTS();
  std::vector<int32_t> x, y;
  RunQuantAll<int8_t>(schema::OpType_RELU, KERNEL(RELU), 0.1f, -7, 0.1f, -7, nullptr, &x, &y);
  for (size_t i = 0; i < x.size(); ++i) {
    INFO("input " << x[i]);
    REQUIRE(y[i] == std::max(x[i], -7));
  }
}

// ---------------------------------------------------------------- RELU6

TEST_CASE("RELU6 f32", "[kernels][relu6]") {
  ELEMENTWISE_VARIANTS();
  std::vector<float> x = RandomFloats(kCount, -9, 9, 2);
  x[0] = 6.f;
  x[1] = 0.f;
  x[2] = static_cast<float>(kInf);
  x[3] = static_cast<float>(-kInf);
  const std::vector<float> y = RunFloat(schema::OpType_RELU6, KERNEL(RELU6), kShape, x);
  ExpectClose(y, Apply(x, Relu6D), 0, 0);
}

TEST_CASE("RELU6 i8 and u8", "[kernels][relu6]") {
  ELEMENTWISE_VARIANTS();
  CheckQuantRequant<int8_t>(schema::OpType_RELU6, KERNEL(RELU6), Relu6D, 0.06f, 0, 6.f / 255, -128);
  CheckQuantRequant<uint8_t>(schema::OpType_RELU6, KERNEL(RELU6), Relu6D, 0.05f, 128, 0.025f, 0);
  CheckQuantRequant<int8_t>(schema::OpType_RELU6, KERNEL(RELU6), Relu6D, 0.07f, -30, 0.04f, -60);
}

TEST_CASE("RELU6 u8 clamps at the quantized 6", "[kernels][relu6]") {
  ELEMENTWISE_VARIANTS();
  std::vector<int32_t> x, y;
  RunQuantAll<uint8_t>(schema::OpType_RELU6, KERNEL(RELU6), 0.05f, 128, 0.025f, 0, nullptr, &x, &y);
  for (size_t i = 0; i < x.size(); ++i) {
    INFO("input " << x[i]);
    CHECK(y[i] <= 240);  // 6 / 0.025
    if (x[i] >= 128 + 120) CHECK(y[i] == 240);
    if (x[i] <= 128) CHECK(y[i] == 0);
  }
}

// ---------------------------------------------------------------- LEAKY_RELU

TEST_CASE("LEAKY_RELU f32", "[kernels][leaky_relu]") {
  ELEMENTWISE_VARIANTS();
  const std::vector<float> x = RandomFloats(kCount, -5, 5, 3);
  for (float alpha : {0.2f, 0.01f, -0.5f, 1.7f}) {
    INFO("alpha " << alpha);
    const std::vector<float> y =
        RunFloat(schema::OpType_LEAKY_RELU, KERNEL(LEAKY_RELU), kShape, x, LeakyAlpha(alpha));
    ExpectClose(y, Apply(x, [alpha](double v) { return v >= 0 ? v : static_cast<double>(alpha) * v; }), 1e-6,
                0);
  }
}

TEST_CASE("LEAKY_RELU i8 and u8", "[kernels][leaky_relu]") {
  ELEMENTWISE_VARIANTS();
  for (float alpha : {0.2f, 0.01f, -0.3f, 1.5f}) {
    INFO("alpha " << alpha);
    auto f = [alpha](double v) { return v >= 0 ? v : static_cast<double>(alpha) * v; };
    CheckQuantRequant<int8_t>(schema::OpType_LEAKY_RELU, KERNEL(LEAKY_RELU), f, 0.05f, 3, 0.04f, -20,
                              LeakyAlpha(alpha));
    CheckQuantRequant<uint8_t>(schema::OpType_LEAKY_RELU, KERNEL(LEAKY_RELU), f, 0.03f, 140, 0.05f, 110,
                               LeakyAlpha(alpha));
  }
}

// ---------------------------------------------------------------- table-driven ops, f32

TEST_CASE("HARD_SWISH f32", "[kernels][hard_swish]") {
  ELEMENTWISE_VARIANTS();
  std::vector<float> x = RandomFloats(kCount, -6, 6, 4);
  x[0] = -3.f;
  x[1] = 3.f;
  x[2] = static_cast<float>(kInf);
  const std::vector<float> y = RunFloat(schema::OpType_HARD_SWISH, KERNEL(HARD_SWISH), kShape, x);
  ExpectClose(y, Apply(x, HardSwishD), 1e-6, 1e-7);
}

TEST_CASE("LOGISTIC f32", "[kernels][logistic]") {
  ELEMENTWISE_VARIANTS();
  std::vector<float> x = RandomFloats(kCount, -10, 10, 5);
  x[0] = -100.f;
  x[1] = 100.f;
  x[2] = 0.f;
  x[3] = static_cast<float>(-kInf);
  x[4] = static_cast<float>(kInf);
  const std::vector<float> y = RunFloat(schema::OpType_LOGISTIC, KERNEL(LOGISTIC), kShape, x);
  ExpectClose(y, Apply(x, LogisticD), 1e-6, 1e-7);
  CHECK(y[2] == 0.5f);
}

TEST_CASE("TANH f32", "[kernels][tanh]") {
  ELEMENTWISE_VARIANTS();
  std::vector<float> x = RandomFloats(kCount, -4, 4, 6);
  x[0] = 30.f;
  x[1] = -30.f;
  const std::vector<float> y = RunFloat(schema::OpType_TANH, KERNEL(TANH), kShape, x);
  ExpectClose(y, Apply(x, [](double v) { return std::tanh(v); }), 1e-6, 1e-7);
}

TEST_CASE("GELU f32 exact and tanh approximation", "[kernels][gelu]") {
  ELEMENTWISE_VARIANTS();
  const std::vector<float> x = RandomFloats(kCount, -5, 5, 7);
  const std::vector<float> exact = RunFloat(schema::OpType_GELU, KERNEL(GELU), kShape, x, GeluApprox(false));
  ExpectClose(exact, Apply(x, GeluExactD), 1e-5, 1e-6);
  const std::vector<float> approx = RunFloat(schema::OpType_GELU, KERNEL(GELU), kShape, x, GeluApprox(true));
  ExpectClose(approx, Apply(x, GeluTanhD), 1e-5, 1e-6);
  // The two forms differ measurably somewhere (the option is honoured).
  double max_diff = 0;
  for (size_t i = 0; i < x.size(); ++i) max_diff = std::max(max_diff, std::fabs(double(exact[i]) - approx[i]));
  CHECK(max_diff > 1e-4);
}

TEST_CASE("EXP f32", "[kernels][exp]") {
  ELEMENTWISE_VARIANTS();
  std::vector<float> x = RandomFloats(kCount, -8, 8, 8);
  x[0] = static_cast<float>(-kInf);
  x[1] = 0.f;
  const std::vector<float> y = RunFloat(schema::OpType_EXP, KERNEL(EXP), kShape, x);
  ExpectClose(y, Apply(x, [](double v) { return std::exp(v); }), 1e-6, 0);
  CHECK(y[0] == 0.f);
  CHECK(y[1] == 1.f);
}

TEST_CASE("SQRT f32, negative input gives NaN", "[kernels][sqrt]") {
  std::vector<float> x = RandomFloats(kCount, 0, 50, 9);
  x[0] = -1.f;
  x[1] = -0.f;
  x[2] = 0.f;
  x[3] = 4.f;
  x[4] = static_cast<float>(kInf);
  const std::vector<float> y = RunFloat(schema::OpType_SQRT, ref::Register_SQRT(), kShape, x);
  ExpectClose(y, Apply(x, SqrtD), 1e-6, 0);
  CHECK(std::isnan(y[0]));
  CHECK((y[1] == 0.f && std::signbit(y[1])));  // IEEE: sqrt(-0) = -0
  CHECK(y[3] == 2.f);
}

TEST_CASE("RSQRT f32, zero gives infinity and negative input NaN", "[kernels][rsqrt]") {
  std::vector<float> x = RandomFloats(kCount, 0.01f, 50, 10);
  x[0] = -1.f;
  x[1] = -0.f;
  x[2] = 0.f;
  x[3] = 4.f;
  x[4] = static_cast<float>(kInf);
  const std::vector<float> y = RunFloat(schema::OpType_RSQRT, ref::Register_RSQRT(), kShape, x);
  ExpectClose(y, Apply(x, RsqrtD), 1e-6, 0);
  CHECK(std::isnan(y[0]));
  CHECK(y[1] == -std::numeric_limits<float>::infinity());
  CHECK(y[2] == std::numeric_limits<float>::infinity());
  CHECK(y[3] == 0.5f);
  CHECK(y[4] == 0.f);
}

// ---------------------------------------------------------------- table-driven ops, i8 / u8

TEST_CASE("HARD_SWISH i8 and u8", "[kernels][hard_swish]") {
  ELEMENTWISE_VARIANTS();
  CheckQuantLut<int8_t>(schema::OpType_HARD_SWISH, KERNEL(HARD_SWISH), HardSwishD, 0.05f, 5, 0.03f, -100);
  CheckQuantLut<uint8_t>(schema::OpType_HARD_SWISH, KERNEL(HARD_SWISH), HardSwishD, 0.04f, 120, 0.025f,
                         20);
}

TEST_CASE("LOGISTIC i8 and u8", "[kernels][logistic]") {
  ELEMENTWISE_VARIANTS();
  // TFLite's output convention: scale 1/256, zero point -128 (i8) / 0 (u8).
  CheckQuantLut<int8_t>(schema::OpType_LOGISTIC, KERNEL(LOGISTIC), LogisticD, 0.0625f, -3, 1.f / 256,
                        -128);
  CheckQuantLut<uint8_t>(schema::OpType_LOGISTIC, KERNEL(LOGISTIC), LogisticD, 0.05f, 128, 1.f / 256, 0);
  CheckQuantLut<int8_t>(schema::OpType_LOGISTIC, KERNEL(LOGISTIC), LogisticD, 0.1f, 10, 0.005f, -100);
}

TEST_CASE("TANH i8 and u8", "[kernels][tanh]") {
  ELEMENTWISE_VARIANTS();
  auto f = [](double v) { return std::tanh(v); };
  CheckQuantLut<int8_t>(schema::OpType_TANH, KERNEL(TANH), f, 0.03f, 4, 1.f / 128, 0);
  CheckQuantLut<uint8_t>(schema::OpType_TANH, KERNEL(TANH), f, 0.025f, 130, 1.f / 128, 128);
}

TEST_CASE("GELU i8 and u8, both forms", "[kernels][gelu]") {
  ELEMENTWISE_VARIANTS();
  for (bool approximate : {false, true}) {
    INFO("approximate " << approximate);
    auto f = approximate ? GeluTanhD : GeluExactD;
    CheckQuantLut<int8_t>(schema::OpType_GELU, KERNEL(GELU), f, 0.04f, -7, 0.025f, -30,
                          GeluApprox(approximate));
    CheckQuantLut<uint8_t>(schema::OpType_GELU, KERNEL(GELU), f, 0.035f, 100, 0.02f, 15,
                           GeluApprox(approximate));
  }
}

TEST_CASE("GELU i8 forms give different tables", "[kernels][gelu]") {
  ELEMENTWISE_VARIANTS();
  std::vector<int32_t> x, exact, approx;
  RunQuantAll<int8_t>(schema::OpType_GELU, KERNEL(GELU), 0.04f, -7, 0.002f, -30, GeluApprox(false), &x,
                      &exact);
  RunQuantAll<int8_t>(schema::OpType_GELU, KERNEL(GELU), 0.04f, -7, 0.002f, -30, GeluApprox(true), &x,
                      &approx);
  CHECK(exact != approx);
}

TEST_CASE("EXP i8 and u8", "[kernels][exp]") {
  ELEMENTWISE_VARIANTS();
  auto f = [](double v) { return std::exp(v); };
  CheckQuantLut<int8_t>(schema::OpType_EXP, KERNEL(EXP), f, 0.03f, 10, 0.1f, -128);
  CheckQuantLut<uint8_t>(schema::OpType_EXP, KERNEL(EXP), f, 0.02f, 200, 0.005f, 0);
}

TEST_CASE("SQRT i8 and u8 on non-negative inputs", "[kernels][sqrt]") {
  CheckQuantLut<int8_t>(schema::OpType_SQRT, ref::Register_SQRT(), SqrtD, 0.02f, -128, 0.01f, -128);
  CheckQuantLut<uint8_t>(schema::OpType_SQRT, ref::Register_SQRT(), SqrtD, 0.1f, 0, 0.02f, 0);
}

TEST_CASE("RSQRT i8 and u8 on non-negative inputs, zero saturates", "[kernels][rsqrt]") {
  CheckQuantLut<int8_t>(schema::OpType_RSQRT, ref::Register_RSQRT(), RsqrtD, 0.05f, -128, 0.02f, -128);
  CheckQuantLut<uint8_t>(schema::OpType_RSQRT, ref::Register_RSQRT(), RsqrtD, 0.01f, 0, 0.05f, 0);
  std::vector<int32_t> x, y;
  RunQuantAll<int8_t>(schema::OpType_RSQRT, ref::Register_RSQRT(), 0.05f, -128, 0.02f, -128, nullptr, &x, &y);
  for (size_t i = 0; i < x.size(); ++i)
    if (x[i] == -128) CHECK(y[i] == 127);  // 1 / sqrt(0) = inf saturates
}

TEST_CASE("SQRT and HARD_SWISH tables round ties away from zero", "[kernels][sqrt][hard_swish]") {
  // Scales chosen so that some results fall exactly halfway between two output steps.
  CheckQuantLut<int8_t>(schema::OpType_SQRT, ref::Register_SQRT(), SqrtD, 0.25f, -128, 1.f, -128, nullptr, 9);
  std::vector<int32_t> x, y;
  RunQuantAll<int8_t>(schema::OpType_SQRT, ref::Register_SQRT(), 0.25f, -128, 1.f, -128, nullptr, &x, &y);
  for (size_t i = 0; i < x.size(); ++i) {
    if (x[i] == -127) CHECK(y[i] == -127);  // sqrt(0.25) = 0.5 -> 1 (half-to-even would give 0)
    if (x[i] == -103) CHECK(y[i] == -125);  // sqrt(6.25) = 2.5 -> 3
  }
  RunQuantAll<int8_t>(schema::OpType_HARD_SWISH, ref::Register_HARD_SWISH(), 0.5f, 0, 0.75f, 0, nullptr, &x, &y);
  for (size_t i = 0; i < x.size(); ++i) {
    if (x[i] == -3) CHECK(y[i] == -1);  // hard_swish(-1.5) = -0.375 = -0.5 steps -> -1
    if (x[i] == 3) CHECK(y[i] == 2);    // hard_swish(1.5) = 1.125 = 1.5 steps -> 2
  }
}

TEST_CASE("SQRT and RSQRT i8 fail on negative real inputs", "[kernels][sqrt][rsqrt]") {
  for (auto op : {std::make_pair(schema::OpType_SQRT, ref::Register_SQRT()),
                  std::make_pair(schema::OpType_RSQRT, ref::Register_RSQRT())}) {
    OpTest t(op.first);
    t.Input<int8_t>({2, 3}, {10, 20, 30, -5, 40, 50}, QuantSpec::PerTensor(0.1f, 0));
    t.Output(DType::kI8, QuantSpec::PerTensor(0.05f, -128));
    const Status s = t.Run(op.second);
    INFO(s.message());
    REQUIRE_FALSE(s.ok());
    CHECK(s.code() == StatusCode::kRuntimeError);
    CHECK_THAT(s.message(), Catch::Contains("undefined") && Catch::Contains("element 3"));
  }
}

// ---------------------------------------------------------------- bad input

TEST_CASE("RELU rejects an unsupported dtype", "[kernels][relu]") {
  ELEMENTWISE_VARIANTS();
  OpTest t(schema::OpType_RELU);
  t.Input<int32_t>({3}, {1, 2, 3});
  t.Output(DType::kI32);
  const Status s = t.Run(KERNEL(RELU));
  REQUIRE_FALSE(s.ok());
  CHECK(s.code() == StatusCode::kUnsupported);
  CHECK_THAT(s.message(), Catch::Contains("i32"));
}

TEST_CASE("TANH rejects an output dtype different from the input", "[kernels][tanh]") {
  ELEMENTWISE_VARIANTS();
  OpTest t(schema::OpType_TANH);
  t.Input<float>({3}, {1, 2, 3});
  t.Output(DType::kI8, QuantSpec::PerTensor(1.f / 128, 0));
  const Status s = t.Run(KERNEL(TANH));
  REQUIRE_FALSE(s.ok());
  CHECK_THAT(s.message(), Catch::Contains("must match") && Catch::Contains("i8"));
}

TEST_CASE("LOGISTIC rejects a quantized input without quantization parameters", "[kernels][logistic]") {
  ELEMENTWISE_VARIANTS();
  OpTest t(schema::OpType_LOGISTIC);
  t.Input<int8_t>({3}, {1, 2, 3});
  t.Output(DType::kI8, QuantSpec::PerTensor(1.f / 256, -128));
  const Status s = t.Run(KERNEL(LOGISTIC));
  REQUIRE_FALSE(s.ok());
  CHECK_THAT(s.message(), Catch::Contains("quantization") && Catch::Contains("in0"));
}

TEST_CASE("HARD_SWISH rejects per-channel quantization", "[kernels][hard_swish]") {
  ELEMENTWISE_VARIANTS();
  OpTest t(schema::OpType_HARD_SWISH);
  t.Input<int8_t>({2, 3}, {1, 2, 3, 4, 5, 6}, QuantSpec{{0.1f, 0.2f, 0.3f}, {0, 0, 0}, 1});
  t.Output(DType::kI8, QuantSpec::PerTensor(0.1f, 0));
  const Status s = t.Run(KERNEL(HARD_SWISH));
  REQUIRE_FALSE(s.ok());
  CHECK_THAT(s.message(), Catch::Contains("per-channel"));
}

TEST_CASE("EXP rejects a zero point outside the type's range", "[kernels][exp]") {
  ELEMENTWISE_VARIANTS();
  OpTest t(schema::OpType_EXP);
  t.Input<int8_t>({3}, {1, 2, 3}, QuantSpec::PerTensor(0.1f, 200));
  t.Output(DType::kI8, QuantSpec::PerTensor(0.1f, 0));
  const Status s = t.Run(KERNEL(EXP));
  REQUIRE_FALSE(s.ok());
  CHECK_THAT(s.message(), Catch::Contains("zero point 200"));
}

TEST_CASE("LEAKY_RELU rejects a non-finite alpha", "[kernels][leaky_relu]") {
  ELEMENTWISE_VARIANTS();
  OpTest t(schema::OpType_LEAKY_RELU);
  t.Input<float>({3}, {1, 2, 3});
  t.Output(DType::kF32);
  LeakyAlpha(std::numeric_limits<float>::infinity())(t);
  const Status s = t.Run(KERNEL(LEAKY_RELU));
  REQUIRE_FALSE(s.ok());
  CHECK_THAT(s.message(), Catch::Contains("alpha"));
}

TEST_CASE("GELU rejects u8 input with i8 output", "[kernels][gelu]") {
  ELEMENTWISE_VARIANTS();
  OpTest t(schema::OpType_GELU);
  t.Input<uint8_t>({3}, {1, 2, 3}, QuantSpec::PerTensor(0.1f, 128));
  t.Output(DType::kI8, QuantSpec::PerTensor(0.1f, 0));
  GeluApprox(false)(t);
  const Status s = t.Run(KERNEL(GELU));
  REQUIRE_FALSE(s.ok());
  CHECK(s.code() == StatusCode::kUnsupported);
  CHECK_THAT(s.message(), Catch::Contains("u8") && Catch::Contains("i8"));
}

}  // namespace
}  // namespace edgert
