// The int8 (QS8) paths of the optimized CONV_2D and DEPTHWISE_CONV_2D kernels
// against the reference kernels: outputs must be bit-identical. Each case is
// run at every ISA level of this CPU (on a CPU without a fast level the
// optimized kernels fall back to the reference, and the checks still hold),
// over odd channel counts (1..37 and tile tails), odd spatial sizes, strides,
// dilations, SAME/VALID/EXPLICIT padding, extreme input and output zero points
// (-128, 127), per-channel and per-tensor weights (with weight zero points),
// requantization multipliers from tiny (large right shifts) through near 1 to
// above 1 (left shifts, saturating) and exact powers of two (rounding ties),
// every fused activation, with and without bias, and on 1, 2 and 3 threads.
// The reference kernels themselves are tested against naive TFLite math in
// conv_2d_test.cc and depthwise_conv_2d_test.cc.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "kernels/dispatch.h"
#include "kernels/optimized/optimized_kernels.h"
#include "kernels/reference/reference_kernels.h"
#include "tests/kernels/conv_test_util.h"
#include "tests/op_test.h"

namespace edgert {
namespace {

using namespace conv_test;  // NOLINT: OpTest and tests/kernels/conv_test_util.h

// One random int8 conv (depthwise: cin = cout, groups of one channel).
struct Qs8Case {
  bool depthwise = false;
  int n = 1, h = 1, w = 1, cin = 1, cout = 1, kh = 1, kw = 1;
  int sh = 1, sw = 1, dh = 1, dw = 1;
  schema::Padding padding = schema::Padding_SAME;
  std::vector<int32_t> pads;
  schema::Activation act = schema::Activation_NONE;
  bool bias = true, per_channel = true;
  int32_t in_zp = 0, out_zp = 0, w_zp = 0;
  float in_scale = 0.02f, out_scale = 0.1f;
  std::vector<float> w_scale;
  int32_t bias_range = 5000;
  std::vector<int8_t> x, wt;
  std::vector<int32_t> b;

