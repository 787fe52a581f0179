// Runs a test case's body once per kernel variant of an op: the reference
// kernel, the optimized kernel at the reference ISA level (its fallback to the
// reference kernel), and the optimized kernel at the CPU's best level (its
// microkernels where they cover the node). For test files that pick their
// kernel through a flag:
//   bool g_optimized = false;
//   const OpKernel* PadKernel() { return g_optimized ? opt::Register_PAD() : ref::Register_PAD(); }
//   TEST_CASE(...) { EDGERT_KERNEL_VARIANTS(g_optimized); ... PadKernel() ... }
#pragma once

#include <catch2/catch.hpp>

#include <cstdlib>
#include <cstring>
#include <vector>

#include "kernels/dispatch.h"

namespace edgert {
namespace variant_test {

// Sets the ISA level of kernels prepared from now on and restores the previous one.
class ScopedIsa {
 public:
  explicit ScopedIsa(IsaLevel level) : previous_(SetKernelIsaLevelForTesting(level)) {}
  ~ScopedIsa() { SetKernelIsaLevelForTesting(previous_); }
  ScopedIsa(const ScopedIsa&) = delete;
  ScopedIsa& operator=(const ScopedIsa&) = delete;

 private:
  IsaLevel previous_;
};

// The thread counts of test cases that run an optimized kernel on 1 and on
// several threads: {1, 3}, or {1} when the environment sets
// EDGERT_TEST_MAX_THREADS=1 (scripts/test-arm.sh under qemu-user, where a
// multithreaded run takes minutes; threading is not ISA-specific and the
// native runs cover it).
inline std::vector<int> TestThreadCounts() {
  const char* env = std::getenv("EDGERT_TEST_MAX_THREADS");
  if (env != nullptr && std::strcmp(env, "1") == 0) return {1};
  return {1, 3};
}

inline const char* VariantName(int v) {
  return v == 0 ? "reference kernel" : (v == 1 ? "optimized kernel, reference ISA" : "optimized kernel, best ISA");
}

}  // namespace variant_test
}  // namespace edgert

#define EDGERT_KERNEL_VARIANTS(optimized_flag)                                                                   \
  const int edgert_variant = GENERATE(0, 1, 2);                                                                  \
  ::edgert::variant_test::ScopedIsa edgert_variant_isa(edgert_variant == 1 ? ::edgert::IsaLevel::kReference      \
                                                                           : ::edgert::DetectedIsaLevel());      \
  optimized_flag = edgert_variant != 0;                                                                          \
  INFO(::edgert::variant_test::VariantName(edgert_variant) << ", ISA " << ::edgert::GetKernelIsa().name)
