// CONV_2D: the reference and the optimized kernel (with the CPU's best ISA
// active) against a naive convolution written here
// (direct loops over output pixels, taps and channels; double accumulation for
// float, int64 accumulation plus TFLite's fixed-point requantization for i8/u8).
// Quantized results must match the naive TFLite-semantics computation exactly;
// they are also checked to be within one quantization step of the real-valued
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
#include "tests/kernels/kernel_variants.h"
#include "tests/op_test.h"

namespace edgert {
namespace {

using namespace conv_test;  // NOLINT: OpTest and tests/kernels/conv_test_util.h

struct ConvCase {
  int n = 1, h = 1, w = 1, cin = 1, cout = 1, kh = 1, kw = 1;
  int groups = 1;
  int sh = 1, sw = 1, dh = 1, dw = 1;
  schema::Padding padding = schema::Padding_SAME;
  std::vector<int32_t> pads;  // EXPLICIT: top, left, bottom, right
  schema::Activation act = schema::Activation_NONE;
  bool bias = true;
};

// Output size and padding before along one axis, per TFLite/ONNX rules (the tests' own WindowAxis).
void Geometry(const ConvCase& c, bool height, int* out, int* before) {
  WindowAxis(c.padding, c.pads, height ? 0 : 1, height ? c.h : c.w, height ? c.kh : c.kw, height ? c.sh : c.sw,
             height ? c.dh : c.dw, out, before);
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
  const auto pads = OptionalVector(t, c.pads);
  return schema::CreateConv2DOptions(t.fbb(), c.padding, c.sh, c.sw, c.dh, c.dw, c.act, pads).Union();
}

std::vector<double> ToDouble(const std::vector<float>& v) { return std::vector<double>(v.begin(), v.end()); }

// Runs the float case on `threads` threads, checks it against the naive
// convolution and returns the output.
std::vector<float> RunFloatCase(const OpKernel* kernel, const ConvCase& c, uint32_t seed, bool weights_as_input = false,
                                int threads = 1) {
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
  ConstOrOmit(t, c.bias, {c.cout}, b);
  t.Output(DType::kF32);
  t.SetOptions(schema::OpOptions_Conv2DOptions, Options(t, c));
  t.SetNumThreads(threads);
  RequireRun(t, kernel);
  int oh, ow;
  const auto want = NaiveConv(c, ToDouble(x), ToDouble(w), ToDouble(b), &oh, &ow);
  REQUIRE(t.OutputShape(0) == Shape({c.n, oh, ow, c.cout}));
  const auto got = t.OutputData<float>(0);
  REQUIRE(got.size() == want.size());
  std::vector<double> e(want.size());
  for (size_t i = 0; i < want.size(); ++i) e[i] = ClampAct(want[i], c.act);
  CheckAllNear(got, e, 1e-4, 1e-5);
  return got;
}

// Quantized case. T is int8_t or uint8_t; per_channel only for int8.
template <typename T>
void RunQuantCase(const OpKernel* kernel, const ConvCase& c, uint32_t seed, bool per_channel, int32_t w_zp = 0,
                  int threads = 1) {
  std::mt19937 rng(seed);
  const int qmin = std::numeric_limits<T>::min(), qmax = std::numeric_limits<T>::max();
  const int cin_g = c.cin / c.groups;
  const int k = c.kh * c.kw * cin_g;
  const float in_scale = 0.037f;
  const int32_t in_zp = std::is_same<T, int8_t>::value ? -9 : 121;
  const std::vector<float> w_scale = RandomFloats(rng, per_channel ? c.cout : 1, 0.004f, 0.02f);
  const float out_scale = static_cast<float>(in_scale * Mean(w_scale) * 60.0 * std::sqrt(static_cast<double>(k)));
  const int32_t out_zp = std::is_same<T, int8_t>::value ? 5 : 131;

  const auto x = RandomInts<T>(rng, static_cast<size_t>(c.n) * c.h * c.w * c.cin, qmin, qmax);
  const auto w = RandomInts<T>(rng, static_cast<size_t>(c.cout) * c.kh * c.kw * cin_g,
                               std::is_same<T, int8_t>::value ? -127 : 0, qmax);
  const auto b = c.bias ? RandomInts<int32_t>(rng, c.cout, -3000, 3000) : std::vector<int32_t>();

  OpTest t(schema::OpType_CONV_2D);
  t.Input<T>({c.n, c.h, c.w, c.cin}, x, QuantSpec::PerTensor(in_scale, in_zp));
  t.Const<T>({c.cout, c.kh, c.kw, cin_g}, w, WeightQuant(w_scale, w_zp, 0));
  ConstOrOmit(t, c.bias, {c.cout}, b, BiasQuant(in_scale, w_scale));
  t.Output(DTypeOf<T>::value, QuantSpec::PerTensor(out_scale, out_zp));
  t.SetOptions(schema::OpOptions_Conv2DOptions, Options(t, c));
  t.SetNumThreads(threads);
  RequireRun(t, kernel);

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
  int act_lo, act_hi;
  QuantActRange(c.act, out_scale, out_zp, qmin, qmax, &act_lo, &act_hi);

  const auto got = t.OutputData<T>(0);
  size_t idx = 0;
  QuantTally tally;
  int saturated = 0;
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
          const int v = NaiveRequantize(acc, static_cast<double>(in_scale) * w_scale[per_channel ? oc : 0] / out_scale,
                                        out_zp, act_lo, act_hi);
          tally.Add(got[idx], v, NaiveQuantize(ClampAct(real[idx], c.act), out_scale, out_zp, qmin, qmax),
                    [&] { return "element " + std::to_string(idx) + " (acc " + std::to_string(acc) + ")"; });
          if (v == qmin || v == qmax) ++saturated;
        }
  tally.Check();
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

// Each TEST_CASE runs once per kernel and ISA level: `kernel` is the
// reference, then the optimized kernel, each with every level this CPU runs
// active (a level it lacks falls back to the best it has, one of another
// architecture to the reference level).
#define CONV_KERNELS()                                                                                          \
  const OpKernel* kernel = GENERATE(ref::Register_CONV_2D(), opt::Register_CONV_2D());                          \
  const IsaLevel conv_level = GENERATE(IsaLevel::kAvx2, IsaLevel::kAvx512, IsaLevel::kAvx512Vnni,              \
                                       IsaLevel::kAvx512Amx, IsaLevel::kNeon, IsaLevel::kNeonDot,               \
                                       IsaLevel::kNeonI8mm);                                                    \
  ScopedBestIsa best_isa;                                                                                        \
  SetKernelIsaLevelForTesting(conv_level);                                                                       \
  INFO("kernel " << kernel->name << ", ISA " << GetKernelIsa().name)

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
  CONV_KERNELS();
  uint32_t seed = 100;
  for (const ConvCase& c : kCases) {
    INFO("case " << c.n << "x" << c.h << "x" << c.w << "x" << c.cin << " -> " << c.cout << " k" << c.kh << "x"
                 << c.kw << " groups " << c.groups << " padding " << c.padding);
    RunFloatCase(kernel, c, seed++);
  }
}

// Tails of the optimized kernel's tiles (4 pixels x 16 output channels; 8, 4,
// 2, 1 column stores): output channels 1, 3, 9, 15, 17, 20, 33; pixel counts not
// multiples of 4; input channels 1, 3, 7, 8, 16; strides 2; dilation 2;
// SAME, VALID and EXPLICIT padding; 1x1 convs both on the direct GEMM path and
// (with padding or stride) on the im2col path.
const std::vector<ConvCase> kTailCases = {
    C(1, 5, 7, 7, 33, 1, 1),
    C(2, 3, 3, 3, 17, 1, 1, 1, 1, 1, 1, 1, schema::Padding_SAME, {}, schema::Activation_RELU6),
    C(1, 9, 7, 1, 1, 3, 3, 1, 2, 2, 1, 1, schema::Padding_EXPLICIT, {1, 0, 2, 1}),
    C(1, 10, 11, 7, 3, 3, 3, 1, 2, 2, 1, 1, schema::Padding_VALID, {}, schema::Activation_RELU, false),
    C(1, 6, 5, 3, 17, 3, 3, 1, 1, 1, 2, 2),
    C(1, 5, 5, 16, 33, 1, 1, 1, 1, 1, 1, 1, schema::Padding_EXPLICIT, {1, 1, 0, 0}),
    C(1, 7, 7, 8, 20, 1, 1, 1, 2, 2),
    C(1, 4, 5, 3, 9, 3, 3, 1, 1, 1, 1, 1, schema::Padding_SAME, {}, schema::Activation_RELU_N1_TO_1, false),
    C(1, 3, 5, 3, 15, 2, 2, 1, 1, 1, 1, 1, schema::Padding_VALID),
    C(3, 1, 1, 3, 3, 1, 1),
};

TEST_CASE("CONV_2D float tile tails match naive convolution", "[kernels][conv_2d]") {
  CONV_KERNELS();
  uint32_t seed = 500;
  for (const ConvCase& c : kTailCases) {
    INFO("case " << c.n << "x" << c.h << "x" << c.w << "x" << c.cin << " -> " << c.cout << " k" << c.kh << "x"
                 << c.kw << " stride " << c.sh << "x" << c.sw << " padding " << c.padding);
    RunFloatCase(kernel, c, seed++);
  }
}

// Several threads: the optimized kernel splits the output into tiles of pixels
// x output-channel panels run concurrently, each im2col tile gathering into its
// worker's scratch. Outputs must be bit-identical to the one-thread output.
// Cases are large enough to be split (pixel tiles; for few pixels, channel
// panels too), with odd pixel and channel counts: 1x1 direct GEMM, im2col with
// stride, padding and dilation, a deep layer on a 5x5 image, a wide 1x1 on 6 pixels.
const std::vector<ConvCase> kThreadCases = {
    C(1, 45, 43, 29, 37, 1, 1),
    C(2, 41, 39, 7, 21, 3, 3, 1, 2, 2, 1, 1, schema::Padding_SAME, {}, schema::Activation_RELU6),
    C(1, 33, 31, 5, 19, 3, 3, 1, 1, 1, 2, 2, schema::Padding_VALID),
    C(1, 37, 29, 9, 23, 2, 3, 1, 2, 1, 1, 1, schema::Padding_EXPLICIT, {1, 0, 2, 1}, schema::Activation_RELU, false),
    C(1, 5, 5, 96, 112, 3, 3),
    C(1, 2, 3, 512, 100, 1, 1),
    // 1.2 MB of weights for 20 pixels: tiles of whole panels over all rows (ChooseGemmTiles).
    C(1, 4, 5, 128, 264, 3, 3),
};

TEST_CASE("CONV_2D float gives identical results on 1, 2 and 3 threads", "[kernels][conv_2d]") {
  CONV_KERNELS();
  uint32_t seed = 900;
  for (const ConvCase& c : kThreadCases) {
    INFO("case " << c.n << "x" << c.h << "x" << c.w << "x" << c.cin << " -> " << c.cout << " k" << c.kh << "x"
                 << c.kw << " stride " << c.sh << "x" << c.sw << " padding " << c.padding);
    const std::vector<float> one = RunFloatCase(kernel, c, seed, false, 1);
    for (int threads : {2, 3}) {
      INFO("threads " << threads);
      const std::vector<float> many = RunFloatCase(kernel, c, seed, false, threads);
      REQUIRE(many.size() == one.size());
      CHECK(std::memcmp(many.data(), one.data(), one.size() * sizeof(float)) == 0);
    }
    ++seed;
  }
}

// The optimized kernel's indirect path keeps every tile's input pointers
// between invokes (up to 2 MB of them) and rebuilds them when the input moves
// to another buffer; tiles with a filter row crossing the left or right edge
// copy that row at every use. Each invoke, with new values in a new place
// (rounds 0 and 2 outside the arena, round 1 back in it), must match the
// naive convolution, on 1 and 3 threads.
TEST_CASE("CONV_2D optimized indirect path follows its input to another buffer", "[kernels][conv_2d]") {
  ScopedBestIsa best_isa;
  // A 3-channel stem (right edge), 5x5 with both edges, dilation 2 (one pixel
  // per tap, no copies) and 1 channel at 400x400 (3.8 MB of pointers: built
  // per use).
  const std::vector<ConvCase> cases = {
      C(1, 17, 19, 3, 16, 3, 3, 1, 2, 2),
      C(2, 9, 11, 4, 5, 5, 5, 1, 1, 1, 1, 1, schema::Padding_SAME, {}, schema::Activation_RELU6),
      C(1, 12, 13, 3, 7, 3, 3, 1, 1, 1, 2, 2, schema::Padding_EXPLICIT, {2, 2, 1, 2}),
      C(1, 400, 400, 1, 2, 3, 3),
  };
  uint32_t seed = 950;
  for (const ConvCase& c : cases) {
    for (int threads : {1, 3}) {
      INFO("case " << c.n << "x" << c.h << "x" << c.w << "x" << c.cin << " -> " << c.cout << " k" << c.kh << "x"
                   << c.kw << " stride " << c.sh << " dilation " << c.dh << ", threads " << threads);
      std::mt19937 rng(seed++);
      const size_t n = static_cast<size_t>(c.n) * c.h * c.w * c.cin;
      const auto w = RandomFloats(rng, static_cast<size_t>(c.cout) * c.kh * c.kw * c.cin);
      const auto b = RandomFloats(rng, c.cout);
      OpTest t(schema::OpType_CONV_2D);
      t.Input<float>({c.n, c.h, c.w, c.cin}, RandomFloats(rng, n));
      t.Const<float>({c.cout, c.kh, c.kw, c.cin}, w);
      t.Const<float>({c.cout}, b);
      t.Output(DType::kF32);
      t.SetOptions(schema::OpOptions_Conv2DOptions, Options(t, c));
      t.SetNumThreads(threads);
      RequireRun(t, opt::Register_CONV_2D());
      Interpreter& it = t.interpreter();
      Tensor* input = it.input(0);
      void* arena_input = input->data;
      std::vector<float> moved(n + 16);
      for (int round = 0; round < 3; ++round) {
        INFO("round " << round);
        const std::vector<float> x = RandomFloats(rng, n);
        float* dst = round == 1 ? static_cast<float*>(arena_input) : moved.data() + round;
        std::copy(x.begin(), x.end(), dst);
        input->data = dst;
        REQUIRE(it.Invoke().ok());
        int oh, ow;
        const std::vector<double> want = NaiveConv(c, ToDouble(x), ToDouble(w), ToDouble(b), &oh, &ow);
        std::vector<double> e(want.size());
        for (size_t i = 0; i < want.size(); ++i) e[i] = ClampAct(want[i], c.act);
        CheckAllNear(t.OutputData<float>(0), e, 1e-4, 1e-5);
      }
      input->data = arena_input;
    }
  }
}

// Persistent bytes of a prepared float conv (op state and packed weights).
size_t PersistentBytes(const OpKernel* kernel, const ConvCase& c) {
  std::mt19937 rng(1);
  OpTest t(schema::OpType_CONV_2D);
  t.Input<float>({c.n, c.h, c.w, c.cin}, RandomFloats(rng, static_cast<size_t>(c.n) * c.h * c.w * c.cin));
  t.Const<float>({c.cout, c.kh, c.kw, c.cin}, RandomFloats(rng, static_cast<size_t>(c.cout) * c.kh * c.kw * c.cin));
  t.Const<float>({c.cout}, RandomFloats(rng, c.cout));
  t.Output(DType::kF32);
  t.SetOptions(schema::OpOptions_Conv2DOptions, Options(t, c));
  RequireRun(t, kernel);
  return t.interpreter().memory().persistent_bytes;
}

TEST_CASE("CONV_2D optimized kernel packs weights in prepare only with a fast ISA", "[kernels][conv_2d]") {
  const ConvCase c = kTailCases[0];
  const size_t weight_bytes = static_cast<size_t>(c.cout) * c.kh * c.kw * c.cin * sizeof(float);
  const size_t ref_bytes = PersistentBytes(ref::Register_CONV_2D(), c);
  const IsaLevel previous = SetKernelIsaLevelForTesting(IsaLevel::kReference);
  const size_t fallback_bytes = PersistentBytes(opt::Register_CONV_2D(), c);
  SetKernelIsaLevelForTesting(DetectedIsaLevel());
  const size_t fast_bytes = PersistentBytes(opt::Register_CONV_2D(), c);
  SetKernelIsaLevelForTesting(previous);
  CHECK(fallback_bytes < ref_bytes + weight_bytes);  // state only
  if (DetectedIsaLevel() != IsaLevel::kReference)
    CHECK(fast_bytes >= ref_bytes + weight_bytes);  // packed panels
  else
    CHECK(fast_bytes == fallback_bytes);
}

TEST_CASE("CONV_2D float weights fed at run time", "[kernels][conv_2d]") {
  CONV_KERNELS();
  RunFloatCase(kernel, kCases[1], 7, /*weights_as_input=*/true);
}

TEST_CASE("CONV_2D int8 per-channel matches naive TFLite math", "[kernels][conv_2d]") {
  CONV_KERNELS();
  uint32_t seed = 200;
  for (const ConvCase& c : kCases) {
    INFO("case " << c.n << "x" << c.h << "x" << c.w << "x" << c.cin << " -> " << c.cout << " groups " << c.groups);
    RunQuantCase<int8_t>(kernel, c, seed++, /*per_channel=*/true);
  }
}

// The int8 im2col tiles (16 or 8 pixels) over the tail cases and stem-like
// convolutions with few input channels (KW * C <= 16: patch rows moved 16
// bytes at a time per output-row segment, border columns tap by tap): tiles
// that start and end inside output rows, batches, rows and columns cut by
// padding on either side, strides 1-3, the last rows of the input (whose 16-byte
// reads would pass its end), on 1 and 3 threads (1 only under
// EDGERT_TEST_MAX_THREADS=1).
const std::vector<ConvCase> kQuantStemCases = {
    C(2, 19, 21, 3, 8, 3, 3, 1, 2, 2),
    C(1, 17, 33, 3, 16, 3, 3, 1, 2, 2, 1, 1, schema::Padding_EXPLICIT, {1, 1, 1, 1}, schema::Activation_RELU6),
    C(1, 13, 11, 4, 5, 3, 3, 1, 1, 1, 1, 1, schema::Padding_EXPLICIT, {0, 2, 2, 0}),
    C(2, 9, 14, 2, 24, 3, 4, 1, 1, 3, 1, 1, schema::Padding_VALID),
    C(1, 23, 5, 3, 7, 5, 5, 1, 2, 1),
    C(1, 2, 40, 5, 9, 2, 3, 1, 1, 2, 1, 1, schema::Padding_VALID, {}, schema::Activation_RELU, false),
};

TEST_CASE("CONV_2D int8 tile tails and stems match naive TFLite math", "[kernels][conv_2d]") {
  CONV_KERNELS();
  uint32_t seed = 700;
  std::vector<ConvCase> cases;
  for (const ConvCase& c : kTailCases) {
    int oh, ow, before;
    Geometry(c, true, &oh, &before);
    Geometry(c, false, &ow, &before);
    if (c.n * oh * ow * c.cout >= 32) cases.push_back(c);  // a dozen outputs saturate too often for the range check
  }
  cases.insert(cases.end(), kQuantStemCases.begin(), kQuantStemCases.end());
  for (const ConvCase& c : cases)
    for (int threads : variant_test::TestThreadCounts()) {
      INFO("case " << c.n << "x" << c.h << "x" << c.w << "x" << c.cin << " -> " << c.cout << " k" << c.kh << "x"
                   << c.kw << " stride " << c.sh << "x" << c.sw << " padding " << c.padding << " threads "
                   << threads);
      RunQuantCase<int8_t>(kernel, c, seed++, /*per_channel=*/true, 0, threads);
    }
}

TEST_CASE("CONV_2D int8 per-tensor", "[kernels][conv_2d]") {
  CONV_KERNELS();
  RunQuantCase<int8_t>(kernel, kCases[0], 300, false);
  RunQuantCase<int8_t>(kernel, kCases[2], 301, false);
}

TEST_CASE("CONV_2D uint8 per-tensor asymmetric weights", "[kernels][conv_2d]") {
  CONV_KERNELS();
  uint32_t seed = 400;
  for (const ConvCase& c : kCases) {
    INFO("case " << c.n << "x" << c.h << "x" << c.w << "x" << c.cin << " -> " << c.cout << " groups " << c.groups);
    RunQuantCase<uint8_t>(kernel, c, seed++, false, /*w_zp=*/119);
  }
}

TEST_CASE("CONV_2D small exact example", "[kernels][conv_2d]") {
  CONV_KERNELS();
  // 1x3x3x1 input, 2x2 kernel of ones, VALID: each output sums a 2x2 block.
  OpTest t(schema::OpType_CONV_2D);
  t.Input<float>({1, 3, 3, 1}, {1, 2, 3, 4, 5, 6, 7, 8, 9});
  t.Const<float>({1, 2, 2, 1}, {1, 1, 1, 1});
  t.Const<float>({1}, {0.5f});
  t.Output(DType::kF32);
  t.SetOptions(schema::OpOptions_Conv2DOptions,
               schema::CreateConv2DOptions(t.fbb(), schema::Padding_VALID).Union());
  REQUIRE(t.Run(kernel).ok());
  CHECK(t.OutputShape(0) == Shape({1, 2, 2, 1}));
  CHECK(t.OutputData<float>(0) == std::vector<float>({12.5f, 16.5f, 24.5f, 28.5f}));
}

// Builds a float conv with the given pieces and returns the status.
Status RunBad(const OpKernel* kernel, const std::vector<int32_t>& in_shape, DType wtype,
              const std::vector<int32_t>& w_shape,
              const std::vector<int32_t>& b_shape, int stride, schema::Padding padding,
              const std::vector<int32_t>& pads, DType out_type = DType::kF32) {
  OpTest t(schema::OpType_CONV_2D);
  t.Input<float>(in_shape, std::vector<float>(Count(in_shape), 1.f));
  if (wtype == DType::kI8)
    t.Const<int8_t>(w_shape, std::vector<int8_t>(Count(w_shape), 1));
  else
    t.Const<float>(w_shape, std::vector<float>(Count(w_shape), 1.f));
  ConstOrOmit(t, !b_shape.empty(), b_shape, std::vector<float>(Count(b_shape), 0.f));
  t.Output(out_type);
  const auto pv = OptionalVector(t, pads);
  t.SetOptions(schema::OpOptions_Conv2DOptions,
               schema::CreateConv2DOptions(t.fbb(), padding, stride, stride, 1, 1, schema::Activation_NONE, pv)
                   .Union());
  return t.Run(kernel);
}

TEST_CASE("CONV_2D rejects bad models with useful messages", "[kernels][conv_2d]") {
  CONV_KERNELS();
  const auto SAME = schema::Padding_SAME;
  Status s = RunBad(kernel, {1, 5, 5, 3}, DType::kI8, {2, 3, 3, 3}, {}, 1, SAME, {});
  CHECK(s.code() == StatusCode::kUnsupported);
  CHECK(Contains(s.message(), "dtype"));
  CHECK(Contains(s.message(), "i8"));

  s = RunBad(kernel, {1, 5, 5, 5}, DType::kF32, {2, 3, 3, 3}, {}, 1, SAME, {});
  CHECK(!s.ok());
  CHECK(Contains(s.message(), "multiple"));

  s = RunBad(kernel, {1, 5, 5, 6}, DType::kF32, {5, 3, 3, 3}, {}, 1, SAME, {});  // groups 2 does not divide 5
  CHECK(!s.ok());
  CHECK(Contains(s.message(), "groups"));

  s = RunBad(kernel, {1, 5, 5, 3}, DType::kF32, {2, 3, 3, 3}, {3}, 1, SAME, {});
  CHECK(!s.ok());
  CHECK(Contains(s.message(), "bias"));

  s = RunBad(kernel, {1, 5, 5, 3}, DType::kF32, {2, 3, 3, 3}, {}, 0, SAME, {});
  CHECK(!s.ok());
  CHECK(Contains(s.message(), "stride"));

  s = RunBad(kernel, {1, 5, 5, 3}, DType::kF32, {2, 3, 3, 3}, {}, 1, schema::Padding_EXPLICIT, {1, 1, 1});
  CHECK(!s.ok());
  CHECK(Contains(s.message(), "pads"));

  s = RunBad(kernel, {1, 5, 5, 3}, DType::kF32, {2, 3, 3, 3}, {}, 1, schema::Padding_EXPLICIT, {1, -1, 1, 1});
  CHECK(!s.ok());
  CHECK(Contains(s.message(), "pads"));

  s = RunBad(kernel, {1, 2, 2, 3}, DType::kF32, {2, 3, 3, 3}, {}, 1, schema::Padding_VALID, {});
  CHECK(!s.ok());
  CHECK(Contains(s.message(), "empty"));

  s = RunBad(kernel, {5, 5, 3}, DType::kF32, {2, 3, 3, 3}, {}, 1, SAME, {});
  CHECK(!s.ok());
  CHECK(Contains(s.message(), "rank 4"));

  s = RunBad(kernel, {1, 5, 5, 3}, DType::kF32, {2, 3, 3, 3}, {}, 1, SAME, {}, DType::kI8);
  CHECK(s.code() == StatusCode::kUnsupported);
  CHECK(Contains(s.message(), "output"));
}

// Runs an int8 conv (input [1,4,4,2], weights [3,2,2,2]) with the given input and
// weight quantization; add_bias(t) adds (or omits) the bias.
template <typename AddBias>
Status RunBadQuant(const OpKernel* kernel, const QuantSpec& in_q, const QuantSpec& w_q, AddBias add_bias) {
  OpTest t(schema::OpType_CONV_2D);
  t.Input<int8_t>({1, 4, 4, 2}, std::vector<int8_t>(1 * 4 * 4 * 2, 1), in_q);
  t.Const<int8_t>({3, 2, 2, 2}, std::vector<int8_t>(3 * 2 * 2 * 2, 1), w_q);
  add_bias(t);
  t.Output(DType::kI8, QuantSpec::PerTensor(0.1f, 0));
  t.SetOptions(schema::OpOptions_Conv2DOptions, schema::CreateConv2DOptions(t.fbb()).Union());
  return t.Run(kernel);
}

TEST_CASE("CONV_2D rejects bad quantization", "[kernels][conv_2d]") {
  CONV_KERNELS();
  const auto no_bias = [](OpTest& t) { t.OmitInput(); };
  const QuantSpec q = QuantSpec::PerTensor(0.1f, 0);
  SECTION("input without quantization parameters") {
    const Status s = RunBadQuant(kernel, QuantSpec(), q, no_bias);
    CHECK(s.code() == StatusCode::kInvalidModel);
    CHECK(Contains(s.message(), "quantization"));
  }
  SECTION("per-channel weights with a non-zero zero point") {
    const Status s = RunBadQuant(kernel, q, QuantSpec{{0.1f, 0.2f, 0.3f}, {0, 4, 0}, 0}, no_bias);
    CHECK(!s.ok());
    CHECK(Contains(s.message(), "zero_point"));
  }
  SECTION("per-channel along the wrong axis") {
    const Status s = RunBadQuant(kernel, q, QuantSpec{{0.1f, 0.2f}, {0, 0}, 3}, no_bias);
    CHECK(!s.ok());
    CHECK(Contains(s.message(), "axis"));
  }
  SECTION("bias scale inconsistent with input * weight scale") {
    const Status s = RunBadQuant(kernel, q, QuantSpec::PerTensor(0.5f, 0), [](OpTest& t) {
      t.Const<int32_t>({3}, {1, 2, 3}, QuantSpec::PerTensor(0.3f, 0));
    });
    CHECK(!s.ok());
    CHECK(Contains(s.message(), "bias"));
  }
  SECTION("float bias with int8 input") {
    const Status s =
        RunBadQuant(kernel, q, QuantSpec::PerTensor(0.5f, 0), [](OpTest& t) { t.Const<float>({3}, {1, 2, 3}); });
    CHECK(!s.ok());
    CHECK(Contains(s.message(), "bias"));
    CHECK(Contains(s.message(), "i32"));
  }
}

}  // namespace
}  // namespace edgert
