// Google Benchmark: the int8 GEMM microkernel of the c4 family (VNNI on x86)
// on MR full rows x a packed B in cache, against the core's measured
// multiply-add peak for that instruction. Counter GOP/s counts a multiply-add
// as 2 operations; "peak" is the fraction of BM_qs8_vnni_peak (independent
// vpdpbusd chains, one thread), so it needs no clock rate. The output stage
// (one per 16 outputs) is included, as in a real layer.
// Build: cmake --build build --target edgert_microbench
// Run:   build/bin/edgert_microbench --benchmark_filter='qs8_(vnni_peak|gemm_ukernel_tile)'
#include <benchmark/benchmark.h>

#include "bench/bench_util.h"

#include <cstdint>
#include <cstring>
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

// 12 independent chains of 16-lane vpdpbusd (64 multiply-adds each): more
// than latency x throughput.
__attribute__((target("avx512f,avx512vnni"))) int32_t VnniChains(long steps) {
  __m512i acc[12];
  for (int i = 0; i < 12; ++i) acc[i] = _mm512_set1_epi32(i);
  const __m512i a = _mm512_set1_epi32(0x01020304), b = _mm512_set1_epi32(0x05060708);
  for (long s = 0; s < steps; ++s)
    for (int i = 0; i < 12; ++i) acc[i] = _mm512_dpbusd_epi32(acc[i], a, b);
  __m512i sum = acc[0];
  for (int i = 1; i < 12; ++i) sum = _mm512_add_epi32(sum, acc[i]);
  return _mm512_reduce_add_epi32(sum);
}

constexpr double kOpsPerStep = 2.0 * 12 * 64;  // 12 instructions of 64 multiply-adds

// GOP/s of the vpdpbusd loop, best of 5 runs.
double MeasuredVnniPeak() {
  volatile long steps = kPeakSteps;
  return bench::BestRateG([&] { benchmark::DoNotOptimize(VnniChains(steps)); }, kOpsPerStep * kPeakSteps);
}

void BM_qs8_vnni_peak(benchmark::State& state) {
  if (DetectedIsaLevel() < IsaLevel::kAvx512Vnni) {
    state.SkipWithError("the CPU lacks AVX-512 VNNI");
    return;
  }
  volatile long steps = kPeakSteps;  // read each time: the calls cannot be hoisted out of the loop
  for (auto _ : state) benchmark::DoNotOptimize(VnniChains(steps));
  state.counters["GOP/s"] =
      benchmark::Counter(kOpsPerStep * kPeakSteps * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_qs8_vnni_peak)->Unit(benchmark::kMillisecond);
#endif

// The c4-family packing (QS8GemmUkernelFn) of n random columns of k weights:
// per panel of nr columns, nr output-stage words (acc0 0, multiplier 2^30,
// right shift 8: outputs stay in range) and round_up(k, k_round) / group rows
// of nr groups of `group` bytes.
std::vector<uint8_t> PackRandom(size_t k, size_t n, size_t nr, size_t k_round) {
  const size_t kg = (k + k_round - 1) / k_round * k_round;
  const size_t panel = nr * kQS8ChannelWords * sizeof(int32_t) + kg * nr;
  std::vector<uint8_t> w((n + nr - 1) / nr * panel, 0);
  std::mt19937 rng(3);
  for (size_t p = 0; p * nr < n; ++p) {
    int32_t* header = reinterpret_cast<int32_t*>(w.data() + p * panel);
    for (size_t j = 0; j < nr; ++j) {
      header[nr + j] = 1 << 30;
      header[3 * nr + j] = 8;
    }
    for (size_t i = nr * kQS8ChannelWords * sizeof(int32_t); i < panel; ++i)
      w[p * panel + i] = static_cast<uint8_t>(rng() % 255);
  }
  return w;
}

// range(0..1): K, N. One call computes MR full rows x N columns with the
// level's c4-family microkernel; A and the packed B stay in cache.
void BM_qs8_gemm_ukernel_tile(benchmark::State& state) {
  const KernelIsa& isa = GetKernelIsa();
  if (isa.qs8_gemm_c4.fn == nullptr) {
    state.SkipWithError("no c4-family int8 GEMM at this level");
    return;
  }
  const size_t k = static_cast<size_t>(state.range(0)), n = static_cast<size_t>(state.range(1));
  const size_t mr = static_cast<size_t>(isa.qs8_gemm_c4.mr), nr = static_cast<size_t>(isa.qs8_gemm_c4.nr);
  std::vector<int8_t> a(mr * k);
  std::mt19937 rng(1);
  for (int8_t& v : a) v = static_cast<int8_t>(rng() % 255 - 127);
  const std::vector<uint8_t> w = PackRandom(k, n, nr, static_cast<size_t>(isa.qs8_gemm_c4.k_round));
  std::vector<int8_t> c(mr * n);
  const QS8ConvParams params{0, -128, 127, 1};
  for (auto _ : state) {
    isa.qs8_gemm_c4.fn(mr, n, k, a.data(), k, w.data(), c.data(), n, &params);
    benchmark::ClobberMemory();
  }
  const double ops = 2.0 * static_cast<double>(mr * k * n);
  state.counters["GOP/s"] = benchmark::Counter(ops * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
#if defined(__x86_64__)
  if (isa.level == IsaLevel::kAvx512Vnni || isa.level == IsaLevel::kAvx512Amx) {  // against the VNNI peak
    static const double peak = MeasuredVnniPeak();
    state.counters["peak"] = benchmark::Counter(ops * 1e-9 / peak, benchmark::Counter::kIsIterationInvariantRate);
  }
#endif
  state.SetLabel(std::string(isa.name) + " " + std::to_string(mr) + "x" + std::to_string(nr));
}
BENCHMARK(BM_qs8_gemm_ukernel_tile)
    ->ArgNames({"k", "n"})
    ->Args({256, 128})
    ->Args({512, 1024})
    ->Args({64, 64})
    ->Args({16, 48})
    ->Unit(benchmark::kMicrosecond);

}  // namespace
