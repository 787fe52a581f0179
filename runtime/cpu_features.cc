#include "runtime/cpu_features.h"

#include <cpuinfo.h>

namespace edgert {

namespace {
CpuFeatures Detect() {
  CpuFeatures f;
  if (!cpuinfo_initialize()) return f;
  if (cpuinfo_get_packages_count() > 0) f.name = cpuinfo_get_package(0)->name;
  f.cores = static_cast<int>(cpuinfo_get_cores_count());
#if CPUINFO_ARCH_X86 || CPUINFO_ARCH_X86_64
  f.sse4_1 = cpuinfo_has_x86_sse4_1();
  f.avx2 = cpuinfo_has_x86_avx2();
  f.fma3 = cpuinfo_has_x86_fma3();
  f.f16c = cpuinfo_has_x86_f16c();
  f.avx512f = cpuinfo_has_x86_avx512f();
  f.avx512vnni = cpuinfo_has_x86_avx512vnni();
#endif
#if CPUINFO_ARCH_ARM || CPUINFO_ARCH_ARM64
  f.neon = cpuinfo_has_arm_neon();
  f.neon_dot = cpuinfo_has_arm_neon_dot();
  f.neon_fp16 = cpuinfo_has_arm_neon_fp16_arith();
#endif
  return f;
}
}  // namespace

std::string CpuFeatures::Describe() const {
  std::string s;
  auto add = [&s](bool on, const char* n) {
    if (on) s += (s.empty() ? "" : " ") + std::string(n);
  };
  add(sse4_1, "sse4.1");
  add(avx2, "avx2");
  add(fma3, "fma3");
  add(f16c, "f16c");
  add(avx512f, "avx512f");
  add(avx512vnni, "avx512vnni");
  add(neon, "neon");
  add(neon_dot, "dotprod");
  add(neon_fp16, "fp16");
  return s.empty() ? "none detected" : s;
}

const CpuFeatures& GetCpuFeatures() {
  static const CpuFeatures features = Detect();
  return features;
}

}  // namespace edgert
