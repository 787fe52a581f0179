// Google Benchmark: int8 (QS8) CONV_2D and DEPTHWISE_CONV_2D, reference kernel
// vs the optimized kernel (best ISA of this CPU, kernels/dispatch.h), one op
// through the interpreter, on 1 or more threads (wall time), with the same
// shapes as f32_conv_bench.cc. Counter GOP/s counts a multiply-add as 2 ops.
// Build: cmake --build build --target edgert_microbench
// Run:   build/bin/edgert_microbench --benchmark_filter=qs8_
#include <benchmark/benchmark.h>

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

template <typename T>
std::vector<T> RandomInts(size_t n, int lo, int hi, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> d(lo, hi);
  std::vector<T> v(n);
  for (T& x : v) x = static_cast<T>(d(rng));
  return v;
}

// SAME-padded stride-1 int8 conv (depthwise: multiplier 1) on a [1, hw, hw, cin]
// input: per-channel weights, int32 bias, RELU6, MobileNet-like scales.
std::vector<uint8_t> BuildConvModel(bool depthwise, int hw, int cin, int cout, int k, int stride) {
  ModelBuilder b;
  const float in_scale = 0.0235f;
  const int x = b.AddInput("x", DType::kI8, {1, hw, hw, cin}, QuantSpec::PerTensor(in_scale, -128));
  const int ohw = (hw + stride - 1) / stride;
  const int y = b.AddTensor("y", DType::kI8, {1, ohw, ohw, cout}, QuantSpec::PerTensor(0.0235f, -128));
  const int channels = depthwise ? cin : cout;
  QuantSpec wq, bq;
  for (int c = 0; c < channels; ++c) {
    const float s = 0.002f + 0.00005f * static_cast<float>(c % 17);
    wq.scale.push_back(s);
    wq.zero_point.push_back(0);
    bq.scale.push_back(in_scale * s);
    bq.zero_point.push_back(0);
  }
  wq.axis = depthwise ? 3 : 0;
  const auto bias = RandomInts<int32_t>(static_cast<size_t>(channels), -20000, 20000, 2);
  const int bt = b.AddConstant("b", DType::kI32, {channels}, bias, bq);
  if (depthwise) {
    const int wt = b.AddConstant("w", DType::kI8, {1, k, k, cin},
                                 RandomInts<int8_t>(static_cast<size_t>(k) * k * cin, -127, 127, 1), wq);
    b.AddOp(schema::OpType_DEPTHWISE_CONV_2D, {x, wt, bt}, {y}, schema::OpOptions_DepthwiseConv2DOptions,
            schema::CreateDepthwiseConv2DOptions(b.fbb(), schema::Padding_SAME, 1, 1, 1, 1,
                                                 schema::Activation_RELU6, 0, 1)
                .Union());
  } else {
    const int wt = b.AddConstant("w", DType::kI8, {cout, k, k, cin},
                                 RandomInts<int8_t>(static_cast<size_t>(cout) * k * k * cin, -127, 127, 1), wq);
    b.AddOp(schema::OpType_CONV_2D, {x, wt, bt}, {y}, schema::OpOptions_Conv2DOptions,
            schema::CreateConv2DOptions(b.fbb(), schema::Padding_SAME, stride, stride, 1, 1, schema::Activation_RELU6)
                .Union());
  }
  b.MarkOutput(y);
  return b.Finish();
}

// range(0): 0 reference, 1 optimized; range(1..4): depthwise, hw, cin, cout; range(5): k; range(6): threads;
// range(7): stride (CONV_2D only).
void BM_qs8_conv(benchmark::State& state) {
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
  const double ops = 2.0 * ohw * ohw * cout * k * k * (depthwise ? 1 : cin);
  state.counters["GOP/s"] = benchmark::Counter(ops * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
  state.SetLabel(std::string(optimized ? "optimized/" : "reference/") +
                 (optimized ? IsaLevelName(DetectedIsaLevel()) : "portable") + "/threads:" +
                 std::to_string(options.num_threads));
}
BENCHMARK(BM_qs8_conv)
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
    ->Args({1, 0, 13, 512, 1000, 1, 1, 1})  // squeezenet1_1 classifier conv
    ->Args({1, 0, 55, 16, 64, 3, 1, 1})     // squeezenet1_1 fire2 expand 3x3
    ->Args({1, 0, 55, 16, 64, 1, 1, 1})     // squeezenet1_1 fire2 expand 1x1
    ->Args({1, 0, 224, 3, 64, 3, 1, 2})  // squeezenet1_1 stem (3x3 stride 2, 3 channels)
    ->Args({1, 0, 224, 3, 64, 3, 2, 2})
    ->Args({1, 0, 224, 3, 32, 3, 1, 2})  // mobilenet_v2 stem
    ->Args({1, 0, 224, 3, 32, 3, 2, 2})
    ->Args({1, 0, 128, 3, 8, 3, 1, 2})   // mobilenet_v1_025_128 stem
    ->Args({1, 1, 48, 16, 16, 3, 1, 1})  // mobilenet_v2_035_96 first depthwise
    ->Args({1, 1, 64, 8, 8, 3, 1, 1})    // mobilenet_v1_025_128 first depthwise
    ->Args({1, 1, 24, 48, 48, 3, 1, 1})  // mobilenet_v2_035_96 block 2 depthwise
    ->Args({1, 0, 48, 8, 48, 1, 1, 1})   // mobilenet_v2_035_96 first expansion 1x1
    ->Args({1, 0, 96, 3, 16, 3, 1, 2})   // mobilenet_v2_035_96 stem
    ->Args({1, 0, 96, 3, 16, 3, 2, 2})
    ->Args({1, 1, 48, 16, 16, 3, 2, 1})
    ->Args({1, 1, 12, 96, 96, 3, 1, 1})  // mobilenet_v2_035_96 block 4 depthwise
    ->Args({1, 1, 12, 96, 96, 3, 2, 1})
    ->Args({1, 1, 128, 16, 16, 3, 1, 1})   // selfie_segmentation's last depthwise
    ->Args({1, 1, 16, 128, 128, 5, 1, 1})  // selfie_segmentation's 5x5 depthwise
    ->Args({1, 0, 256, 3, 16, 3, 1, 2})    // selfie_segmentation stem (output 128x128)
    ->Args({1, 0, 256, 3, 16, 3, 2, 2})
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace
