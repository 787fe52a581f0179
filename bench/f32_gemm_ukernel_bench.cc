// Google Benchmark: the f32 GEMM microkernels of each ISA level this CPU runs
// (kernels/dispatch.h), MR full rows x packed B in cache, against the core's
// measured FMA peak. Counter GFLOP/s counts a multiply-add as 2 FLOPs;
// "peak" is the fraction of BM_f32_fma_peak (independent FMA chains at the
// level's vector width, one thread), so it needs no clock rate (Google
// Benchmark prints it with "/s", being a rate of the per-call fraction).
// Build: cmake --build build --target edgert_microbench
// Run:   build/bin/edgert_microbench --benchmark_filter='f32_(fma_peak|gemm_ukernel_tile)' \
//          --benchmark_repetitions=10 --benchmark_report_aggregates_only=true
// (medians: on a shared machine single means vary by 10-20%). The packed B
// and A are 64-byte aligned as in the runtime; k 128 x n 64 (and the short-K
// cases of Winograd GEMMs, k 64 and 32) keep B in L1, the other sizes stream
// it from L2.
#include <benchmark/benchmark.h>

#include "bench/bench_util.h"

#include <limits>
#include <random>
#include <string>
#include <vector>

#include "kernels/dispatch.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

using namespace edgert;

namespace {

#if defined(__x86_64__)
constexpr long kPeakSteps = 1 << 20;

// 12 independent chains of 8-lane FMAs: more than latency x throughput.
__attribute__((target("avx2,fma"))) float FmaChains256(long steps) {
  __m256 acc[12];
  for (int i = 0; i < 12; ++i) acc[i] = _mm256_set1_ps(0.001f * static_cast<float>(i));
  const __m256 a = _mm256_set1_ps(0.999f), b = _mm256_set1_ps(1e-6f);
  for (long s = 0; s < steps; ++s)
    for (int i = 0; i < 12; ++i) acc[i] = _mm256_fmadd_ps(acc[i], a, b);
  __m256 sum = acc[0];
  for (int i = 1; i < 12; ++i) sum = _mm256_add_ps(sum, acc[i]);
  return _mm256_cvtss_f32(sum);
}

// The same with 16-lane FMAs.
__attribute__((target("avx512f"))) float FmaChains512(long steps) {
  __m512 acc[12];
  for (int i = 0; i < 12; ++i) acc[i] = _mm512_set1_ps(0.001f * static_cast<float>(i));
  const __m512 a = _mm512_set1_ps(0.999f), b = _mm512_set1_ps(1e-6f);
  for (long s = 0; s < steps; ++s)
    for (int i = 0; i < 12; ++i) acc[i] = _mm512_fmadd_ps(acc[i], a, b);
  __m512 sum = acc[0];
  for (int i = 1; i < 12; ++i) sum = _mm512_add_ps(sum, acc[i]);
  return _mm512_reduce_add_ps(sum);
}

// GFLOP/s of the FMA loop at `lanes` (8 or 16), best of 5 runs.
double MeasuredPeak(int lanes) {
  volatile long steps = kPeakSteps;
  return bench::BestRateG(
      [&] { benchmark::DoNotOptimize(lanes == 16 ? FmaChains512(steps) : FmaChains256(steps)); },
      2.0 * 12 * lanes * kPeakSteps);
}

// range(0): vector lanes, 8 (AVX2 + FMA3) or 16 (AVX-512 F).
void BM_f32_fma_peak(benchmark::State& state) {
  const int lanes = static_cast<int>(state.range(0));
  if (lanes == 16 ? DetectedIsaLevel() < IsaLevel::kAvx512 : DetectedIsaLevel() < IsaLevel::kAvx2) {
    state.SkipWithError("the CPU lacks this vector width");
    return;
  }
  volatile long steps = kPeakSteps;  // read each time: the calls cannot be hoisted out of the loop
  for (auto _ : state) benchmark::DoNotOptimize(lanes == 16 ? FmaChains512(steps) : FmaChains256(steps));
  state.counters["GFLOP/s"] =
      benchmark::Counter(2.0 * 12 * lanes * kPeakSteps * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_f32_fma_peak)->ArgName("lanes")->Arg(8)->Arg(16)->Unit(benchmark::kMillisecond);
#endif

using bench::Random;

// range(0): ISA level (IsaLevel value); range(1..2): K, N. One call computes
// MR full rows x N columns; the packed B (K x N) and A stay in cache.
void BM_f32_gemm_ukernel_tile(benchmark::State& state) {
  const IsaLevel level = static_cast<IsaLevel>(state.range(0));
  const IsaLevel previous = SetKernelIsaLevelForTesting(level);
  const KernelIsa isa = GetKernelIsa();
  SetKernelIsaLevelForTesting(previous);
  if (isa.level != level || isa.f32_gemm.fn == nullptr) {
    state.SkipWithError("this CPU does not run that level");
    return;
  }
  const size_t k = static_cast<size_t>(state.range(1)), n = static_cast<size_t>(state.range(2));
  const size_t mr = static_cast<size_t>(isa.f32_gemm.mr), nr = static_cast<size_t>(isa.f32_gemm.nr);
  const bench::Aligned64 a(Random(mr * k, 1));
  const bench::Aligned64 w(Random((n + nr - 1) / nr * nr * (k + 1), 2));
  bench::Aligned64 c(std::vector<float>(mr * n));
  const F32MinMaxParams minmax = {-std::numeric_limits<float>::infinity(), std::numeric_limits<float>::infinity()};
  for (auto _ : state) {
    isa.f32_gemm.fn(mr, n, k, a.data(), k, w.data(), c.data(), n, &minmax);
    benchmark::ClobberMemory();
  }
  const double flops = 2.0 * static_cast<double>(mr * k * n);
  state.counters["GFLOP/s"] = benchmark::Counter(flops * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
#if defined(__x86_64__)
  static const double peak8 = DetectedIsaLevel() >= IsaLevel::kAvx2 ? MeasuredPeak(8) : 0;
  static const double peak16 = DetectedIsaLevel() >= IsaLevel::kAvx512 ? MeasuredPeak(16) : 0;
  const double peak = level >= IsaLevel::kAvx512 ? peak16 : peak8;
  if (peak > 0)
    state.counters["peak"] =
        benchmark::Counter(flops * 1e-9 / peak, benchmark::Counter::kIsIterationInvariantRate);
#endif
  state.SetLabel(std::string(isa.name) + " " + std::to_string(mr) + "x" + std::to_string(nr));
}
BENCHMARK(BM_f32_gemm_ukernel_tile)
    ->ArgNames({"level", "k", "n"})
    ->Args({static_cast<int>(IsaLevel::kAvx2), 256, 128})
    ->Args({static_cast<int>(IsaLevel::kAvx512), 256, 128})
    ->Args({static_cast<int>(IsaLevel::kAvx2), 1024, 64})
    ->Args({static_cast<int>(IsaLevel::kAvx512), 1024, 64})
    ->Args({static_cast<int>(IsaLevel::kAvx512), 128, 64})
    ->Args({static_cast<int>(IsaLevel::kAvx512), 64, 64})
    ->Args({static_cast<int>(IsaLevel::kAvx512), 32, 64})
    ->Args({static_cast<int>(IsaLevel::kNeon), 256, 128})
    ->Unit(benchmark::kMicrosecond);

}  // namespace
