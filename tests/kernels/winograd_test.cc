// The Winograd F(2x2, 3x3) path of the optimized CONV_2D
// (kernels/optimized/f32_winograd.h):
//  - the op, with the path forced on every 3x3 stride-1 node (and, separately,
//    left to its thresholds on larger layers), at every ISA level with
//    microkernels that this CPU runs, against a naive convolution written
//    here in double: odd and even heights and widths from 1 to 14, channel
//    counts off the 16-wide panels (3, 17, 33, 64 ...), SAME, VALID and
//    EXPLICIT padding, no / RELU / RELU6 activation, batch 2, no bias;
//    the error, relative to the sum of |x * w| (plus |bias|) over each output's
//    taps, must stay within kRelTol;
//  - 2 and 3 threads give results bit-identical to one thread;
//  - the forced path really runs: its results differ (in rounding) from the
//    indirect GEMM path's on the same data;
//  - the transform microkernels of each level against the portable ones
//    (bit-identical: the contracts fix the order of the adds), and the portable
//    ones against B^T d B and A^T M A + bias computed here from the matrices,
//    for channel counts 1 to 17, 31, 33 and 64, with guard values around the
//    outputs.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "kernels/dispatch.h"
#include "kernels/optimized/f32_winograd.h"
#include "kernels/optimized/optimized_kernels.h"
#include "tests/kernels/conv_test_util.h"
#include "tests/kernels/kernel_test_util.h"
#include "tests/kernels/ukernel_test_util.h"
#include "tests/op_test.h"

namespace edgert {
namespace {

using conv_test::ClampAct;
using conv_test::OptionalVector;
using conv_test::RandomFloats;
using conv_test::WindowAxis;
using testing::OpTest;

// Largest |got - naive| / (sum over taps of |x * w| + |bias|) allowed: some
// 17 float epsilons. Rounding in the transforms and the float U_e add a few
// epsilons to the GEMM's own sum; the largest observed is about 2.1e-7 (the
// indirect GEMM path's on the same data: about 1.6e-7).
constexpr double kRelTol = 2e-6;

// Restores the Winograd policy on destruction.
class ScopedPolicy {
 public:
  explicit ScopedPolicy(opt::WinogradPolicy p) : previous_(opt::SetF32WinogradPolicyForTesting(p)) {}
  ~ScopedPolicy() { opt::SetF32WinogradPolicyForTesting(previous_); }
  ScopedPolicy(const ScopedPolicy&) = delete;
  ScopedPolicy& operator=(const ScopedPolicy&) = delete;

