// f32 GEMM microkernel, 7x32 tile, AVX-512 F, broadcast A / packed B. It walks
// two adjacent NR = 16 panels of the packed B at once, so each A broadcast
// feeds 2 FMAs and 14 independent accumulators cover the FMA latency of two
// 512-bit FMA ports (one panel at a time, 7 chains reach at most 7/8 of it,
// and measured 55% of the peak on an Intel core with two ports, against 64-72%
// for this walk). An odd last panel runs alone (7 accumulators). Contract:
// F32GemmUkernelFn (kernels/dispatch.h) with NR = 16 packing, as the AVX2
// kernels. Compiled with -mavx2 -mfma -mavx512f.
#include <immintrin.h>

#include "kernels/x86/f32_gemm_7x32_avx512.h"
#include "kernels/x86/ukernels.h"

namespace edgert {

using x86_f32::kRows7;
using x86_f32::Walk7x32;

void f32_gemm_minmax_ukernel_7x32__avx512f(size_t mr, size_t nc, size_t kc, const float* a, size_t a_stride,
                                           const float* w, float* c, size_t c_stride, const F32MinMaxParams* params) {
  // Rows past mr alias the previous row: they compute and store the same values.
  const float* ar[kRows7];
  float* cr[kRows7];
  ar[0] = a;
  cr[0] = c;
  for (size_t i = 1; i < kRows7; ++i) {
    ar[i] = mr > i ? ar[i - 1] + a_stride : ar[i - 1];
    cr[i] = mr > i ? cr[i - 1] + c_stride : cr[i - 1];
  }
  // One tap: the A rows themselves.
  auto rows = [&](size_t /*tap*/, const float** at) {
#pragma GCC unroll 7
    for (int i = 0; i < kRows7; ++i) at[i] = ar[i];
  };
  Walk7x32(nc, kc, 1, rows, w, cr, params);
}

}  // namespace edgert
