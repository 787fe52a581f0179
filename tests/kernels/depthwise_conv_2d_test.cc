// DEPTHWISE_CONV_2D: the reference and the optimized kernel (with the CPU's
// best ISA active) against a naive depthwise convolution
// written here (output channel c*M + m reads input channel c with weights
// [1,KH,KW,C*M]); double accumulation for float, int64 accumulation plus
// TFLite's fixed-point requantization for i8/u8 (which must match exactly).
// Quantized outputs are also checked to be within one step of the real-valued
// result computed in double (the fixed-point multiplier legitimately rounds).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "kernels/optimized/optimized_kernels.h"
#include "kernels/reference/reference_kernels.h"
#include "tests/kernels/conv_test_util.h"
#include "tests/op_test.h"

namespace edgert {
namespace {

using namespace conv_test;  // NOLINT: OpTest and tests/kernels/conv_test_util.h

struct DwCase {
  int n = 1, h = 1, w = 1, c = 1, mult = 1, kh = 1, kw = 1;
  int sh = 1, sw = 1, dh = 1, dw = 1;
  schema::Padding padding = schema::Padding_SAME;
  std::vector<int32_t> pads;
  schema::Activation act = schema::Activation_NONE;
  bool bias = true;
};

DwCase D(int n, int h, int w, int c, int mult, int kh, int kw, int sh = 1, int sw = 1, int dh = 1, int dw = 1,
         schema::Padding padding = schema::Padding_SAME, std::vector<int32_t> pads = {},
         schema::Activation act = schema::Activation_NONE, bool bias = true) {
  DwCase d;
  d.n = n, d.h = h, d.w = w, d.c = c, d.mult = mult, d.kh = kh, d.kw = kw, d.sh = sh, d.sw = sw, d.dh = dh,
  d.dw = dw;
  d.padding = padding, d.pads = pads, d.act = act, d.bias = bias;
  return d;
}

// Each TEST_CASE runs once per kernel: `kernel` is the reference, then the
// optimized kernel, with the CPU's best ISA level active for both.
#define DW_KERNELS()                                                                                       \
  const OpKernel* kernel = GENERATE(ref::Register_DEPTHWISE_CONV_2D(), opt::Register_DEPTHWISE_CONV_2D()); \
  ScopedBestIsa best_isa;                                                                                   \
  INFO("kernel " << kernel->name << ", ISA " << GetKernelIsa().name)

const std::vector<DwCase> kCases = {
    // n, h, w, c, mult, kh, kw, stride h/w, dilation h/w, padding, pads, activation, bias
    D(1, 7, 5, 3, 1, 3, 3),
    D(2, 9, 11, 3, 2, 3, 2, 2, 2, 2, 2, schema::Padding_VALID, {}, schema::Activation_RELU6),
    D(1, 8, 7, 17, 1, 2, 3, 2, 1, 1, 2, schema::Padding_EXPLICIT, {1, 2, 0, 3}, schema::Activation_RELU, false),
    D(1, 6, 6, 1, 5, 5, 3, 1, 2, 1, 1, schema::Padding_SAME, {}, schema::Activation_RELU_N1_TO_1),
    D(2, 5, 4, 4, 3, 1, 1),
    D(1, 3, 3, 2, 2, 5, 5),  // kernel larger than input (SAME)
};

void Geometry(const DwCase& c, bool height, int* out, int* before) {
  WindowAxis(c.padding, c.pads, height ? 0 : 1, height ? c.h : c.w, height ? c.kh : c.kw, height ? c.sh : c.sw,
             height ? c.dh : c.dw, out, before);
}

// Naive depthwise convolution; `term(x_index, w_index)` gives one product, accumulated as Acc.
template <typename Acc, typename Term>
std::vector<Acc> Naive(const DwCase& c, int* oh, int* ow, Term term) {
  int pt, pl;
  Geometry(c, true, oh, &pt);
  Geometry(c, false, ow, &pl);
  const int oc_n = c.c * c.mult;
  std::vector<Acc> y;
  for (int n = 0; n < c.n; ++n)
    for (int oy = 0; oy < *oh; ++oy)
      for (int ox = 0; ox < *ow; ++ox)
        for (int ic = 0; ic < c.c; ++ic)
          for (int m = 0; m < c.mult; ++m) {
            const int oc = ic * c.mult + m;
            Acc acc = 0;
            for (int ky = 0; ky < c.kh; ++ky)
              for (int kx = 0; kx < c.kw; ++kx) {
                const int iy = oy * c.sh - pt + ky * c.dh, ix = ox * c.sw - pl + kx * c.dw;
                if (iy < 0 || iy >= c.h || ix < 0 || ix >= c.w) continue;
                acc += term(((static_cast<size_t>(n) * c.h + iy) * c.w + ix) * c.c + ic,
                            (static_cast<size_t>(ky) * c.kw + kx) * oc_n + oc);
              }
            y.push_back(acc);
          }
  return y;
}

flatbuffers::Offset<void> Options(OpTest& t, const DwCase& c) {
  const auto pads = OptionalVector(t, c.pads);
  return schema::CreateDepthwiseConv2DOptions(t.fbb(), c.padding, c.sh, c.sw, c.dh, c.dw, c.act, pads, c.mult)
      .Union();
}

// Runs the float case on `threads` threads, checks it against the naive
// depthwise convolution and returns the output.
std::vector<float> RunFloatCase(const OpKernel* kernel, const DwCase& c, uint32_t seed, int threads = 1) {
  std::mt19937 rng(seed);
  const int oc_n = c.c * c.mult;
  const auto x = RandomFloats(rng, static_cast<size_t>(c.n) * c.h * c.w * c.c);
  const auto w = RandomFloats(rng, static_cast<size_t>(c.kh) * c.kw * oc_n);
  const auto b = RandomFloats(rng, c.bias ? oc_n : 0);
  OpTest t(schema::OpType_DEPTHWISE_CONV_2D);
  t.Input<float>({c.n, c.h, c.w, c.c}, x);
  t.Const<float>({1, c.kh, c.kw, oc_n}, w);
  ConstOrOmit(t, c.bias, {oc_n}, b);
  t.Output(DType::kF32);
  t.SetOptions(schema::OpOptions_DepthwiseConv2DOptions, Options(t, c));
  t.SetNumThreads(threads);
  RequireRun(t, kernel);
  int oh, ow;
  const auto want = Naive<double>(c, &oh, &ow, [&](size_t i, size_t j) { return static_cast<double>(x[i]) * w[j]; });
  REQUIRE(t.OutputShape(0) == Shape({c.n, oh, ow, oc_n}));
  const auto got = t.OutputData<float>(0);
  REQUIRE(got.size() == want.size());
  std::vector<double> e(want.size());
  for (size_t i = 0; i < want.size(); ++i) e[i] = ClampAct(want[i] + (c.bias ? b[i % oc_n] : 0.0), c.act);
  CheckAllNear(got, e, 1e-5, 1e-5);
  return got;
}

template <typename T>
void RunQuantCase(const OpKernel* kernel, const DwCase& c, uint32_t seed, bool per_channel, int32_t w_zp) {
  std::mt19937 rng(seed);
  const int qmin = std::numeric_limits<T>::min(), qmax = std::numeric_limits<T>::max();
  const bool s8 = std::is_same<T, int8_t>::value;
  const int oc_n = c.c * c.mult;
  const float in_scale = 0.021f;
  const int32_t in_zp = s8 ? 7 : 140;
  const std::vector<float> w_scale = RandomFloats(rng, per_channel ? oc_n : 1, 0.005f, 0.03f);
  const float out_scale = static_cast<float>(in_scale * Mean(w_scale) * 60.0 * std::sqrt(c.kh * c.kw));
  const int32_t out_zp = s8 ? -3 : 100;
  const auto x = RandomInts<T>(rng, static_cast<size_t>(c.n) * c.h * c.w * c.c, qmin, qmax);
  const auto w = RandomInts<T>(rng, static_cast<size_t>(c.kh) * c.kw * oc_n, s8 ? -127 : 0, qmax);
  const auto b = c.bias ? RandomInts<int32_t>(rng, oc_n, -2000, 2000) : std::vector<int32_t>();

  OpTest t(schema::OpType_DEPTHWISE_CONV_2D);
  t.Input<T>({c.n, c.h, c.w, c.c}, x, QuantSpec::PerTensor(in_scale, in_zp));
  t.Const<T>({1, c.kh, c.kw, oc_n}, w, WeightQuant(w_scale, w_zp, per_channel ? 3 : 0));
  ConstOrOmit(t, c.bias, {oc_n}, b, BiasQuant(in_scale, w_scale));
  t.Output(DTypeOf<T>::value, QuantSpec::PerTensor(out_scale, out_zp));
  t.SetOptions(schema::OpOptions_DepthwiseConv2DOptions, Options(t, c));
  RequireRun(t, kernel);

  int oh, ow;
  const auto acc = Naive<int64_t>(c, &oh, &ow, [&](size_t i, size_t j) {
    return static_cast<int64_t>(static_cast<int>(x[i]) - in_zp) * (static_cast<int>(w[j]) - w_zp);
  });
  REQUIRE(t.OutputShape(0) == Shape({c.n, oh, ow, oc_n}));
  CheckQuantConvOutputs(t.OutputData<T>(0), acc, oc_n, b, in_scale, w_scale, out_scale, out_zp, c.act);
}

TEST_CASE("DEPTHWISE_CONV_2D float matches naive depthwise convolution", "[kernels][depthwise_conv_2d]") {
  DW_KERNELS();
  uint32_t seed = 10;
  for (const DwCase& c : kCases) {
    INFO("case " << c.n << "x" << c.h << "x" << c.w << "x" << c.c << " mult " << c.mult << " k" << c.kh << "x"
                 << c.kw << " padding " << c.padding);
    RunFloatCase(kernel, c, seed++);
  }
}

// Tails of the optimized kernel's channel tile (16, then 8, then masked 1..7):
// channels 1, 3, 7, 8, 15, 16, 17, 33, 40; strides 2; dilation 2; SAME, VALID
// and EXPLICIT padding; odd output widths.
const std::vector<DwCase> kTailCases = {
    D(1, 7, 6, 33, 1, 3, 3),
    D(1, 9, 8, 17, 1, 3, 3, 2, 2, 1, 1, schema::Padding_VALID, {}, schema::Activation_RELU6),
    D(2, 5, 7, 7, 1, 3, 3, 2, 2, 1, 1, schema::Padding_EXPLICIT, {0, 1, 1, 0}, schema::Activation_RELU, false),
    D(1, 6, 6, 8, 1, 5, 5, 1, 1, 2, 2),
    D(1, 4, 5, 40, 1, 1, 1),
    D(1, 5, 3, 15, 1, 3, 2, 1, 2, 1, 1, schema::Padding_EXPLICIT, {2, 1, 0, 3}),
    D(1, 3, 3, 16, 1, 3, 3, 2, 1),
    D(1, 5, 5, 1, 1, 3, 3, 1, 1, 1, 1, schema::Padding_SAME, {}, schema::Activation_RELU_N1_TO_1),
    D(1, 4, 3, 3, 1, 3, 3, 2, 2, 1, 1, schema::Padding_SAME, {}, schema::Activation_NONE, false),
};

TEST_CASE("DEPTHWISE_CONV_2D float channel tails match naive depthwise convolution",
          "[kernels][depthwise_conv_2d]") {
  DW_KERNELS();
  uint32_t seed = 50;
  for (const DwCase& c : kTailCases) {
    INFO("case " << c.n << "x" << c.h << "x" << c.w << "x" << c.c << " k" << c.kh << "x" << c.kw << " stride "
                 << c.sh << "x" << c.sw << " padding " << c.padding);
    RunFloatCase(kernel, c, seed++);
  }
}

// Several threads: the optimized kernel splits the output rows into tiles run
// concurrently, each building its indirection buffers in its worker's scratch.
// Outputs must be bit-identical to the one-thread output. Cases are large
// enough to be split, with odd sizes, strides, dilation and padding, batches.
const std::vector<DwCase> kThreadCases = {
    D(1, 61, 59, 37, 1, 3, 3),
    D(2, 39, 45, 24, 1, 5, 5, 2, 2, 1, 1, schema::Padding_SAME, {}, schema::Activation_RELU6),
    D(1, 41, 37, 45, 1, 3, 3, 1, 1, 2, 2, schema::Padding_EXPLICIT, {2, 1, 0, 3}, schema::Activation_RELU, false),
    D(1, 19, 9, 300, 1, 3, 3, 1, 1, 1, 1, schema::Padding_VALID),
};

TEST_CASE("DEPTHWISE_CONV_2D float gives identical results on 1, 2 and 3 threads", "[kernels][depthwise_conv_2d]") {
  DW_KERNELS();
  uint32_t seed = 90;
  for (const DwCase& c : kThreadCases) {
    INFO("case " << c.n << "x" << c.h << "x" << c.w << "x" << c.c << " k" << c.kh << "x" << c.kw << " stride "
                 << c.sh << "x" << c.sw << " padding " << c.padding);
    const std::vector<float> one = RunFloatCase(kernel, c, seed, 1);
    for (int threads : {2, 3}) {
      INFO("threads " << threads);
      const std::vector<float> many = RunFloatCase(kernel, c, seed, threads);
      REQUIRE(many.size() == one.size());
      CHECK(std::memcmp(many.data(), one.data(), one.size() * sizeof(float)) == 0);
    }
    ++seed;
  }
}

// The optimized kernel keeps its rows' input pointers between invokes
// (kernels/common/depthwise_rows.h) for up to 64 channels and 2 MB.
// Moving the input to another buffer must rebuild them: each invoke's output
// must match the reference kernel run on the same values.
template <typename T>
void CheckInputMoves(const DwCase& c, QuantSpec in_q, QuantSpec w_q, QuantSpec out_q, uint32_t seed) {
  std::mt19937 rng(seed);
  const size_t n = static_cast<size_t>(c.n) * c.h * c.w * c.c;
  const bool is_float = std::is_same<T, float>::value;
  // Floats in [-1, 1) or int8 in [lo, 127].
  auto values = [&](size_t count, int lo) {
    std::vector<T> v(count);
    std::uniform_int_distribution<int> q(lo, 127);
    for (T& e : v) e = is_float ? static_cast<T>(q(rng) / 128.0) : static_cast<T>(q(rng));
    return v;
  };
  const std::vector<T> weights = values(static_cast<size_t>(c.kh) * c.kw * c.c, -127);
  const DType dt = DTypeOf<T>::value;
  auto make = [&](OpTest& t, const std::vector<T>& x) {
    t.Input<T>({c.n, c.h, c.w, c.c}, x, in_q);
    t.Const<T>({1, c.kh, c.kw, c.c}, weights, w_q);
    t.Output(dt, out_q);
    t.SetOptions(schema::OpOptions_DepthwiseConv2DOptions, Options(t, c));
  };
  const std::vector<T> first = values(n, -128);
  OpTest opt_test(schema::OpType_DEPTHWISE_CONV_2D);
  make(opt_test, first);
  RequireRun(opt_test, opt::Register_DEPTHWISE_CONV_2D());
  Interpreter& it = opt_test.interpreter();
  Tensor* input = it.input(0);
  void* arena_input = input->data;
  std::vector<T> moved(n + 64 / sizeof(T));  // another buffer, its own values
  for (int round = 0; round < 3; ++round) {
    INFO("round " << round);
    const std::vector<T> x = values(n, -128);
    // Rounds 0 and 2: a buffer outside the arena; round 1: back in the arena.
    T* dst = round == 1 ? static_cast<T*>(arena_input) : moved.data() + round;
    std::copy(x.begin(), x.end(), dst);
    input->data = dst;
    REQUIRE(it.Invoke().ok());
    OpTest ref_test(schema::OpType_DEPTHWISE_CONV_2D);
    make(ref_test, x);
    RequireRun(ref_test, ref::Register_DEPTHWISE_CONV_2D());
    const std::vector<T> got = opt_test.OutputData<T>(0), want = ref_test.OutputData<T>(0);
    REQUIRE(got.size() == want.size());
    if (is_float) {
      for (size_t i = 0; i < got.size(); ++i) REQUIRE(std::abs(static_cast<double>(got[i]) - want[i]) <= 1e-4);
    } else {
      CHECK(got == want);
    }
  }
  input->data = arena_input;
}

TEST_CASE("DEPTHWISE_CONV_2D optimized kernel follows its input to another buffer", "[kernels][depthwise_conv_2d]") {
  ScopedBestIsa best_isa;
  // 3 and 40 channels (one and several packed groups); not kept: 1 channel at
  // 180x180 (2.3 MB of pointers) and 70 channels (built per row in scratch).
  const std::vector<DwCase> cases = {D(1, 9, 13, 3, 1, 3, 3), D(1, 12, 7, 40, 1, 3, 3, 2, 2),
                                     D(1, 180, 180, 1, 1, 3, 3), D(1, 6, 5, 70, 1, 3, 3)};
  uint32_t seed = 300;
  for (const DwCase& c : cases) {
    INFO("case " << c.h << "x" << c.w << "x" << c.c << " stride " << c.sh);
    CheckInputMoves<float>(c, QuantSpec(), QuantSpec(), QuantSpec(), seed++);
    CheckInputMoves<int8_t>(c, QuantSpec::PerTensor(0.02f, 3), QuantSpec::PerTensor(0.01f, 0),
                            QuantSpec::PerTensor(0.05f, -4), seed++);
  }
}

// Persistent bytes of a prepared float depthwise conv (op state and packed weights).
size_t PersistentBytes(const OpKernel* kernel, const DwCase& c) {
  std::mt19937 rng(1);
  OpTest t(schema::OpType_DEPTHWISE_CONV_2D);
  t.Input<float>({c.n, c.h, c.w, c.c}, RandomFloats(rng, static_cast<size_t>(c.n) * c.h * c.w * c.c));
  t.Const<float>({1, c.kh, c.kw, c.c}, RandomFloats(rng, static_cast<size_t>(c.kh) * c.kw * c.c));
  t.Const<float>({c.c}, RandomFloats(rng, c.c));
  t.Output(DType::kF32);
  t.SetOptions(schema::OpOptions_DepthwiseConv2DOptions, Options(t, c));
  RequireRun(t, kernel);
  return t.interpreter().memory().persistent_bytes;
}

TEST_CASE("DEPTHWISE_CONV_2D optimized kernel packs weights in prepare only with a fast ISA",
          "[kernels][depthwise_conv_2d]") {
  const DwCase c = kTailCases[0];
  const size_t weight_bytes = static_cast<size_t>(c.kh) * c.kw * c.c * sizeof(float);
  const size_t ref_bytes = PersistentBytes(ref::Register_DEPTHWISE_CONV_2D(), c);
  const IsaLevel previous = SetKernelIsaLevelForTesting(IsaLevel::kReference);
  const size_t fallback_bytes = PersistentBytes(opt::Register_DEPTHWISE_CONV_2D(), c);
  SetKernelIsaLevelForTesting(DetectedIsaLevel());
  const size_t fast_bytes = PersistentBytes(opt::Register_DEPTHWISE_CONV_2D(), c);
  const bool has_dwconv = GetKernelIsa().f32_dwconv.fn != nullptr;  // not every fast level has one
  SetKernelIsaLevelForTesting(previous);
  CHECK(fallback_bytes < ref_bytes + weight_bytes);  // state only
  if (has_dwconv)
    CHECK(fast_bytes >= ref_bytes + weight_bytes);  // packed groups
  else
    CHECK(fast_bytes == fallback_bytes);
}

TEST_CASE("DEPTHWISE_CONV_2D int8 per-channel", "[kernels][depthwise_conv_2d]") {
  DW_KERNELS();
  uint32_t seed = 20;
  for (const DwCase& c : kCases) {
    INFO("case " << c.n << "x" << c.h << "x" << c.w << "x" << c.c << " mult " << c.mult);
    RunQuantCase<int8_t>(kernel, c, seed++, true, 0);
  }
}

TEST_CASE("DEPTHWISE_CONV_2D int8 per-tensor", "[kernels][depthwise_conv_2d]") {
  DW_KERNELS();
  RunQuantCase<int8_t>(kernel, kCases[1], 30, false, 0);
  RunQuantCase<int8_t>(kernel, kCases[3], 31, false, 0);
}

TEST_CASE("DEPTHWISE_CONV_2D uint8 per-tensor asymmetric", "[kernels][depthwise_conv_2d]") {
  DW_KERNELS();
  uint32_t seed = 40;
  for (const DwCase& c : kCases) {
    INFO("case " << c.n << "x" << c.h << "x" << c.w << "x" << c.c << " mult " << c.mult);
    RunQuantCase<uint8_t>(kernel, c, seed++, false, 131);
  }
}

TEST_CASE("DEPTHWISE_CONV_2D small exact example", "[kernels][depthwise_conv_2d]") {
  DW_KERNELS();
  // Two channels, multiplier 1, 2x2 VALID window on a 2x3 image: channel 0 weights 1, channel 1 weights -1.
  OpTest t(schema::OpType_DEPTHWISE_CONV_2D);
  t.Input<float>({1, 2, 3, 2}, {1, 10, 2, 20, 3, 30, 4, 40, 5, 50, 6, 60});
  t.Const<float>({1, 2, 2, 2}, {1, -1, 1, -1, 1, -1, 1, -1});
  t.OmitInput();
  t.Output(DType::kF32);
  t.SetOptions(schema::OpOptions_DepthwiseConv2DOptions,
               schema::CreateDepthwiseConv2DOptions(t.fbb(), schema::Padding_VALID).Union());
  REQUIRE(t.Run(kernel).ok());
  CHECK(t.OutputShape(0) == Shape({1, 1, 2, 2}));
  CHECK(t.OutputData<float>(0) == std::vector<float>({12, -120, 16, -160}));
}

Status RunBad(const OpKernel* kernel, const std::vector<int32_t>& in_shape, const std::vector<int32_t>& w_shape,
              int mult,
              const std::vector<int32_t>& b_shape = {}, int dilation = 1, DType in_type = DType::kF32) {
  OpTest t(schema::OpType_DEPTHWISE_CONV_2D);
  if (in_type == DType::kU8)
    t.Input<uint8_t>(in_shape, std::vector<uint8_t>(Count(in_shape), 1), QuantSpec::PerTensor(0.5f, 0));
  else
    t.Input<float>(in_shape, std::vector<float>(Count(in_shape), 1.f));
  t.Const<float>(w_shape, std::vector<float>(Count(w_shape), 1.f));
  ConstOrOmit(t, !b_shape.empty(), b_shape, std::vector<float>(Count(b_shape), 0.f));
  t.Output(in_type, in_type == DType::kU8 ? QuantSpec::PerTensor(0.5f, 0) : QuantSpec());
  t.SetOptions(schema::OpOptions_DepthwiseConv2DOptions,
               schema::CreateDepthwiseConv2DOptions(t.fbb(), schema::Padding_SAME, 1, 1, dilation, dilation,
                                                    schema::Activation_NONE, 0, mult)
                   .Union());
  return t.Run(kernel);
}

TEST_CASE("DEPTHWISE_CONV_2D rejects bad models with useful messages", "[kernels][depthwise_conv_2d]") {
  DW_KERNELS();
  Status s = RunBad(kernel, {1, 5, 5, 3}, {1, 3, 3, 5}, 2);
  CHECK(s.code() == StatusCode::kInvalidModel);
  CHECK(Contains(s.message(), "depth_multiplier"));

  s = RunBad(kernel, {1, 5, 5, 3}, {1, 3, 3, 3}, 0);
  CHECK(!s.ok());
  CHECK(Contains(s.message(), "depth_multiplier"));

  s = RunBad(kernel, {1, 5, 5, 3}, {2, 3, 3, 3}, 1);
  CHECK(!s.ok());
  CHECK(Contains(s.message(), "[1,KH,KW"));

  s = RunBad(kernel, {1, 5, 5, 3}, {1, 3, 3, 3}, 1, {4});
  CHECK(!s.ok());
  CHECK(Contains(s.message(), "bias"));

  s = RunBad(kernel, {1, 5, 5, 3}, {1, 3, 3, 3}, 1, {}, 0);
  CHECK(!s.ok());
  CHECK(Contains(s.message(), "dilation"));

  s = RunBad(kernel, {1, 5, 5, 3}, {1, 3, 3, 3}, 1, {}, 1, DType::kU8);  // u8 input with f32 weights
  CHECK(s.code() == StatusCode::kUnsupported);
  CHECK(Contains(s.message(), "u8"));
  CHECK(Contains(s.message(), "f32"));
}

TEST_CASE("DEPTHWISE_CONV_2D rejects per-channel scales on the wrong axis", "[kernels][depthwise_conv_2d]") {
  DW_KERNELS();
  OpTest t(schema::OpType_DEPTHWISE_CONV_2D);
  t.Input<int8_t>({1, 4, 4, 2}, std::vector<int8_t>(32, 1), QuantSpec::PerTensor(0.1f, 0));
  t.Const<int8_t>({1, 2, 2, 2}, std::vector<int8_t>(8, 1), QuantSpec{{0.1f, 0.2f}, {0, 0}, 1});
  t.OmitInput();
  t.Output(DType::kI8, QuantSpec::PerTensor(0.1f, 0));
  t.SetOptions(schema::OpOptions_DepthwiseConv2DOptions, schema::CreateDepthwiseConv2DOptions(t.fbb()).Union());
  const Status s = t.Run(kernel);
  CHECK(!s.ok());
  CHECK(Contains(s.message(), "axis"));
}

}  // namespace
}  // namespace edgert
