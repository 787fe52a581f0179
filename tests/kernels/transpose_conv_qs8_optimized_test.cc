// The int8 path of the optimized TRANSPOSE_CONV kernel against the reference
// kernel: outputs must be bit-identical. Covered nodes (stride equal to the
// filter size, no padding) over odd filter, channel and spatial sizes,
// batches, SAME / VALID / EXPLICIT padding (all without padding here), extreme
// zero points, per-channel and per-tensor weights (with a weight zero point),
// requantization multipliers below and above one, every fused activation,
// with and without bias, rows of up to 48 pixels (the few-column path's
// steps of 16), on 1, 2 and 3 threads and every ISA level; and nodes
// it does not cover (overlapping taps, padding), which fall back to the
// reference kernel. The reference kernel is tested against naive arithmetic in
// transpose_conv_test.cc.
#include <catch2/catch.hpp>

#include <array>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "kernels/dispatch.h"
#include "kernels/optimized/optimized_kernels.h"
#include "kernels/reference/reference_kernels.h"
#include "tests/kernels/conv_test_util.h"
#include "tests/kernels/kernel_test_util.h"
#include "tests/op_test.h"

namespace edgert {
namespace {

using namespace conv_test;  // NOLINT: OpTest and tests/kernels/conv_test_util.h

struct Qs8TcCase {
  int n = 1, h = 1, w = 1, ic = 1, oc = 1, kh = 1, kw = 1, sh = 1, sw = 1;
  schema::Padding padding = schema::Padding_VALID;
  std::vector<int32_t> pads;  // EXPLICIT
  schema::Activation act = schema::Activation_NONE;
  bool bias = true, per_channel = true;
  int32_t in_zp = 0, out_zp = 0, w_zp = 0;
  float out_gain = 1.f;

