// TRANSPOSE_CONV: the reference kernel (gather form) against a naive scatter
// written here: every input pixel (y, x) adds in * w[oc, ky, kx, ic] to output
// (y*stride - pad_top + ky, x*stride - pad_left + kx) when that lies inside the
// output. Double accumulation for float; int64 accumulation plus TFLite's
// fixed-point requantization for i8/u8 (must match exactly, and be within one
// step of the real-valued result).
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
const OpKernel* TcKernel() { return g_optimized ? opt::Register_TRANSPOSE_CONV() : ref::Register_TRANSPOSE_CONV(); }

using namespace conv_test;  // NOLINT: OpTest and tests/kernels/conv_test_util.h

struct TcCase {
  int n = 1, h = 1, w = 1, cin = 1, cout = 1, kh = 1, kw = 1, sh = 1, sw = 1;
  schema::Padding padding = schema::Padding_SAME;
  std::vector<int32_t> pads;          // EXPLICIT
  int oph = 0, opw = 0;               // output_padding
  std::vector<int32_t> output_shape;  // optional override
  schema::Activation act = schema::Activation_NONE;
  bool bias = true;
};

TcCase T(int n, int h, int w, int cin, int cout, int kh, int kw, int sh, int sw,
         schema::Padding padding = schema::Padding_SAME, std::vector<int32_t> pads = {}, int oph = 0, int opw = 0,
         std::vector<int32_t> output_shape = {}, schema::Activation act = schema::Activation_NONE, bool bias = true) {
  TcCase c;
  c.n = n, c.h = h, c.w = w, c.cin = cin, c.cout = cout, c.kh = kh, c.kw = kw, c.sh = sh, c.sw = sw;
  c.padding = padding, c.pads = pads, c.oph = oph, c.opw = opw, c.output_shape = output_shape, c.act = act,
  c.bias = bias;
  return c;
}

const std::vector<TcCase> kCases = {
    // n, h, w, cin, cout, kh, kw, sh, sw, padding, pads, output_padding h/w, output_shape, act, bias
    T(1, 4, 3, 3, 2, 3, 3, 2, 2),                                     // SAME: 8x6
    T(2, 3, 5, 2, 5, 3, 2, 2, 3, schema::Padding_VALID),              // VALID: 7x14
    T(1, 5, 4, 4, 3, 4, 3, 3, 2, schema::Padding_EXPLICIT, {1, 0, 2, 1}, 2, 1, {}, schema::Activation_RELU),
    T(1, 3, 3, 17, 1, 1, 1, 1, 1, schema::Padding_SAME, {}, 0, 0, {}, schema::Activation_NONE, false),
    T(1, 4, 3, 3, 2, 3, 3, 2, 2, schema::Padding_SAME, {}, 0, 0, {1, 7, 5, 2}),    // output_shape smaller than in*s
    T(1, 3, 4, 2, 3, 3, 2, 2, 2, schema::Padding_VALID, {}, 0, 0, {1, 8, 9, 3}, schema::Activation_RELU6),
    T(2, 5, 2, 3, 4, 2, 5, 2, 1, schema::Padding_EXPLICIT, {0, 2, 1, 1}, 0, 0, {2, 9, 3, 4}),
    T(1, 2, 3, 2, 2, 1, 2, 3, 3),  // stride larger than kernel: gaps in the output
    // Filters tiling the output exactly (stride = filter, no padding): one tap per output pixel.
    T(2, 5, 9, 16, 1, 2, 2, 2, 2, schema::Padding_SAME, {}, 0, 0, {}, schema::Activation_RELU6),
    T(1, 3, 17, 5, 20, 2, 3, 2, 3, schema::Padding_VALID),  // 60 columns per filter row
    T(1, 4, 2, 3, 4, 3, 1, 3, 1, schema::Padding_SAME, {}, 0, 0, {}, schema::Activation_NONE, false),
    // At most 4 taps x output channels (the AVX-512 dot microkernel's path): input channels 3, 20 and 33
    // (partial 16-lane steps), 2, 3 and 4 values per pixel, filter rows split over output rows.
    T(1, 3, 5, 3, 1, 2, 2, 2, 2, schema::Padding_VALID),
    T(1, 2, 7, 20, 2, 1, 2, 1, 2, schema::Padding_VALID, {}, 0, 0, {}, schema::Activation_RELU),
    T(2, 3, 3, 33, 3, 1, 1, 1, 1, schema::Padding_SAME, {}, 0, 0, {}, schema::Activation_NONE, false),
    T(1, 4, 6, 7, 1, 2, 1, 2, 1, schema::Padding_VALID, {}, 0, 0, {}, schema::Activation_RELU_N1_TO_1),
};