 private:
  opt::WinogradPolicy previous_;
};

struct Case {
  int n, h, w, cin, cout;
  schema::Padding padding;
  std::vector<int32_t> pads;  // EXPLICIT: top, left, bottom, right
  schema::Activation act;
  bool bias;
};

std::string Describe(const Case& c) {
  return std::to_string(c.n) + "x" + std::to_string(c.h) + "x" + std::to_string(c.w) + "x" + std::to_string(c.cin) +
         " -> " + std::to_string(c.cout) + " padding " + std::to_string(c.padding) + " act " +
         std::to_string(c.act);
}

struct Result {
  std::vector<float> got;
  double max_rel_err = 0;  // max |got - naive| / scale
};

// Runs the 3x3 stride-1 conv with the optimized kernel on `threads` threads
// and measures it against the naive convolution (double).
Result RunCase(const Case& c, uint32_t seed, int threads) {
  std::mt19937 rng(seed);
  const auto x = RandomFloats(rng, static_cast<size_t>(c.n) * c.h * c.w * c.cin);
  const auto w = RandomFloats(rng, static_cast<size_t>(c.cout) * 9 * c.cin);
  const auto b = c.bias ? RandomFloats(rng, c.cout) : std::vector<float>();
  OpTest t(schema::OpType_CONV_2D);
  t.Input<float>({c.n, c.h, c.w, c.cin}, x);
  t.Const<float>({c.cout, 3, 3, c.cin}, w);
  if (c.bias)
    t.Const<float>({c.cout}, b);
  else
    t.OmitInput();
  t.Output(DType::kF32);
  const auto pads = OptionalVector(t, c.pads);
  t.SetOptions(schema::OpOptions_Conv2DOptions,
               schema::CreateConv2DOptions(t.fbb(), c.padding, 1, 1, 1, 1, c.act, pads).Union());
  t.SetNumThreads(threads);
  const Status s = t.Run(opt::Register_CONV_2D());
  INFO(s.message());
  REQUIRE(s.ok());

  int oh, ow, pt, pl;
  WindowAxis(c.padding, c.pads, 0, c.h, 3, 1, 1, &oh, &pt);
  WindowAxis(c.padding, c.pads, 1, c.w, 3, 1, 1, &ow, &pl);
  REQUIRE(t.OutputShape(0) == Shape({c.n, oh, ow, c.cout}));
  Result r;
  r.got = t.OutputData<float>(0);
  size_t idx = 0;
  int bad = 0;
  for (int n = 0; n < c.n; ++n)
    for (int oy = 0; oy < oh; ++oy)
      for (int ox = 0; ox < ow; ++ox)
        for (int oc = 0; oc < c.cout; ++oc, ++idx) {
          double acc = c.bias ? b[oc] : 0.0, scale = c.bias ? std::fabs(b[oc]) : 0.0;
          for (int ky = 0; ky < 3; ++ky)
            for (int kx = 0; kx < 3; ++kx) {
              const int iy = oy - pt + ky, ix = ox - pl + kx;
              if (iy < 0 || iy >= c.h || ix < 0 || ix >= c.w) continue;
              for (int ci = 0; ci < c.cin; ++ci) {
                const double p = static_cast<double>(x[((static_cast<size_t>(n) * c.h + iy) * c.w + ix) * c.cin + ci]) *
                                 w[((static_cast<size_t>(oc) * 3 + ky) * 3 + kx) * c.cin + ci];
                acc += p;
                scale += std::fabs(p);
              }
            }
          const double want = ClampAct(acc, c.act);
          const double err = std::fabs(r.got[idx] - want) / std::max(scale, 1e-30);
          r.max_rel_err = std::max(r.max_rel_err, err);
          if (err > kRelTol && bad++ == 0)
            FAIL_CHECK("element " << idx << ": got " << r.got[idx] << ", want " << want << " (scale " << scale << ")");
        }
  CHECK(bad == 0);
  return r;
}

Case C(int n, int h, int w, int cin, int cout, schema::Padding padding = schema::Padding_SAME,
       schema::Activation act = schema::Activation_NONE, bool bias = true, std::vector<int32_t> pads = {}) {
  return Case{n, h, w, cin, cout, padding, pads, act, bias};
}

const std::vector<Case> kForcedCases = {
    C(1, 1, 1, 3, 4),
    C(1, 2, 2, 17, 3, schema::Padding_SAME, schema::Activation_RELU),
    C(1, 3, 5, 33, 17),
    C(1, 3, 3, 5, 9, schema::Padding_VALID),
    C(2, 5, 7, 17, 33, schema::Padding_SAME, schema::Activation_RELU6),
    C(1, 7, 5, 64, 17, schema::Padding_VALID, schema::Activation_RELU),
    C(1, 14, 14, 3, 64, schema::Padding_SAME, schema::Activation_NONE, false),
    C(1, 14, 7, 33, 64, schema::Padding_VALID, schema::Activation_RELU6),
    C(1, 6, 9, 16, 16, schema::Padding_EXPLICIT, schema::Activation_NONE, true, {0, 2, 1, 0}),
    C(2, 9, 2, 8, 31, schema::Padding_EXPLICIT, schema::Activation_RELU, true, {2, 1, 2, 1}),
    C(1, 1, 14, 20, 7),
    C(1, 14, 1, 7, 20, schema::Padding_SAME, schema::Activation_RELU6, false),
};

// Layers the thresholds put on the path (enough channels and tiles), like
// those of resnet18 and squeezenet, plus odd sizes.
const std::vector<Case> kAutoCases = {
    C(1, 14, 14, 64, 64, schema::Padding_SAME, schema::Activation_RELU),
    C(1, 15, 13, 16, 64),
    C(1, 13, 13, 48, 33, schema::Padding_VALID, schema::Activation_RELU6),
    C(2, 8, 9, 32, 17),
};

TEST_CASE("CONV_2D Winograd path matches naive convolution at every level", "[kernels][conv_2d][winograd]") {
  const auto policy = GENERATE(opt::WinogradPolicy::kAlways, opt::WinogradPolicy::kAuto);
  ScopedPolicy scoped_policy(policy);
  const std::vector<Case>& cases = policy == opt::WinogradPolicy::kAlways ? kForcedCases : kAutoCases;
  for (IsaLevel level : testing::SupportedMicrokernelLevels()) {
    testing::ScopedIsaLevel scoped_level(level);
    INFO("ISA " << GetKernelIsa().name << ", policy " << static_cast<int>(policy));
    uint32_t seed = 7000;
    double worst = 0;
    for (const Case& c : cases) {
      INFO("case " << Describe(c));
      if (policy == opt::WinogradPolicy::kAuto) {
        int oh, ow, pt, pl;
        WindowAxis(c.padding, c.pads, 0, c.h, 3, 1, 1, &oh, &pt);
        WindowAxis(c.padding, c.pads, 1, c.w, 3, 1, 1, &ow, &pl);
        Window2D g;
        g.batches = c.n, g.in_h = c.h, g.in_w = c.w, g.in_c = c.cin, g.out_h = oh, g.out_w = ow;
        g.filter_h = g.filter_w = 3, g.stride_h = g.stride_w = 1, g.dilation_h = g.dilation_w = 1;
        CHECK(opt::F32WinogradCovers(g, c.cout));  // these cases do test the path
      }
      const Result one = RunCase(c, seed, 1);
      worst = std::max(worst, one.max_rel_err);
      for (int threads : {2, 3}) {
        INFO("threads " << threads);
        const Result many = RunCase(c, seed, threads);
        REQUIRE(many.got.size() == one.got.size());
        CHECK(std::memcmp(many.got.data(), one.got.data(), one.got.size() * sizeof(float)) == 0);
      }
      ++seed;
    }
    WARN("largest error / sum |x w| at " << GetKernelIsa().name << ": " << worst);
  }
}

TEST_CASE("CONV_2D Winograd path is taken: it rounds differently from the indirect GEMM",
          "[kernels][conv_2d][winograd]") {
  for (IsaLevel level : testing::SupportedMicrokernelLevels()) {
    testing::ScopedIsaLevel scoped_level(level);
    INFO("ISA " << GetKernelIsa().name);
    const Case c = C(1, 14, 14, 64, 64);
    std::vector<float> winograd, igemm;
    double igemm_err;
    {
      ScopedPolicy p(opt::WinogradPolicy::kAlways);
      winograd = RunCase(c, 99, 1).got;
    }
    {
      ScopedPolicy p(opt::WinogradPolicy::kNever);
      const Result r = RunCase(c, 99, 1);
      igemm = r.got;
      igemm_err = r.max_rel_err;
    }
    WARN("indirect GEMM path: largest error / sum |x w| at " << GetKernelIsa().name << ": " << igemm_err);
    REQUIRE(winograd.size() == igemm.size());
    CHECK(std::memcmp(winograd.data(), igemm.data(), igemm.size() * sizeof(float)) != 0);
  }
}

// ---------------------------------------------------------------- transforms

constexpr double kBt[4][4] = {{1, 0, -1, 0}, {0, 1, 1, 0}, {0, -1, 1, 0}, {0, 1, 0, -1}};
constexpr double kAt[2][4] = {{1, 1, 1, 0}, {0, 1, -1, -1}};
constexpr float kGuard = -12345.f;

TEST_CASE("Winograd transform microkernels match the portable transforms and the matrices",
          "[kernels][winograd]") {
  std::mt19937 rng(4242);
  std::vector<IsaLevel> levels = testing::SupportedMicrokernelLevels();
  levels.push_back(IsaLevel::kReference);  // the portable transforms alone
  for (IsaLevel level : levels) {
    testing::ScopedIsaLevel scoped_level(level);
    const KernelIsa& isa = GetKernelIsa();
    const auto input_fn = isa.f32_winograd.input != nullptr ? isa.f32_winograd.input
                                                            : opt::f32_winograd_input_ukernel_2x2_3x3__scalar;
    const auto output_fn = isa.f32_winograd.output != nullptr ? isa.f32_winograd.output
                                                              : opt::f32_winograd_output_minmax_ukernel_2x2_3x3__scalar;
    INFO("ISA " << isa.name);
    for (size_t ch : {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 31, 33, 64}) {
      INFO("channels " << ch);
      const size_t stride = ch + 3;  // gaps between the 16 outputs hold guards
      // Input transform: 16 separate pixels (one of them the padding zeros).
      std::vector<std::vector<float>> pixels(16);
      const float* ptrs[16];
      for (int e = 0; e < 16; ++e) {
        pixels[e] = e == 5 ? std::vector<float>(ch, 0.f) : RandomFloats(rng, ch, -4.f, 4.f);
        ptrs[e] = pixels[e].data();
      }
      std::vector<float> got(16 * stride, kGuard), ref(16 * stride, kGuard);
      input_fn(ch, ptrs, got.data(), stride);
      opt::f32_winograd_input_ukernel_2x2_3x3__scalar(ch, ptrs, ref.data(), stride);
      CHECK(std::memcmp(got.data(), ref.data(), got.size() * sizeof(float)) == 0);
      int bad = 0;
      for (int i = 0; i < 4; ++i)
        for (int j = 0; j < 4; ++j)
          for (size_t c = 0; c < stride; ++c) {
            const float g = ref[(4 * i + j) * stride + c];
            double want = kGuard;
            if (c < ch) {
              want = 0;
              for (int a = 0; a < 4; ++a)
                for (int b = 0; b < 4; ++b) want += kBt[i][a] * pixels[4 * a + b][c] * kBt[j][b];
            }
            if (std::fabs(g - want) > 1e-5 * 16 && bad++ == 0)
              FAIL_CHECK("input transform value " << 4 * i + j << " channel " << c << ": got " << g << ", want "
                                                  << want);
          }
      CHECK(bad == 0);

      // Output transform with bias and clamp; outputs 4 separate pixels with guards.
      const std::vector<float> m = RandomFloats(rng, 16 * stride, -8.f, 8.f);
      const std::vector<float> bias = RandomFloats(rng, ch);
      for (const F32MinMaxParams& mm :
           {F32MinMaxParams{-std::numeric_limits<float>::infinity(), std::numeric_limits<float>::infinity()},
            F32MinMaxParams{0.f, 6.f}, F32MinMaxParams{-1.5f, 2.f}}) {
        std::vector<std::vector<float>> yo(4, std::vector<float>(ch + 4, kGuard)), yr = yo;
        float* outs_got[4] = {yo[0].data(), yo[1].data(), yo[2].data(), yo[3].data()};
        float* outs_ref[4] = {yr[0].data(), yr[1].data(), yr[2].data(), yr[3].data()};
        output_fn(ch, m.data(), stride, bias.data(), outs_got, &mm);
        opt::f32_winograd_output_minmax_ukernel_2x2_3x3__scalar(ch, m.data(), stride, bias.data(), outs_ref, &mm);
        for (int p = 0; p < 4; ++p) {
          CHECK(std::memcmp(yo[p].data(), yr[p].data(), yo[p].size() * sizeof(float)) == 0);
          for (size_t c = 0; c < ch + 4; ++c) {
            double want = kGuard;
            if (c < ch) {
              want = bias[c];
              for (int a = 0; a < 4; ++a)
                for (int b = 0; b < 4; ++b) want += kAt[p / 2][a] * m[(4 * a + b) * stride + c] * kAt[p % 2][b];
              want = std::min<double>(std::max<double>(want, mm.min), mm.max);
            }
            if (std::fabs(yr[p][c] - want) > 1e-5 * 64 && bad++ == 0)
              FAIL_CHECK("output transform pixel " << p << " channel " << c << ": got " << yr[p][c] << ", want "
                                                   << want);
          }
        }
        CHECK(bad == 0);
      }
    }
  }
}

}  // namespace
}  // namespace edgert
