// aarch64 microkernels (Advanced SIMD). Each is defined in the file of the
// same name; the *_neondot ones are compiled with the dot-product extension
// (-march=armv8.2-a+dotprod), the *_neoni8mm ones also with the int8 matrix
// multiply extension (+i8mm), the *_neonfp16arith ones with half-precision
// arithmetic (-march=armv8.2-a+fp16), and must be called only when the CPU has them
// (kernels/dispatch.h selects them). Contracts: F32GemmUkernelFn,
// F32IgemmUkernelFn, F32DwconvUkernelFn, QS8GemmUkernelFn,
// QS8DwconvUkernelFn, F32VUnaryUkernelFn, F32VBinaryUkernelFn and the f32
// pooling ones in kernels/dispatch.h.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/dispatch.h"

namespace edgert {

// f32 GEMM, MR = 4 rows, NR = 16 columns per packed panel, fused multiply-add.
void f32_gemm_minmax_ukernel_4x16__neonfma(size_t mr, size_t nc, size_t kc, const float* a, size_t a_stride,
                                           const float* w, float* c, size_t c_stride, const F32MinMaxParams* params);
// MR = 1 (matrix-vector), the same NR = 16 panels.
void f32_gemm_minmax_ukernel_1x16__neonfma(size_t mr, size_t nc, size_t kc, const float* a, size_t a_stride,
                                           const float* w, float* c, size_t c_stride, const F32MinMaxParams* params);
// Indirect GEMM (convolution), MR = 4, the same NR = 16 panels. Contract:
// F32IgemmUkernelFn.
void f32_igemm_minmax_ukernel_4x16__neonfma(size_t mr, size_t nc, size_t kc, size_t taps, const float* const* a,
                                            const float* w, float* c, size_t c_stride,
                                            const F32MinMaxParams* params);

// Winograd transforms, 4 channels per step (a tail of 1..3). Contracts:
// F32WinogradInputUkernelFn, F32WinogradOutputUkernelFn (F(2x2, 3x3) and,
// with fused multiply-add, F(4x4, 3x3)).
void f32_winograd_input_ukernel_2x2_3x3_c4__neon(size_t channels, const float* const* input, float* output,
                                                 size_t output_stride);
void f32_winograd_output_minmax_ukernel_2x2_3x3_c4__neon(size_t channels, const float* input, size_t input_stride,
                                                         const float* bias, float* const* output,
                                                         const F32MinMaxParams* params);
// MR = 1 (matrix-vector), the same NR = 16 panels.
void f16_gemm_minmax_ukernel_1x16__neonfp16arith(size_t mr, size_t nc, size_t kc, const float* a, size_t a_stride,
                                                 const uint16_t* w, float* c, size_t c_stride,
                                                 const F32MinMaxParams* params);
// Indirect form (convolution), MR = 6, the same panels. Contract: F16IgemmUkernelFn.
void f16_igemm_minmax_ukernel_6x16__neonfp16arith(size_t mr, size_t nc, size_t kc, size_t taps, const float* const* a,
                                                  const uint16_t* w, float* c, size_t c_stride,
                                                  const F32MinMaxParams* params);
void f32_winograd_input_ukernel_4x4_3x3_c4__neonfma(size_t channels, const float* const* input, float* output,
                                                    size_t output_stride);
void f32_winograd_output_minmax_ukernel_4x4_3x3_c4__neonfma(size_t channels, const float* input,
                                                            size_t input_stride, const float* bias,
                                                            float* const* output, const F32MinMaxParams* params);

// f32 depthwise convolution, 16 channels per packed group (CT = 16), any
// number of taps. Contract: F32DwconvUkernelFn.
void f32_dwconv_minmax_ukernel_c16__neonfma(size_t pixels, size_t channels, size_t taps, const float* const* input,
                                            const float* w, float* output, const F32MinMaxParams* params);

// QS8 GEMM, MR = 4 rows, NR = 16 columns, K in pairs (c2): int8 A widened to
// int16 and multiply-accumulated with the int16 weight pairs into int32
// (exact). Contract: QS8GemmUkernelFn.
void qs8_gemm_minmax_ukernel_4x16c2__neon(size_t mr, size_t nc, size_t kc, const int8_t* a, size_t a_stride,
                                          const void* w, int8_t* c, size_t c_stride, const QS8ConvParams* params);

// QS8 GEMM, MR = 4 rows, NR = 16 columns, K in groups of 16 (c16): SMULL /
// SMLAL2 / SADALP, 16 multiply-adds per 3 instructions, for weights in
// [-127, 127]. Contract: QS8GemmUkernelFn with the c16 packing and a_offset 0.
void qs8_gemm_minmax_ukernel_4x16c16__neon(size_t mr, size_t nc, size_t kc, const int8_t* a, size_t a_stride,
                                           const void* w, int8_t* c, size_t c_stride, const QS8ConvParams* params);
// QS8 GEMM, MR = 4 rows, NR = 16 columns, K in quads (c4), SDOT (signed bytes,
// exact int32). Contract: QS8GemmUkernelFn with the c4 packing and a_offset 0.
void qs8_gemm_minmax_ukernel_4x16c4__neondot(size_t mr, size_t nc, size_t kc, const int8_t* a, size_t a_stride,
                                             const void* w, int8_t* c, size_t c_stride, const QS8ConvParams* params);
// Block-sparse int8 GEMM, 4 rows x blocks of 16 columns, K in the stored
// quads, with SDOT. Contract: QS8GemmUkernelFn with the sparse c4 packing
// (KernelIsa::qs8_spmm, a_offset 0).
void qs8_spmm_minmax_ukernel_4x16c4__neondot(size_t mr, size_t nc, size_t kc, const int8_t* a, size_t a_stride,
                                             const void* w, int8_t* c, size_t c_stride,
                                             const QS8ConvParams* params);

// QS8 depthwise convolution, 16 channels per packed group, four taps per SDOT
// (the tap-quad packing, a_offset 0). Contract: QS8DwconvUkernelFn with
// KernelIsa::qs8_dwconv_quads' packing.
void qs8_dwconv_minmax_ukernel_c16t4__neondot(size_t pixels, size_t channels, size_t taps,
                                              const int8_t* const* input, const void* w, int8_t* output,
                                              const QS8ConvParams* params);
// QS8 GEMM, MR = 4 rows, NR = 16 columns, K in groups of 8 (c8), SMMLA (int8
// matrix multiply, FEAT_I8MM; signed bytes, exact int32). Contract:
// QS8GemmUkernelFn with the c8 packing and a_offset 0.
void qs8_gemm_minmax_ukernel_4x16c8__neoni8mm(size_t mr, size_t nc, size_t kc, const int8_t* a, size_t a_stride,
                                              const void* w, int8_t* c, size_t c_stride, const QS8ConvParams* params);

// f16 GEMM of f32 rows, MR = 6, NR = 16, half-precision multiply-add
// (FEAT_FP16): A rounded to f16 as read, f16 accumulators, f32 output.
// Contract: F16GemmUkernelFn.
void f16_gemm_minmax_ukernel_6x16__neonfp16arith(size_t mr, size_t nc, size_t kc, const float* a, size_t a_stride,
                                                 const uint16_t* w, float* c, size_t c_stride,
                                                 const F32MinMaxParams* params);

// QS8 depthwise convolution, 16 channels per packed group (CT = 16), taps in
// int16 pairs, channels in the identity order (channel_order nullptr).
// Contract: QS8DwconvUkernelFn.
void qs8_dwconv_minmax_ukernel_c16__neon(size_t pixels, size_t channels, size_t taps, const int8_t* const* input,
                                         const void* w, int8_t* output, const QS8ConvParams* params);

// One-input f32 elementwise kernels, 16 floats per step, any n (no reads or
// writes past the arrays). Contract: F32VUnaryUkernelFn. clamp, lrelu and
// hswish use Advanced SIMD only; the transcendental ones (sigmoid, tanh, exp,
// gelu, gelu_tanh) also fused multiply-add (kernels/arm/neon_math.h); each
// file states its error bound.
void f32_vclamp_ukernel_x16__neon(size_t n, const float* x, float* y, const F32UnaryParams* params);
void f32_vlrelu_ukernel_x16__neon(size_t n, const float* x, float* y, const F32UnaryParams* params);
void f32_vhswish_ukernel_x16__neon(size_t n, const float* x, float* y, const F32UnaryParams* params);
void f32_vsigmoid_ukernel_x16__neonfma(size_t n, const float* x, float* y, const F32UnaryParams* params);
void f32_vtanh_ukernel_x16__neonfma(size_t n, const float* x, float* y, const F32UnaryParams* params);
void f32_vexp_ukernel_x16__neonfma(size_t n, const float* x, float* y, const F32UnaryParams* params);
void f32_vgelu_ukernel_x16__neonfma(size_t n, const float* x, float* y, const F32UnaryParams* params);
void f32_vgelutanh_ukernel_x16__neonfma(size_t n, const float* x, float* y, const F32UnaryParams* params);

// Binary f32 kernels with fused clamp: vop (both vectors), vopc (vector op
// b[0]) and vropc (b[0] op vector; ADD and MUL use vopc for it). Exact.
// Contract: F32VBinaryUkernelFn.
void f32_vadd_minmax_ukernel_x16__neon(size_t n, const float* a, const float* b, float* y,
                                       const F32MinMaxParams* params);
void f32_vaddc_minmax_ukernel_x16__neon(size_t n, const float* a, const float* b, float* y,
                                        const F32MinMaxParams* params);
void f32_vsub_minmax_ukernel_x16__neon(size_t n, const float* a, const float* b, float* y,
                                       const F32MinMaxParams* params);
void f32_vsubc_minmax_ukernel_x16__neon(size_t n, const float* a, const float* b, float* y,
                                        const F32MinMaxParams* params);
void f32_vrsubc_minmax_ukernel_x16__neon(size_t n, const float* a, const float* b, float* y,
                                         const F32MinMaxParams* params);
void f32_vmul_minmax_ukernel_x16__neon(size_t n, const float* a, const float* b, float* y,
                                       const F32MinMaxParams* params);
void f32_vmulc_minmax_ukernel_x16__neon(size_t n, const float* a, const float* b, float* y,
                                        const F32MinMaxParams* params);
void f32_vdiv_minmax_ukernel_x16__neon(size_t n, const float* a, const float* b, float* y,
                                       const F32MinMaxParams* params);
void f32_vdivc_minmax_ukernel_x16__neon(size_t n, const float* a, const float* b, float* y,
                                        const F32MinMaxParams* params);
void f32_vrdivc_minmax_ukernel_x16__neon(size_t n, const float* a, const float* b, float* y,
                                         const F32MinMaxParams* params);
void f32_vmax_minmax_ukernel_x16__neon(size_t n, const float* a, const float* b, float* y,
                                       const F32MinMaxParams* params);
void f32_vmaxc_minmax_ukernel_x16__neon(size_t n, const float* a, const float* b, float* y,
                                        const F32MinMaxParams* params);
void f32_vrmaxc_minmax_ukernel_x16__neon(size_t n, const float* a, const float* b, float* y,
                                         const F32MinMaxParams* params);
void f32_vmin_minmax_ukernel_x16__neon(size_t n, const float* a, const float* b, float* y,
                                       const F32MinMaxParams* params);
void f32_vminc_minmax_ukernel_x16__neon(size_t n, const float* a, const float* b, float* y,
                                        const F32MinMaxParams* params);
void f32_vrminc_minmax_ukernel_x16__neon(size_t n, const float* a, const float* b, float* y,
                                         const F32MinMaxParams* params);

// Pooling and resizing, bit-identical to the reference kernels (same
// arithmetic in the same order). Contracts: F32MaxPoolUkernelFn,
// F32AvgPoolUkernelFn, F32GAvgPoolUkernelFn (double accumulation) and
// F32IBilinearUkernelFn.
void f32_maxpool_minmax_ukernel_c16__neon(size_t rows, size_t cols, size_t channels, const float* input,
                                          size_t row_stride, float* output, const F32MinMaxParams* params);
void f32_avgpool_minmax_ukernel_c16__neon(size_t rows, size_t cols, size_t channels, const float* input,
                                          size_t row_stride, float divisor, float* output,
                                          const F32MinMaxParams* params);
void f32_gavgpool_f64acc_ukernel_c8__neon(size_t pixels, size_t channels, const float* input, size_t pixel_stride,
                                          float* output);
void f32_ibilinear_ukernel_c16__neon(size_t pixels, size_t channels, const float* top, const float* bottom,
                                     const int32_t* x_lo, const int32_t* x_hi, const float* dx, float dy,
                                     float* output);

// int8 ADD / SUB (same shape, and vector-scalar reading b[0]) and MUL with
// TFLite's fixed-point semantics, bit-exact. Contracts: QS8VAddUkernelFn,
// QS8VMulUkernelFn.
void qs8_vadd_minmax_ukernel_x16__neon(size_t n, const int8_t* a, const int8_t* b, int8_t* y,
                                       const QS8AddParams* params);
void qs8_vaddc_minmax_ukernel_x16__neon(size_t n, const int8_t* a, const int8_t* b, int8_t* y,
                                        const QS8AddParams* params);
// The same-shape int8 ADD / SUB in single precision, used where prepare found
// it exact for all 65536 input pairs. Contract: QS8VAddF32UkernelFn.
void qs8_vadd_minmax_f32_ukernel_x16__neon(size_t n, const int8_t* a, const int8_t* b, int8_t* y,
                                           const QS8AddF32Params* params);
void qs8_vmul_minmax_ukernel_x16__neon(size_t n, const int8_t* a, const int8_t* b, int8_t* y,
                                       const QS8MulParams* params);
void qs8_vmulc_minmax_ukernel_x16__neon(size_t n, const int8_t* a, const int8_t* b, int8_t* y,
                                        const QS8MulParams* params);

// 256-entry byte table lookup (TBL / TBX on four 64-byte quarters), 16 bytes
// per step. Contract: X8LutUkernelFn.
void x8_lut_ukernel_x16__neon(size_t n, const uint8_t* x, uint8_t* y, const uint8_t* table);

// SOFTMAX and LAYER_NORM of one contiguous row (F32SoftmaxUkernelFn,
// F32LayerNormUkernelFn; each file states its error bound).
void f32_softmax_ukernel_x4__neonfma(size_t n, const float* x, float beta, float* y);
void f32_layernorm_ukernel_x4__neon(size_t n, const float* x, const float* gamma, const float* beta, float epsilon,
                                    float* y);
// X32Zip3UkernelFn (kernels/dispatch.h).
void x32_zip3_ukernel_x4__neon(size_t n, const uint32_t* in, size_t plane_stride, uint32_t* out);
// kernels/arm/x8_zip3_x16_neon.cc: X8Zip3UkernelFn.
void x8_zip3_ukernel_x16__neon(size_t n, const uint8_t* in, size_t plane_stride, uint8_t* out);
// F32VAddRowsUkernelFn (kernels/dispatch.h).
void f32_vadd_rows_minmax_ukernel_x16__neon(size_t rows, size_t n, const float* b, size_t b_stride, float c, float* y,
                                            size_t y_stride, const F32MinMaxParams* params);

// Quantized (int8 "qs8", uint8 "qu8") pooling, resizing, conversions and
// block sums, bit-identical to the reference kernels. Contracts:
// QS8MaxPoolUkernelFn, QS8AvgPoolUkernelFn, QS8IBilinearUkernelFn,
// F32QS8VCvtUkernelFn, QS8F32VCvtUkernelFn, QS8GSumUkernelFn and their uint8
// twins (kernels/dispatch.h).
void qs8_maxpool_minmax_ukernel_c16__neon(size_t rows, size_t cols, size_t channels, const int8_t* input,
                                          size_t row_stride, int8_t* output, const X8MinMaxParams* params);
void qu8_maxpool_minmax_ukernel_c16__neon(size_t rows, size_t cols, size_t channels, const uint8_t* input,
                                          size_t row_stride, uint8_t* output, const X8MinMaxParams* params);
void qs8_avgpool_minmax_ukernel_c16__neon(size_t rows, size_t cols, size_t channels, const int8_t* input,
                                          size_t row_stride, int32_t bias, int32_t divisor, int8_t* output,
                                          const X8MinMaxParams* params);
void qu8_avgpool_minmax_ukernel_c16__neon(size_t rows, size_t cols, size_t channels, const uint8_t* input,
                                          size_t row_stride, int32_t bias, int32_t divisor, uint8_t* output,
                                          const X8MinMaxParams* params);
void qs8_ibilinear_ukernel_c16__neon(size_t pixels, size_t channels, const int8_t* top, const int8_t* bottom,
                                     const int32_t* x_lo, const int32_t* x_hi, const float* dx, float dy,
                                     int8_t* output);
void qu8_ibilinear_ukernel_c16__neon(size_t pixels, size_t channels, const uint8_t* top, const uint8_t* bottom,
                                     const int32_t* x_lo, const int32_t* x_hi, const float* dx, float dy,
                                     uint8_t* output);
void f32_qs8_vcvt_ukernel_x16__neon(size_t n, const float* x, int8_t* y, const F32QuantizeParams* params);
void f32_qu8_vcvt_ukernel_x16__neon(size_t n, const float* x, uint8_t* y, const F32QuantizeParams* params);
void qs8_f32_vcvt_ukernel_x8__neon(size_t n, const int8_t* x, float* y, const X8DequantizeParams* params);
void qu8_f32_vcvt_ukernel_x8__neon(size_t n, const uint8_t* x, float* y, const X8DequantizeParams* params);
void qs8_gsum_ukernel_c16__neon(size_t pixels, size_t channels, const int8_t* input, size_t pixel_stride,
                                int32_t* sums);
void qu8_gsum_ukernel_c16__neon(size_t pixels, size_t channels, const uint8_t* input, size_t pixel_stride,
                                int32_t* sums);

}  // namespace edgert
