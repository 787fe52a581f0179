// Google Benchmark: reference CONV_2D and the demo model through the interpreter.
// Build: cmake --build build --target edgert_microbench; run: build/bin/edgert_microbench
#include <benchmark/benchmark.h>

#include <random>

#include "bench/op_bench.h"
#include "kernels/reference/reference_kernels.h"
#include "runtime/builder.h"
#include "runtime/interpreter.h"
#include "tools/demo_model.h"

using namespace edgert;

namespace {

std::vector<uint8_t> ConvModel(int hw, int cin, int cout, int k) {
  ModelBuilder b;
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> d(-1.f, 1.f);
  std::vector<float> w(static_cast<size_t>(cout) * k * k * cin), bias(cout);
  for (float& v : w) v = d(rng);
  for (float& v : bias) v = d(rng);
  const int x = b.AddInput("x", DType::kF32, {1, hw, hw, cin});
  const int wt = b.AddConstant("w", DType::kF32, {cout, k, k, cin}, w);
  const int bt = b.AddConstant("b", DType::kF32, {cout}, bias);
  const int y = b.AddTensor("y", DType::kF32, {1, hw, hw, cout});
  b.AddOp(schema::OpType_CONV_2D, {x, wt, bt}, {y}, schema::OpOptions_Conv2DOptions,
          schema::CreateConv2DOptions(b.fbb()).Union());
  b.MarkOutput(y);
  return b.Finish();
}

void RunModel(benchmark::State& state, const std::vector<uint8_t>& file, double flops) {
  OpResolver resolver;
  AddReferenceKernels(&resolver);  // these benchmarks measure the reference kernels
  bench::PreparedModel prepared(state, file, &resolver);
  if (!prepared.ok()) return;
  Interpreter& interp = prepared.interp();
  for (auto _ : state) benchmark::DoNotOptimize(interp.Invoke());
  if (flops > 0) state.counters["FLOP/s"] = benchmark::Counter(flops, benchmark::Counter::kIsIterationInvariantRate);
}

void BM_f32_conv2d_reference(benchmark::State& state) {
  const int hw = static_cast<int>(state.range(0)), cin = static_cast<int>(state.range(1)),
            cout = static_cast<int>(state.range(2)), k = static_cast<int>(state.range(3));
  RunModel(state, ConvModel(hw, cin, cout, k), 2.0 * hw * hw * cin * cout * k * k);
}
BENCHMARK(BM_f32_conv2d_reference)->Args({28, 64, 64, 1})->Args({28, 32, 32, 3})->Unit(benchmark::kMillisecond);

void BM_demo_mobilenet_reference(benchmark::State& state) {
  RunModel(state, BuildDemoMobileNet(static_cast<int>(state.range(0)), 1000), 0);
}
BENCHMARK(BM_demo_mobilenet_reference)->Arg(64)->Unit(benchmark::kMillisecond);

}  // namespace
