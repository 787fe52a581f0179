// Google Benchmark: the int8 max-pool microkernel of the best ISA level
// (qs8_maxpool_minmax_ukernel_c32__avx2 on AVX2 CPUs) over a 3x3 stride-2
// pool of a [1, 111, 111, c] input (SqueezeNet 1.1's first pool has c = 64),
// one output pixel per call as the MAX_POOL_2D kernel drives it.
// Build: cmake --build build --target edgert_microbench
// Run:   build/bin/edgert_microbench --benchmark_filter=qs8_maxpool
#include <benchmark/benchmark.h>

#include <cstdint>
#include <random>
#include <vector>

#include "kernels/dispatch.h"

using namespace edgert;

namespace {

void BM_qs8_maxpool_3x3s2(benchmark::State& state) {
  const QS8MaxPoolUkernelFn fn = GetKernelIsa().x8.qs8_maxpool;
  if (fn == nullptr) {
    state.SkipWithError("no int8 max-pool microkernel at this ISA level");
    return;
  }
  const size_t c = static_cast<size_t>(state.range(0)), in_hw = 111, out_hw = 55;
  std::vector<int8_t> in(in_hw * in_hw * c), out(out_hw * out_hw * c);
  std::mt19937 rng(1);
  for (int8_t& v : in) v = static_cast<int8_t>(rng());
  const X8MinMaxParams params = {-128, 127};
  for (auto _ : state) {
    for (size_t oy = 0; oy < out_hw; ++oy) {
      for (size_t ox = 0; ox < out_hw; ++ox) {
        fn(3, 3, c, in.data() + (2 * oy * in_hw + 2 * ox) * c, in_hw * c, out.data() + (oy * out_hw + ox) * c,
           &params);
      }
    }
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(in.size()));
}
BENCHMARK(BM_qs8_maxpool_3x3s2)->Arg(64)->Arg(128)->Arg(37);

}  // namespace
