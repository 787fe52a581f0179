// Google Benchmark: f32 FULLY_CONNECTED and BATCH_MATMUL, reference kernel vs
// the optimized kernel (best ISA of this CPU, kernels/dispatch.h), one op
// through the interpreter, on 1 or more threads (wall time); and the GEMM
// microkernels on one row (the 4x16 kernel with mr = 1 against the 1-row
// kernel) on packed data in cache. Counter GFLOP/s counts a multiply-add as 2 FLOPs.
// Build: cmake --build build --target edgert_microbench
// Run:   build/bin/edgert_microbench --benchmark_filter='f32_(fully|batch|gemm)'
#include <benchmark/benchmark.h>

#include "bench/bench_util.h"

#include <limits>
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

// Prepares `file` with the reference kernels, FULLY_CONNECTED and BATCH_MATMUL
// optimized when `optimized`, runs it in the benchmark loop and labels it.
void RunModel(benchmark::State& state, const std::vector<uint8_t>& file, bool optimized, int threads, double flops) {
  OpResolver resolver;
  AddReferenceKernels(&resolver);
  if (optimized) {
    resolver.Add(schema::OpType_FULLY_CONNECTED, opt::Register_FULLY_CONNECTED());
    resolver.Add(schema::OpType_BATCH_MATMUL, opt::Register_BATCH_MATMUL());
  }
  InterpreterOptions options;
  options.num_threads = threads;
  bench::PreparedModel prepared(state, file, &resolver, options);
  if (!prepared.ok()) return;
  Interpreter& interp = prepared.interp();
  for (auto _ : state) benchmark::DoNotOptimize(interp.Invoke());
  state.counters["GFLOP/s"] = benchmark::Counter(flops * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
  state.SetLabel(std::string(optimized ? "optimized/" : "reference/") +
                 (optimized ? IsaLevelName(DetectedIsaLevel()) : "portable") + "/threads:" + std::to_string(threads));
}

// range(0): 0 reference, 1 optimized; range(1..3): rows M, in K, out N; range(4): threads.
void BM_f32_fully_connected(benchmark::State& state) {
  const int m = static_cast<int>(state.range(1)), k = static_cast<int>(state.range(2)),
            n = static_cast<int>(state.range(3));
  ModelBuilder b;
  const int x = b.AddInput("x", DType::kF32, {m, k});
  const int y = b.AddTensor("y", DType::kF32, {m, n});
  const int wt = b.AddConstant("w", DType::kF32, {n, k}, Random(static_cast<size_t>(n) * k, 1));
  const int bt = b.AddConstant("b", DType::kF32, {n}, Random(n, 2));
  b.AddOp(schema::OpType_FULLY_CONNECTED, {x, wt, bt}, {y}, schema::OpOptions_FullyConnectedOptions,
          schema::CreateFullyConnectedOptions(b.fbb(), schema::Activation_NONE, false).Union());
  b.MarkOutput(y);
  RunModel(state, b.Finish(), state.range(0) != 0, static_cast<int>(state.range(4)), 2.0 * m * k * n);
}
BENCHMARK(BM_f32_fully_connected)
    ->ArgNames({"opt", "m", "k", "n", "threads"})
    ->Args({0, 1, 512, 512, 1})
    ->Args({1, 1, 512, 512, 1})
    ->Args({1, 1, 512, 512, 2})
    ->Args({0, 32, 128, 512, 1})  // bert_tiny intermediate, sequence 32
    ->Args({1, 32, 128, 512, 1})
    ->Args({1, 32, 128, 512, 2})
    ->Args({0, 32, 512, 512, 1})
    ->Args({1, 32, 512, 512, 1})
    ->Args({1, 32, 512, 512, 2})
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);

// Attention products [1, heads, S, D]: range(0) optimized; range(1..3): heads,
// sequence S, head size D; range(4): 0 Q K^T ([S, D] x [S, D]^T, adj_y), 1 A V
// ([S, S] x [S, D]); range(5): threads.
void BM_f32_batch_matmul(benchmark::State& state) {
  const int h = static_cast<int>(state.range(1)), s = static_cast<int>(state.range(2)),
            d = static_cast<int>(state.range(3));
  const bool av = state.range(4) != 0;
  ModelBuilder b;
  const int x = b.AddInput("x", DType::kF32, {1, h, s, av ? s : d});
  const int y = b.AddInput("y", DType::kF32, {1, h, s, d});
  const int out = b.AddTensor("out", DType::kF32, {1, h, s, av ? d : s});
  b.AddOp(schema::OpType_BATCH_MATMUL, {x, y}, {out}, schema::OpOptions_BatchMatMulOptions,
          schema::CreateBatchMatMulOptions(b.fbb(), false, !av).Union());
  b.MarkOutput(out);
  RunModel(state, b.Finish(), state.range(0) != 0, static_cast<int>(state.range(5)), 2.0 * h * s * s * d);
}
BENCHMARK(BM_f32_batch_matmul)
    ->ArgNames({"opt", "heads", "seq", "dim", "av", "threads"})
    ->Args({0, 2, 32, 64, 0, 1})  // bert_tiny, sequence 32
    ->Args({1, 2, 32, 64, 0, 1})
    ->Args({0, 2, 32, 64, 1, 1})
    ->Args({1, 2, 32, 64, 1, 1})
    ->Args({0, 12, 128, 64, 0, 1})  // BERT-base, sequence 128
    ->Args({1, 12, 128, 64, 0, 1})
    ->Args({1, 12, 128, 64, 0, 2})
    ->Args({1, 12, 128, 64, 1, 1})
    ->Args({1, 12, 128, 64, 1, 2})
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);

// One row times a packed K x N matrix: range(0) 0 the MR-row kernel with mr = 1,
// 1 the 1-row kernel; range(1..2): K, N.
void BM_f32_gemm_ukernel_one_row(benchmark::State& state) {
  const KernelIsa& isa = GetKernelIsa();
  const bool gemv = state.range(0) != 0;
  const F32GemmUkernelFn fn = gemv ? isa.f32_gemv.fn : isa.f32_gemm.fn;
  if (fn == nullptr) {
    state.SkipWithError("no such microkernel at this ISA level");
    return;
  }
  const size_t k = static_cast<size_t>(state.range(1)), n = static_cast<size_t>(state.range(2));
  const size_t nr = static_cast<size_t>(isa.f32_gemm.nr);
  const std::vector<float> a = Random(k, 1);
  const std::vector<float> w = Random((n + nr - 1) / nr * nr * (k + 1), 2);
  std::vector<float> c(n);
  const F32MinMaxParams minmax = {-std::numeric_limits<float>::infinity(), std::numeric_limits<float>::infinity()};
  for (auto _ : state) {
    fn(1, n, k, a.data(), k, w.data(), c.data(), n, &minmax);
    benchmark::ClobberMemory();
  }
  state.counters["GFLOP/s"] = benchmark::Counter(2.0 * k * n * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
  state.SetLabel(gemv ? "1-row kernel" : "MR-row kernel, mr=1");
}
BENCHMARK(BM_f32_gemm_ukernel_one_row)
    ->ArgNames({"gemv", "k", "n"})
    ->Args({0, 128, 128})
    ->Args({1, 128, 128})
    ->Args({0, 512, 256})
    ->Args({1, 512, 256})
    ->Unit(benchmark::kMicrosecond);

}  // namespace