  std::string Describe() const {
    return std::to_string(n) + "x" + std::to_string(h) + "x" + std::to_string(w) + "x" + std::to_string(ic) +
           " -> " + std::to_string(oc) + " k" + std::to_string(kh) + "x" + std::to_string(kw) + " s" +
           std::to_string(sh) + "x" + std::to_string(sw) + " pad " + schema::EnumNamePadding(padding) + " act " +
           schema::EnumNameActivation(act) + " zp in/out/w " + std::to_string(in_zp) + "/" + std::to_string(out_zp) +
           "/" + std::to_string(w_zp) + (per_channel ? " per-channel" : " per-tensor") + (bias ? " bias" : "") +
           " gain " + std::to_string(out_gain);
  }
};

std::vector<int8_t> Run(const OpKernel* kernel, const Qs8TcCase& c, uint32_t seed, int threads) {
  std::mt19937 rng(seed);
  const float in_scale = 0.03f;
  const std::vector<float> w_scale = RandomFloats(rng, c.per_channel ? c.oc : 1, 0.002f, 0.03f);
  const float out_scale = in_scale * 0.01f * 25.f * std::sqrt(static_cast<float>(c.ic)) * c.out_gain;
  const auto x = RandomInts<int8_t>(rng, static_cast<size_t>(c.n) * c.h * c.w * c.ic, -128, 127);
  const auto w = RandomInts<int8_t>(rng, static_cast<size_t>(c.oc) * c.kh * c.kw * c.ic, -128, 127);
  const auto b = c.bias ? RandomInts<int32_t>(rng, c.oc, -20000, 20000) : std::vector<int32_t>();
  OpTest t(schema::OpType_TRANSPOSE_CONV);
  t.Input<int8_t>({c.n, c.h, c.w, c.ic}, x, QuantSpec::PerTensor(in_scale, c.in_zp));
  t.Const<int8_t>({c.oc, c.kh, c.kw, c.ic}, w, WeightQuant(w_scale, c.w_zp, 0));
  ConstOrOmit(t, c.bias, {c.oc}, b, BiasQuant(in_scale, w_scale));
  t.Output(DType::kI8, QuantSpec::PerTensor(out_scale, c.out_zp));
  const auto pads = c.pads.empty() ? 0 : t.fbb().CreateVector(c.pads);
  t.SetOptions(schema::OpOptions_TransposeConvOptions,
               schema::CreateTransposeConvOptions(t.fbb(), c.padding, c.sh, c.sw, c.act, pads).Union());
  t.SetNumThreads(threads);
  RequireRun(t, kernel);
  return t.OutputData<int8_t>(0);
}

TEST_CASE("Optimized int8 TRANSPOSE_CONV equals the reference kernel bit for bit", "[kernels][transpose_conv][qs8]") {
  const schema::Activation kActs[] = {schema::Activation_NONE, schema::Activation_RELU, schema::Activation_RELU6,
                                      schema::Activation_RELU_N1_TO_1};
  const int32_t kZps[] = {-128, 127, 0, 9};
  const schema::Padding kPads[] = {schema::Padding_SAME, schema::Padding_VALID, schema::Padding_EXPLICIT};
  std::vector<Qs8TcCase> cases;
  int i = 0;
  // Covered: taps tile the output.
  for (const auto& k : std::vector<std::pair<int, int>>{{2, 2}, {1, 1}, {3, 2}, {1, 4}}) {
    for (int ic : {1, 3, 16, 19}) {
      for (int oc : {1, 2, 5, 17}) {
        Qs8TcCase c;
        c.n = i % 3 == 0 ? 2 : 1;
        c.h = 1 + (i * 5) % 7;
        c.w = 1 + (i * 3) % 9;
        c.ic = ic;
        c.oc = oc;
        c.kh = c.sh = k.first;
        c.kw = c.sw = k.second;
        c.padding = kPads[i % 3];
        if (c.padding == schema::Padding_EXPLICIT) c.pads = {0, 0, 0, 0};
        c.act = kActs[i % 4];
        c.bias = i % 5 != 0;
        c.per_channel = i % 3 != 1;
        c.in_zp = kZps[i % 4];
        c.out_zp = kZps[(i / 4) % 4];
        c.w_zp = c.per_channel ? 0 : kZps[(i / 2) % 4];
        c.out_gain = i % 6 == 0 ? 0.02f : 1.f;
        cases.push_back(c);
        ++i;
      }
    }
  }
  // Wide rows for the few-column path (KW * O <= 4: whole steps of 16 pixels
  // and a tail, K chunks of 16 and a partial one): selfie_segmentation's last
  // layer is 2x2, 16 -> 1 at 128 x 128.
  for (const auto& w : std::vector<std::array<int, 5>>{
           {2, 2, 16, 1, 37}, {2, 2, 32, 2, 16}, {1, 1, 16, 1, 48}, {2, 2, 24, 1, 20}, {1, 4, 40, 1, 33}}) {
    Qs8TcCase c;
    c.kh = c.sh = w[0];
    c.kw = c.sw = w[1];
    c.ic = w[2];
    c.oc = w[3];
    c.w = w[4];
    c.h = 3;
    c.act = kActs[i % 4];
    c.in_zp = kZps[i % 4];
    c.out_zp = kZps[(i / 4) % 4];
    c.out_gain = i % 2 == 0 ? 0.02f : 1.f;
    cases.push_back(c);
    ++i;
  }
  // Not covered (overlapping taps, gaps, padding): the reference kernel runs.
  Qs8TcCase overlap;
  overlap.h = 4, overlap.w = 5, overlap.ic = 3, overlap.oc = 2, overlap.kh = overlap.kw = 3;
  overlap.sh = overlap.sw = 2;
  overlap.padding = schema::Padding_SAME;
  cases.push_back(overlap);
  Qs8TcCase gaps = overlap;
  gaps.kh = gaps.kw = 1;
  gaps.padding = schema::Padding_VALID;
  cases.push_back(gaps);
  Qs8TcCase padded = overlap;
  padded.kh = padded.kw = 2;
  padded.padding = schema::Padding_EXPLICIT;
  padded.pads = {1, 0, 1, 0};
  cases.push_back(padded);

  uint32_t seed = 7;
  for (const Qs8TcCase& c : cases) {
    INFO(c.Describe());
    const std::vector<int8_t> want = Run(ref::Register_TRANSPOSE_CONV(), c, seed, 1);
    for (int level = 0; level <= static_cast<int>(DetectedIsaLevel()); ++level) {
      testing::ScopedIsaLevel isa_level(static_cast<IsaLevel>(level));
      INFO("ISA " << GetKernelIsa().name);
      for (int threads : {1, 2, 3}) {
        INFO("threads " << threads);
        REQUIRE(Run(opt::Register_TRANSPOSE_CONV(), c, seed, threads) == want);
      }
    }
    ++seed;
  }
}

}  // namespace
}  // namespace edgert
