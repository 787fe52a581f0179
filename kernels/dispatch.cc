#include "kernels/dispatch.h"

#include <atomic>
#include <cstdlib>
#include <cstring>

#include "runtime/cpu_features.h"
#if defined(EDGERT_X86_UKERNELS)
#include "kernels/x86/ukernels.h"
#endif
#if defined(EDGERT_ARM_UKERNELS)
#include "kernels/arm/ukernels.h"
#endif

namespace edgert {
namespace {

constexpr F32VBinaryUkernels kNoBinary = {nullptr, nullptr, nullptr};
constexpr KernelIsa kReferenceIsa = {IsaLevel::kReference,
                                     "reference",
                                     {nullptr, 0, 0},
                                     {nullptr, 0},
                                     {nullptr, 0, 0},
                                     {nullptr, 0, 0},
                                     {nullptr, 0},
                                     {nullptr, 0, 0},
                                     {nullptr, 0, 0, 0, 0, 0, 0, false},
                                     {nullptr, 0, nullptr, false},
                                     {nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr},
                                     {kNoBinary, kNoBinary, kNoBinary, kNoBinary, kNoBinary, kNoBinary},
                                     {nullptr, nullptr, nullptr, nullptr},
                                     nullptr,
                                     {nullptr, nullptr, nullptr},
                                     {nullptr, nullptr},
                                     {nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr},
                                     nullptr,
                                     {nullptr, nullptr, nullptr, nullptr},
                                     nullptr,
                                     {nullptr, 0, 0},
                                     {nullptr, 0, 0},
                                     {nullptr, nullptr, nullptr, 0, 0},
                                     nullptr,
                                     nullptr,
                                     nullptr,
                                     {nullptr, 0, 0, 0.0},
                                     {nullptr, 0, 0, 0},
                                     {nullptr, 0, 0, 0},
                                     nullptr,
                                     {nullptr, 0},
                                     {nullptr, nullptr},
                                     nullptr};

#if defined(EDGERT_X86_UKERNELS)
constexpr KernelIsa kAvx2Isa = {IsaLevel::kAvx2,
                                "avx2",
                                {f32_gemm_minmax_ukernel_4x16__fma3, 4, 16},
                                {f32_gemm_minmax_ukernel_1x16__fma3, 16},
                                {f32_igemm_minmax_ukernel_4x16__fma3, 4, 16},
                                {f32_spmm_minmax_ukernel_4x16__fma3, 4, 16},
                                {f32_dwconv_minmax_ukernel_c16__fma3, 16},
                                {qs8_gemm_minmax_ukernel_4x16c2__avx2, 4, 16},
                                {nullptr, 0, 0, 0, 0, 0, 0, false},
                                {qs8_dwconv_minmax_ukernel_c16__avx2, 16, kQS8DwconvC16Avx2Order, false},
                                {f32_vclamp_ukernel_x16__avx2, f32_vlrelu_ukernel_x16__avx2,
                                 f32_vhswish_ukernel_x16__avx2, f32_vsigmoid_ukernel_x16__fma3,
                                 f32_vtanh_ukernel_x16__fma3, f32_vexp_ukernel_x16__fma3,
                                 f32_vgelu_ukernel_x16__fma3, f32_vgelutanh_ukernel_x16__fma3},
                                {{f32_vadd_minmax_ukernel_x16__avx2, f32_vaddc_minmax_ukernel_x16__avx2,
                                  f32_vaddc_minmax_ukernel_x16__avx2},
                                 {f32_vsub_minmax_ukernel_x16__avx2, f32_vsubc_minmax_ukernel_x16__avx2,
                                  f32_vrsubc_minmax_ukernel_x16__avx2},
                                 {f32_vmul_minmax_ukernel_x16__avx2, f32_vmulc_minmax_ukernel_x16__avx2,
                                  f32_vmulc_minmax_ukernel_x16__avx2},
                                 {f32_vdiv_minmax_ukernel_x16__avx2, f32_vdivc_minmax_ukernel_x16__avx2,
                                  f32_vrdivc_minmax_ukernel_x16__avx2},
                                 {f32_vmax_minmax_ukernel_x16__avx2, f32_vmaxc_minmax_ukernel_x16__avx2,
                                  f32_vrmaxc_minmax_ukernel_x16__avx2},
                                 {f32_vmin_minmax_ukernel_x16__avx2, f32_vminc_minmax_ukernel_x16__avx2,
                                  f32_vrminc_minmax_ukernel_x16__avx2}},
                                {f32_maxpool_minmax_ukernel_c16__avx2, f32_avgpool_minmax_ukernel_c16__avx2,
                                 f32_gavgpool_f64acc_ukernel_c8__avx2, f32_ibilinear_ukernel_c16__avx2},
                                qs8_vadd_minmax_ukernel_x16__avx2,
                                {qs8_vaddc_minmax_ukernel_x16__avx2, qs8_vmul_minmax_ukernel_x16__avx2,
                                 qs8_vmulc_minmax_ukernel_x16__avx2},
                                {f32_softmax_ukernel_x8__fma3, f32_layernorm_ukernel_x8__avx2},
                                {qs8_maxpool_minmax_ukernel_c32__avx2, qu8_maxpool_minmax_ukernel_c32__avx2,
                                 qs8_ibilinear_ukernel_c16__avx2, qu8_ibilinear_ukernel_c16__avx2,
                                 f32_qs8_vcvt_ukernel_x16__avx2, f32_qu8_vcvt_ukernel_x16__avx2,
                                 qs8_f32_vcvt_ukernel_x16__avx2, qu8_f32_vcvt_ukernel_x16__avx2,
                                 qs8_avgpool_minmax_ukernel_c16__avx2, qu8_avgpool_minmax_ukernel_c16__avx2,
                                 x8_lut_ukernel_x32__avx2},
                                qs8_vadd_minmax_f64_ukernel_x16__avx2,
                                {f32_winograd_input_ukernel_2x2_3x3_c8__avx2,
                                 f32_winograd_input_ukernel_4x4_3x3_c8__fma3,
                                 f32_winograd_output_minmax_ukernel_2x2_3x3_c8__avx2,
                                 f32_winograd_output_minmax_ukernel_4x4_3x3_c8__fma3},
                                qs8_vadd_minmax_f32_ukernel_x16__avx2,
                                {f32_gemm_minmax_ukernel_8x8__fma3, 8, 8},
                                {nullptr, 0, 0},
                                {nullptr, nullptr, nullptr, 0, 0},
                                x32_zip3_ukernel_x8__avx2,
                                f32_vadd_rows_minmax_ukernel_x16__avx2,
                                nullptr,
                                {nullptr, 0, 0, 0.0},
                                {nullptr, 0, 0, 0},
                                {nullptr, 0, 0, 0},
                                nullptr,
                                {qs8_dot4_minmax_ukernel_8x4c2__avx2, 0},
                                {qs8_gsum_ukernel_c16__avx2, qu8_gsum_ukernel_c16__avx2},
                                x8_zip3_ukernel_x16__avx2};

// The avx2 table with the AVX-512 F f32 GEMMs (same packing; 12 rows, 7 for
// the indirect GEMM), f32 depthwise kernel (same packing), Winograd
// transforms, int8 ADD / SUB / MUL kernels, f32 -> int8 / uint8
// quantization and int8 / uint8 bilinear resizing.
constexpr KernelIsa MakeAvx512Isa() {
  KernelIsa isa = kAvx2Isa;
  isa.level = IsaLevel::kAvx512;
  isa.name = "avx512";
  isa.f32_gemm = {f32_gemm_minmax_ukernel_12x32__avx512f, 12, 16};
  isa.f32_igemm = {f32_igemm_minmax_ukernel_7x32__avx512f, 7, 16};
  isa.f32_dwconv = {f32_dwconv_minmax_ukernel_c16__avx512f, 16};
  isa.f32_dot4 = f32_dot4_minmax_ukernel_x16__avx512f;
  isa.f32_winograd.input_2x2 = f32_winograd_input_ukernel_2x2_3x3_c16__avx512f;
  isa.f32_winograd.output_2x2 = f32_winograd_output_minmax_ukernel_2x2_3x3_c16__avx512f;
  isa.f32_winograd.input_4x4 = f32_winograd_input_ukernel_4x4_3x3_c16__avx512f;
  isa.f32_winograd.output_4x4 = f32_winograd_output_minmax_ukernel_4x4_3x3_c16__avx512f;
  isa.qs8_vadd = qs8_vadd_minmax_ukernel_x16__avx512f;
  isa.qs8_vadd_f64 = qs8_vadd_minmax_f64_ukernel_x16__avx512f;
  isa.qs8_vadd_f32 = qs8_vadd_minmax_f32_ukernel_x16__avx512f;
  isa.qs8_vbinary = {qs8_vaddc_minmax_ukernel_x16__avx512f, qs8_vmul_minmax_ukernel_x16__avx512f,
                     qs8_vmulc_minmax_ukernel_x16__avx512f};
  isa.x8.qs8_ibilinear = qs8_ibilinear_ukernel_c16__avx512f;
  isa.x8.qu8_ibilinear = qu8_ibilinear_ukernel_c16__avx512f;
  isa.x8.f32_qs8_vcvt = f32_qs8_vcvt_ukernel_x16__avx512f;
  isa.x8.f32_qu8_vcvt = f32_qu8_vcvt_ukernel_x16__avx512f;
  return isa;
}
constexpr KernelIsa kAvx512Isa = MakeAvx512Isa();

// The avx512 table with the VNNI int8 GEMMs.
constexpr KernelIsa MakeAvx512VnniIsa() {
  KernelIsa isa = kAvx512Isa;
  isa.level = IsaLevel::kAvx512Vnni;
  isa.name = "avx512vnni";
  isa.qs8_gemm_c4 = {qs8_gemm_minmax_ukernel_8x32c4__avx512vnni, 8, 16, 128, 4, 4, 0, false};
  isa.qs8_gemm_c4_nr8 = {qs8_gemm_minmax_ukernel_16x8c4__avx512vnni, 16, 8};
  isa.qs8_spmm = {qs8_spmm_minmax_ukernel_8x16c4__avx512vnni, 8, 128, 0.0};
  isa.qs8_dot4 = {qs8_dot4_minmax_ukernel_16x4c4__avx512vnni, 128};
  return isa;
}
constexpr KernelIsa kAvx512VnniIsa = MakeAvx512VnniIsa();

// The avx512vnni table with the AMX int8 GEMM (tiles of 16 rows x 64 bytes:
// its packing rounds K up to 64).
constexpr KernelIsa MakeAvx512AmxIsa() {
  KernelIsa isa = kAvx512VnniIsa;
  isa.level = IsaLevel::kAvx512Amx;
  isa.name = "avx512amx";
  isa.qs8_gemm_c4 = {qs8_gemm_minmax_ukernel_32x32c4__amx, 32, 16, 128, 4, 64, 0, false};
  isa.qs8_gemm_release = qs8_gemm_release__amx;
  // bench/qs8_spmm_bench.cc (dense rows): K of 8 to 16 padded to 64 ran 1.2-1.6x
  // slower on the tiles than on the VNNI GEMM; from about 27 on the tiles win.
  isa.qs8_gemm_c4_short_k = {qs8_gemm_minmax_ukernel_8x32c4__avx512vnni, 8, 16, 20};
  // Against the tile GEMM the sparse VNNI GEMM wins only from about 85-90% zero
  // quads on large K (same bench); short K keeps the VNNI level's 0.3.
  isa.qs8_spmm.min_zero_quads_vs_tiles = 0.85;
  return isa;
}
constexpr KernelIsa kAvx512AmxIsa = MakeAvx512AmxIsa();
#endif

#if defined(EDGERT_ARM_UKERNELS)
constexpr int kNeonC16MinK = 32;
constexpr KernelIsa kNeonIsa = {IsaLevel::kNeon,
                                "neon",
                                {f32_gemm_minmax_ukernel_4x16__neonfma, 4, 16},
                                {f32_gemm_minmax_ukernel_1x16__neonfma, 16},
                                {f32_igemm_minmax_ukernel_4x16__neonfma, 4, 16},
                                {nullptr, 0, 0},
                                {f32_dwconv_minmax_ukernel_c16__neonfma, 16},
                                {qs8_gemm_minmax_ukernel_4x16c2__neon, 4, 16},
                                // c16 for K >= kNeonC16MinK (shorter K: its padding
                                // and per-quad reductions cost more than c2's widening)
                                {qs8_gemm_minmax_ukernel_4x16c16__neon, 4, 16, 0, 16, 16, kNeonC16MinK, true},
                                {qs8_dwconv_minmax_ukernel_c16__neon, 16, nullptr, false},
                                {f32_vclamp_ukernel_x16__neon, f32_vlrelu_ukernel_x16__neon,
                                 f32_vhswish_ukernel_x16__neon, f32_vsigmoid_ukernel_x16__neonfma,
                                 f32_vtanh_ukernel_x16__neonfma, f32_vexp_ukernel_x16__neonfma,
                                 f32_vgelu_ukernel_x16__neonfma, f32_vgelutanh_ukernel_x16__neonfma},
                                {{f32_vadd_minmax_ukernel_x16__neon, f32_vaddc_minmax_ukernel_x16__neon,
                                  f32_vaddc_minmax_ukernel_x16__neon},
                                 {f32_vsub_minmax_ukernel_x16__neon, f32_vsubc_minmax_ukernel_x16__neon,
                                  f32_vrsubc_minmax_ukernel_x16__neon},
                                 {f32_vmul_minmax_ukernel_x16__neon, f32_vmulc_minmax_ukernel_x16__neon,
                                  f32_vmulc_minmax_ukernel_x16__neon},
                                 {f32_vdiv_minmax_ukernel_x16__neon, f32_vdivc_minmax_ukernel_x16__neon,
                                  f32_vrdivc_minmax_ukernel_x16__neon},
                                 {f32_vmax_minmax_ukernel_x16__neon, f32_vmaxc_minmax_ukernel_x16__neon,
                                  f32_vrmaxc_minmax_ukernel_x16__neon},
                                 {f32_vmin_minmax_ukernel_x16__neon, f32_vminc_minmax_ukernel_x16__neon,
                                  f32_vrminc_minmax_ukernel_x16__neon}},
                                {f32_maxpool_minmax_ukernel_c16__neon, f32_avgpool_minmax_ukernel_c16__neon,
                                 f32_gavgpool_f64acc_ukernel_c8__neon, f32_ibilinear_ukernel_c16__neon},
                                qs8_vadd_minmax_ukernel_x16__neon,
                                {qs8_vaddc_minmax_ukernel_x16__neon, qs8_vmul_minmax_ukernel_x16__neon,
                                 qs8_vmulc_minmax_ukernel_x16__neon},
                                {f32_softmax_ukernel_x4__neonfma, f32_layernorm_ukernel_x4__neon},
                                {qs8_maxpool_minmax_ukernel_c16__neon, qu8_maxpool_minmax_ukernel_c16__neon,
                                 qs8_ibilinear_ukernel_c16__neon, qu8_ibilinear_ukernel_c16__neon,
                                 f32_qs8_vcvt_ukernel_x16__neon, f32_qu8_vcvt_ukernel_x16__neon,
                                 qs8_f32_vcvt_ukernel_x8__neon, qu8_f32_vcvt_ukernel_x8__neon,
                                 qs8_avgpool_minmax_ukernel_c16__neon, qu8_avgpool_minmax_ukernel_c16__neon,
                                 x8_lut_ukernel_x16__neon},
                                nullptr,
                                {f32_winograd_input_ukernel_2x2_3x3_c4__neon,
                                 f32_winograd_input_ukernel_4x4_3x3_c4__neonfma,
                                 f32_winograd_output_minmax_ukernel_2x2_3x3_c4__neon,
                                 f32_winograd_output_minmax_ukernel_4x4_3x3_c4__neonfma},
                                qs8_vadd_minmax_f32_ukernel_x16__neon,
                                {nullptr, 0, 0},
                                {nullptr, 0, 0},
                                {nullptr, nullptr, nullptr, 0, 0},
                                x32_zip3_ukernel_x4__neon,
                                f32_vadd_rows_minmax_ukernel_x16__neon,
                                nullptr,
                                {nullptr, 0, 0, 0.0},
                                {nullptr, 0, 0, 0},
                                {nullptr, 0, 0, 0},
                                nullptr,
                                {nullptr, 0},
                                {qs8_gsum_ukernel_c16__neon, qu8_gsum_ukernel_c16__neon},
                                x8_zip3_ukernel_x16__neon};

// The neon table with the SDOT int8 GEMM (signed bytes: no A offset).
constexpr KernelIsa MakeNeonDotIsa() {
  KernelIsa isa = kNeonIsa;
  isa.level = IsaLevel::kNeonDot;
  isa.name = "neon-dotprod";
  isa.qs8_gemm_c4 = {qs8_gemm_minmax_ukernel_4x16c4__neondot, 4, 16, 0, 4, 4, 0, false};
  isa.qs8_spmm = {qs8_spmm_minmax_ukernel_4x16c4__neondot, 4, 0, 0.0};
  // The SDOT tap-quad depthwise from 9 channels (as the x86 one: fewer would
  // compute a mostly empty 16-channel group).
  isa.qs8_dwconv_quads = {qs8_dwconv_minmax_ukernel_c16t4__neondot, 16, 0, 9};
  return isa;
}
constexpr KernelIsa kNeonDotIsa = MakeNeonDotIsa();

// The neon-dotprod table with the SMMLA int8 GEMM (c8 packing, no A offset).
constexpr KernelIsa MakeNeonI8mmIsa() {
  KernelIsa isa = kNeonDotIsa;
  isa.level = IsaLevel::kNeonI8mm;
  isa.name = "neon-i8mm";
  isa.qs8_gemm_c4 = {qs8_gemm_minmax_ukernel_4x16c8__neoni8mm, 4, 16, 0, 8, 8, 0, false};
  return isa;
}
constexpr KernelIsa kNeonI8mmIsa = MakeNeonI8mmIsa();
#endif

#if defined(EDGERT_ARM_UKERNELS)
// A neon-dotprod or neon-i8mm table with the half-precision GEMM where the CPU
// has FEAT_FP16 arithmetic.
KernelIsa WithNeonFp16(KernelIsa isa) {
  if (GetCpuFeatures().neon_fp16) isa.f16_gemm = {f16_gemm_minmax_ukernel_6x16__neonfp16arith,
                                                       f16_gemm_minmax_ukernel_1x16__neonfp16arith,
                                                       f16_igemm_minmax_ukernel_6x16__neonfp16arith, 6, 16};
  return isa;
}
#endif

#if defined(EDGERT_X86_UKERNELS)
// An avx512 level's table with the kernels of optional extensions this CPU
// has (AVX-512 VBMI: the byte table lookup and, with VNNI, the tap-quad
// depthwise convolution).
KernelIsa WithAvx512Extensions(KernelIsa isa) {
  const CpuFeatures& f = GetCpuFeatures();
  if (f.avx512bw && f.avx512vbmi) isa.x8.lut = x8_lut_ukernel_x64__avx512vbmi;
  if ((isa.level == IsaLevel::kAvx512Vnni || isa.level == IsaLevel::kAvx512Amx) && f.avx512bw && f.avx512vl)
    isa.qs8_dwconv = {qs8_dwconv_minmax_ukernel_c16__avx512vnni, 16, kQS8DwconvC16ParityOrder, true};
  // The tap-quad depthwise from 9 channels: up to 8, the single-tap kernel
  // runs two pixels per vector (64x64x8 3x3: 0.016 ms against 0.022 ms).
  if ((isa.level == IsaLevel::kAvx512Vnni || isa.level == IsaLevel::kAvx512Amx) && f.avx512bw && f.avx512vl &&
      f.avx512vbmi)
    isa.qs8_dwconv_quads = {qs8_dwconv_minmax_ukernel_c16t4__avx512vbmi, 16, 128, 9};
  return isa;
}
#endif

const KernelIsa& TableFor(IsaLevel level) {
#if defined(EDGERT_X86_UKERNELS)
  if (level == IsaLevel::kAvx2) return kAvx2Isa;
  if (level == IsaLevel::kAvx512) {
    static const KernelIsa table = WithAvx512Extensions(kAvx512Isa);
    return table;
  }
  if (level == IsaLevel::kAvx512Vnni) {
    static const KernelIsa table = WithAvx512Extensions(kAvx512VnniIsa);
    return table;
  }
  if (level == IsaLevel::kAvx512Amx) {
    static const KernelIsa table = WithAvx512Extensions(kAvx512AmxIsa);
    return table;
  }
#endif
#if defined(EDGERT_ARM_UKERNELS)
  if (level == IsaLevel::kNeon) return kNeonIsa;
  if (level == IsaLevel::kNeonDot) {
    static const KernelIsa table = WithNeonFp16(kNeonDotIsa);
    return table;
  }
  if (level == IsaLevel::kNeonI8mm) {
    static const KernelIsa table = WithNeonFp16(kNeonI8mmIsa);
    return table;
  }
#endif
  return kReferenceIsa;
}

IsaLevel Detect() {
#if defined(EDGERT_X86_UKERNELS)
  const CpuFeatures& f = GetCpuFeatures();
  // The VNNI level's int8 GEMM also uses AVX-512 BW's byte masks (every CPU
  // with AVX-512 VNNI has BW).
  if (f.avx2 && f.fma3 && f.avx512f && f.avx512bw && f.avx512vnni && f.amx_int8) return IsaLevel::kAvx512Amx;
  if (f.avx2 && f.fma3 && f.avx512f && f.avx512bw && f.avx512vnni) return IsaLevel::kAvx512Vnni;
  if (f.avx2 && f.fma3 && f.avx512f) return IsaLevel::kAvx512;
  if (f.avx2 && f.fma3) return IsaLevel::kAvx2;
#endif
#if defined(EDGERT_ARM_UKERNELS)
  const CpuFeatures& f = GetCpuFeatures();
  if (f.neon && f.neon_dot && f.neon_i8mm) return IsaLevel::kNeonI8mm;
  if (f.neon && f.neon_dot) return IsaLevel::kNeonDot;
  if (f.neon) return IsaLevel::kNeon;
#endif
  return IsaLevel::kReference;
}

// Levels of x86-64 and of aarch64.
bool IsX86(IsaLevel l) {
  return l == IsaLevel::kAvx2 || l == IsaLevel::kAvx512 || l == IsaLevel::kAvx512Vnni || l == IsaLevel::kAvx512Amx;
}
bool IsArm(IsaLevel l) { return l == IsaLevel::kNeon || l == IsaLevel::kNeonDot || l == IsaLevel::kNeonI8mm; }

// `level` if this CPU supports it, else the detected level when `level` is a
// higher one of the same architecture, else kReference.
IsaLevel Clamp(IsaLevel level, IsaLevel detected) {
  if (level == IsaLevel::kReference) return level;
  if (IsX86(level) != IsX86(detected) || IsArm(level) != IsArm(detected)) return IsaLevel::kReference;
  return static_cast<int>(level) < static_cast<int>(detected) ? level : detected;
}

// The detected level lowered by EDGERT_ISA; unknown values are ignored.
IsaLevel FromEnvironment() {
  const IsaLevel detected = DetectedIsaLevel();
  const char* env = std::getenv("EDGERT_ISA");
  if (env == nullptr) return detected;
  IsaLevel want = detected;
  if (std::strcmp(env, "reference") == 0) want = IsaLevel::kReference;
  if (std::strcmp(env, "avx2") == 0) want = IsaLevel::kAvx2;
  if (std::strcmp(env, "avx512") == 0) want = IsaLevel::kAvx512;
  if (std::strcmp(env, "avx512vnni") == 0) want = IsaLevel::kAvx512Vnni;
  if (std::strcmp(env, "avx512amx") == 0) want = IsaLevel::kAvx512Amx;
  if (std::strcmp(env, "neon") == 0) want = IsaLevel::kNeon;
  if (std::strcmp(env, "dotprod") == 0 || std::strcmp(env, "neon-dotprod") == 0) want = IsaLevel::kNeonDot;
  if (std::strcmp(env, "i8mm") == 0 || std::strcmp(env, "neon-i8mm") == 0) want = IsaLevel::kNeonI8mm;
  // A level of the other architecture would be kReference: ignored instead.
  if (want != IsaLevel::kReference && Clamp(want, detected) == IsaLevel::kReference) return detected;
  return Clamp(want, detected);
}

std::atomic<int>& ActiveLevel() {
  static std::atomic<int> level{static_cast<int>(FromEnvironment())};
  return level;
}

}  // namespace

IsaLevel DetectedIsaLevel() {
  static const IsaLevel level = Detect();
  return level;
}

const KernelIsa& GetKernelIsa() { return TableFor(static_cast<IsaLevel>(ActiveLevel().load())); }

IsaLevel SetKernelIsaLevelForTesting(IsaLevel level) {
  level = Clamp(level, DetectedIsaLevel());
  return static_cast<IsaLevel>(ActiveLevel().exchange(static_cast<int>(level)));
}

const char* IsaLevelName(IsaLevel level) {
  switch (level) {
    case IsaLevel::kReference: return "reference";
    case IsaLevel::kAvx2: return "avx2";
    case IsaLevel::kAvx512: return "avx512";
    case IsaLevel::kAvx512Vnni: return "avx512vnni";
    case IsaLevel::kAvx512Amx: return "avx512amx";
    case IsaLevel::kNeon: return "neon";
    case IsaLevel::kNeonDot: return "neon-dotprod";
    case IsaLevel::kNeonI8mm: return "neon-i8mm";
  }
  return "unknown";
}

}  // namespace edgert