// Output size and padding before per the rules in schema/edgert.fbs (written out here).
void Geometry(const TcCase& c, bool height, int* out, int* before) {
  const int in = height ? c.h : c.w, k = height ? c.kh : c.kw, s = height ? c.sh : c.sw;
  if (!c.output_shape.empty()) {
    *out = c.output_shape[height ? 1 : 2];
  } else if (c.padding == schema::Padding_SAME) {
    *out = in * s;
  } else if (c.padding == schema::Padding_VALID) {
    *out = (in - 1) * s + k;
  } else {
    *out = (in - 1) * s + k - c.pads[height ? 0 : 1] - c.pads[height ? 2 : 3] + (height ? c.oph : c.opw);
  }
  if (c.padding == schema::Padding_SAME)
    *before = std::max((in - 1) * s + k - *out, 0) / 2;
  else if (c.padding == schema::Padding_VALID)
    *before = 0;
  else
    *before = c.pads[height ? 0 : 1];
}

// Scatter form; `term(x_index, w_index)` gives one product.
template <typename Acc, typename Term>
std::vector<Acc> NaiveScatter(const TcCase& c, int* oh, int* ow, Term term) {
  int pt, pl;
  Geometry(c, true, oh, &pt);
  Geometry(c, false, ow, &pl);
  std::vector<Acc> y(static_cast<size_t>(c.n) * *oh * *ow * c.cout, 0);
  for (int n = 0; n < c.n; ++n)
    for (int iy = 0; iy < c.h; ++iy)
      for (int ix = 0; ix < c.w; ++ix)
        for (int ky = 0; ky < c.kh; ++ky)
          for (int kx = 0; kx < c.kw; ++kx) {
            const int oy = iy * c.sh - pt + ky, ox = ix * c.sw - pl + kx;
            if (oy < 0 || oy >= *oh || ox < 0 || ox >= *ow) continue;
            for (int oc = 0; oc < c.cout; ++oc)
              for (int ic = 0; ic < c.cin; ++ic)
                y[((static_cast<size_t>(n) * *oh + oy) * *ow + ox) * c.cout + oc] +=
                    term(((static_cast<size_t>(n) * c.h + iy) * c.w + ix) * c.cin + ic,
                         ((static_cast<size_t>(oc) * c.kh + ky) * c.kw + kx) * c.cin + ic);
          }
  return y;
}

flatbuffers::Offset<void> Options(OpTest& t, const TcCase& c) {
  const auto pads = OptionalVector(t, c.pads);
  const auto os = OptionalVector(t, c.output_shape);
  return schema::CreateTransposeConvOptions(t.fbb(), c.padding, c.sh, c.sw, c.act, pads, c.oph, c.opw, os).Union();
}

std::string Describe(const TcCase& c) {
  return std::to_string(c.n) + "x" + std::to_string(c.h) + "x" + std::to_string(c.w) + "x" + std::to_string(c.cin) +
         " -> " + std::to_string(c.cout) + " k" + std::to_string(c.kh) + "x" + std::to_string(c.kw) + " s" +
         std::to_string(c.sh) + "x" + std::to_string(c.sw) + " padding " + std::to_string(c.padding);
}

void RunFloatCase(const TcCase& c, uint32_t seed) {
  std::mt19937 rng(seed);
  const auto x = RandomFloats(rng, static_cast<size_t>(c.n) * c.h * c.w * c.cin);
  const auto w = RandomFloats(rng, static_cast<size_t>(c.cout) * c.kh * c.kw * c.cin);
  const auto b = RandomFloats(rng, c.bias ? c.cout : 0);
  OpTest t(schema::OpType_TRANSPOSE_CONV);
  t.Input<float>({c.n, c.h, c.w, c.cin}, x);
  t.Const<float>({c.cout, c.kh, c.kw, c.cin}, w);
  ConstOrOmit(t, c.bias, {c.cout}, b);
  t.Output(DType::kF32);
  t.SetOptions(schema::OpOptions_TransposeConvOptions, Options(t, c));
  RequireRun(t, TcKernel());
  int oh, ow;
  const auto want =
      NaiveScatter<double>(c, &oh, &ow, [&](size_t i, size_t j) { return static_cast<double>(x[i]) * w[j]; });
  REQUIRE(t.OutputShape(0) == Shape({c.n, oh, ow, c.cout}));
  const auto got = t.OutputData<float>(0);
  REQUIRE(got.size() == want.size());
  std::vector<double> e(want.size());
  for (size_t i = 0; i < want.size(); ++i) e[i] = ClampAct(want[i] + (c.bias ? b[i % c.cout] : 0.0), c.act);
  CheckAllNear(got, e, 1e-5, 1e-5);
}

