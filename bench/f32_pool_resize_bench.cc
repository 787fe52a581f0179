// Google Benchmark: f32 PAD, MAX_POOL_2D, AVERAGE_POOL_2D, MEAN (global
// average), RESIZE_BILINEAR and TRANSPOSE_CONV, reference kernel vs the
// optimized kernel (best ISA of this CPU), one op through the interpreter, on
// 1 or more threads (wall time). Shapes are of the MediaPipe face detection /
// selfie segmentation and MobileNet-style classifier layers.
// Build: cmake --build build --target edgert_microbench
// Run:   build/bin/edgert_microbench --benchmark_filter=f32_pool
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

enum Op { kPadChannels, kPadSpatial, kMaxPool, kAvgPool, kMean, kResize, kTransposeConv, kTransposeConvToOne };
const char* const kOpNames[] = {"pad_channels", "pad_spatial", "max_pool", "avg_pool", "mean", "resize", "tconv",
                              "tconv_to_1"};

// One op on a [1, hw, hw, c] input.
std::vector<uint8_t> BuildModel(Op op, int hw, int c) {
  ModelBuilder b;
  const int x = b.AddInput("x", DType::kF32, {1, hw, hw, c});
  int y = -1;
  switch (op) {
    case kPadChannels:
    case kPadSpatial: {
      const bool ch = op == kPadChannels;
      const std::vector<int32_t> pads = ch ? std::vector<int32_t>{0, 0, 0, 0, 0, 0, 0, c}
                                           : std::vector<int32_t>{0, 0, 1, 2, 1, 2, 0, 0};
      const int p = b.AddConstant("pads", DType::kI32, {4, 2}, pads);
      y = b.AddTensor("y", DType::kF32, ch ? std::vector<int32_t>{1, hw, hw, 2 * c}
                                           : std::vector<int32_t>{1, hw + 3, hw + 3, c});
      b.AddOp(schema::OpType_PAD, {x, p}, {y}, schema::OpOptions_PadOptions,
              schema::CreatePadOptions(b.fbb(), schema::PadMode_CONSTANT).Union());
      break;
    }
    case kMaxPool:
    case kAvgPool:
      y = b.AddTensor("y", DType::kF32, {1, hw / 2, hw / 2, c});
      b.AddOp(op == kMaxPool ? schema::OpType_MAX_POOL_2D : schema::OpType_AVERAGE_POOL_2D, {x}, {y},
              schema::OpOptions_Pool2DOptions,
              schema::CreatePool2DOptions(b.fbb(), schema::Padding_SAME, 2, 2, 3, 3).Union());
      break;
    case kMean: {
      const int axes = b.AddConstant("axes", DType::kI32, {2}, std::vector<int32_t>{1, 2});
      y = b.AddTensor("y", DType::kF32, {1, 1, 1, c});
      b.AddOp(schema::OpType_MEAN, {x, axes}, {y}, schema::OpOptions_ReduceOptions,
              schema::CreateReduceOptions(b.fbb(), true).Union());
      break;
    }
    case kResize: {
      const int size = b.AddConstant("size", DType::kI32, {2}, std::vector<int32_t>{2 * hw, 2 * hw});
      y = b.AddTensor("y", DType::kF32, {1, 2 * hw, 2 * hw, c});
      b.AddOp(schema::OpType_RESIZE_BILINEAR, {x, size}, {y}, schema::OpOptions_ResizeOptions,
              schema::CreateResizeOptions(b.fbb(), false, true).Union());
      break;
    }
    case kTransposeConv:
    case kTransposeConvToOne: {  // 2x2 stride 2, c -> c or c -> 1 (selfie segmentation's last layer)
      const int oc = op == kTransposeConv ? c : 1;
      const int w = b.AddConstant("w", DType::kF32, {oc, 2, 2, c}, Random(static_cast<size_t>(4) * c * oc, 1));
      const int bias = b.AddConstant("b", DType::kF32, {oc}, Random(oc, 2));
      y = b.AddTensor("y", DType::kF32, {1, 2 * hw, 2 * hw, oc});
      b.AddOp(schema::OpType_TRANSPOSE_CONV, {x, w, bias}, {y}, schema::OpOptions_TransposeConvOptions,
              schema::CreateTransposeConvOptions(b.fbb(), schema::Padding_SAME, 2, 2).Union());
      break;
    }
  }
  b.MarkOutput(y);
  return b.Finish();
}

// range(0): 0 reference, 1 optimized; range(1): op; range(2): hw; range(3): channels; range(4): threads.
void BM_f32_pool(benchmark::State& state) {
  const bool optimized = state.range(0) != 0;
  const Op op = static_cast<Op>(state.range(1));
  const int hw = static_cast<int>(state.range(2)), c = static_cast<int>(state.range(3));
  InterpreterOptions options;
  options.num_threads = static_cast<int>(state.range(4));
  const std::vector<uint8_t> file = BuildModel(op, hw, c);
  OpResolver resolver;
  if (optimized) AddDefaultKernels(&resolver);
  else AddReferenceKernels(&resolver);
  bench::PreparedModel prepared(state, file, &resolver, options);
  if (!prepared.ok()) return;
  Interpreter& interp = prepared.interp();
  for (auto _ : state) benchmark::DoNotOptimize(interp.Invoke());
  state.SetLabel(std::string(kOpNames[op]) + "/" + (optimized ? "optimized/" : "reference/") +
                 (optimized ? IsaLevelName(DetectedIsaLevel()) : "portable") + "/threads:" +
                 std::to_string(options.num_threads));
}
BENCHMARK(BM_f32_pool)
    ->ArgNames({"opt", "op", "hw", "c", "threads"})
    ->Args({0, kPadChannels, 64, 24, 1})
    ->Args({1, kPadChannels, 64, 24, 1})
    ->Args({0, kPadSpatial, 64, 24, 1})
    ->Args({1, kPadSpatial, 64, 24, 1})
    ->Args({0, kMaxPool, 64, 24, 1})
    ->Args({1, kMaxPool, 64, 24, 1})
    ->Args({1, kMaxPool, 64, 24, 2})
    ->Args({0, kAvgPool, 64, 24, 1})
    ->Args({1, kAvgPool, 64, 24, 1})
    ->Args({0, kMean, 7, 1280, 1})
    ->Args({1, kMean, 7, 1280, 1})
    ->Args({0, kResize, 32, 16, 1})
    ->Args({1, kResize, 32, 16, 1})
    ->Args({1, kResize, 32, 16, 2})
    ->Args({0, kTransposeConv, 64, 16, 1})
    ->Args({1, kTransposeConv, 64, 16, 1})
    ->Args({1, kTransposeConv, 64, 16, 2})
    ->Args({0, kTransposeConvToOne, 128, 16, 1})
    ->Args({1, kTransposeConvToOne, 128, 16, 1})
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);

}  // namespace
