// Google Benchmark: int8 CONV_2D 1x1 (stride 1) with pruned weights on the
// dense c4 GEMM against the block-sparse GEMM (KernelIsa::qs8_spmm,
// kernels/optimized/qs8_spmm.cc) at several fractions of zero 16 x 4 blocks
// (16 output channels x 4 input channels), one op through the interpreter
// with the optimized CONV_2D on the best ISA. The path is forced through
// SetQS8SpmmMinZeroQuadsForTesting; the break-even fraction
// (kQS8SpmmMinZeroQuads in kernels/optimized/qs8_conv.h) is where the sparse
// time drops below the dense one. GOP/s counts the dense product's
// multiply-adds as 2 operations.
// Build: cmake --build build --target edgert_microbench
// Run:   build/bin/edgert_microbench --benchmark_filter=qs8_conv1x1_sparse
#include <benchmark/benchmark.h>

#include <algorithm>
#include <random>
#include <string>

#include "bench/op_bench.h"
#include "kernels/dispatch.h"
#include "kernels/optimized/optimized_kernels.h"
#include "kernels/optimized/qs8_conv.h"
#include "kernels/reference/reference_kernels.h"
#include "runtime/builder.h"
#include "runtime/interpreter.h"

using namespace edgert;

namespace {

// [out, in] int8 weights with `zero_percent` % of the 16 x 4 blocks zero.
std::vector<int8_t> Weights(int out, int in, int zero_percent, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> d(-127, 127);
  std::vector<int8_t> w(static_cast<size_t>(out) * in);
  for (int8_t& x : w) x = static_cast<int8_t>(d(rng));
  const int blocks = (out + 15) / 16, quads = (in + 3) / 4;
  std::vector<int> order(static_cast<size_t>(blocks) * quads);
  for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int>(i);
  std::shuffle(order.begin(), order.end(), rng);
  const size_t zero = order.size() * static_cast<size_t>(zero_percent) / 100;
  for (size_t i = 0; i < zero; ++i) {
    const int b = order[i] / quads, q = order[i] % quads;
    for (int r = b * 16; r < std::min(out, b * 16 + 16); ++r)
      for (int c = 4 * q; c < std::min(in, 4 * q + 4); ++c) w[static_cast<size_t>(r) * in + c] = 0;
  }
  return w;
}

// range(0): 1 the sparse GEMM, 0 the dense one; range(1): zero 16 x 4 blocks
// in %; range(2..4): pixels (H x W = pixels x 1), in, out channels;
// range(5): threads.
void BM_qs8_conv1x1_sparse(benchmark::State& state) {
  const bool sparse = state.range(0) != 0;
  const int zero = static_cast<int>(state.range(1)), pixels = static_cast<int>(state.range(2)),
            in = static_cast<int>(state.range(3)), out = static_cast<int>(state.range(4));
  const float in_scale = 0.0235f;
  ModelBuilder b;
  const int x = b.AddInput("x", DType::kI8, {1, pixels, 1, in}, QuantSpec::PerTensor(in_scale, -128));
  const int y = b.AddTensor("y", DType::kI8, {1, pixels, 1, out}, QuantSpec::PerTensor(0.0235f, -128));
  QuantSpec wq, bq;
  for (int c = 0; c < out; ++c) {
    const float s = 0.002f + 0.00005f * static_cast<float>(c % 17);
    wq.scale.push_back(s);
    wq.zero_point.push_back(0);
    bq.scale.push_back(in_scale * s);
    bq.zero_point.push_back(0);
  }
  const int wt = b.AddConstant("w", DType::kI8, {out, 1, 1, in}, Weights(out, in, zero, 1), wq);
  const int bt = b.AddConstant("b", DType::kI32, {out}, std::vector<int32_t>(static_cast<size_t>(out), 1000), bq);
  b.AddOp(schema::OpType_CONV_2D, {x, wt, bt}, {y}, schema::OpOptions_Conv2DOptions,
          schema::CreateConv2DOptions(b.fbb(), schema::Padding_SAME, 1, 1, 1, 1, schema::Activation_RELU6).Union());
  b.MarkOutput(y);
  const std::vector<uint8_t> file = b.Finish();
  OpResolver resolver;
  AddReferenceKernels(&resolver);
  resolver.Add(schema::OpType_CONV_2D, opt::Register_CONV_2D());
  InterpreterOptions options;
  options.num_threads = static_cast<int>(state.range(5));
  const double threshold = opt::SetQS8SpmmMinZeroQuadsForTesting(sparse ? 0.0 : 2.0);
  bench::PreparedModel prepared(state, file, &resolver, options);
  opt::SetQS8SpmmMinZeroQuadsForTesting(threshold);
  if (!prepared.ok()) return;
  Interpreter& interp = prepared.interp();
  if (sparse && GetKernelIsa().qs8_spmm.fn == nullptr) {
    state.SkipWithError("no block-sparse int8 GEMM at this level");
    return;
  }
  for (auto _ : state) benchmark::DoNotOptimize(interp.Invoke());
  state.counters["GOP/s"] =
      benchmark::Counter(2.0 * pixels * in * out * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
  state.SetLabel(std::string(sparse ? "sparse" : "dense") + "/" + IsaLevelName(DetectedIsaLevel()));
}

void Shapes(benchmark::internal::Benchmark* b) {
  // Pixels x in x out of 1x1 convolutions as in face detection / MobileNet-like models.
  const int shapes[][3] = {{2304, 32, 32}, {576, 128, 128}, {144, 256, 256}, {144, 96, 384},
                           {9216, 8, 32}, {576, 32, 128}, {2304, 12, 48}, {9216, 32, 8}};
  for (const auto& s : shapes) {
    for (int zero : {0, 50, 70, 90}) b->Args({0, zero, s[0], s[1], s[2], 1});
    for (int zero : {0, 20, 30, 40, 50, 60, 70, 80, 90}) b->Args({1, zero, s[0], s[1], s[2], 1});
  }
}
BENCHMARK(BM_qs8_conv1x1_sparse)->ArgNames({"sparse", "zero%", "pixels", "in", "out", "threads"})->Apply(Shapes);

}  // namespace
