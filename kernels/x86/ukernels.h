// x86-64 microkernels (AVX2 + FMA3). Each is defined in the file of the same
// name and compiled with -mavx2 -mfma; call them only when the CPU has both
// (kernels/dispatch.h selects them). Contracts: F32GemmUkernelFn and
// F32DwconvUkernelFn in kernels/dispatch.h.
#pragma once

#include <cstddef>

#include "kernels/dispatch.h"

namespace edgert {

// MR = 4 rows, NR = 16 columns per packed panel.
void f32_gemm_minmax_ukernel_4x16__fma3(size_t mr, size_t nc, size_t kc, const float* a, size_t a_stride,
                                        const float* w, float* c, size_t c_stride, const F32MinMaxParams* params);

// Channel tile 16 (tails of 8 and masked 1..7 channels), any number of taps.
void f32_dwconv_minmax_ukernel_c16__fma3(size_t pixels, size_t channels, size_t taps, const float* const* input,
                                         const float* w, float* output, const F32MinMaxParams* params);

}  // namespace edgert