  std::string Describe() const {
    std::string s = depthwise ? "depthwise " : "conv ";
    s += std::to_string(n) + "x" + std::to_string(h) + "x" + std::to_string(w) + "x" + std::to_string(cin) + " -> " +
         std::to_string(cout) + " k" + std::to_string(kh) + "x" + std::to_string(kw) + " s" + std::to_string(sh) +
         "x" + std::to_string(sw) + " d" + std::to_string(dh) + "x" + std::to_string(dw) + " pad " +
         schema::EnumNamePadding(padding) + " act " + schema::EnumNameActivation(act) + " zp in/out/w " +
         std::to_string(in_zp) + "/" + std::to_string(out_zp) + "/" + std::to_string(w_zp) + " scale out " +
         std::to_string(out_scale) + (per_channel ? " per-channel" : " per-tensor") + (bias ? " bias" : "");
    return s;
  }
};

// Requantization multipliers (in_scale * w_scale / out_scale) the cases aim at.
// The largest ones shift left far enough for acc * 2^left to saturate.
constexpr double kMultipliers[] = {3e-9, 2e-6, 1e-3, 0.011, 0.1, 0.49, 0.9999, 1.0, 1.7, 40.0, 1e5, 3e8};

Qs8Case RandomCase(std::mt19937& rng, bool depthwise, int index) {
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  Qs8Case c;
  c.depthwise = depthwise;
  c.n = pick(1, 2);
  c.h = pick(1, 13);
  c.w = pick(1, 13);
  c.cin = index < 37 ? index + 1 : pick(1, 80);  // every count 1..37, then larger
  c.cout = depthwise ? c.cin : pick(1, 40);
  const bool pointwise = !depthwise && pick(0, 2) == 0;
  c.kh = pointwise ? 1 : pick(1, 5);
  c.kw = pointwise ? 1 : pick(1, 5);
  c.sh = pick(0, 2) == 0 ? pick(1, 3) : 1;
  c.sw = pick(0, 2) == 0 ? pick(1, 3) : 1;
  c.dh = pick(0, 3) == 0 ? 2 : 1;
  c.dw = pick(0, 3) == 0 ? 2 : 1;
  switch (pick(0, 3)) {
    case 0: c.padding = schema::Padding_VALID; break;
    case 1:
      c.padding = schema::Padding_EXPLICIT;
      c.pads = {pick(0, 2), pick(0, 2), pick(0, 2), pick(0, 2)};
      break;
    default: c.padding = schema::Padding_SAME;
  }
  // VALID needs the dilated filter to fit the input.
  if (c.padding != schema::Padding_SAME) {
    const int pad_h = c.pads.empty() ? 0 : c.pads[0] + c.pads[2];
    const int pad_w = c.pads.empty() ? 0 : c.pads[1] + c.pads[3];
    c.h = std::max(c.h, (c.kh - 1) * c.dh + 1 - pad_h);
    c.w = std::max(c.w, (c.kw - 1) * c.dw + 1 - pad_w);
  }
  const schema::Activation acts[] = {schema::Activation_NONE, schema::Activation_RELU, schema::Activation_RELU6,
                                     schema::Activation_RELU_N1_TO_1};
  c.act = acts[pick(0, 3)];
  c.bias = pick(0, 4) != 0;
  c.per_channel = pick(0, 3) != 0;
  const int32_t zps[] = {-128, 127, 0, -5};
  c.in_zp = pick(0, 2) == 0 ? zps[pick(0, 3)] : pick(-128, 127);
  c.out_zp = pick(0, 2) == 0 ? zps[pick(0, 3)] : pick(-128, 127);
  c.w_zp = c.per_channel ? 0 : (pick(0, 1) == 0 ? zps[pick(0, 3)] : pick(-128, 127));
  const int wch = c.per_channel ? c.cout : 1;
  if (index % 3 == 2) {
    // Power-of-two scales: multipliers exactly 2^e (fixed-point multiplier
    // 2^30), where the rounding of both fixed-point steps meets exact ties.
    c.in_scale = std::ldexp(1.f, -pick(2, 8));
    c.w_scale.resize(wch);
    for (float& s : c.w_scale) s = std::ldexp(1.f, -pick(5, 9));
    c.out_scale = c.in_scale * std::ldexp(1.f, -7 - pick(-12, 3));
  } else {
    c.in_scale = std::uniform_real_distribution<float>(0.005f, 0.1f)(rng);
    c.w_scale = RandomFloats(rng, wch, 0.002f, 0.03f);
    const double m = kMultipliers[index % (sizeof(kMultipliers) / sizeof(kMultipliers[0]))];
    c.out_scale = static_cast<float>(c.in_scale * Mean(c.w_scale) / m);
  }
  c.bias_range = pick(0, 1) == 0 ? 5000 : 2000000;
  const size_t wn = static_cast<size_t>(c.kh) * c.kw * (depthwise ? c.cout : c.cout * c.cin);
  c.x = RandomInts<int8_t>(rng, static_cast<size_t>(c.n) * c.h * c.w * c.cin, -128, 127);
  c.wt = RandomInts<int8_t>(rng, wn, c.per_channel ? -127 : -128, 127);
  c.b = RandomInts<int32_t>(rng, c.cout, -c.bias_range, c.bias_range);
  return c;
}

// Adds the case's operands and options to t.
void Build(OpTest& t, const Qs8Case& c) {
  t.Input<int8_t>({c.n, c.h, c.w, c.cin}, c.x, QuantSpec::PerTensor(c.in_scale, c.in_zp));
  const int axis = c.per_channel ? (c.depthwise ? 3 : 0) : 0;
  if (c.depthwise)
    t.Const<int8_t>({1, c.kh, c.kw, c.cout}, c.wt, WeightQuant(c.w_scale, c.w_zp, axis));
  else
    t.Const<int8_t>({c.cout, c.kh, c.kw, c.cin}, c.wt, WeightQuant(c.w_scale, c.w_zp, axis));
  ConstOrOmit(t, c.bias, {c.cout}, c.b, BiasQuant(c.in_scale, c.w_scale));
  t.Output(DType::kI8, QuantSpec::PerTensor(c.out_scale, c.out_zp));
  const auto pads = OptionalVector(t, c.pads);
  if (c.depthwise)
    t.SetOptions(schema::OpOptions_DepthwiseConv2DOptions,
                 schema::CreateDepthwiseConv2DOptions(t.fbb(), c.padding, c.sh, c.sw, c.dh, c.dw, c.act, pads, 1)
                     .Union());
  else
    t.SetOptions(schema::OpOptions_Conv2DOptions,
                 schema::CreateConv2DOptions(t.fbb(), c.padding, c.sh, c.sw, c.dh, c.dw, c.act, pads).Union());
}

// Runs the case with `kernel` on `threads` threads; returns the output.
std::vector<int8_t> Run(const OpKernel* kernel, const Qs8Case& c, int threads) {
  OpTest t(c.depthwise ? schema::OpType_DEPTHWISE_CONV_2D : schema::OpType_CONV_2D);
  Build(t, c);
  t.SetNumThreads(threads);
  RequireRun(t, kernel);
  return t.OutputData<int8_t>(0);
}

// Persistent bytes of the prepared case (op state, quantization arrays, packed weights).
size_t PersistentBytes(const OpKernel* kernel, const Qs8Case& c) {
  OpTest t(c.depthwise ? schema::OpType_DEPTHWISE_CONV_2D : schema::OpType_CONV_2D);
  Build(t, c);
  RequireRun(t, kernel);
  return t.interpreter().memory().persistent_bytes;
}

// Index of the first differing element, or -1.
long FirstDifference(const std::vector<int8_t>& a, const std::vector<int8_t>& b) {
  if (a.size() != b.size()) return 0;
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i] != b[i]) return static_cast<long>(i);
  return -1;
}

