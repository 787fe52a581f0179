// AVERAGE_POOL_2D and MAX_POOL_2D: the reference kernels against naive pools
// written here. Average excludes padding unless count_include_pad (then padded
// positions count as real 0 and the divisor is the filter area). Quantized
// average follows TFLite: the mean of the stored values, rounded half away from
// zero (computed here in double with std::round), must match exactly; quantized
// max must match exactly. Quantized pools require output quantization equal to
// the input's.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "kernels/optimized/optimized_kernels.h"
#include "kernels/reference/reference_kernels.h"
#include "tests/kernels/kernel_variants.h"
#include "tests/kernels/conv_test_util.h"
#include "tests/op_test.h"

namespace edgert {
namespace {

// Which kernel the running test case uses (EDGERT_KERNEL_VARIANTS).
bool g_optimized = false;

using namespace conv_test;  // NOLINT: OpTest and tests/kernels/conv_test_util.h

struct PoolCase {
  int n = 1, h = 1, w = 1, c = 1, fh = 1, fw = 1, sh = 1, sw = 1;
  schema::Padding padding = schema::Padding_SAME;
  std::vector<int32_t> pads;
  schema::Activation act = schema::Activation_NONE;
  bool include_pad = false;
};

PoolCase P(int n, int h, int w, int c, int fh, int fw, int sh, int sw, schema::Padding padding = schema::Padding_SAME,
           std::vector<int32_t> pads = {}, schema::Activation act = schema::Activation_NONE,
           bool include_pad = false) {
  PoolCase p;
  p.n = n, p.h = h, p.w = w, p.c = c, p.fh = fh, p.fw = fw, p.sh = sh, p.sw = sw, p.padding = padding;
  p.pads = pads, p.act = act, p.include_pad = include_pad;
  return p;
}

const std::vector<PoolCase> kCases = {
    // n, h, w, c, filter h/w, stride h/w, padding, pads, activation, count_include_pad
    P(1, 7, 5, 3, 3, 3, 1, 1),
    P(2, 9, 8, 4, 3, 2, 2, 2),
    P(1, 7, 5, 17, 2, 3, 2, 1, schema::Padding_VALID, {}, schema::Activation_RELU),
    P(1, 6, 7, 2, 3, 3, 2, 3, schema::Padding_EXPLICIT, {1, 2, 2, 0}, schema::Activation_RELU6),
    P(2, 5, 6, 3, 3, 4, 2, 2, schema::Padding_SAME, {}, schema::Activation_NONE, true),
    P(1, 6, 7, 2, 3, 3, 2, 3, schema::Padding_EXPLICIT, {1, 2, 2, 0}, schema::Activation_RELU_N1_TO_1, true),
    P(1, 4, 4, 1, 4, 4, 1, 1, schema::Padding_VALID),  // global pool
    P(1, 3, 3, 2, 5, 5, 1, 1),                         // window larger than input
};

void Geometry(const PoolCase& c, bool height, int* out, int* before) {
  WindowAxis(c.padding, c.pads, height ? 0 : 1, height ? c.h : c.w, height ? c.fh : c.fw, height ? c.sh : c.sw, 1,
             out, before);
}

// For each output: the in-bounds window values (as double) and the window area.
struct Window {
  std::vector<double> values;
  int area;
};

template <typename T>
std::vector<Window> Windows(const PoolCase& c, const std::vector<T>& x, int* oh, int* ow) {
  int pt, pl;
  Geometry(c, true, oh, &pt);
  Geometry(c, false, ow, &pl);
  std::vector<Window> r;
  for (int n = 0; n < c.n; ++n)
    for (int oy = 0; oy < *oh; ++oy)
      for (int ox = 0; ox < *ow; ++ox)
        for (int ch = 0; ch < c.c; ++ch) {
          Window win{{}, c.fh * c.fw};
          for (int ky = 0; ky < c.fh; ++ky)
            for (int kx = 0; kx < c.fw; ++kx) {
              const int y = oy * c.sh - pt + ky, xx = ox * c.sw - pl + kx;
              if (y >= 0 && y < c.h && xx >= 0 && xx < c.w)
                win.values.push_back(
                    static_cast<double>(x[((static_cast<size_t>(n) * c.h + y) * c.w + xx) * c.c + ch]));
            }
          r.push_back(win);
        }
  return r;
}

flatbuffers::Offset<void> Options(OpTest& t, const PoolCase& c) {
  const auto pads = OptionalVector(t, c.pads);
  return schema::CreatePool2DOptions(t.fbb(), c.padding, c.sh, c.sw, c.fh, c.fw, c.act, pads, c.include_pad).Union();
}

std::string Describe(const PoolCase& c) {
  return std::to_string(c.n) + "x" + std::to_string(c.h) + "x" + std::to_string(c.w) + "x" + std::to_string(c.c) +
         " f" + std::to_string(c.fh) + "x" + std::to_string(c.fw) + " s" + std::to_string(c.sh) + "x" +
         std::to_string(c.sw) + " padding " + std::to_string(c.padding) + " include_pad " +
         std::to_string(c.include_pad);
}

constexpr schema::OpType kAvg = schema::OpType_AVERAGE_POOL_2D, kMax = schema::OpType_MAX_POOL_2D;

const OpKernel* Kernel(schema::OpType type) {
  if (g_optimized) return type == kMax ? opt::Register_MAX_POOL_2D() : opt::Register_AVERAGE_POOL_2D();
  return type == kMax ? ref::Register_MAX_POOL_2D() : ref::Register_AVERAGE_POOL_2D();
}

void RunFloat(schema::OpType type, const PoolCase& c, uint32_t seed) {
  std::mt19937 rng(seed);
  const auto x = RandomFloats(rng, static_cast<size_t>(c.n) * c.h * c.w * c.c, -4.f, 8.f);
  OpTest t(type);
  t.Input<float>({c.n, c.h, c.w, c.c}, x);
  t.Output(DType::kF32);
  t.SetOptions(schema::OpOptions_Pool2DOptions, Options(t, c));
  RequireRun(t, Kernel(type));
  int oh, ow;
  const auto wins = Windows(c, x, &oh, &ow);
  REQUIRE(t.OutputShape(0) == Shape({c.n, oh, ow, c.c}));
  const auto got = t.OutputData<float>(0);
  REQUIRE(got.size() == wins.size());
  std::vector<double> want(wins.size());
  for (size_t i = 0; i < wins.size(); ++i) {
    const Window& win = wins[i];
    double e;
    if (type == kMax) {
      e = *std::max_element(win.values.begin(), win.values.end());
    } else {
      double sum = 0;
      for (double v : win.values) sum += v;
      e = sum / (c.include_pad ? win.area : static_cast<int>(win.values.size()));
    }
    want[i] = ClampAct(e, c.act);
  }
  CheckAllNear(got, want, 1e-5, 1e-6);
}

template <typename T>
void RunQuant(schema::OpType type, const PoolCase& c, uint32_t seed, float scale, int32_t zp) {
  std::mt19937 rng(seed);
  const int qmin = std::numeric_limits<T>::min(), qmax = std::numeric_limits<T>::max();
  const auto x = RandomInts<T>(rng, static_cast<size_t>(c.n) * c.h * c.w * c.c, qmin, qmax);
  OpTest t(type);
  t.Input<T>({c.n, c.h, c.w, c.c}, x, QuantSpec::PerTensor(scale, zp));
  t.Output(DTypeOf<T>::value, QuantSpec::PerTensor(scale, zp));
  t.SetOptions(schema::OpOptions_Pool2DOptions, Options(t, c));
  RequireRun(t, Kernel(type));
  int oh, ow;
  const auto wins = Windows(c, x, &oh, &ow);
  REQUIRE(t.OutputShape(0) == Shape({c.n, oh, ow, c.c}));
  int lo, hi;
  QuantActRange(c.act, scale, zp, qmin, qmax, &lo, &hi);
  const auto got = t.OutputData<T>(0);
  REQUIRE(got.size() == wins.size());
  QuantTally tally;
  for (size_t i = 0; i < got.size(); ++i) {
    const Window& win = wins[i];
    double e, real;
    if (type == kMax) {
      e = *std::max_element(win.values.begin(), win.values.end());
      real = scale * (e - zp);
    } else {
      // Mean of stored values; padded positions hold the zero point when they count.
      double sum = 0;
      for (double v : win.values) sum += v;
      int count = static_cast<int>(win.values.size());
      if (c.include_pad) {
        sum += static_cast<double>(win.area - count) * zp;
        count = win.area;
      }
      e = std::round(sum / count);  // half away from zero
      real = scale * (sum / count - zp);
    }
    const int want = std::min(std::max(static_cast<int>(e), lo), hi);
    tally.Add(got[i], want, NaiveQuantize(ClampAct(real, c.act), scale, zp, qmin, qmax),
              [&] { return "element " + std::to_string(i); });
  }
  tally.Check();
}

// Every case in float, with seeds seed, seed + 1, ...
void RunFloatCases(schema::OpType type, uint32_t seed) {
  for (const PoolCase& c : kCases) {
    INFO(Describe(c));
    RunFloat(type, c, seed++);
  }
}

TEST_CASE("AVERAGE_POOL_2D float matches naive pool", "[kernels][average_pool_2d]") {
  EDGERT_KERNEL_VARIANTS(g_optimized);
  RunFloatCases(kAvg, 1);
}

TEST_CASE("AVERAGE_POOL_2D int8 and uint8 round like TFLite", "[kernels][average_pool_2d]") {
  EDGERT_KERNEL_VARIANTS(g_optimized);
  uint32_t seed = 20;
  for (const PoolCase& c : kCases) {
    INFO(Describe(c));
    RunQuant<int8_t>(kAvg, c, seed++, 0.05f, -10);
    RunQuant<int8_t>(kAvg, c, seed++, 0.1f, 0);
    RunQuant<uint8_t>(kAvg, c, seed++, 0.04f, 130);
  }
}

TEST_CASE("AVERAGE_POOL_2D int8 rounds negative halves away from zero", "[kernels][average_pool_2d]") {
  EDGERT_KERNEL_VARIANTS(g_optimized);
  // Windows of 2 values: (-3 + -2)/2 = -2.5 -> -3; (3 + 2)/2 = 2.5 -> 3; (-1 + 0)/2 = -0.5 -> -1.
  OpTest t(schema::OpType_AVERAGE_POOL_2D);
  t.Input<int8_t>({1, 1, 6, 1}, {-3, -2, 3, 2, -1, 0}, QuantSpec::PerTensor(1.f, 0));
  t.Output(DType::kI8, QuantSpec::PerTensor(1.f, 0));
  t.SetOptions(schema::OpOptions_Pool2DOptions,
               schema::CreatePool2DOptions(t.fbb(), schema::Padding_VALID, 1, 2, 1, 2).Union());
  REQUIRE(t.Run(Kernel(kAvg)).ok());
  CHECK(t.OutputData<int8_t>(0) == std::vector<int8_t>({-3, 3, -1}));
}

TEST_CASE("MAX_POOL_2D float matches naive pool", "[kernels][max_pool_2d]") {
  EDGERT_KERNEL_VARIANTS(g_optimized);
  RunFloatCases(kMax, 40);
}

TEST_CASE("MAX_POOL_2D int8 and uint8", "[kernels][max_pool_2d]") {
  EDGERT_KERNEL_VARIANTS(g_optimized);
  uint32_t seed = 60;
  for (const PoolCase& c : kCases) {
    INFO(Describe(c));
    RunQuant<int8_t>(kMax, c, seed++, 0.05f, -10);
    RunQuant<uint8_t>(kMax, c, seed++, 0.04f, 130);
  }
}

TEST_CASE("MAX_POOL_2D padding never wins over negative values", "[kernels][max_pool_2d]") {
  EDGERT_KERNEL_VARIANTS(g_optimized);
  OpTest t(schema::OpType_MAX_POOL_2D);
  t.Input<float>({1, 2, 2, 1}, {-1, -2, -3, -4});
  t.Output(DType::kF32);
  t.SetOptions(schema::OpOptions_Pool2DOptions,
               schema::CreatePool2DOptions(t.fbb(), schema::Padding_SAME, 1, 1, 3, 3).Union());
  REQUIRE(t.Run(Kernel(kMax)).ok());
  CHECK(t.OutputData<float>(0) == std::vector<float>({-1, -1, -1, -1}));
}

Status RunBad(schema::OpType type, const std::vector<int32_t>& shape, int fh, int fw, int stride,
              schema::Padding padding, const std::vector<int32_t>& pads, DType out_type = DType::kF32) {
  OpTest t(type);
  t.Input<float>(shape, std::vector<float>(Count(shape), 1.f));
  t.Output(out_type);
  const auto pv = OptionalVector(t, pads);
  t.SetOptions(schema::OpOptions_Pool2DOptions,
               schema::CreatePool2DOptions(t.fbb(), padding, stride, stride, fh, fw, schema::Activation_NONE, pv)
                   .Union());
  return t.Run(Kernel(type));
}

TEST_CASE("AVERAGE_POOL_2D and MAX_POOL_2D reject bad models", "[kernels][average_pool_2d][max_pool_2d]") {
  EDGERT_KERNEL_VARIANTS(g_optimized);
  for (auto type : {kAvg, kMax}) {
    INFO(schema::EnumNameOpType(type));
    Status s = RunBad(type, {1, 5, 5, 2}, 0, 2, 1, schema::Padding_SAME, {});
    CHECK(s.code() == StatusCode::kInvalidModel);
    CHECK(Contains(s.message(), "filter"));

    s = RunBad(type, {1, 5, 5, 2}, 2, 2, 0, schema::Padding_SAME, {});
    CHECK(!s.ok());
    CHECK(Contains(s.message(), "stride"));

    s = RunBad(type, {5, 5, 2}, 2, 2, 1, schema::Padding_SAME, {});
    CHECK(!s.ok());
    CHECK(Contains(s.message(), "rank 4"));

    s = RunBad(type, {1, 5, 5, 2}, 2, 2, 1, schema::Padding_EXPLICIT, {2, 0, 0, 0});
    CHECK(!s.ok());
    CHECK(Contains(s.message(), "pads"));

    s = RunBad(type, {1, 5, 5, 2}, 2, 2, 1, schema::Padding_EXPLICIT, {0, 0});
    CHECK(!s.ok());
    CHECK(Contains(s.message(), "pads"));

    s = RunBad(type, {1, 1, 5, 2}, 2, 2, 1, schema::Padding_VALID, {});
    CHECK(!s.ok());
    CHECK(Contains(s.message(), "empty"));

    s = RunBad(type, {1, 5, 5, 2}, 2, 2, 1, schema::Padding_SAME, {}, DType::kI32);
    CHECK(s.code() == StatusCode::kUnsupported);
    CHECK(Contains(s.message(), "i32"));

    // Output quantization different from the input's.
    OpTest t(type);
    t.Input<int8_t>({1, 4, 4, 1}, std::vector<int8_t>(16, 1), QuantSpec::PerTensor(0.1f, 0));
    t.Output(DType::kI8, QuantSpec::PerTensor(0.2f, 0));
    t.SetOptions(schema::OpOptions_Pool2DOptions,
                 schema::CreatePool2DOptions(t.fbb(), schema::Padding_VALID, 2, 2, 2, 2).Union());
    s = t.Run(Kernel(type));
    CHECK(s.code() == StatusCode::kUnsupported);
    CHECK(Contains(s.message(), "quantization"));
  }
}

}  // namespace
}  // namespace edgert
