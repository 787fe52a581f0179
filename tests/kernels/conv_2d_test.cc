// CONV_2D: the reference kernel against a naive convolution written here
// (direct loops over output pixels, taps and channels; double accumulation for
// float, int64 accumulation plus TFLite's fixed-point requantization for i8/u8).
// Quantized results must match the naive TFLite-semantics computation exactly;
// they are also checked to be within one quantization step of the real-valued
// result computed in double (the fixed-point multiplier legitimately rounds).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "kernels/common/quant.h"
#include "kernels/reference/reference_kernels.h"
#include "tests/op_test.h"

namespace edgert {
namespace {

using testing::OpTest;

struct ConvCase {
  int n = 1, h = 1, w = 1, cin = 1, cout = 1, kh = 1, kw = 1;
  int groups = 1;
  int sh = 1, sw = 1, dh = 1, dw = 1;
  schema::Padding padding = schema::Padding_SAME;
  std::vector<int32_t> pads;  // EXPLICIT: top, left, bottom, right
  schema::Activation act = schema::Activation_NONE;
  bool bias = true;
};

// Output size and padding before along one axis, per TFLite/ONNX rules (written out here independently).
void Geometry(const ConvCase& c, bool height, int* out, int* before) {
  const int in = height ? c.h : c.w, k = height ? c.kh : c.kw, s = height ? c.sh : c.sw, d = height ? c.dh : c.dw;
  const int eff = (k - 1) * d + 1;
  if (c.padding == schema::Padding_SAME) {
    *out = (in + s - 1) / s;
    *before = std::max((*out - 1) * s + eff - in, 0) / 2;
  } else if (c.padding == schema::Padding_VALID) {
    *out = (in - eff) / s + 1;
    *before = 0;
  } else {
    const int pb = height ? c.pads[0] : c.pads[1], pa = height ? c.pads[2] : c.pads[3];
    *out = (in + pb + pa - eff) / s + 1;
    *before = pb;
  }
}

// Naive grouped convolution on real values (double); returns [n, oh, ow, cout].
std::vector<double> NaiveConv(const ConvCase& c, const std::vector<double>& x, const std::vector<double>& w,
                              const std::vector<double>& b, int* oh, int* ow) {
  int pt, pl;
  Geometry(c, true, oh, &pt);
  Geometry(c, false, ow, &pl);
  const int cin_g = c.cin / c.groups, cout_g = c.cout / c.groups;
  std::vector<double> y(static_cast<size_t>(c.n) * *oh * *ow * c.cout);
  size_t idx = 0;
  for (int n = 0; n < c.n; ++n)
    for (int oy = 0; oy < *oh; ++oy)
      for (int ox = 0; ox < *ow; ++ox)
        for (int oc = 0; oc < c.cout; ++oc) {
          const int g = oc / cout_g;
          double acc = b.empty() ? 0.0 : b[oc];
          for (int ky = 0; ky < c.kh; ++ky)
            for (int kx = 0; kx < c.kw; ++kx) {
              const int iy = oy * c.sh - pt + ky * c.dh, ix = ox * c.sw - pl + kx * c.dw;
              if (iy < 0 || iy >= c.h || ix < 0 || ix >= c.w) continue;
              for (int ci = 0; ci < cin_g; ++ci)
                acc += x[((static_cast<size_t>(n) * c.h + iy) * c.w + ix) * c.cin + g * cin_g + ci] *
                       w[((static_cast<size_t>(oc) * c.kh + ky) * c.kw + kx) * cin_g + ci];
            }
          y[idx++] = acc;
        }
  return y;
}

flatbuffers::Offset<void> Options(OpTest& t, const ConvCase& c) {
  flatbuffers::Offset<flatbuffers::Vector<int32_t>> pads = 0;
  if (!c.pads.empty()) pads = t.fbb().CreateVector(c.pads);
  return schema::CreateConv2DOptions(t.fbb(), c.padding, c.sh, c.sw, c.dh, c.dw, c.act, pads).Union();
}

std::vector<double> ToDouble(const std::vector<float>& v) { return std::vector<double>(v.begin(), v.end()); }

std::vector<float> RandomFloats(std::mt19937& rng, size_t n, float lo = -1.f, float hi = 1.f) {
  std::uniform_real_distribution<float> d(lo, hi);
  std::vector<float> v(n);
  for (float& x : v) x = d(rng);
  return v;
}

template <typename T>
std::vector<T> RandomInts(std::mt19937& rng, size_t n, int lo, int hi) {
  std::uniform_int_distribution<int> d(lo, hi);
  std::vector<T> v(n);
  for (T& x : v) x = static_cast<T>(d(rng));
  return v;
}

double ClampAct(double v, schema::Activation act) {
  switch (act) {
    case schema::Activation_RELU: return std::max(v, 0.0);
    case schema::Activation_RELU6: return std::min(std::max(v, 0.0), 6.0);
    case schema::Activation_RELU_N1_TO_1: return std::min(std::max(v, -1.0), 1.0);
    default: return v;
  }
}

void RunFloatCase(const ConvCase& c, uint32_t seed, bool weights_as_input = false) {
  std::mt19937 rng(seed);
  const auto x = RandomFloats(rng, static_cast<size_t>(c.n) * c.h * c.w * c.cin);
  const auto w = RandomFloats(rng, static_cast<size_t>(c.cout) * c.kh * c.kw * (c.cin / c.groups));
  const auto b = c.bias ? RandomFloats(rng, c.cout) : std::vector<float>();
  OpTest t(schema::OpType_CONV_2D);
  t.Input<float>({c.n, c.h, c.w, c.cin}, x);
  if (weights_as_input)
    t.Input<float>({c.cout, c.kh, c.kw, c.cin / c.groups}, w);
  else
    t.Const<float>({c.cout, c.kh, c.kw, c.cin / c.groups}, w);
  if (c.bias)
    t.Const<float>({c.cout}, b);
  else
    t.OmitInput();
  t.Output(DType::kF32);
  t.SetOptions(schema::OpOptions_Conv2DOptions, Options(t, c));
  const Status s = t.Run(ref::Register_CONV_2D());
  INFO(s.message());
  REQUIRE(s.ok());
  int oh, ow;
  const auto want = NaiveConv(c, ToDouble(x), ToDouble(w), ToDouble(b), &oh, &ow);
  REQUIRE(t.OutputShape(0) == Shape({c.n, oh, ow, c.cout}));
  const auto got = t.OutputData<float>(0);
  REQUIRE(got.size() == want.size());
  int bad = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    const double e = ClampAct(want[i], c.act);
    if (std::fabs(got[i] - e) > 1e-4 + 1e-5 * std::fabs(e)) {
      if (bad++ == 0) FAIL_CHECK("element " << i << ": got " << got[i] << ", want " << e);
    }
  }
  CHECK(bad == 0);
}

// Quantized case. T is int8_t or uint8_t; per_channel only for int8.
template <typename T>
void RunQuantCase(const ConvCase& c, uint32_t seed, bool per_channel, int32_t w_zp = 0) {
  std::mt19937 rng(seed);
  const int qmin = std::numeric_limits<T>::min(), qmax = std::numeric_limits<T>::max();
  const int cin_g = c.cin / c.groups;
  const int k = c.kh * c.kw * cin_g;
  const float in_scale = 0.037f;
  const int32_t in_zp = std::is_same<T, int8_t>::value ? -9 : 121;
  std::vector<float> w_scale(per_channel ? c.cout : 1);
  std::uniform_real_distribution<float> sd(0.004f, 0.02f);
  for (float& s : w_scale) s = sd(rng);
  double mean_ws = 0;
  for (float s : w_scale) mean_ws += s / w_scale.size();
  const float out_scale = static_cast<float>(in_scale * mean_ws * 60.0 * std::sqrt(static_cast<double>(k)));
  const int32_t out_zp = std::is_same<T, int8_t>::value ? 5 : 131;

  const auto x = RandomInts<T>(rng, static_cast<size_t>(c.n) * c.h * c.w * c.cin, qmin, qmax);
  const auto w = RandomInts<T>(rng, static_cast<size_t>(c.cout) * c.kh * c.kw * cin_g,
                               std::is_same<T, int8_t>::value ? -127 : 0, qmax);
  const auto b = c.bias ? RandomInts<int32_t>(rng, c.cout, -3000, 3000) : std::vector<int32_t>();

  OpTest t(schema::OpType_CONV_2D);
  t.Input<T>({c.n, c.h, c.w, c.cin}, x, QuantSpec::PerTensor(in_scale, in_zp));
  QuantSpec wq;
  wq.scale = w_scale;
  wq.zero_point.assign(w_scale.size(), w_zp);
  wq.axis = 0;
  t.Const<T>({c.cout, c.kh, c.kw, cin_g}, w, wq);
  if (c.bias) {
    QuantSpec bq;
    for (float s : w_scale) bq.scale.push_back(in_scale * s);
    bq.zero_point.assign(w_scale.size(), 0);
    t.Const<int32_t>({c.cout}, b, bq);
  } else {
    t.OmitInput();
  }
  t.Output(DTypeOf<T>::value, QuantSpec::PerTensor(out_scale, out_zp));
  t.SetOptions(schema::OpOptions_Conv2DOptions, Options(t, c));
  const Status s = t.Run(ref::Register_CONV_2D());
  INFO(s.message());
  REQUIRE(s.ok());

  // Naive integer accumulation, per output channel (int64, independent of the kernel's loops).
  int oh, ow, pt, pl;
  Geometry(c, true, &oh, &pt);
  Geometry(c, false, &ow, &pl);
  REQUIRE(t.OutputShape(0) == Shape({c.n, oh, ow, c.cout}));
  // Real-valued reference for the one-step sanity check.
  std::vector<double> xr(x.size()), wr(w.size()), br(b.size());
  for (size_t i = 0; i < x.size(); ++i) xr[i] = in_scale * (static_cast<int>(x[i]) - in_zp);
  for (size_t i = 0; i < w.size(); ++i)
    wr[i] = w_scale[per_channel ? i / (c.kh * c.kw * cin_g) : 0] * (static_cast<int>(w[i]) - w_zp);
  for (size_t i = 0; i < b.size(); ++i) br[i] = static_cast<double>(in_scale) * w_scale[per_channel ? i : 0] * b[i];
  int rh, rw;
  const auto real = NaiveConv(c, xr, wr, br, &rh, &rw);

  // Fused activation range in the output's quantized domain.
  auto quant = [&](double v) { return static_cast<int>(std::round(v / out_scale)) + out_zp; };
  int act_lo = qmin, act_hi = qmax;
  if (c.act == schema::Activation_RELU) act_lo = std::max(qmin, quant(0));
  if (c.act == schema::Activation_RELU6) act_lo = std::max(qmin, quant(0)), act_hi = std::min(qmax, quant(6));
  if (c.act == schema::Activation_RELU_N1_TO_1) act_lo = std::max(qmin, quant(-1)), act_hi = std::min(qmax, quant(1));

  const auto got = t.OutputData<T>(0);
  size_t idx = 0;
  int bad = 0, far = 0, saturated = 0;
  for (int n = 0; n < c.n; ++n)
    for (int oy = 0; oy < oh; ++oy)
      for (int ox = 0; ox < ow; ++ox)
        for (int oc = 0; oc < c.cout; ++oc, ++idx) {
          const int g = oc / (c.cout / c.groups);
          int64_t acc = 0;
          for (int ky = 0; ky < c.kh; ++ky)
            for (int kx = 0; kx < c.kw; ++kx) {
              const int iy = oy * c.sh - pt + ky * c.dh, ix = ox * c.sw - pl + kx * c.dw;
              if (iy < 0 || iy >= c.h || ix < 0 || ix >= c.w) continue;
              for (int ci = 0; ci < cin_g; ++ci) {
                const int xv = x[((static_cast<size_t>(n) * c.h + iy) * c.w + ix) * c.cin + g * cin_g + ci];
                const int wv = w[((static_cast<size_t>(oc) * c.kh + ky) * c.kw + kx) * cin_g + ci];
                acc += static_cast<int64_t>(xv - in_zp) * (wv - w_zp);
              }
            }
          if (c.bias) acc += b[oc];
          int32_t mult;
          int shift;
          QuantizeMultiplier(static_cast<double>(in_scale) * w_scale[per_channel ? oc : 0] / out_scale, &mult, &shift);
          int v = MultiplyByQuantizedMultiplier(static_cast<int32_t>(acc), mult, shift) + out_zp;
          v = std::min(std::max(v, act_lo), act_hi);
          const int g_v = static_cast<int>(got[idx]);
          if (g_v != v && bad++ == 0)
            FAIL_CHECK("element " << idx << ": got " << g_v << ", want " << v << " (acc " << acc << ")");
          double rq = std::round(ClampAct(real[idx], c.act) / out_scale) + out_zp;
          rq = std::min<double>(std::max<double>(rq, qmin), qmax);
          if (std::fabs(rq - g_v) > 1) ++far;
          if (v == qmin || v == qmax) ++saturated;
        }
  CHECK(bad == 0);
  CHECK(far == 0);
  // The data must exercise the range, not just saturate.
  CHECK(saturated < static_cast<int>(got.size()) / 4);
}

ConvCase C(int n, int h, int w, int cin, int cout, int kh, int kw, int groups = 1, int sh = 1, int sw = 1,
           int dh = 1, int dw = 1, schema::Padding padding = schema::Padding_SAME, std::vector<int32_t> pads = {},
           schema::Activation act = schema::Activation_NONE, bool bias = true) {
  ConvCase c;
  c.n = n, c.h = h, c.w = w, c.cin = cin, c.cout = cout, c.kh = kh, c.kw = kw, c.groups = groups;
  c.sh = sh, c.sw = sw, c.dh = dh, c.dw = dw, c.padding = padding, c.pads = pads, c.act = act, c.bias = bias;
  return c;
}

const std::vector<ConvCase> kCases = {
    // n, h, w, cin, cout, kh, kw, groups, stride h/w, dilation h/w, padding, pads, activation, bias
    C(1, 7, 5, 3, 4, 3, 3),
    C(2, 11, 9, 3, 5, 3, 2, 1, 2, 2, 2, 2, schema::Padding_VALID, {}, schema::Activation_RELU6),
    C(1, 8, 7, 6, 9, 2, 3, 3, 2, 1, 1, 2, schema::Padding_EXPLICIT, {1, 2, 0, 3}, schema::Activation_RELU, false),
    C(1, 5, 6, 17, 3, 1, 1),
    C(2, 9, 10, 4, 4, 3, 3, 4, 2, 2, 1, 1, schema::Padding_SAME, {}, schema::Activation_RELU_N1_TO_1),  // groups = C
    C(1, 6, 13, 2, 7, 4, 5, 1, 3, 2),
    C(1, 4, 4, 3, 2, 5, 5),  // kernel larger than the input (SAME)
};

TEST_CASE("CONV_2D float matches naive convolution", "[kernels][conv_2d]") {
  uint32_t seed = 100;
  for (const ConvCase& c : kCases) {
    INFO("case " << c.n << "x" << c.h << "x" << c.w << "x" << c.cin << " -> " << c.cout << " k" << c.kh << "x"
                 << c.kw << " groups " << c.groups << " padding " << c.padding);
    RunFloatCase(c, seed++);
  }
}

TEST_CASE("CONV_2D float weights fed at run time", "[kernels][conv_2d]") {
  RunFloatCase(kCases[1], 7, /*weights_as_input=*/true);
}

TEST_CASE("CONV_2D int8 per-channel matches naive TFLite math", "[kernels][conv_2d]") {
  uint32_t seed = 200;
  for (const ConvCase& c : kCases) {
    INFO("case " << c.n << "x" << c.h << "x" << c.w << "x" << c.cin << " -> " << c.cout << " groups " << c.groups);
    RunQuantCase<int8_t>(c, seed++, /*per_channel=*/true);
  }
}

TEST_CASE("CONV_2D int8 per-tensor", "[kernels][conv_2d]") {
  RunQuantCase<int8_t>(kCases[0], 300, false);
  RunQuantCase<int8_t>(kCases[2], 301, false);
}

TEST_CASE("CONV_2D uint8 per-tensor asymmetric weights", "[kernels][conv_2d]") {
  uint32_t seed = 400;
  for (const ConvCase& c : kCases) {
    INFO("case " << c.n << "x" << c.h << "x" << c.w << "x" << c.cin << " -> " << c.cout << " groups " << c.groups);
    RunQuantCase<uint8_t>(c, seed++, false, /*w_zp=*/119);
  }
}

TEST_CASE("CONV_2D small exact example", "[kernels][conv_2d]") {
  // 1x3x3x1 input, 2x2 kernel of ones, VALID: each output sums a 2x2 block.
  OpTest t(schema::OpType_CONV_2D);
  t.Input<float>({1, 3, 3, 1}, {1, 2, 3, 4, 5, 6, 7, 8, 9});
  t.Const<float>({1, 2, 2, 1}, {1, 1, 1, 1});
  t.Const<float>({1}, {0.5f});
  t.Output(DType::kF32);
  t.SetOptions(schema::OpOptions_Conv2DOptions,
               schema::CreateConv2DOptions(t.fbb(), schema::Padding_VALID).Union());
  REQUIRE(t.Run(ref::Register_CONV_2D()).ok());
  CHECK(t.OutputShape(0) == Shape({1, 2, 2, 1}));
  CHECK(t.OutputData<float>(0) == std::vector<float>({12.5f, 16.5f, 24.5f, 28.5f}));
}

// Builds a float conv with the given pieces and returns the status.
Status RunBad(const std::vector<int32_t>& in_shape, DType wtype, const std::vector<int32_t>& w_shape,
              const std::vector<int32_t>& b_shape, int stride, schema::Padding padding,
              const std::vector<int32_t>& pads, DType out_type = DType::kF32) {
  OpTest t(schema::OpType_CONV_2D);
  size_t in_n = 1, w_n = 1, b_n = 1;
  for (int d : in_shape) in_n *= d;
  for (int d : w_shape) w_n *= d;
  for (int d : b_shape) b_n *= d;
  t.Input<float>(in_shape, std::vector<float>(in_n, 1.f));
  if (wtype == DType::kI8)
    t.Const<int8_t>(w_shape, std::vector<int8_t>(w_n, 1));
  else
    t.Const<float>(w_shape, std::vector<float>(w_n, 1.f));
  if (b_shape.empty())
    t.OmitInput();
  else
    t.Const<float>(b_shape, std::vector<float>(b_n, 0.f));
  t.Output(out_type);
  flatbuffers::Offset<flatbuffers::Vector<int32_t>> pv = 0;
  if (!pads.empty()) pv = t.fbb().CreateVector(pads);
  t.SetOptions(schema::OpOptions_Conv2DOptions,
               schema::CreateConv2DOptions(t.fbb(), padding, stride, stride, 1, 1, schema::Activation_NONE, pv)
                   .Union());
  return t.Run(ref::Register_CONV_2D());
}

bool Contains(const std::string& s, const char* word) { return s.find(word) != std::string::npos; }

TEST_CASE("CONV_2D rejects bad models with useful messages", "[kernels][conv_2d]") {
  const auto SAME = schema::Padding_SAME;
  Status s = RunBad({1, 5, 5, 3}, DType::kI8, {2, 3, 3, 3}, {}, 1, SAME, {});
  CHECK(s.code() == StatusCode::kUnsupported);
  CHECK(Contains(s.message(), "dtype"));
  CHECK(Contains(s.message(), "i8"));

  s = RunBad({1, 5, 5, 5}, DType::kF32, {2, 3, 3, 3}, {}, 1, SAME, {});
  CHECK(!s.ok());
  CHECK(Contains(s.message(), "multiple"));

  s = RunBad({1, 5, 5, 6}, DType::kF32, {5, 3, 3, 3}, {}, 1, SAME, {});  // groups 2 does not divide 5
  CHECK(!s.ok());
  CHECK(Contains(s.message(), "groups"));

  s = RunBad({1, 5, 5, 3}, DType::kF32, {2, 3, 3, 3}, {3}, 1, SAME, {});
  CHECK(!s.ok());
  CHECK(Contains(s.message(), "bias"));

  s = RunBad({1, 5, 5, 3}, DType::kF32, {2, 3, 3, 3}, {}, 0, SAME, {});
  CHECK(!s.ok());
  CHECK(Contains(s.message(), "stride"));

  s = RunBad({1, 5, 5, 3}, DType::kF32, {2, 3, 3, 3}, {}, 1, schema::Padding_EXPLICIT, {1, 1, 1});
  CHECK(!s.ok());
  CHECK(Contains(s.message(), "pads"));

  s = RunBad({1, 5, 5, 3}, DType::kF32, {2, 3, 3, 3}, {}, 1, schema::Padding_EXPLICIT, {1, -1, 1, 1});
  CHECK(!s.ok());
  CHECK(Contains(s.message(), "pads"));

  s = RunBad({1, 2, 2, 3}, DType::kF32, {2, 3, 3, 3}, {}, 1, schema::Padding_VALID, {});
  CHECK(!s.ok());
  CHECK(Contains(s.message(), "empty"));

  s = RunBad({5, 5, 3}, DType::kF32, {2, 3, 3, 3}, {}, 1, SAME, {});
  CHECK(!s.ok());
  CHECK(Contains(s.message(), "rank 4"));

  s = RunBad({1, 5, 5, 3}, DType::kF32, {2, 3, 3, 3}, {}, 1, SAME, {}, DType::kI8);
  CHECK(s.code() == StatusCode::kUnsupported);
  CHECK(Contains(s.message(), "output"));
}

TEST_CASE("CONV_2D rejects bad quantization", "[kernels][conv_2d]") {
  std::vector<int8_t> x(1 * 4 * 4 * 2, 1), w(3 * 2 * 2 * 2, 1);
  SECTION("input without quantization parameters") {
    OpTest t(schema::OpType_CONV_2D);
    t.Input<int8_t>({1, 4, 4, 2}, x);
    t.Const<int8_t>({3, 2, 2, 2}, w, QuantSpec::PerTensor(0.1f, 0));
    t.OmitInput();
    t.Output(DType::kI8, QuantSpec::PerTensor(0.1f, 0));
    t.SetOptions(schema::OpOptions_Conv2DOptions, schema::CreateConv2DOptions(t.fbb()).Union());
    const Status s = t.Run(ref::Register_CONV_2D());
    CHECK(s.code() == StatusCode::kInvalidModel);
    CHECK(Contains(s.message(), "quantization"));
  }
  SECTION("per-channel weights with a non-zero zero point") {
    OpTest t(schema::OpType_CONV_2D);
    t.Input<int8_t>({1, 4, 4, 2}, x, QuantSpec::PerTensor(0.1f, 0));
    t.Const<int8_t>({3, 2, 2, 2}, w, QuantSpec{{0.1f, 0.2f, 0.3f}, {0, 4, 0}, 0});
    t.OmitInput();
    t.Output(DType::kI8, QuantSpec::PerTensor(0.1f, 0));
    t.SetOptions(schema::OpOptions_Conv2DOptions, schema::CreateConv2DOptions(t.fbb()).Union());
    const Status s = t.Run(ref::Register_CONV_2D());
    CHECK(!s.ok());
    CHECK(Contains(s.message(), "zero_point"));
  }
  SECTION("per-channel along the wrong axis") {
    OpTest t(schema::OpType_CONV_2D);
    t.Input<int8_t>({1, 4, 4, 2}, x, QuantSpec::PerTensor(0.1f, 0));
    t.Const<int8_t>({3, 2, 2, 2}, w, QuantSpec{{0.1f, 0.2f}, {0, 0}, 3});
    t.OmitInput();
    t.Output(DType::kI8, QuantSpec::PerTensor(0.1f, 0));
    t.SetOptions(schema::OpOptions_Conv2DOptions, schema::CreateConv2DOptions(t.fbb()).Union());
    const Status s = t.Run(ref::Register_CONV_2D());
    CHECK(!s.ok());
    CHECK(Contains(s.message(), "axis"));
  }
  SECTION("bias scale inconsistent with input * weight scale") {
    OpTest t(schema::OpType_CONV_2D);
    t.Input<int8_t>({1, 4, 4, 2}, x, QuantSpec::PerTensor(0.1f, 0));
    t.Const<int8_t>({3, 2, 2, 2}, w, QuantSpec::PerTensor(0.5f, 0));
    t.Const<int32_t>({3}, {1, 2, 3}, QuantSpec::PerTensor(0.3f, 0));
    t.Output(DType::kI8, QuantSpec::PerTensor(0.1f, 0));
    t.SetOptions(schema::OpOptions_Conv2DOptions, schema::CreateConv2DOptions(t.fbb()).Union());
    const Status s = t.Run(ref::Register_CONV_2D());
    CHECK(!s.ok());
    CHECK(Contains(s.message(), "bias"));
  }
  SECTION("float bias with int8 input") {
    OpTest t(schema::OpType_CONV_2D);
    t.Input<int8_t>({1, 4, 4, 2}, x, QuantSpec::PerTensor(0.1f, 0));
    t.Const<int8_t>({3, 2, 2, 2}, w, QuantSpec::PerTensor(0.5f, 0));
    t.Const<float>({3}, {1, 2, 3});
    t.Output(DType::kI8, QuantSpec::PerTensor(0.1f, 0));
    t.SetOptions(schema::OpOptions_Conv2DOptions, schema::CreateConv2DOptions(t.fbb()).Union());
    const Status s = t.Run(ref::Register_CONV_2D());
    CHECK(!s.ok());
    CHECK(Contains(s.message(), "bias"));
    CHECK(Contains(s.message(), "i32"));
  }
}

}  // namespace
}  // namespace edgert
