// The int8 path of the optimized FULLY_CONNECTED kernel (the QS8 GEMM
// microkernels on weights packed in prepare) against the reference kernel:
// outputs must be bit-identical. Every case runs at every ISA level of this CPU
// and on 1, 2 and 3 threads, over odd input and output sizes (GEMM tile tails),
// several rows (batch) and a single row, per-channel and per-tensor weights
// (per-tensor with a zero point, and weights minus zero point outside int8,
// which the VNNI packing cannot hold), extreme input / output zero points,
// requantization multipliers below and above one, every fused activation,
// with and without bias. The reference kernel is tested against naive
// arithmetic in fully_connected_test.cc.
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
#include "tests/kernels/kernel_test_util.h"
#include "tests/op_test.h"

namespace edgert {
namespace {

using namespace conv_test;  // NOLINT: OpTest and tests/kernels/conv_test_util.h

struct Qs8FcCase {
  std::vector<int32_t> in_shape;
  int out = 1, in = 1;
  bool keep_num_dims = false, bias = true, per_channel = true;
  schema::Activation act = schema::Activation_NONE;
  int32_t in_zp = 0, out_zp = 0, w_zp = 0;
  float out_gain = 1.f;  // output scale relative to a typical one (small: multipliers above one)
  double zero_quads = 0.0;  // fraction of 16 x 4 weight blocks set to the zero point (1: all)
};

std::vector<int8_t> Run(const OpKernel* kernel, const Qs8FcCase& c, uint32_t seed, int threads) {
  std::mt19937 rng(seed);
  const float in_scale = 0.04f;
  const std::vector<float> w_scale = RandomFloats(rng, c.per_channel ? c.out : 1, 0.002f, 0.03f);
  const float out_scale = in_scale * 0.01f * 30.f * std::sqrt(static_cast<float>(c.in)) * c.out_gain;
  const auto x = RandomInts<int8_t>(rng, static_cast<size_t>(Count(c.in_shape)), -128, 127);
  auto w = RandomInts<int8_t>(rng, static_cast<size_t>(c.out) * c.in, -128, 127);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  for (int o0 = 0; c.zero_quads > 0.0 && o0 < c.out; o0 += 16)
    for (int k0 = 0; k0 < c.in; k0 += 4)
      if (c.zero_quads >= 1.0 || u(rng) < c.zero_quads)
        for (int o = o0; o < std::min(c.out, o0 + 16); ++o)
          for (int i = k0; i < std::min(c.in, k0 + 4); ++i)
            w[static_cast<size_t>(o) * c.in + i] = static_cast<int8_t>(c.w_zp);
  const auto b = c.bias ? RandomInts<int32_t>(rng, c.out, -20000, 20000) : std::vector<int32_t>();
  OpTest t(schema::OpType_FULLY_CONNECTED);
  t.Input<int8_t>(c.in_shape, x, QuantSpec::PerTensor(in_scale, c.in_zp));
  t.Const<int8_t>({c.out, c.in}, w, WeightQuant(w_scale, c.w_zp, 0));
  ConstOrOmit(t, c.bias, {c.out}, b, BiasQuant(in_scale, w_scale));
  t.Output(DType::kI8, QuantSpec::PerTensor(out_scale, c.out_zp));
  t.SetOptions(schema::OpOptions_FullyConnectedOptions,
               schema::CreateFullyConnectedOptions(t.fbb(), c.act, c.keep_num_dims).Union());
  t.SetNumThreads(threads);
  RequireRun(t, kernel);
  return t.OutputData<int8_t>(0);
}

TEST_CASE("Optimized int8 FULLY_CONNECTED equals the reference kernel bit for bit", "[kernels][fully_connected][qs8]") {
  std::mt19937 rng(3);
  const schema::Activation kActs[] = {schema::Activation_NONE, schema::Activation_RELU, schema::Activation_RELU6,
                                      schema::Activation_RELU_N1_TO_1};
  std::vector<Qs8FcCase> cases;
  uint32_t i = 0;
  for (int out : {1, 5, 16, 17, 33, 70}) {
    for (int in : {1, 3, 8, 13, 64, 77}) {
      for (int rows : {1, 3, 6}) {
        Qs8FcCase c;
        c.in_shape = rows == 1 ? std::vector<int32_t>{1, in} : std::vector<int32_t>{rows, 1, in};
        c.keep_num_dims = rows > 1 && i % 2 == 0;
        c.out = out;
        c.in = in;
        c.bias = i % 5 != 0;
        c.per_channel = i % 3 != 0;
        c.act = kActs[i % 4];
        const int32_t kZps[] = {-128, 127, 0, 5};
        c.in_zp = kZps[i % 4];
        c.out_zp = kZps[(i / 4) % 4];
        c.w_zp = c.per_channel ? 0 : kZps[(i / 2) % 4];  // per-tensor: any zero point
        c.out_gain = i % 7 == 0 ? 0.01f : 1.f;
        cases.push_back(c);
        ++i;
      }
    }
  }
  // The shape of a classifier head (1280 -> 1000, batch 1).
  Qs8FcCase head;
  head.in_shape = {1, 1280};
  head.out = 1000;
  head.in = 1280;
  cases.push_back(head);

  // Pruned weights (the block-sparse GEMM): 40..100% of the 16 x 4 blocks
  // zero, row and column tails, rows past the microkernel's stack buffer.
  int j = 0;
  for (int out : {16, 33, 70}) {
    for (int in : {13, 64, 77, 2100}) {
      for (int rows : {1, 9}) {
        Qs8FcCase c;
        c.in_shape.push_back(rows);
        c.in_shape.push_back(in);
        c.out = out;
        c.in = in;
        c.zero_quads = j % 4 == 3 ? 1.0 : 0.4 + 0.2 * (j % 4);
        c.per_channel = j % 3 != 0;
        c.w_zp = c.per_channel ? 0 : 5;
        c.in_zp = j % 2 == 0 ? -128 : 7;
        c.act = kActs[j % 4];
        cases.push_back(c);
        ++j;
      }
    }
  }

  uint32_t seed = 50;
  for (const Qs8FcCase& c : cases) {
    INFO("out " << c.out << " in " << c.in << " rows " << Count(c.in_shape) / c.in << " per-channel "
                << c.per_channel << " zp in/out/w " << c.in_zp << "/" << c.out_zp << "/" << c.w_zp << " gain "
                << c.out_gain << " act " << static_cast<int>(c.act) << " bias " << c.bias << " zero quads "
                << c.zero_quads);
    const std::vector<int8_t> want = Run(ref::Register_FULLY_CONNECTED(), c, seed, 1);
    for (int level = 0; level <= static_cast<int>(DetectedIsaLevel()); ++level) {
      testing::ScopedIsaLevel isa_level(static_cast<IsaLevel>(level));
      INFO("ISA " << GetKernelIsa().name);
      for (int threads : {1, 2, 3}) {
        INFO("threads " << threads);
        REQUIRE(Run(opt::Register_FULLY_CONNECTED(), c, seed, threads) == want);
      }
    }
    ++seed;
  }
}

}  // namespace
}  // namespace edgert