template <typename T>
void RunQuantCase(const TcCase& c, uint32_t seed, bool per_channel, int32_t w_zp) {
  std::mt19937 rng(seed);
  const int qmin = std::numeric_limits<T>::min(), qmax = std::numeric_limits<T>::max();
  const bool s8 = std::is_same<T, int8_t>::value;
  const float in_scale = 0.043f;
  const int32_t in_zp = s8 ? -20 : 110;
  const std::vector<float> w_scale = RandomFloats(rng, per_channel ? c.cout : 1, 0.004f, 0.02f);
  const int taps = std::max(1, (c.kh + c.sh - 1) / c.sh) * std::max(1, (c.kw + c.sw - 1) / c.sw) * c.cin;
  const float out_scale = static_cast<float>(in_scale * Mean(w_scale) * 60.0 * std::sqrt(taps));
  const int32_t out_zp = s8 ? 11 : 128;
  const auto x = RandomInts<T>(rng, static_cast<size_t>(c.n) * c.h * c.w * c.cin, qmin, qmax);
  const auto w = RandomInts<T>(rng, static_cast<size_t>(c.cout) * c.kh * c.kw * c.cin, s8 ? -127 : 0, qmax);
  const auto b = c.bias ? RandomInts<int32_t>(rng, c.cout, -2500, 2500) : std::vector<int32_t>();

  OpTest t(schema::OpType_TRANSPOSE_CONV);
  t.Input<T>({c.n, c.h, c.w, c.cin}, x, QuantSpec::PerTensor(in_scale, in_zp));
  t.Const<T>({c.cout, c.kh, c.kw, c.cin}, w, WeightQuant(w_scale, w_zp, 0));
  ConstOrOmit(t, c.bias, {c.cout}, b, BiasQuant(in_scale, w_scale));
  t.Output(DTypeOf<T>::value, QuantSpec::PerTensor(out_scale, out_zp));
  t.SetOptions(schema::OpOptions_TransposeConvOptions, Options(t, c));
  RequireRun(t, TcKernel());

  int oh, ow;
  const auto acc = NaiveScatter<int64_t>(c, &oh, &ow, [&](size_t i, size_t j) {
    return static_cast<int64_t>(static_cast<int>(x[i]) - in_zp) * (static_cast<int>(w[j]) - w_zp);
  });
  REQUIRE(t.OutputShape(0) == Shape({c.n, oh, ow, c.cout}));
  CheckQuantConvOutputs(t.OutputData<T>(0), acc, c.cout, b, in_scale, w_scale, out_scale, out_zp, c.act);
}

TEST_CASE("TRANSPOSE_CONV float matches naive scatter", "[kernels][transpose_conv]") {
  EDGERT_KERNEL_VARIANTS(g_optimized);
  uint32_t seed = 1;
  for (const TcCase& c : kCases) {
    INFO(Describe(c));
    RunFloatCase(c, seed++);
  }
}

TEST_CASE("TRANSPOSE_CONV int8 per-channel", "[kernels][transpose_conv]") {
  EDGERT_KERNEL_VARIANTS(g_optimized);
  uint32_t seed = 50;
  for (const TcCase& c : kCases) {
    INFO(Describe(c));
    RunQuantCase<int8_t>(c, seed++, true, 0);
  }
}

TEST_CASE("TRANSPOSE_CONV int8 per-tensor", "[kernels][transpose_conv]") {
  EDGERT_KERNEL_VARIANTS(g_optimized);
  RunQuantCase<int8_t>(kCases[0], 60, false, 0);
  RunQuantCase<int8_t>(kCases[2], 61, false, 0);
}

TEST_CASE("TRANSPOSE_CONV uint8 per-tensor asymmetric", "[kernels][transpose_conv]") {
  EDGERT_KERNEL_VARIANTS(g_optimized);
  uint32_t seed = 70;
  for (const TcCase& c : kCases) {
    INFO(Describe(c));
    RunQuantCase<uint8_t>(c, seed++, false, 140);
  }
}

