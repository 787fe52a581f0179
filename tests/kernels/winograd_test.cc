// The Winograd F(2x2, 3x3) and F(4x4, 3x3) paths of the optimized CONV_2D
// (kernels/optimized/f32_winograd.h):
//  - the op, with each transform forced on every 3x3 stride-1 node (and,
//    separately, left to the thresholds on larger layers, checking which
//    transform they pick), at every ISA level with microkernels that this CPU
//    runs, against a naive convolution written here in double: odd and even
//    heights and widths from 1 to 14 (and 24, 27 for 4x4 tiles), channel counts
//    off the 16-wide panels (3, 17, 33, 64 ...), SAME, VALID and EXPLICIT
//    padding, no / RELU / RELU6 activation, batch 2, no bias; the error,
//    relative to the sum of |x * w| (plus |bias|) over each output's taps, must
//    stay within the transform's tolerance;
//  - 2 and 3 threads give results bit-identical to one thread;
//  - the forced paths really run: their results differ (in rounding) from the
//    indirect GEMM path's and from each other on the same data;
//  - the transform microkernels of each level against the portable ones
//    (F(2x2): bit-identical, the contract fixes the order of the adds; F(4x4):
//    within rounding), and the portable ones against B^T d B and A^T M A +
//    bias computed here from the matrices, for channel counts 1 to 17, 31, 33
//    and 64, with guard values around the outputs.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
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

