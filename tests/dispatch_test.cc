// The ISA table (kernels/dispatch.h): the detected level matches the CPU's
// features, each level's table is complete where it promises microkernels,
// and levels can only be lowered.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <cstring>
#include <string>

#include "kernels/dispatch.h"
#include "runtime/cpu_features.h"

using namespace edgert;

namespace {

// Restores the active level on destruction.
struct RestoreLevel {
  IsaLevel previous = SetKernelIsaLevelForTesting(DetectedIsaLevel());
  ~RestoreLevel() { SetKernelIsaLevelForTesting(previous); }
};

}  // namespace

TEST_CASE("dispatch: the detected level follows the CPU features", "[dispatch]") {
  const CpuFeatures& f = GetCpuFeatures();
  const IsaLevel level = DetectedIsaLevel();
  // Printed for logs that compare runs on different CPUs.
  WARN("ISA level " << IsaLevelName(level) << " (CPU features: " << f.Describe() << ")");
#if defined(__x86_64__)
  IsaLevel want = IsaLevel::kReference;
  if (f.avx2 && f.fma3) want = IsaLevel::kAvx2;
  if (f.avx2 && f.fma3 && f.avx512f) want = IsaLevel::kAvx512;
  if (f.avx2 && f.fma3 && f.avx512f && f.avx512bw && f.avx512vnni) want = IsaLevel::kAvx512Vnni;
  if (want == IsaLevel::kAvx512Vnni && f.amx_int8) want = IsaLevel::kAvx512Amx;
  REQUIRE(level == want);
#elif defined(__aarch64__)
  REQUIRE(f.neon);  // Advanced SIMD is part of every aarch64 CPU
  REQUIRE(level == (f.neon_dot ? (f.neon_i8mm ? IsaLevel::kNeonI8mm : IsaLevel::kNeonDot) : IsaLevel::kNeon));
#else
  REQUIRE(level == IsaLevel::kReference);
#endif
  // scripts/test-arm.sh names the level each emulated CPU must reach.
  if (const char* expected = std::getenv("EDGERT_EXPECT_ISA")) {
    INFO("EDGERT_EXPECT_ISA=" << expected);
    REQUIRE(std::string(IsaLevelName(level)) == expected);
  }
}

TEST_CASE("dispatch: each level's table has its name and its microkernels", "[dispatch]") {
  RestoreLevel restore;
  const IsaLevel levels[] = {IsaLevel::kReference, IsaLevel::kAvx2, IsaLevel::kAvx512, IsaLevel::kAvx512Vnni,
                             IsaLevel::kAvx512Amx,
                             IsaLevel::kNeon, IsaLevel::kNeonDot, IsaLevel::kNeonI8mm};
  for (IsaLevel l : levels) {
    SetKernelIsaLevelForTesting(l);
    const KernelIsa& isa = GetKernelIsa();
    INFO("requested " << IsaLevelName(l) << ", active " << isa.name);
    REQUIRE(std::strcmp(isa.name, IsaLevelName(isa.level)) == 0);
    if (isa.level == IsaLevel::kReference) {
      REQUIRE(isa.f32_gemm.fn == nullptr);
      REQUIRE(isa.qs8_gemm.fn == nullptr);
      REQUIRE(isa.qs8_gemm_c4.fn == nullptr);
      continue;
    }
    // Every non-reference level has the f32 and int8 GEMMs, and an indirect
    // f32 GEMM over the same packing.
    REQUIRE(isa.f32_gemm.fn != nullptr);
    REQUIRE(isa.f32_gemm.mr >= 1);
    REQUIRE(isa.f32_gemm.nr >= 1);
    REQUIRE(isa.f32_igemm.fn != nullptr);
    REQUIRE(isa.f32_igemm.mr >= 1);
    REQUIRE(isa.f32_igemm.nr == isa.f32_gemm.nr);
    REQUIRE(isa.qs8_gemm.fn != nullptr);
    if (isa.qs8_gemm_c4.fn != nullptr) {
      REQUIRE((isa.qs8_gemm_c4.a_offset == 0 || isa.qs8_gemm_c4.a_offset == 128));
    }
    if (isa.level == IsaLevel::kNeonDot || isa.level == IsaLevel::kNeonI8mm || isa.level == IsaLevel::kAvx512Vnni ||
        isa.level == IsaLevel::kAvx512Amx)
      REQUIRE(isa.qs8_gemm_c4.fn != nullptr);
    if (isa.qs8_gemm_c4.fn != nullptr) {
      REQUIRE(isa.qs8_gemm_c4.k_group ==
              (isa.level == IsaLevel::kNeonI8mm ? 8 : isa.level == IsaLevel::kNeon ? 16 : 4));
      // Only the int16-pair kernel (c16, neon) excludes weights of -128.
      REQUIRE(isa.qs8_gemm_c4.no_min_weight == (isa.level == IsaLevel::kNeon));
      // K rounds to the group, or to 64 for the AMX tiles.
      REQUIRE(isa.qs8_gemm_c4.k_round == (isa.level == IsaLevel::kAvx512Amx ? 64 : isa.qs8_gemm_c4.k_group));
      // Tiles keep a quad GEMM for short K.
      REQUIRE((isa.qs8_gemm_c4_short_k.fn != nullptr) == (isa.qs8_gemm_c4.k_round == 64));
    }
    // The f16 GEMMs: on the neon-dotprod and neon-i8mm levels exactly when the
    // CPU has FP16 arithmetic, all three forms with one packing.
    const bool f16_level = isa.level == IsaLevel::kNeonDot || isa.level == IsaLevel::kNeonI8mm;
    REQUIRE((isa.f16_gemm.fn != nullptr) == (f16_level && GetCpuFeatures().neon_fp16));
    if (isa.f16_gemm.fn != nullptr) {
      REQUIRE(isa.f16_gemm.gemv != nullptr);
      REQUIRE(isa.f16_gemm.igemm != nullptr);
      REQUIRE(isa.f16_gemm.mr >= 1);
      REQUIRE(isa.f16_gemm.nr == 16);
    }
    // Every non-reference level has the Winograd transforms of both tile sizes.
    REQUIRE(isa.f32_winograd.input_2x2 != nullptr);
    REQUIRE(isa.f32_winograd.output_2x2 != nullptr);
    REQUIRE(isa.f32_winograd.input_4x4 != nullptr);
    REQUIRE(isa.f32_winograd.output_4x4 != nullptr);
    // Every non-reference level has the f32 elementwise kernels: all one-input
    // ones and all three forms of every binary op.
    const auto& u = isa.f32_vunary;
    for (F32VUnaryUkernelFn fn : {u.clamp, u.lrelu, u.hswish, u.sigmoid, u.tanh, u.exp, u.gelu, u.gelu_tanh})
      REQUIRE(fn != nullptr);
    const auto& b = isa.f32_vbinary;
    for (const F32VBinaryUkernels& k : {b.add, b.sub, b.mul, b.div, b.max, b.min}) {
      REQUIRE(k.op != nullptr);
      REQUIRE(k.opc != nullptr);
      REQUIRE(k.ropc != nullptr);
    }
  }
}

