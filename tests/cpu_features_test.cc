#include <catch2/catch.hpp>

#include "runtime/cpu_features.h"

using namespace edgert;

TEST_CASE("CPU features agree with the compiler's own CPUID probe", "[cpu]") {
  const CpuFeatures& f = GetCpuFeatures();
  REQUIRE(&f == &GetCpuFeatures());  // detected once
  REQUIRE(f.cores >= 1);
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  REQUIRE(f.avx2 == static_cast<bool>(__builtin_cpu_supports("avx2")));
  REQUIRE(f.fma3 == static_cast<bool>(__builtin_cpu_supports("fma")));
  REQUIRE(f.sse4_1 == static_cast<bool>(__builtin_cpu_supports("sse4.1")));
  REQUIRE(f.avx512f == static_cast<bool>(__builtin_cpu_supports("avx512f")));
  REQUIRE(f.avx512bw == static_cast<bool>(__builtin_cpu_supports("avx512bw")));
  REQUIRE(f.avx512vbmi == static_cast<bool>(__builtin_cpu_supports("avx512vbmi")));
  REQUIRE_FALSE(f.neon);
#endif
#if defined(__aarch64__)
  REQUIRE(f.neon);  // part of every aarch64 CPU
  REQUIRE_FALSE(f.avx2);
#endif
  REQUIRE_FALSE(f.Describe().empty());
}