// Largest |got - naive| / (sum over taps of |x * w| + |bias|) allowed.
// F(2x2): some 17 float epsilons; rounding in the transforms and the float U_e
// add a few epsilons to the GEMM's own sum: the largest observed is about
// 2.1e-7 (the indirect GEMM path's on the same data: about 1.6e-7).
// F(4x4): its transforms multiply by up to 25 and 64 and U_e holds sixths and
// twenty-fourths, so the rounding errors grow: the largest observed is about
// 3.5e-6 (some 60 epsilons).
constexpr double kRelTol2x2 = 2e-6;
constexpr double kRelTol4x4 = 2e-5;

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
Result RunCase(const Case& c, uint32_t seed, int threads, double tol) {
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
          if (err > tol && bad++ == 0)
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

// 4x4 tiles: sizes around multiples of 4.
const std::vector<Case> kForced4x4Extra = {
    C(1, 24, 27, 17, 19, schema::Padding_SAME, schema::Activation_RELU),
    C(2, 9, 6, 33, 3, schema::Padding_VALID),
};

// Layers the thresholds put on the path (enough channels and tiles), like
// those of resnet18 and squeezenet, plus odd sizes, with the tile side
// expected.
struct AutoCase {
  Case c;
  int tile;
};
const std::vector<AutoCase> kAutoCases = {
    {C(1, 14, 14, 64, 64, schema::Padding_SAME, schema::Activation_RELU), 2},
    {C(1, 15, 13, 16, 64), 2},
    {C(1, 13, 13, 48, 33, schema::Padding_VALID, schema::Activation_RELU6), 2},
    {C(2, 8, 9, 32, 17), 2},
    {C(1, 27, 27, 32, 40, schema::Padding_SAME, schema::Activation_RELU), 4},
    {C(1, 26, 23, 17, 16, schema::Padding_VALID), 4},
    // 1 MB or more of transformed weights on few tiles: on 2 and 3 threads the
    // output channels are split across the threads (F32Winograd::parts), the
    // last part shorter with 200 channels.
    {C(1, 13, 13, 64, 256, schema::Padding_SAME, schema::Activation_RELU), 2},
    {C(1, 13, 13, 96, 200), 2},
};

// The thread counts compared with one thread: 2 and 3, none when the
// environment sets EDGERT_TEST_MAX_THREADS=1 (scripts/test-arm.sh under
// qemu-user, where a multithreaded run takes minutes; the native runs cover
// threading).
std::vector<int> MoreThreads() {
  const char* env = std::getenv("EDGERT_TEST_MAX_THREADS");
  if (env != nullptr && std::strcmp(env, "1") == 0) return {};
  return {2, 3};
}

Window2D WindowOf(const Case& c) {
  int oh, ow, pt, pl;
  WindowAxis(c.padding, c.pads, 0, c.h, 3, 1, 1, &oh, &pt);
  WindowAxis(c.padding, c.pads, 1, c.w, 3, 1, 1, &ow, &pl);
  Window2D g;
  g.batches = c.n, g.in_h = c.h, g.in_w = c.w, g.in_c = c.cin, g.out_h = oh, g.out_w = ow;
  g.filter_h = g.filter_w = 3, g.stride_h = g.stride_w = 1, g.dilation_h = g.dilation_w = 1;
  g.pad_top = pt, g.pad_left = pl;
  return g;
}

TEST_CASE("CONV_2D Winograd path matches naive convolution at every level", "[kernels][conv_2d][winograd]") {
  const auto policy =
      GENERATE(opt::WinogradPolicy::kAlways2x2, opt::WinogradPolicy::kAlways4x4, opt::WinogradPolicy::kAuto);
  ScopedPolicy scoped_policy(policy);
  std::vector<AutoCase> cases;
  if (policy == opt::WinogradPolicy::kAuto) {
    cases = kAutoCases;
  } else {
    for (const Case& c : kForcedCases) cases.push_back({c, policy == opt::WinogradPolicy::kAlways2x2 ? 2 : 4});
    if (policy == opt::WinogradPolicy::kAlways4x4)
      for (const Case& c : kForced4x4Extra) cases.push_back({c, 4});
  }
  for (IsaLevel level : testing::SupportedMicrokernelLevels()) {
    testing::ScopedIsaLevel scoped_level(level);
    INFO("ISA " << GetKernelIsa().name << ", policy " << static_cast<int>(policy));
    uint32_t seed = 7000;
    double worst[5] = {0, 0, 0, 0, 0};
    for (const AutoCase& ac : cases) {
      const Case& c = ac.c;
      INFO("case " << Describe(c) << ", tile " << ac.tile);
      CHECK(opt::F32WinogradTile(WindowOf(c), c.cout) == ac.tile);  // the cases test the path meant
      const double tol = ac.tile == 2 ? kRelTol2x2 : kRelTol4x4;
      const Result one = RunCase(c, seed, 1, tol);
      worst[ac.tile] = std::max(worst[ac.tile], one.max_rel_err);
      for (int threads : MoreThreads()) {
        INFO("threads " << threads);
        const Result many = RunCase(c, seed, threads, tol);
        REQUIRE(many.got.size() == one.got.size());
        CHECK(std::memcmp(many.got.data(), one.got.data(), one.got.size() * sizeof(float)) == 0);
      }
      ++seed;
    }
    WARN("largest error / sum |x w| at " << GetKernelIsa().name << ", policy " << static_cast<int>(policy)
                                          << ": 2x2 tiles " << worst[2] << ", 4x4 tiles " << worst[4]);
  }
}

TEST_CASE("CONV_2D Winograd paths are taken: they round differently from the indirect GEMM",
          "[kernels][conv_2d][winograd]") {
  for (IsaLevel level : testing::SupportedMicrokernelLevels()) {
    testing::ScopedIsaLevel scoped_level(level);
    INFO("ISA " << GetKernelIsa().name);
    const Case c = C(1, 14, 14, 64, 64);
    std::vector<float> f2, f4, igemm;
    double errs[3];
    {
      ScopedPolicy p(opt::WinogradPolicy::kAlways2x2);
      const Result r = RunCase(c, 99, 1, kRelTol2x2);
      f2 = r.got, errs[0] = r.max_rel_err;
    }
    {
      ScopedPolicy p(opt::WinogradPolicy::kAlways4x4);
      const Result r = RunCase(c, 99, 1, kRelTol4x4);
      f4 = r.got, errs[1] = r.max_rel_err;
    }
    {
      ScopedPolicy p(opt::WinogradPolicy::kNever);
      const Result r = RunCase(c, 99, 1, kRelTol2x2);
      igemm = r.got, errs[2] = r.max_rel_err;
    }
    WARN("14x14x64 -> 64, largest error / sum |x w| at " << GetKernelIsa().name << ": F(2x2) " << errs[0]
                                                         << ", F(4x4) " << errs[1] << ", indirect GEMM " << errs[2]);
    REQUIRE(f2.size() == igemm.size());
    REQUIRE(f4.size() == igemm.size());
    CHECK(std::memcmp(f2.data(), igemm.data(), igemm.size() * sizeof(float)) != 0);
    CHECK(std::memcmp(f4.data(), igemm.data(), igemm.size() * sizeof(float)) != 0);
    CHECK(std::memcmp(f4.data(), f2.data(), igemm.size() * sizeof(float)) != 0);
  }
}

// ---------------------------------------------------------------- transforms

constexpr double kBt2[4][6] = {{1, 0, -1, 0}, {0, 1, 1, 0}, {0, -1, 1, 0}, {0, 1, 0, -1}};
constexpr double kAt2[4][6] = {{1, 1, 1, 0}, {0, 1, -1, -1}};
constexpr double kBt4[6][6] = {{4, 0, -5, 0, 1, 0},  {0, -4, -4, 1, 1, 0}, {0, 4, -4, -1, 1, 0},
                               {0, -2, -1, 2, 1, 0}, {0, 2, -1, -2, 1, 0}, {0, 4, 0, -5, 0, 1}};
constexpr double kAt4[4][6] = {{1, 1, 1, 1, 1, 0}, {0, 1, -1, 2, -2, 0}, {0, 1, 1, 4, 4, 0}, {0, 1, -1, 8, -8, 1}};
constexpr float kGuard = -12345.f;

// One transform size: the level's kernels (`in`, `out`) against the portable
// ones (`ref_in`, `ref_out`), bit-exact when `exact`, else within `tol` times
// the values' scale; the portable ones against the matrices in double.
void CheckTransforms(std::mt19937& rng, int tile, const double (*bt)[6], const double (*at)[6],
                     F32WinogradInputUkernelFn in, F32WinogradOutputUkernelFn out, F32WinogradInputUkernelFn ref_in,
                     F32WinogradOutputUkernelFn ref_out, bool exact, double tol) {
  const int alpha = tile + 2, positions = alpha * alpha, pixels = tile * tile;
  auto same = [&](const std::vector<float>& got, const std::vector<float>& want, double scale) {
    if (exact) return std::memcmp(got.data(), want.data(), got.size() * sizeof(float)) == 0;
    for (size_t i = 0; i < got.size(); ++i)
      if (!(std::fabs(got[i] - want[i]) <= tol * scale)) return false;
    return true;
  };
  for (size_t ch : {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 31, 33, 64}) {
    INFO("tile " << tile << ", channels " << ch);
    const size_t stride = ch + 3;  // gaps between the outputs hold guards
    // Input transform: separate pixels (one of them the padding zeros).
    std::vector<std::vector<float>> px(positions);
    std::vector<const float*> ptrs(positions);
    for (int e = 0; e < positions; ++e) {
      px[e] = e == 5 ? std::vector<float>(ch, 0.f) : RandomFloats(rng, ch, -4.f, 4.f);
      ptrs[e] = px[e].data();
    }
    std::vector<float> got(positions * stride, kGuard), ref(positions * stride, kGuard);
    in(ch, ptrs.data(), got.data(), stride);
    ref_in(ch, ptrs.data(), ref.data(), stride);
    CHECK(same(got, ref, 4.0 * 100));
    int bad = 0;
    for (int i = 0; i < alpha; ++i)
      for (int j = 0; j < alpha; ++j)
        for (size_t c = 0; c < stride; ++c) {
          const float g = ref[(alpha * i + j) * stride + c];
          double want = kGuard;
          if (c < ch) {
            want = 0;
            for (int a = 0; a < alpha; ++a)
              for (int b = 0; b < alpha; ++b) want += bt[i][a] * px[alpha * a + b][c] * bt[j][b];
          }
          if (std::fabs(g - want) > 1e-6 * 4 * 100 && bad++ == 0)
            FAIL_CHECK("input transform value " << alpha * i + j << " channel " << c << ": got " << g << ", want "
                                                << want);
        }
    CHECK(bad == 0);

    // Output transform with bias and clamp; separate output pixels with guards.
    const std::vector<float> m = RandomFloats(rng, positions * stride, -8.f, 8.f);
    const std::vector<float> bias = RandomFloats(rng, ch);
    for (const F32MinMaxParams& mm :
         {F32MinMaxParams{-std::numeric_limits<float>::infinity(), std::numeric_limits<float>::infinity()},
          F32MinMaxParams{0.f, 6.f}, F32MinMaxParams{-1.5f, 2.f}}) {
      std::vector<std::vector<float>> yo(pixels, std::vector<float>(ch + 4, kGuard)), yr = yo;
      std::vector<float*> outs_got(pixels), outs_ref(pixels);
      for (int p = 0; p < pixels; ++p) outs_got[p] = yo[p].data(), outs_ref[p] = yr[p].data();
      out(ch, m.data(), stride, bias.data(), outs_got.data(), &mm);
      ref_out(ch, m.data(), stride, bias.data(), outs_ref.data(), &mm);
      for (int p = 0; p < pixels; ++p) {
        CHECK(same(yo[p], yr[p], 8.0 * 400));
        for (size_t c = 0; c < ch + 4; ++c) {
          double want = kGuard;
          if (c < ch) {
            want = bias[c];
            for (int a = 0; a < alpha; ++a)
              for (int b = 0; b < alpha; ++b)
                want += at[p / tile][a] * m[(alpha * a + b) * stride + c] * at[p % tile][b];
            want = std::min<double>(std::max<double>(want, mm.min), mm.max);
          }
          if (std::fabs(yr[p][c] - want) > 1e-6 * 8 * 400 && bad++ == 0)
            FAIL_CHECK("output transform pixel " << p << " channel " << c << ": got " << yr[p][c] << ", want "
                                                 << want);
        }
      }
      CHECK(bad == 0);
    }
  }
}

TEST_CASE("Winograd transform microkernels match the portable transforms and the matrices",
          "[kernels][winograd]") {
  std::mt19937 rng(4242);
  std::vector<IsaLevel> levels = testing::SupportedMicrokernelLevels();
  levels.push_back(IsaLevel::kReference);  // the portable transforms alone
  for (IsaLevel level : levels) {
    testing::ScopedIsaLevel scoped_level(level);
    const auto& t = GetKernelIsa().f32_winograd;
    INFO("ISA " << GetKernelIsa().name);
    CheckTransforms(rng, 2, kBt2, kAt2,
                    t.input_2x2 != nullptr ? t.input_2x2 : opt::f32_winograd_input_ukernel_2x2_3x3__scalar,
                    t.output_2x2 != nullptr ? t.output_2x2 : opt::f32_winograd_output_minmax_ukernel_2x2_3x3__scalar,
                    opt::f32_winograd_input_ukernel_2x2_3x3__scalar,
                    opt::f32_winograd_output_minmax_ukernel_2x2_3x3__scalar, true, 0.0);
    // Values up to 4 (input) and 8 (output) through sums of up to 36 terms
    // with factors up to 25 and 64: a few float epsilons of 100 and 400.
    CheckTransforms(rng, 4, kBt4, kAt4,
                    t.input_4x4 != nullptr ? t.input_4x4 : opt::f32_winograd_input_ukernel_4x4_3x3__scalar,
                    t.output_4x4 != nullptr ? t.output_4x4 : opt::f32_winograd_output_minmax_ukernel_4x4_3x3__scalar,
                    opt::f32_winograd_input_ukernel_4x4_3x3__scalar,
                    opt::f32_winograd_output_minmax_ukernel_4x4_3x3__scalar, false, 1e-6);
  }
}

}  // namespace
}  // namespace edgert
