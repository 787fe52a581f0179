// Google Benchmark: f32 CONV_2D 1x1 (stride 1) with weights stored dense (the
// GEMM microkernel on packed weights) against the same weights stored
// block-sparse (the spmm microkernel, kernels/optimized/f32_spmm.h) at several
// fractions of zero block columns (16 output channels x 1 input channel), one
// op through the interpreter with the optimized CONV_2D on the best ISA. The
// break-even fraction (kSparseBreakEvenZeroBlocks in
// runtime/importers/compress/sparsify.h) is where the sparse time drops below
// the dense time. GFLOP/s counts the dense product's multiply-adds as 2 FLOPs.
// Build: cmake --build build --target edgert_microbench
// Run:   build/bin/edgert_microbench --benchmark_filter=f32_conv1x1_sparse
#include <benchmark/benchmark.h>

#include <algorithm>
#include <random>
#include <string>

#include "bench/op_bench.h"
#include "kernels/dispatch.h"
#include "kernels/optimized/optimized_kernels.h"
#include "kernels/reference/reference_kernels.h"
#include "runtime/builder.h"
#include "runtime/interpreter.h"

using namespace edgert;

namespace {

// Dense [out, in] weights with `zero_percent` % of the 16-row block columns zero.
std::vector<float> Weights(int out, int in, int zero_percent, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> d(-1.f, 1.f);
  std::vector<float> w(static_cast<size_t>(out) * in);
  for (float& x : w) x = d(rng);
  const int blocks = (out + 15) / 16;
  std::vector<int> order(static_cast<size_t>(blocks) * in);
  for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int>(i);
  std::shuffle(order.begin(), order.end(), rng);
  const size_t zero = order.size() * static_cast<size_t>(zero_percent) / 100;
  for (size_t i = 0; i < zero; ++i) {
    const int b = order[i] / in, c = order[i] % in;
    for (int r = b * 16; r < std::min(out, b * 16 + 16); ++r) w[static_cast<size_t>(r) * in + c] = 0.f;
  }
  return w;
}

// range(0): 1 sparse storage, 0 dense; range(1): zero block columns in %;
// range(2..4): pixels (H x W = pixels x 1), in, out channels.
void BM_f32_conv1x1_sparse(benchmark::State& state) {
  const bool sparse = state.range(0) != 0;
  const int zero = static_cast<int>(state.range(1)), pixels = static_cast<int>(state.range(2)),
            in = static_cast<int>(state.range(3)), out = static_cast<int>(state.range(4));
  ModelBuilder b;
  const int x = b.AddInput("x", DType::kF32, {1, pixels, 1, in});
  const int y = b.AddTensor("y", DType::kF32, {1, pixels, 1, out});
  const std::vector<float> w = Weights(out, in, zero, 1);
  const int wt = sparse ? b.AddSparseConstant("w", {out, 1, 1, in}, w.data(), 16)
                        : b.AddConstant("w", DType::kF32, {out, 1, 1, in}, w);
  const int bt = b.AddConstant("b", DType::kF32, {out}, std::vector<float>(static_cast<size_t>(out), 0.1f));
  b.AddOp(schema::OpType_CONV_2D, {x, wt, bt}, {y}, schema::OpOptions_Conv2DOptions,
          schema::CreateConv2DOptions(b.fbb(), schema::Padding_SAME, 1, 1, 1, 1, schema::Activation_RELU).Union());
  b.MarkOutput(y);
  const std::vector<uint8_t> file = b.Finish();
  OpResolver resolver;
  AddReferenceKernels(&resolver);
  resolver.Add(schema::OpType_CONV_2D, opt::Register_CONV_2D());
  bench::PreparedModel prepared(state, file, &resolver);
  if (!prepared.ok()) return;
  Interpreter& interp = prepared.interp();
  for (auto _ : state) benchmark::DoNotOptimize(interp.Invoke());
  state.counters["GFLOP/s"] =
      benchmark::Counter(2.0 * pixels * in * out * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
  state.SetLabel(std::string(sparse ? "sparse" : "dense") + "/" + IsaLevelName(DetectedIsaLevel()));
}

void Shapes(benchmark::internal::Benchmark* b) {
  // Pixels x in x out of 1x1 convolutions as in face detection / MobileNet-like models.
  const int shapes[][3] = {{2304, 32, 32}, {576, 128, 128}, {144, 256, 256}};
  for (const auto& s : shapes) {
    b->Args({0, 0, s[0], s[1], s[2]});
    for (int zero : {0, 20, 30, 40, 50, 60, 70, 80, 90}) b->Args({1, zero, s[0], s[1], s[2]});
  }
}
BENCHMARK(BM_f32_conv1x1_sparse)->ArgNames({"sparse", "zero%", "pixels", "in", "out"})->Apply(Shapes);

}  // namespace
