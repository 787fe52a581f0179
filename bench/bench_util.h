// Shared by the Google Benchmark files: deterministic random inputs, and the
// measured peak rate of an instruction loop.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <random>
#include <vector>

namespace edgert {
namespace bench {

// n floats uniform in [lo, hi) from a fixed seed.
inline std::vector<float> Random(size_t n, uint32_t seed, float lo = -1.f, float hi = 1.f) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> d(lo, hi);
  std::vector<float> v(n);
  for (float& x : v) x = d(rng);
  return v;
}

// A copy of v starting at a 64-byte boundary, as the runtime's packed weights
// and arena tensors do (misaligned 64-byte loads cross two cache lines and
// halve an AVX-512 kernel's load rate).
class Aligned64 {
 public:
  explicit Aligned64(const std::vector<float>& v) : storage_(v.size() + 16) {
    const uintptr_t p = reinterpret_cast<uintptr_t>(storage_.data());
    data_ = storage_.data() + ((64 - p % 64) % 64) / sizeof(float);
    std::copy(v.begin(), v.end(), data_);
  }
  float* data() { return data_; }
  const float* data() const { return data_; }

 private:
  std::vector<float> storage_;
  float* data_;
};

// Giga-operations per second of run(), which performs `ops` operations: the
// best of 5 timed calls (a peak, so the fastest run is the measure).
template <typename Run>
double BestRateG(Run run, double ops) {
  double best = 0;
  for (int r = 0; r < 5; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    run();
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    best = std::max(best, ops / s * 1e-9);
  }
  return best;
}

}  // namespace bench
}  // namespace edgert