void CheckCases(bool depthwise, uint32_t seed, int count, const std::vector<int>& thread_counts = {1, 2, 3}) {
  const OpKernel* ref = depthwise ? ref::Register_DEPTHWISE_CONV_2D() : ref::Register_CONV_2D();
  const OpKernel* opt = depthwise ? opt::Register_DEPTHWISE_CONV_2D() : opt::Register_CONV_2D();
  std::mt19937 rng(seed);
  const IsaLevel saved = SetKernelIsaLevelForTesting(DetectedIsaLevel());
  for (int i = 0; i < count; ++i) {
    const Qs8Case c = RandomCase(rng, depthwise, i);
    INFO("case " << i << ": " << c.Describe());
    const std::vector<int8_t> want = Run(ref, c, 1);
    for (int level = 0; level <= static_cast<int>(DetectedIsaLevel()); ++level) {
      SetKernelIsaLevelForTesting(static_cast<IsaLevel>(level));
      INFO("ISA " << GetKernelIsa().name);
      for (int threads : thread_counts) {
        INFO("threads " << threads);
        const std::vector<int8_t> got = Run(opt, c, threads);
        REQUIRE(got.size() == want.size());
        const long bad = FirstDifference(got, want);
        INFO("first difference at element " << bad << (bad >= 0 ? ": got " + std::to_string(got[bad]) + ", want " +
                                                                      std::to_string(want[bad])
                                                                : std::string()));
        CHECK(bad == -1);
      }
    }
    SetKernelIsaLevelForTesting(DetectedIsaLevel());
  }
  SetKernelIsaLevelForTesting(saved);
}

// Sets to the weight zero point about `fraction` of the 16 x 4 blocks (16
// output channels x 4 consecutive values of K = KH * KW * I) of c's weights,
// and all of them when fraction >= 1.
void PruneQuads(std::mt19937& rng, double fraction, Qs8Case* c) {
  const size_t k = static_cast<size_t>(c->kh) * c->kw * c->cin;
  std::uniform_real_distribution<double> u(0.0, 1.0);
  for (size_t o0 = 0; o0 < static_cast<size_t>(c->cout); o0 += 16)
    for (size_t k0 = 0; k0 < k; k0 += 4)
      if (fraction >= 1.0 || u(rng) < fraction)
        for (size_t o = o0; o < std::min<size_t>(c->cout, o0 + 16); ++o)
          for (size_t i = k0; i < std::min(k, k0 + 4); ++i) c->wt[o * k + i] = static_cast<int8_t>(c->w_zp);
}

