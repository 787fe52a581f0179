// FULLY_CONNECTED: the reference and optimized kernels against a naive
// y[b][o] = sum_i x[b][i] * W[o][i] + bias[o] written here (double for float;
// int64 plus TFLite's fixed-point requantization for i8/u8, which must match
// exactly and be within one step of the real-valued result). Every case runs on
// the reference kernel, the optimized kernel at the reference ISA level (its
// fallback) and the optimized kernel at the CPU's best level (its GEMM
// microkernels for f32 with constant weights).
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
#include "tests/kernels/kernel_test_util.h"
#include "tests/op_test.h"

namespace edgert {
namespace {

using namespace conv_test;  // NOLINT: OpTest and tests/kernels/conv_test_util.h

// Each TEST_CASE using it runs once per kernel variant (reference kernel,
// optimized kernel at the reference ISA level and at the best level), with
// `kernel` the kernel to run and that ISA level active.
#define FC_KERNELS()                                                                                       \
  const testing::KernelVariant variant = GENERATE(from_range(testing::AllKernelVariants()));               \
  testing::ScopedIsaLevel isa_level(variant.isa);                                                          \
  const OpKernel* kernel = variant.optimized ? opt::Register_FULLY_CONNECTED() : ref::Register_FULLY_CONNECTED(); \
  INFO(variant.name << ", ISA " << GetKernelIsa().name)

struct FcCase {
  std::vector<int32_t> in_shape;
  int out, in;
  bool keep_num_dims;
  schema::Activation act;
  bool bias;
  std::vector<int32_t> want_shape;
};

const std::vector<FcCase> kCases = {
    {{3, 7}, 5, 7, false, schema::Activation_NONE, true, {3, 5}},
    {{2, 3, 4}, 6, 4, false, schema::Activation_RELU, true, {6, 6}},
    {{2, 3, 4}, 6, 4, true, schema::Activation_RELU6, false, {2, 3, 6}},
    {{1, 17}, 1, 17, false, schema::Activation_NONE, true, {1, 1}},
    {{4, 2, 6}, 3, 12, false, schema::Activation_RELU_N1_TO_1, true, {4, 3}},  // flattened across dims
    {{5}, 2, 5, true, schema::Activation_NONE, true, {2}},
    {{1, 2, 1, 33}, 9, 33, true, schema::Activation_NONE, true, {1, 2, 1, 9}},
};

// Runs the float case with `kernel` on `threads` threads, checks it against
// the naive double computation and returns the output.
std::vector<float> RunFloatCase(const OpKernel* kernel, const FcCase& c, uint32_t seed, int threads = 1) {
  std::mt19937 rng(seed);
  const auto x = RandomFloats(rng, Count(c.in_shape));
  const auto w = RandomFloats(rng, static_cast<size_t>(c.out) * c.in);
  const auto b = RandomFloats(rng, c.bias ? c.out : 0);
  OpTest t(schema::OpType_FULLY_CONNECTED);
  t.Input<float>(c.in_shape, x);
  t.Const<float>({c.out, c.in}, w);
  ConstOrOmit(t, c.bias, {c.out}, b);
  t.Output(DType::kF32);
  t.SetOptions(schema::OpOptions_FullyConnectedOptions,
               schema::CreateFullyConnectedOptions(t.fbb(), c.act, c.keep_num_dims).Union());
  t.SetNumThreads(threads);
  RequireRun(t, kernel);
  REQUIRE(t.OutputShape(0) == ToShape(c.want_shape));
  const auto got = t.OutputData<float>(0);
  const size_t rows = x.size() / c.in;
  REQUIRE(got.size() == rows * c.out);
  for (size_t r = 0; r < rows; ++r)
    for (int o = 0; o < c.out; ++o) {
      double acc = c.bias ? b[o] : 0.0, magnitude = c.bias ? std::fabs(b[o]) : 0.0;
      for (int i = 0; i < c.in; ++i) {
        const double term = static_cast<double>(x[r * c.in + i]) * w[static_cast<size_t>(o) * c.in + i];
        acc += term;
        magnitude += std::fabs(term);
      }
      const double e = ClampAct(acc, c.act);
      INFO("row " << r << " unit " << o);
      // Float rounding of a K-term sum grows with the terms' magnitudes.
      REQUIRE(std::fabs(got[r * c.out + o] - e) <= 1e-5 + 1e-5 * std::fabs(e) + 2e-6 * magnitude);
    }
  return got;
}

template <typename T>
void RunQuantCase(const OpKernel* kernel, const FcCase& c, uint32_t seed, bool per_channel, int32_t w_zp) {
  std::mt19937 rng(seed);
  const int qmin = std::numeric_limits<T>::min(), qmax = std::numeric_limits<T>::max();
  const bool s8 = std::is_same<T, int8_t>::value;
  const float in_scale = 0.05f;
  const int32_t in_zp = s8 ? 3 : 117;
  const std::vector<float> w_scale = RandomFloats(rng, per_channel ? c.out : 1, 0.003f, 0.02f);
  const float out_scale = static_cast<float>(in_scale * Mean(w_scale) * 60.0 * std::sqrt(c.in));
  const int32_t out_zp = s8 ? -6 : 125;
  const auto x = RandomInts<T>(rng, Count(c.in_shape), qmin, qmax);
  const auto w = RandomInts<T>(rng, static_cast<size_t>(c.out) * c.in, s8 ? -127 : 0, qmax);
  const auto b = c.bias ? RandomInts<int32_t>(rng, c.out, -4000, 4000) : std::vector<int32_t>();

  OpTest t(schema::OpType_FULLY_CONNECTED);
  t.Input<T>(c.in_shape, x, QuantSpec::PerTensor(in_scale, in_zp));
  t.Const<T>({c.out, c.in}, w, WeightQuant(w_scale, w_zp, 0));
  ConstOrOmit(t, c.bias, {c.out}, b, BiasQuant(in_scale, w_scale));
  t.Output(DTypeOf<T>::value, QuantSpec::PerTensor(out_scale, out_zp));
  t.SetOptions(schema::OpOptions_FullyConnectedOptions,
               schema::CreateFullyConnectedOptions(t.fbb(), c.act, c.keep_num_dims).Union());
  RequireRun(t, kernel);
  REQUIRE(t.OutputShape(0) == ToShape(c.want_shape));

  // Naive integer sums of products, row by row (CheckQuantConvOutputs adds the bias).
  const size_t rows = x.size() / c.in;
  std::vector<int64_t> acc;
  for (size_t r = 0; r < rows; ++r)
    for (int o = 0; o < c.out; ++o) {
      int64_t a = 0;
      for (int i = 0; i < c.in; ++i)
        a += static_cast<int64_t>(static_cast<int>(x[r * c.in + i]) - in_zp) *
             (static_cast<int>(w[static_cast<size_t>(o) * c.in + i]) - w_zp);
      acc.push_back(a);
    }
  CheckQuantConvOutputs(t.OutputData<T>(0), acc, c.out, b, in_scale, w_scale, out_scale, out_zp, c.act);
}

TEST_CASE("FULLY_CONNECTED float matches naive matmul", "[kernels][fully_connected]") {
  FC_KERNELS();
  uint32_t seed = 1;
  for (const FcCase& c : kCases) {
    INFO("case " << &c - kCases.data());
    RunFloatCase(kernel, c, seed++);
  }
}

// Tails of the optimized kernel's tiles (4 rows x 16 columns, the 1-row kernel
// for single rows): rows, output units and input features over 1..37, 64 and
// 100, each fused activation, with and without bias, keep_num_dims on rank 3.
TEST_CASE("FULLY_CONNECTED float odd sizes match naive matmul", "[kernels][fully_connected]") {
  FC_KERNELS();
  const schema::Activation acts[] = {schema::Activation_NONE, schema::Activation_RELU, schema::Activation_RELU6,
                                     schema::Activation_RELU_N1_TO_1};
  uint32_t seed = 1000;
  int index = 0;
  for (int m : {1, 2, 3, 4, 5, 7, 13, 37, 64, 100})
    for (int n : {1, 3, 8, 15, 16, 17, 31, 33, 64, 100})
      for (int k : {1, 2, 3, 5, 7, 16, 37, 100}) {
        ++index;
        const bool keep = m % 2 == 0 && index % 2 == 0;
        const FcCase c = {keep ? std::vector<int32_t>{2, m / 2, k} : std::vector<int32_t>{m, k},
                          n,
                          k,
                          keep,
                          acts[index % 4],
                          index % 3 != 0,
                          keep ? std::vector<int32_t>{2, m / 2, n} : std::vector<int32_t>{m, n}};
        INFO("m " << m << " n " << n << " k " << k << " activation " << c.act << " bias " << c.bias);
        RunFloatCase(kernel, c, seed++);
      }
}

// Several threads: the optimized kernel splits the rows into tiles of whole
// 4-row groups and, for few rows, the columns into whole 16-column panels.
// Outputs must be bit-identical to the one-thread output.
TEST_CASE("FULLY_CONNECTED float gives identical results on 1, 2 and 3 threads", "[kernels][fully_connected]") {
  FC_KERNELS();
  const std::vector<FcCase> cases = {
      {{1, 512}, 1000, 512, false, schema::Activation_NONE, true, {1, 1000}},
      {{37, 300}, 129, 300, false, schema::Activation_RELU, true, {37, 129}},
      {{2, 50, 256}, 200, 256, true, schema::Activation_RELU6, false, {2, 50, 200}},
      {{3, 700}, 777, 700, false, schema::Activation_NONE, true, {3, 777}},
  };
  uint32_t seed = 3000;
  for (const FcCase& c : cases) {
    INFO("case " << &c - cases.data());
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

TEST_CASE("FULLY_CONNECTED int8 per-channel and per-tensor", "[kernels][fully_connected]") {
  FC_KERNELS();
  uint32_t seed = 10;
  for (const FcCase& c : kCases) {
    INFO("case " << &c - kCases.data());
    RunQuantCase<int8_t>(kernel, c, seed++, true, 0);
    RunQuantCase<int8_t>(kernel, c, seed++, false, 0);
  }
}

TEST_CASE("FULLY_CONNECTED uint8 per-tensor asymmetric", "[kernels][fully_connected]") {
  FC_KERNELS();
  uint32_t seed = 30;
  for (const FcCase& c : kCases) {
    INFO("case " << &c - kCases.data());
    RunQuantCase<uint8_t>(kernel, c, seed++, false, 128);
  }
}

TEST_CASE("FULLY_CONNECTED weights fed at run time", "[kernels][fully_connected]") {
  FC_KERNELS();
  OpTest t(schema::OpType_FULLY_CONNECTED);
  t.Input<float>({2, 3}, {1, 2, 3, 4, 5, 6});
  t.Input<float>({2, 3}, {1, 0, -1, 0.5f, 0.5f, 0.5f});
  t.Const<float>({2}, {10, 20});
  t.Output(DType::kF32);
  t.SetOptions(schema::OpOptions_FullyConnectedOptions, schema::CreateFullyConnectedOptions(t.fbb()).Union());
  REQUIRE(t.Run(kernel).ok());
  CHECK(t.OutputShape(0) == Shape({2, 2}));
  CHECK(t.OutputData<float>(0) == std::vector<float>({8, 23, 8, 27.5f}));
}

// Persistent bytes of a prepared float FULLY_CONNECTED [3, 37] x [33, 37]^T
// (op state and any packed weights), weights constant or fed at run time.
size_t PersistentBytes(const OpKernel* kernel, bool weights_as_input) {
  std::mt19937 rng(1);
  OpTest t(schema::OpType_FULLY_CONNECTED);
  t.Input<float>({3, 37}, RandomFloats(rng, 3 * 37));
  if (weights_as_input)
    t.Input<float>({33, 37}, RandomFloats(rng, 33 * 37));
  else
    t.Const<float>({33, 37}, RandomFloats(rng, 33 * 37));
  t.Const<float>({33}, RandomFloats(rng, 33));
  t.Output(DType::kF32);
  t.SetOptions(schema::OpOptions_FullyConnectedOptions, schema::CreateFullyConnectedOptions(t.fbb()).Union());
  RequireRun(t, kernel);
  return t.interpreter().memory().persistent_bytes;
}

TEST_CASE("FULLY_CONNECTED optimized kernel packs constant weights in prepare only with a fast ISA",
          "[kernels][fully_connected]") {
  const size_t weight_bytes = 33 * 37 * sizeof(float);
  const size_t ref_bytes = PersistentBytes(ref::Register_FULLY_CONNECTED(), false);
  size_t fallback_bytes = 0, fast_bytes = 0, runtime_weights_bytes = 0;
  {
    testing::ScopedIsaLevel level(IsaLevel::kReference);
    fallback_bytes = PersistentBytes(opt::Register_FULLY_CONNECTED(), false);
  }
  {
    testing::ScopedIsaLevel level(DetectedIsaLevel());
    fast_bytes = PersistentBytes(opt::Register_FULLY_CONNECTED(), false);
    runtime_weights_bytes = PersistentBytes(opt::Register_FULLY_CONNECTED(), true);
  }
  CHECK(fallback_bytes < ref_bytes + weight_bytes);         // state only
  CHECK(runtime_weights_bytes < ref_bytes + weight_bytes);  // reference fallback: nothing packed
  if (DetectedIsaLevel() != IsaLevel::kReference)
    CHECK(fast_bytes >= ref_bytes + weight_bytes);  // packed panels
  else
    CHECK(fast_bytes == fallback_bytes);
}

Status RunBad(const OpKernel* kernel, const std::vector<int32_t>& in_shape, const std::vector<int32_t>& w_shape,
              const std::vector<int32_t>& b_shape, bool keep, DType btype = DType::kF32) {
  OpTest t(schema::OpType_FULLY_CONNECTED);
  t.Input<float>(in_shape, std::vector<float>(Count(in_shape), 1.f));
  t.Const<float>(w_shape, std::vector<float>(Count(w_shape), 1.f));
  if (btype == DType::kI32)
    ConstOrOmit(t, !b_shape.empty(), b_shape, std::vector<int32_t>(Count(b_shape), 1));
  else
    ConstOrOmit(t, !b_shape.empty(), b_shape, std::vector<float>(Count(b_shape), 1.f));
  t.Output(DType::kF32);
  t.SetOptions(schema::OpOptions_FullyConnectedOptions,
               schema::CreateFullyConnectedOptions(t.fbb(), schema::Activation_NONE, keep).Union());
  return t.Run(kernel);
}

TEST_CASE("FULLY_CONNECTED rejects bad models with useful messages", "[kernels][fully_connected]") {
  FC_KERNELS();
  Status s = RunBad(kernel, {3, 7}, {5, 6}, {}, false);
  CHECK(s.code() == StatusCode::kInvalidModel);
  CHECK(Contains(s.message(), "multiple"));

  s = RunBad(kernel, {3, 2, 3}, {5, 6}, {}, true);  // 6 elements per row but the last dim is 3
  CHECK(!s.ok());
  CHECK(Contains(s.message(), "keep_num_dims"));

  s = RunBad(kernel, {3, 7}, {5, 7, 1}, {}, false);
  CHECK(!s.ok());
  CHECK(Contains(s.message(), "[O,I]"));

  s = RunBad(kernel, {3, 7}, {5, 7}, {7}, false);
  CHECK(!s.ok());
  CHECK(Contains(s.message(), "bias"));

  s = RunBad(kernel, {3, 7}, {5, 7}, {5}, false, DType::kI32);
  CHECK(s.code() == StatusCode::kUnsupported);
  CHECK(Contains(s.message(), "bias"));
  CHECK(Contains(s.message(), "i32"));
}

TEST_CASE("FULLY_CONNECTED rejects per-channel uint8 weights", "[kernels][fully_connected]") {
  FC_KERNELS();
  OpTest t(schema::OpType_FULLY_CONNECTED);
  t.Input<uint8_t>({1, 2}, {1, 2}, QuantSpec::PerTensor(0.1f, 128));
  t.Const<uint8_t>({2, 2}, {1, 2, 3, 4}, QuantSpec{{0.1f, 0.2f}, {0, 0}, 0});
  t.OmitInput();
  t.Output(DType::kU8, QuantSpec::PerTensor(0.1f, 128));
  t.SetOptions(schema::OpOptions_FullyConnectedOptions, schema::CreateFullyConnectedOptions(t.fbb()).Union());
  const Status s = t.Run(kernel);
  CHECK(s.code() == StatusCode::kUnsupported);
  CHECK(Contains(s.message(), "per-channel"));
}

}  // namespace
}  // namespace edgert
