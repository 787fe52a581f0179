// aarch64 microkernels (Advanced SIMD). Each is defined in the file of the
// same name; the *_neondot ones are compiled with the dot-product extension
// (-march=armv8.2-a+dotprod) and must be called only when the CPU has it
// (kernels/dispatch.h selects them). Contracts: F32GemmUkernelFn,
// F32IgemmUkernelFn, F32DwconvUkernelFn, QS8GemmUkernelFn and
// QS8DwconvUkernelFn in kernels/dispatch.h.
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

// f32 depthwise convolution, 16 channels per packed group (CT = 16), any
// number of taps. Contract: F32DwconvUkernelFn.
void f32_dwconv_minmax_ukernel_c16__neonfma(size_t pixels, size_t channels, size_t taps, const float* const* input,
                                            const float* w, float* output, const F32MinMaxParams* params);

// QS8 GEMM, MR = 4 rows, NR = 16 columns, K in pairs (c2): int8 A widened to
// int16 and multiply-accumulated with the int16 weight pairs into int32
// (exact). Contract: QS8GemmUkernelFn.
void qs8_gemm_minmax_ukernel_4x16c2__neon(size_t mr, size_t nc, size_t kc, const int8_t* a, size_t a_stride,
                                          const void* w, int8_t* c, size_t c_stride, const QS8ConvParams* params);

// QS8 GEMM, MR = 4 rows, NR = 16 columns, K in quads (c4), SDOT (signed bytes,
// exact int32). Contract: QS8GemmUkernelFn with the c4 packing and a_offset 0.
void qs8_gemm_minmax_ukernel_4x16c4__neondot(size_t mr, size_t nc, size_t kc, const int8_t* a, size_t a_stride,
                                             const void* w, int8_t* c, size_t c_stride, const QS8ConvParams* params);

// QS8 depthwise convolution, 16 channels per packed group (CT = 16), taps in
// int16 pairs, channels in the identity order (channel_order nullptr).
// Contract: QS8DwconvUkernelFn.
void qs8_dwconv_minmax_ukernel_c16__neon(size_t pixels, size_t channels, size_t taps, const int8_t* const* input,
                                         const void* w, int8_t* output, const QS8ConvParams* params);

}  // namespace edgert
