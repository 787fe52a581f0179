// Google Benchmark: f32 CONV_2D and DEPTHWISE_CONV_2D, reference kernel vs the
// optimized kernel (best ISA of this CPU, kernels/dispatch.h), one op through
// the interpreter, on 1 or more threads (wall time). Counter GFLOP/s counts a
// multiply-add as 2 FLOPs.
// Build: cmake --build build --target edgert_microbench
// Run:   build/bin/edgert_microbench --benchmark_filter=f32_
#include <benchmark/benchmark.h>

#include "bench/bench_util.h"

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

using bench::Random;

// SAME-padded conv (depthwise: multiplier 1) on a [1, hw, hw, cin] input.
std::vector<uint8_t> BuildConvModel(bool depthwise, int hw, int cin, int cout, int k, int stride) {
  ModelBuilder b;
  const int x = b.AddInput("x", DType::kF32, {1, hw, hw, cin});
  const int ohw = (hw + stride - 1) / stride;
  const int y = b.AddTensor("y", DType::kF32, {1, ohw, ohw, cout});
  if (depthwise) {
    const int wt = b.AddConstant("w", DType::kF32, {1, k, k, cin}, Random(static_cast<size_t>(k) * k * cin, 1));
    const int bt = b.AddConstant("b", DType::kF32, {cin}, Random(cin, 2));
    b.AddOp(schema::OpType_DEPTHWISE_CONV_2D, {x, wt, bt}, {y}, schema::OpOptions_DepthwiseConv2DOptions,
            schema::CreateDepthwiseConv2DOptions(b.fbb(), schema::Padding_SAME, stride, stride, 1, 1,
                                                 schema::Activation_RELU6, 0, 1)
                .Union());
  } else {
    const int wt =
        b.AddConstant("w", DType::kF32, {cout, k, k, cin}, Random(static_cast<size_t>(cout) * k * k * cin, 1));
    const int bt = b.AddConstant("b", DType::kF32, {cout}, Random(cout, 2));
    b.AddOp(schema::OpType_CONV_2D, {x, wt, bt}, {y}, schema::OpOptions_Conv2DOptions,
            schema::CreateConv2DOptions(b.fbb(), schema::Padding_SAME, stride, stride, 1, 1, schema::Activation_RELU6)
                .Union());
  }
  b.MarkOutput(y);
  return b.Finish();
}

// range(0): 0 reference, 1 optimized; range(1..4): depthwise, hw, cin, cout; range(5): k; range(6): threads;
// range(7): stride.
void BM_f32_conv(benchmark::State& state) {
  const bool optimized = state.range(0) != 0, depthwise = state.range(1) != 0;
  const int hw = static_cast<int>(state.range(2)), cin = static_cast<int>(state.range(3)),
            cout = static_cast<int>(state.range(4)), k = static_cast<int>(state.range(5));
  InterpreterOptions options;
  options.num_threads = static_cast<int>(state.range(6));
  const int stride = static_cast<int>(state.range(7));
  const std::vector<uint8_t> file = BuildConvModel(depthwise, hw, cin, cout, k, stride);
  OpResolver resolver;
  AddReferenceKernels(&resolver);
  if (optimized) {
    resolver.Add(schema::OpType_CONV_2D, opt::Register_CONV_2D());
    resolver.Add(schema::OpType_DEPTHWISE_CONV_2D, opt::Register_DEPTHWISE_CONV_2D());
  }
  bench::PreparedModel prepared(state, file, &resolver, options);
  if (!prepared.ok()) return;
  Interpreter& interp = prepared.interp();
  for (auto _ : state) benchmark::DoNotOptimize(interp.Invoke());
  const double ohw = (hw + stride - 1) / stride;
  const double flops = 2.0 * ohw * ohw * cout * k * k * (depthwise ? 1 : cin);
  state.counters["GFLOP/s"] = benchmark::Counter(flops * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
  state.SetLabel(std::string(optimized ? "optimized/" : "reference/") +
                 (optimized ? IsaLevelName(DetectedIsaLevel()) : "portable") + "/threads:" +
                 std::to_string(options.num_threads));
}
BENCHMARK(BM_f32_conv)
    ->ArgNames({"opt", "dw", "hw", "cin", "cout", "k", "threads", "stride"})
    ->Args({0, 0, 56, 64, 64, 1, 1, 1})
    ->Args({1, 0, 56, 64, 64, 1, 1, 1})
    ->Args({1, 0, 56, 64, 64, 1, 2, 1})
    ->Args({0, 0, 28, 32, 32, 3, 1, 1})
    ->Args({1, 0, 28, 32, 32, 3, 1, 1})
    ->Args({1, 0, 28, 32, 32, 3, 2, 1})
    ->Args({0, 1, 112, 32, 32, 3, 1, 1})
    ->Args({1, 1, 112, 32, 32, 3, 1, 1})
    ->Args({1, 1, 112, 32, 32, 3, 2, 1})
    ->Args({1, 1, 14, 576, 576, 3, 1, 1})  // mobilenet_v2 block 13 depthwise
    ->Args({1, 1, 14, 576, 576, 3, 2, 1})
    ->Args({1, 0, 14, 576, 96, 1, 1, 1})  // and its projection
    ->Args({1, 0, 14, 576, 96, 1, 2, 1})
    ->Args({1, 0, 256, 3, 16, 3, 1, 2})  // selfie_segmentation stem
    ->Args({1, 0, 192, 3, 32, 3, 1, 2})  // face_detection_full_range stem
    ->Args({1, 0, 224, 3, 32, 3, 1, 2})  // mobilenet_v2 stem
    ->Args({1, 0, 7, 512, 512, 3, 1, 1})   // resnet18's last stage (indirect GEMM, 9.4 MB of weights)
    ->Args({1, 0, 7, 512, 512, 3, 2, 1})
    ->Args({1, 0, 96, 8, 32, 1, 1, 1})   // face_detection_full_range 96x96 expansion
    ->Args({1, 0, 96, 8, 32, 1, 2, 1})
    ->Args({1, 0, 256, 3, 16, 3, 2, 2})
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace
