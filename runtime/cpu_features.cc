#include "runtime/cpu_features.h"

#include <algorithm>

#include <cpuinfo.h>

#if defined(__aarch64__) && defined(__linux__)
#include <sys/auxv.h>
#endif
#if defined(__x86_64__)
#include <cpuid.h>
#if defined(__linux__)
#include <sys/syscall.h>
#include <unistd.h>
#endif
#endif

namespace edgert {

namespace {
#if defined(__aarch64__) && defined(__linux__)
// The kernel's hardware capability bits (asm/hwcap.h), the source cpuinfo also
// reads; used directly as well because cpuinfo's Linux initialization parses
// /proc/cpuinfo, which user-mode emulators (qemu-aarch64) do not provide.
void DetectArmHwcaps(CpuFeatures* f) {
  constexpr unsigned long kAsimd = 1ul << 1, kAsimdHp = 1ul << 10, kAsimdDp = 1ul << 20;  // AT_HWCAP
  constexpr unsigned long kI8mm = 1ul << 13;                                               // AT_HWCAP2
  const unsigned long hwcap = getauxval(AT_HWCAP), hwcap2 = getauxval(AT_HWCAP2);
  f->neon = f->neon || (hwcap & kAsimd) != 0;
  f->neon_fp16 = f->neon_fp16 || (hwcap & kAsimdHp) != 0;
  f->neon_dot = f->neon_dot || (hwcap & kAsimdDp) != 0;
  f->neon_i8mm = f->neon_i8mm || (hwcap2 & kI8mm) != 0;
}
#endif

#if defined(__x86_64__)
// AMX-TILE and AMX-INT8 (CPUID leaf 7: EDX bits 24, 25) with the tile
// configuration and data state enabled by the OS (XCR0 bits 17, 18). Linux
// also requires each process to ask for the tile data state
// (arch_prctl ARCH_REQ_XCOMP_PERM); a refusal leaves AMX unused.
bool DetectAmxInt8() {
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (__get_cpuid_max(0, nullptr) < 7) return false;
  __cpuid_count(7, 0, a, b, c, d);
  if ((d & (1u << 24)) == 0 || (d & (1u << 25)) == 0) return false;
  __cpuid(1, a, b, c, d);
  if ((c & (1u << 27)) == 0) return false;  // OSXSAVE: xgetbv is available
  unsigned lo = 0, hi = 0;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  if ((lo & (3u << 17)) != (3u << 17)) return false;
#if defined(__linux__)
  constexpr long kArchReqXcompPerm = 0x1023, kXfeatureXtiledata = 18;
  if (syscall(SYS_arch_prctl, kArchReqXcompPerm, kXfeatureXtiledata) != 0) return false;
#endif
  return true;
}
#endif

CpuFeatures Detect() {
  CpuFeatures f;
  if (cpuinfo_initialize()) {
    if (cpuinfo_get_packages_count() > 0) f.name = cpuinfo_get_package(0)->name;
    f.cores = static_cast<int>(cpuinfo_get_cores_count());
    const cpuinfo_processor* p0 = cpuinfo_get_processors_count() > 0 ? cpuinfo_get_processor(0) : nullptr;
    if (p0 != nullptr && p0->cache.l2 != nullptr && p0->cache.l2->size > 0)
      f.l2_bytes_per_processor = p0->cache.l2->size / std::max<uint32_t>(p0->cache.l2->processor_count, 1);
#if CPUINFO_ARCH_X86 || CPUINFO_ARCH_X86_64
    f.sse4_1 = cpuinfo_has_x86_sse4_1();
    f.avx2 = cpuinfo_has_x86_avx2();
    f.fma3 = cpuinfo_has_x86_fma3();
    f.f16c = cpuinfo_has_x86_f16c();
    f.avx512f = cpuinfo_has_x86_avx512f();
    f.avx512bw = cpuinfo_has_x86_avx512bw();
    f.avx512vl = cpuinfo_has_x86_avx512vl();
    f.avx512vbmi = cpuinfo_has_x86_avx512vbmi();
    f.avx512vnni = cpuinfo_has_x86_avx512vnni();
#endif
#if defined(__x86_64__)
    f.amx_int8 = DetectAmxInt8();
#endif
#if CPUINFO_ARCH_ARM || CPUINFO_ARCH_ARM64
    f.neon = cpuinfo_has_arm_neon();
    f.neon_dot = cpuinfo_has_arm_neon_dot();
    f.neon_fp16 = cpuinfo_has_arm_neon_fp16_arith();
#endif
  }
  if (f.cores < 1) f.cores = 1;
#if defined(__aarch64__) && defined(__linux__)
  DetectArmHwcaps(&f);
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
  add(avx512bw, "avx512bw");
  add(avx512vl, "avx512vl");
  add(avx512vbmi, "avx512vbmi");
  add(avx512vnni, "avx512vnni");
  add(amx_int8, "amx-int8");
  add(neon, "neon");
  add(neon_dot, "dotprod");
  add(neon_fp16, "fp16");
  add(neon_i8mm, "i8mm");
  return s.empty() ? "none detected" : s;
}

const CpuFeatures& GetCpuFeatures() {
  static const CpuFeatures features = Detect();
  return features;
}

}  // namespace edgert