TEST_CASE("TRANSPOSE_CONV small exact example", "[kernels][transpose_conv]") {
  EDGERT_KERNEL_VARIANTS(g_optimized);
  // 1x2x2x1 input, 2x2 kernel of ones, stride 2, VALID: each input pixel becomes a 2x2 block.
  OpTest t(schema::OpType_TRANSPOSE_CONV);
  t.Input<float>({1, 2, 2, 1}, {1, 2, 3, 4});
  t.Const<float>({1, 2, 2, 1}, {1, 1, 1, 1});
  t.OmitInput();
  t.Output(DType::kF32);
  t.SetOptions(schema::OpOptions_TransposeConvOptions,
               schema::CreateTransposeConvOptions(t.fbb(), schema::Padding_VALID, 2, 2).Union());
  REQUIRE(t.Run(TcKernel()).ok());
  CHECK(t.OutputShape(0) == Shape({1, 4, 4, 1}));
  CHECK(t.OutputData<float>(0) == std::vector<float>({1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4}));
}

Status RunBad(const TcCase& c, const std::vector<int32_t>& w_shape) {
  OpTest t(schema::OpType_TRANSPOSE_CONV);
  t.Input<float>({c.n, c.h, c.w, c.cin}, std::vector<float>(static_cast<size_t>(c.n) * c.h * c.w * c.cin, 1.f));
  t.Const<float>(w_shape, std::vector<float>(Count(w_shape), 1.f));
  t.OmitInput();
  t.Output(DType::kF32);
  t.SetOptions(schema::OpOptions_TransposeConvOptions, Options(t, c));
  return t.Run(TcKernel());
}

TEST_CASE("TRANSPOSE_CONV rejects bad models with useful messages", "[kernels][transpose_conv]") {
  EDGERT_KERNEL_VARIANTS(g_optimized);
  using P = schema::Padding;
  // Weights in-channels differ from the input's.
  Status s = RunBad(T(1, 4, 4, 3, 2, 3, 3, 2, 2), {2, 3, 3, 4});
  CHECK(s.code() == StatusCode::kInvalidModel);
  CHECK(Contains(s.message(), "in-channels"));
  // output_shape inconsistent with SAME (needs ceil(out / 2) == 4, i.e. 7 or 8).
  s = RunBad(T(1, 4, 4, 3, 2, 3, 3, 2, 2, P::Padding_SAME, {}, 0, 0, {1, 9, 8, 2}), {2, 3, 3, 3});
  CHECK(!s.ok());
  CHECK(Contains(s.message(), "output_shape"));
  CHECK(Contains(s.message(), "height"));
  // output_shape with the wrong channel count.
  s = RunBad(T(1, 4, 4, 3, 2, 3, 3, 2, 2, P::Padding_SAME, {}, 0, 0, {1, 8, 8, 3}), {2, 3, 3, 3});
  CHECK(!s.ok());
  CHECK(Contains(s.message(), "output_shape"));
  // output_shape with 3 values.
  s = RunBad(T(1, 4, 4, 3, 2, 3, 3, 2, 2, P::Padding_SAME, {}, 0, 0, {1, 8, 8}), {2, 3, 3, 3});
  CHECK(!s.ok());
  CHECK(Contains(s.message(), "output_shape"));
  // VALID output_shape too small.
  s = RunBad(T(1, 3, 3, 1, 1, 3, 3, 2, 2, P::Padding_VALID, {}, 0, 0, {1, 6, 7, 1}), {1, 3, 3, 1});
  CHECK(!s.ok());
  CHECK(Contains(s.message(), "inconsistent"));
  // output_padding not smaller than the stride.
  s = RunBad(T(1, 3, 3, 1, 1, 3, 3, 2, 2, P::Padding_EXPLICIT, {0, 0, 0, 0}, 2, 0), {1, 3, 3, 1});
  CHECK(!s.ok());
  CHECK(Contains(s.message(), "output_padding"));
  // output_padding with SAME padding.
  s = RunBad(T(1, 3, 3, 1, 1, 3, 3, 2, 2, P::Padding_SAME, {}, 1, 0), {1, 3, 3, 1});
  CHECK(!s.ok());
  CHECK(Contains(s.message(), "EXPLICIT"));
  // Pads that leave nothing.
  s = RunBad(T(1, 1, 1, 1, 1, 2, 2, 1, 1, P::Padding_EXPLICIT, {1, 0, 1, 0}), {1, 2, 2, 1});
  CHECK(!s.ok());
  CHECK(Contains(s.message(), "empty"));
  // Zero stride.
  s = RunBad(T(1, 3, 3, 1, 1, 3, 3, 0, 1), {1, 3, 3, 1});
  CHECK(!s.ok());
  CHECK(Contains(s.message(), "stride"));
  // Weights of rank 3.
  s = RunBad(T(1, 3, 3, 1, 1, 3, 3, 1, 1), {1, 3, 3});
  CHECK(!s.ok());
  CHECK(Contains(s.message(), "[O,KH,KW,I]"));
}

}  // namespace
}  // namespace edgert
