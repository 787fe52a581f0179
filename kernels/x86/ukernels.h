// x86-64 microkernels (AVX2 + FMA3). Each is defined in the file of the same
// name and compiled with -mavx2 -mfma; call them only when the CPU has both
// (kernels/dispatch.h selects them). Contracts: F32GemmUkernelFn and
// F32DwconvUkernelFn in kernels/dispatch.h.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/dispatch.h"

namespace edgert {

// MR = 4 rows, NR = 16 columns per packed panel.
void f32_gemm_minmax_ukernel_4x16__fma3(size_t mr, size_t nc, size_t kc, const float* a, size_t a_stride,
                                        const float* w, float* c, size_t c_stride, const F32MinMaxParams* params);
// MR = 8 rows, NR = 8 columns (KernelIsa::f32_gemm_nr8: outputs of at most 8 columns).
void f32_gemm_minmax_ukernel_8x8__fma3(size_t mr, size_t nc, size_t kc, const float* a, size_t a_stride,
                                       const float* w, float* c, size_t c_stride, const F32MinMaxParams* params);
// MR = 1 (matrix-vector), the same NR = 16 panels.
void f32_gemm_minmax_ukernel_1x16__fma3(size_t mr, size_t nc, size_t kc, const float* a, size_t a_stride,
                                        const float* w, float* c, size_t c_stride, const F32MinMaxParams* params);
// Indirect GEMM (convolution), MR = 4, the same NR = 16 panels. Contract:
// F32IgemmUkernelFn.
void f32_igemm_minmax_ukernel_4x16__fma3(size_t mr, size_t nc, size_t kc, size_t taps, const float* const* a,
                                         const float* w, float* c, size_t c_stride, const F32MinMaxParams* params);

// AVX-512 F (compiled with -mavx512f too; the avx512 levels select them):
// the same NR = 16 panels as the AVX2 kernels, walked two panels (32
// columns) at a time, an odd last panel alone; the GEMM has MR = 12, the
// indirect GEMM MR = 7. Contracts: F32GemmUkernelFn and F32IgemmUkernelFn.
void f32_gemm_minmax_ukernel_12x32__avx512f(size_t mr, size_t nc, size_t kc, const float* a, size_t a_stride,
                                            const float* w, float* c, size_t c_stride, const F32MinMaxParams* params);
void f32_igemm_minmax_ukernel_7x32__avx512f(size_t mr, size_t nc, size_t kc, size_t taps, const float* const* a,
                                            const float* w, float* c, size_t c_stride,
                                            const F32MinMaxParams* params);

// Block-sparse weights with blocks of 16 output channels, MR = 4 pixels.
// Contract: F32SpmmUkernelFn.
void f32_spmm_minmax_ukernel_4x16__fma3(size_t mr, size_t nc, const float* a, size_t a_stride,
                                        const int32_t* block_ptr, const int32_t* column_indices, const float* values,
                                        const float* bias, float* c, size_t c_stride, const F32MinMaxParams* params);

// Winograd F(2x2, 3x3) transforms, 8 channels per step (a masked tail of
// 1..7). Contracts: F32WinogradInputUkernelFn, F32WinogradOutputUkernelFn.
void f32_winograd_input_ukernel_2x2_3x3_c8__avx2(size_t channels, const float* const* input, float* output,
                                                  size_t output_stride);
void f32_winograd_output_minmax_ukernel_2x2_3x3_c8__avx2(size_t channels, const float* input, size_t input_stride,
                                                          const float* bias, float* const* output,
                                                          const F32MinMaxParams* params);

// F(4x4, 3x3), 8 channels per step (a masked tail of 1..7), with FMA3.
void f32_winograd_input_ukernel_4x4_3x3_c8__fma3(size_t channels, const float* const* input, float* output,
                                                 size_t output_stride);
void f32_winograd_output_minmax_ukernel_4x4_3x3_c8__fma3(size_t channels, const float* input, size_t input_stride,
                                                         const float* bias, float* const* output,
                                                         const F32MinMaxParams* params);
// The F(2x2, 3x3) and F(4x4, 3x3) transforms with 16 channels per step
// (masked tail), AVX-512 F.
void f32_winograd_input_ukernel_2x2_3x3_c16__avx512f(size_t channels, const float* const* input, float* output,
                                                     size_t output_stride);
void f32_winograd_output_minmax_ukernel_2x2_3x3_c16__avx512f(size_t channels, const float* input,
                                                             size_t input_stride, const float* bias,
                                                             float* const* output, const F32MinMaxParams* params);
void f32_winograd_input_ukernel_4x4_3x3_c16__avx512f(size_t channels, const float* const* input, float* output,
                                                     size_t output_stride);
void f32_winograd_output_minmax_ukernel_4x4_3x3_c16__avx512f(size_t channels, const float* input,
                                                             size_t input_stride, const float* bias,
                                                             float* const* output, const F32MinMaxParams* params);

// Channel tile 16 (tails of 8 and masked 1..7 channels), any number of taps.
void f32_dwconv_minmax_ukernel_c16__fma3(size_t pixels, size_t channels, size_t taps, const float* const* input,
                                         const float* w, float* output, const F32MinMaxParams* params);
// The same contract and packing, 16 channels per AVX-512 vector (masked tail),
// 8 pixels at a time.
void f32_dwconv_minmax_ukernel_c16__avx512f(size_t pixels, size_t channels, size_t taps, const float* const* input,
                                            const float* w, float* output, const F32MinMaxParams* params);

// QS8 GEMM, MR = 4 rows, NR = 16 columns, K in pairs (c2): int8 A widened to
// int16 and multiplied with _mm256_madd_epi16 into int32 (exact). Contract:
// QS8GemmUkernelFn.
void qs8_gemm_minmax_ukernel_4x16c2__avx2(size_t mr, size_t nc, size_t kc, const int8_t* a, size_t a_stride,
                                          const void* w, int8_t* c, size_t c_stride, const QS8ConvParams* params);

// QS8 GEMM, MR = 8 rows, NR = 16 packed columns walked two panels at a time,
// K in quads (c4), AVX-512 VNNI (_mm512_dpbusd_epi32, exact int32). Contract:
// QS8GemmUkernelFn with the c4 packing (KernelIsa::qs8_gemm_c4).
void qs8_gemm_minmax_ukernel_8x32c4__avx512vnni(size_t mr, size_t nc, size_t kc, const int8_t* a, size_t a_stride,
                                                const void* w, int8_t* c, size_t c_stride,
                                                const QS8ConvParams* params);
void qs8_gemm_minmax_ukernel_16x8c4__avx512vnni(size_t mr, size_t nc, size_t kc, const int8_t* a, size_t a_stride,
                                                const void* w, int8_t* c, size_t c_stride,
                                                const QS8ConvParams* params);
// QS8 GEMM on AMX tiles, 32 rows x 32 columns (two 16-column panels) per
// pass, K in steps of 64. Contract: QS8GemmUkernelFn with the c4 packing and
// k_round 64 (KernelIsa::qs8_gemm_c4 at the avx512amx level).
void qs8_gemm_minmax_ukernel_32x32c4__amx(size_t mr, size_t nc, size_t kc, const int8_t* a, size_t a_stride,
                                          const void* w, int8_t* c, size_t c_stride, const QS8ConvParams* params);
// kernels/x86/qs8_dot4_16x4c4_minmax_avx512vnni.cc: QS8Dot4UkernelFn, A offset 128.
void qs8_dot4_minmax_ukernel_16x4c4__avx512vnni(size_t rows, size_t n, size_t kc, const int8_t* a, size_t a_stride,
                                               const void* w, int8_t* c, size_t c_stride,
                                               const QS8ConvParams* params);
// kernels/x86/qs8_dot4_8x4c2_minmax_avx2.cc: QS8Dot4UkernelFn, A offset 0.
void qs8_dot4_minmax_ukernel_8x4c2__avx2(size_t rows, size_t n, size_t kc, const int8_t* a, size_t a_stride,
                                         const void* w, int8_t* c, size_t c_stride, const QS8ConvParams* params);
// kernels/x86/q{s,u}8_gsum_c16_avx2.cc: QS8GSumUkernelFn / QU8GSumUkernelFn.
void qs8_gsum_ukernel_c16__avx2(size_t pixels, size_t channels, const int8_t* input, size_t pixel_stride,
                                int32_t* sums);
void qu8_gsum_ukernel_c16__avx2(size_t pixels, size_t channels, const uint8_t* input, size_t pixel_stride,
                                int32_t* sums);
// Releases the calling thread's AMX tiles, which the GEMM above leaves
// configured between calls (KernelIsa::qs8_gemm_release).
void qs8_gemm_release__amx();
// Block-sparse int8 GEMM, 8 rows x blocks of 16 columns, K in the stored
// quads, AVX-512 VNNI. Contract: QS8GemmUkernelFn with the sparse c4 packing
// (KernelIsa::qs8_spmm, a_offset 128).
void qs8_spmm_minmax_ukernel_8x16c4__avx512vnni(size_t mr, size_t nc, size_t kc, const int8_t* a, size_t a_stride,
                                                const void* w, int8_t* c, size_t c_stride,
                                                const QS8ConvParams* params);

// QS8 depthwise convolution, channel tile 16, taps in pairs. Contract:
// QS8DwconvUkernelFn; the packed group holds channels in the order
// kQS8DwconvC16Avx2Order (channel j at position order[j]): 0-3, 8-11, 4-7, 12-15.
extern const uint8_t kQS8DwconvC16Avx2Order[16];
void qs8_dwconv_minmax_ukernel_c16__avx2(size_t pixels, size_t channels, size_t taps, const int8_t* const* input,
                                         const void* w, int8_t* output, const QS8ConvParams* params);

// QS8 depthwise convolution, channel tile 16, one tap per weight word
// (_mm256_dpwssd_epi32 on sign-extended bytes), AVX-512 VNNI with BW and VL.
// Contract: QS8DwconvUkernelFn with single_taps; the packed group holds channel
// j at position kQS8DwconvC16ParityOrder[j]: even channels at 0-7, odd at 8-15.
extern const uint8_t kQS8DwconvC16ParityOrder[16];
void qs8_dwconv_minmax_ukernel_c16__avx512vnni(size_t pixels, size_t channels, size_t taps,
                                               const int8_t* const* input, const void* w, int8_t* output,
                                               const QS8ConvParams* params);
// kernels/x86/qs8_dwconv_c16t4_minmax_avx512vbmi.cc: contract QS8DwconvUkernelFn
// with KernelIsa::qs8_dwconv_quads' packing (16 channels, a_offset 128).
void qs8_dwconv_minmax_ukernel_c16t4__avx512vbmi(size_t pixels, size_t channels, size_t taps,
                                                 const int8_t* const* input, const void* w, int8_t* output,
                                                 const QS8ConvParams* params);

// Elementwise kernels, 16 floats per step and a masked tail (any n >= 0).
// Contract: F32VUnaryUkernelFn; the transcendental ones state their measured
// error bound in their files.
void f32_vclamp_ukernel_x16__avx2(size_t n, const float* x, float* y, const F32UnaryParams* params);
void f32_vlrelu_ukernel_x16__avx2(size_t n, const float* x, float* y, const F32UnaryParams* params);
void f32_vhswish_ukernel_x16__avx2(size_t n, const float* x, float* y, const F32UnaryParams* params);
void f32_vexp_ukernel_x16__fma3(size_t n, const float* x, float* y, const F32UnaryParams* params);
void f32_vsigmoid_ukernel_x16__fma3(size_t n, const float* x, float* y, const F32UnaryParams* params);
void f32_vtanh_ukernel_x16__fma3(size_t n, const float* x, float* y, const F32UnaryParams* params);
void f32_vgelu_ukernel_x16__fma3(size_t n, const float* x, float* y, const F32UnaryParams* params);
void f32_vgelutanh_ukernel_x16__fma3(size_t n, const float* x, float* y, const F32UnaryParams* params);

// Contract: F32VBinaryUkernelFn (vop, vopc, vropc; ADD and MUL use vopc for vropc).
void f32_vadd_minmax_ukernel_x16__avx2(size_t n, const float* a, const float* b, float* y,
                                        const F32MinMaxParams* params);
void f32_vaddc_minmax_ukernel_x16__avx2(size_t n, const float* a, const float* b, float* y,
                                        const F32MinMaxParams* params);
void f32_vsub_minmax_ukernel_x16__avx2(size_t n, const float* a, const float* b, float* y,
                                        const F32MinMaxParams* params);
void f32_vsubc_minmax_ukernel_x16__avx2(size_t n, const float* a, const float* b, float* y,
                                        const F32MinMaxParams* params);
void f32_vrsubc_minmax_ukernel_x16__avx2(size_t n, const float* a, const float* b, float* y,
                                        const F32MinMaxParams* params);
void f32_vmul_minmax_ukernel_x16__avx2(size_t n, const float* a, const float* b, float* y,
                                        const F32MinMaxParams* params);
void f32_vmulc_minmax_ukernel_x16__avx2(size_t n, const float* a, const float* b, float* y,
                                        const F32MinMaxParams* params);
void f32_vdiv_minmax_ukernel_x16__avx2(size_t n, const float* a, const float* b, float* y,
                                        const F32MinMaxParams* params);
void f32_vdivc_minmax_ukernel_x16__avx2(size_t n, const float* a, const float* b, float* y,
                                        const F32MinMaxParams* params);
void f32_vrdivc_minmax_ukernel_x16__avx2(size_t n, const float* a, const float* b, float* y,
                                        const F32MinMaxParams* params);
void f32_vmax_minmax_ukernel_x16__avx2(size_t n, const float* a, const float* b, float* y,
                                        const F32MinMaxParams* params);
void f32_vmaxc_minmax_ukernel_x16__avx2(size_t n, const float* a, const float* b, float* y,
                                        const F32MinMaxParams* params);
void f32_vrmaxc_minmax_ukernel_x16__avx2(size_t n, const float* a, const float* b, float* y,
                                        const F32MinMaxParams* params);
void f32_vmin_minmax_ukernel_x16__avx2(size_t n, const float* a, const float* b, float* y,
                                        const F32MinMaxParams* params);
void f32_vminc_minmax_ukernel_x16__avx2(size_t n, const float* a, const float* b, float* y,
                                        const F32MinMaxParams* params);
void f32_vrminc_minmax_ukernel_x16__avx2(size_t n, const float* a, const float* b, float* y,
                                        const F32MinMaxParams* params);

// Pooling (contracts F32MaxPoolUkernelFn, F32AvgPoolUkernelFn,
// F32GAvgPoolUkernelFn) and bilinear resizing (F32IBilinearUkernelFn): exact
// reference arithmetic, vectorized over channels with a masked tail.
void f32_maxpool_minmax_ukernel_c16__avx2(size_t rows, size_t cols, size_t channels, const float* input,
                                          size_t row_stride, float* output, const F32MinMaxParams* params);
void f32_avgpool_minmax_ukernel_c16__avx2(size_t rows, size_t cols, size_t channels, const float* input,
                                          size_t row_stride, float divisor, float* output,
                                          const F32MinMaxParams* params);
void f32_gavgpool_f64acc_ukernel_c8__avx2(size_t pixels, size_t channels, const float* input, size_t pixel_stride,
                                          float* output);
void f32_ibilinear_ukernel_c16__avx2(size_t pixels, size_t channels, const float* top, const float* bottom,
                                     const int32_t* x_lo, const int32_t* x_hi, const float* dx, float dy,
                                     float* output);

// kernels/x86/qs8_vadd_minmax_avx2.cc
void qs8_vadd_minmax_ukernel_x16__avx2(size_t n, const int8_t* a, const int8_t* b, int8_t* y,
                                       const QS8AddParams* params);

// kernels/x86/qs8_vadd_f32_x16_minmax_avx2.cc (QS8VAddF32UkernelFn) and
// kernels/x86/qs8_vadd_f64_x16_minmax_avx2.cc (QS8VAddF64UkernelFn)
void qs8_vadd_minmax_f32_ukernel_x16__avx2(size_t n, const int8_t* a, const int8_t* b, int8_t* y,
                                           const QS8AddF32Params* params);
void qs8_vadd_minmax_f64_ukernel_x16__avx2(size_t n, const int8_t* a, const int8_t* b, int8_t* y,
                                           const QS8AddF64Params* params);

// Int8 ADD / SUB of a vector and a scalar, int8 MUL (QS8VAddUkernelFn,
// QS8VMulUkernelFn; the c kernels read b[0] only).
void qs8_vaddc_minmax_ukernel_x16__avx2(size_t n, const int8_t* a, const int8_t* b, int8_t* y,
                                        const QS8AddParams* params);
// int8 ADD / SUB and MUL with AVX-512 F (-mavx512f; the avx512 levels select them).
void qs8_vadd_minmax_ukernel_x16__avx512f(size_t n, const int8_t* a, const int8_t* b, int8_t* y,
                                          const QS8AddParams* params);
void qs8_vaddc_minmax_ukernel_x16__avx512f(size_t n, const int8_t* a, const int8_t* b, int8_t* y,
                                           const QS8AddParams* params);
// kernels/x86/qs8_vadd_f64_x16_minmax_avx512f.cc (QS8VAddF64UkernelFn)
void qs8_vadd_minmax_f64_ukernel_x16__avx512f(size_t n, const int8_t* a, const int8_t* b, int8_t* y,
                                              const QS8AddF64Params* params);
// kernels/x86/qs8_vadd_f32_x16_minmax_avx512f.cc (QS8VAddF32UkernelFn)
void qs8_vadd_minmax_f32_ukernel_x16__avx512f(size_t n, const int8_t* a, const int8_t* b, int8_t* y,
                                              const QS8AddF32Params* params);
void qs8_vmul_minmax_ukernel_x16__avx512f(size_t n, const int8_t* a, const int8_t* b, int8_t* y,
                                          const QS8MulParams* params);
void qs8_vmulc_minmax_ukernel_x16__avx512f(size_t n, const int8_t* a, const int8_t* b, int8_t* y,
                                           const QS8MulParams* params);
void qs8_vmul_minmax_ukernel_x16__avx2(size_t n, const int8_t* a, const int8_t* b, int8_t* y,
                                       const QS8MulParams* params);
void qs8_vmulc_minmax_ukernel_x16__avx2(size_t n, const int8_t* a, const int8_t* b, int8_t* y,
                                        const QS8MulParams* params);

// Row kernels (kernels/x86/f32_softmax_x8_fma3.cc, f32_layernorm_x8_avx2.cc).
void f32_softmax_ukernel_x8__fma3(size_t n, const float* x, float beta, float* y);
void f32_layernorm_ukernel_x8__avx2(size_t n, const float* x, const float* gamma, const float* beta, float epsilon,
                                    float* y);
// Quantized pooling, resizing and conversions (contracts in kernels/dispatch.h:
// QS8MaxPoolUkernelFn, QS8IBilinearUkernelFn, F32QS8VCvtUkernelFn,
// QS8F32VCvtUkernelFn, QS8AvgPoolUkernelFn and their uint8 twins); bit-identical to the reference
// kernels. The uint8 variants share the int8 files' code (kernels/x86/x8_*.h).
void qs8_maxpool_minmax_ukernel_c32__avx2(size_t rows, size_t cols, size_t channels, const int8_t* input,
                                          size_t row_stride, int8_t* output, const X8MinMaxParams* params);
void qu8_maxpool_minmax_ukernel_c32__avx2(size_t rows, size_t cols, size_t channels, const uint8_t* input,
                                          size_t row_stride, uint8_t* output, const X8MinMaxParams* params);
void qs8_ibilinear_ukernel_c16__avx2(size_t pixels, size_t channels, const int8_t* top, const int8_t* bottom,
                                     const int32_t* x_lo, const int32_t* x_hi, const float* dx, float dy,
                                     int8_t* output);
void qu8_ibilinear_ukernel_c16__avx2(size_t pixels, size_t channels, const uint8_t* top, const uint8_t* bottom,
                                     const int32_t* x_lo, const int32_t* x_hi, const float* dx, float dy,
                                     uint8_t* output);
void qs8_ibilinear_ukernel_c16__avx512f(size_t pixels, size_t channels, const int8_t* top, const int8_t* bottom,
                                        const int32_t* x_lo, const int32_t* x_hi, const float* dx, float dy,
                                        int8_t* output);
void qu8_ibilinear_ukernel_c16__avx512f(size_t pixels, size_t channels, const uint8_t* top, const uint8_t* bottom,
                                        const int32_t* x_lo, const int32_t* x_hi, const float* dx, float dy,
                                        uint8_t* output);
void f32_qs8_vcvt_ukernel_x16__avx2(size_t n, const float* x, int8_t* y, const F32QuantizeParams* params);
void f32_qu8_vcvt_ukernel_x16__avx2(size_t n, const float* x, uint8_t* y, const F32QuantizeParams* params);
void f32_qs8_vcvt_ukernel_x16__avx512f(size_t n, const float* x, int8_t* y, const F32QuantizeParams* params);
void f32_qu8_vcvt_ukernel_x16__avx512f(size_t n, const float* x, uint8_t* y, const F32QuantizeParams* params);
void qs8_f32_vcvt_ukernel_x16__avx2(size_t n, const int8_t* x, float* y, const X8DequantizeParams* params);
void qu8_f32_vcvt_ukernel_x16__avx2(size_t n, const uint8_t* x, float* y, const X8DequantizeParams* params);
void qs8_avgpool_minmax_ukernel_c16__avx2(size_t rows, size_t cols, size_t channels, const int8_t* input,
                                          size_t row_stride, int32_t bias, int32_t divisor, int8_t* output,
                                          const X8MinMaxParams* params);
void qu8_avgpool_minmax_ukernel_c16__avx2(size_t rows, size_t cols, size_t channels, const uint8_t* input,
                                          size_t row_stride, int32_t bias, int32_t divisor, uint8_t* output,
                                          const X8MinMaxParams* params);
// 256-entry byte table lookup, 32 bytes per step. Contract: X8LutUkernelFn.
void x8_lut_ukernel_x32__avx2(size_t n, const uint8_t* x, uint8_t* y, const uint8_t* table);

// X32Zip3UkernelFn (kernels/dispatch.h).
void x32_zip3_ukernel_x8__avx2(size_t n, const uint32_t* in, size_t plane_stride, uint32_t* out);
// kernels/x86/x8_zip3_x16_avx2.cc: X8Zip3UkernelFn.
void x8_zip3_ukernel_x16__avx2(size_t n, const uint8_t* in, size_t plane_stride, uint8_t* out);
// F32Dot4UkernelFn (kernels/dispatch.h).
void f32_dot4_minmax_ukernel_x16__avx512f(size_t rows, size_t n, size_t kc, const float* a, size_t a_stride,
                                          const float* w, float* c, size_t c_stride, const F32MinMaxParams* params);
// F32VAddRowsUkernelFn (kernels/dispatch.h).
void f32_vadd_rows_minmax_ukernel_x16__avx2(size_t rows, size_t n, const float* b, size_t b_stride, float c, float* y,
                                            size_t y_stride, const F32MinMaxParams* params);
// The same with AVX-512 VBMI (two VPERMI2B per 64 bytes); the avx512 levels use
// it on CPUs with VBMI.
void x8_lut_ukernel_x64__avx512vbmi(size_t n, const uint8_t* x, uint8_t* y, const uint8_t* table);

}  // namespace edgert