TEST_CASE("CONV_2D int8 with pruned weights (block-sparse GEMM) matches the reference exactly",
          "[kernels][conv_2d][qs8][sparse]") {
  // Mostly 1x1 layers of 16..70 output channels, some with a spatial filter
  // (im2col rows), 40..100% of the 16 x 4 weight blocks zero.
  std::mt19937 rng(7301);
  const IsaLevel saved = SetKernelIsaLevelForTesting(DetectedIsaLevel());
  for (int i = 0; i < 24; ++i) {
    Qs8Case c = RandomCase(rng, false, i + 37);
    if (i % 4 != 3) {
      c.kh = c.kw = 1;
      c.sh = c.sw = c.dh = c.dw = 1;
      c.padding = schema::Padding_VALID;
      c.pads.clear();
    }
    c.cout = std::uniform_int_distribution<int>(16, 70)(rng);
    c.cin = i == 0 ? 2100 : c.cin;  // rows past the microkernel's stack buffer
    c.h = i == 0 ? 3 : c.h;
    c.w_scale.resize(c.per_channel ? c.cout : 1, c.w_scale[0]);
    c.x = RandomInts<int8_t>(rng, static_cast<size_t>(c.n) * c.h * c.w * c.cin, -128, 127);
    c.wt = RandomInts<int8_t>(rng, static_cast<size_t>(c.kh) * c.kw * c.cout * c.cin, c.per_channel ? -127 : -128, 127);
    c.b = RandomInts<int32_t>(rng, c.cout, -c.bias_range, c.bias_range);
    PruneQuads(rng, i % 6 == 5 ? 1.0 : 0.4 + 0.1 * (i % 6), &c);
    INFO("case " << i << ": " << c.Describe());
    const std::vector<int8_t> want = Run(ref::Register_CONV_2D(), c, 1);
    for (int level = 0; level <= static_cast<int>(DetectedIsaLevel()); ++level) {
      SetKernelIsaLevelForTesting(static_cast<IsaLevel>(level));
      INFO("ISA " << GetKernelIsa().name);
      for (int threads : {1, 3}) {
        INFO("threads " << threads);
        const std::vector<int8_t> got = Run(opt::Register_CONV_2D(), c, threads);
        REQUIRE(got.size() == want.size());
        CHECK(FirstDifference(got, want) == -1);
      }
    }
  }
  SetKernelIsaLevelForTesting(saved);
}

TEST_CASE("CONV_2D int8 optimized matches the reference exactly", "[kernels][conv_2d][qs8]") {
  CheckCases(false, 7001, 80);
}

TEST_CASE("DEPTHWISE_CONV_2D int8 optimized matches the reference exactly", "[kernels][depthwise_conv_2d][qs8]") {
  CheckCases(true, 7002, 80);
}

// The same on one thread only, without the [qs8] tag: scripts/test-arm.sh runs
// it under emulation (it leaves out the multithreaded cases), so the aarch64
// int8 depthwise microkernels run through the op there too.
TEST_CASE("DEPTHWISE_CONV_2D int8 optimized matches the reference exactly, single-threaded",
          "[kernels][depthwise_conv_2d]") {
  CheckCases(true, 7003, 80, {1});
}

// The same for CONV_2D: under emulation the aarch64 int8 GEMMs (the c2 and
// c16 ones of neon, SDOT's c4, SMMLA's c8) run through the op, with K below
// and above the c16 kernel's minimum.
TEST_CASE("CONV_2D int8 optimized matches the reference exactly, single-threaded", "[kernels][conv_2d]") {
  CheckCases(false, 7004, 60, {1});
}