TEST_CASE("dispatch: levels can be lowered, never raised or crossed to another architecture", "[dispatch]") {
  RestoreLevel restore;
  const IsaLevel detected = DetectedIsaLevel();
  SetKernelIsaLevelForTesting(IsaLevel::kReference);
  REQUIRE(GetKernelIsa().level == IsaLevel::kReference);
  REQUIRE(SetKernelIsaLevelForTesting(detected) == IsaLevel::kReference);
  REQUIRE(GetKernelIsa().level == detected);
#if defined(__aarch64__)
  // The aarch64 levels: neon is always there, neon-dotprod only with SDOT,
  // neon-i8mm only with SMMLA too.
  SetKernelIsaLevelForTesting(IsaLevel::kNeon);
  REQUIRE(GetKernelIsa().level == IsaLevel::kNeon);
  SetKernelIsaLevelForTesting(IsaLevel::kNeonDot);
  REQUIRE(GetKernelIsa().level == (detected == IsaLevel::kNeonI8mm ? IsaLevel::kNeonDot : detected));
  SetKernelIsaLevelForTesting(IsaLevel::kNeonI8mm);
  REQUIRE(GetKernelIsa().level == detected);
  // x86 levels do not exist here.
  SetKernelIsaLevelForTesting(IsaLevel::kAvx2);
  REQUIRE(GetKernelIsa().level == IsaLevel::kReference);
#elif defined(__x86_64__)
  SetKernelIsaLevelForTesting(IsaLevel::kNeonDot);
  REQUIRE(GetKernelIsa().level == IsaLevel::kReference);
  SetKernelIsaLevelForTesting(IsaLevel::kAvx512Amx);
  REQUIRE(GetKernelIsa().level == detected);
  SetKernelIsaLevelForTesting(IsaLevel::kAvx512Vnni);
  REQUIRE(GetKernelIsa().level == (detected == IsaLevel::kAvx512Amx ? IsaLevel::kAvx512Vnni : detected));
  // avx512 lies between avx2 and avx512vnni.
  SetKernelIsaLevelForTesting(IsaLevel::kAvx512);
  REQUIRE(GetKernelIsa().level == (detected == IsaLevel::kAvx2 ? IsaLevel::kAvx2 : detected == IsaLevel::kReference ? IsaLevel::kReference : IsaLevel::kAvx512));
#endif
}