// Weights of -128 (per-tensor, zero point 0) against inputs of -128: two such
// products in one int16 lane overflow it, so a kernel that adds int8 products
// in pairs (KernelIsa::qs8_gemm_c4.no_min_weight: neon's c16) must not take
// the node; every level must still give the reference's bytes. Columns 0-7
// are all -128, the others random; K = 64 (above the c16 minimum).
TEST_CASE("CONV_2D int8 with weights of -128 matches the reference exactly", "[kernels][conv_2d]") {
  std::mt19937 rng(7005);
  Qs8Case c;
  c.h = 3;
  c.w = 5;
  c.cin = 64;
  c.cout = 20;
  c.padding = schema::Padding_VALID;
  c.per_channel = false;
  c.bias = false;
  c.w_scale = {0.01f};
  c.in_scale = 0.02f;
  c.out_scale = 2.f;  // multiplier 1e-4: 64 * 16384 -> about 105
  c.x.assign(static_cast<size_t>(c.h) * c.w * c.cin, int8_t{-128});
  c.wt = RandomInts<int8_t>(rng, static_cast<size_t>(c.cout) * c.cin, -128, 127);
  std::fill(c.wt.begin(), c.wt.begin() + 8 * c.cin, int8_t{-128});
  c.b.assign(static_cast<size_t>(c.cout), 0);
  const std::vector<int8_t> want = Run(ref::Register_CONV_2D(), c, 1);
  REQUIRE(want[0] > 100);  // the exact sum, not a wrapped one
  const IsaLevel saved = SetKernelIsaLevelForTesting(DetectedIsaLevel());
  for (int level = 0; level <= static_cast<int>(DetectedIsaLevel()); ++level) {
    SetKernelIsaLevelForTesting(static_cast<IsaLevel>(level));
    INFO("ISA " << GetKernelIsa().name);
    CHECK(FirstDifference(Run(opt::Register_CONV_2D(), c, 1), want) == -1);
  }
  SetKernelIsaLevelForTesting(saved);
}

// The int8 paths really run (they pack the weights: int16, or int8 for the
// VNNI GEMM, plus per-channel words),
// and a bias that could overflow an int32 accumulator keeps the reference
// (with the same results).
TEST_CASE("int8 conv paths pack weights only when covered", "[kernels][conv_2d][depthwise_conv_2d][qs8]") {
  std::mt19937 rng(11);
  for (bool depthwise : {false, true}) {
    INFO((depthwise ? "depthwise" : "conv"));
    Qs8Case c = RandomCase(rng, depthwise, 36);
    c.kh = c.kw = 5;
    c.padding = schema::Padding_SAME;
    c.pads.clear();
    c.wt = RandomInts<int8_t>(rng, static_cast<size_t>(25) * c.cout * (depthwise ? 1 : c.cin), -127, 127);
    const size_t weight_bytes = c.wt.size();
    const OpKernel* ref = depthwise ? ref::Register_DEPTHWISE_CONV_2D() : ref::Register_CONV_2D();
    const OpKernel* opt = depthwise ? opt::Register_DEPTHWISE_CONV_2D() : opt::Register_CONV_2D();
    const IsaLevel saved = SetKernelIsaLevelForTesting(IsaLevel::kReference);
    const size_t state_bytes = PersistentBytes(opt, c);  // reference fallback: op states only
    SetKernelIsaLevelForTesting(DetectedIsaLevel());
    const size_t fast_bytes = PersistentBytes(opt, c);
    const KernelIsa& isa = GetKernelIsa();  // not every fast level has both int8 paths
    if (depthwise ? isa.qs8_dwconv.fn != nullptr : isa.qs8_gemm.fn != nullptr)
      CHECK(fast_bytes >= state_bytes + weight_bytes);
    // A bias near INT32_MAX: the exact accumulator may exceed int32, so the
    // reference (which saturates) runs, and the results still agree.
    c.bias = true;
    c.b[0] = INT32_MAX - 5;
    if (c.cout > 1) c.b[1] = INT32_MIN + 5;
    const size_t fallback_bytes = PersistentBytes(opt, c);
    CHECK(fallback_bytes < state_bytes + weight_bytes);
    CHECK(Run(opt, c, 2) == Run(ref, c, 1));
    SetKernelIsaLevelForTesting(saved);
  }
}

}  // namespace
}  // namespace edgert
