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

using x86_f32::FmaRows7x16;
using x86_f32::FmaRows7x32;
using x86_f32::InitRows7;
using x86_f32::kRows7;
using x86_f32::StoreRows7;

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
  const __m512 vmin = _mm512_set1_ps(params->min);
  const __m512 vmax = _mm512_set1_ps(params->max);
  const size_t panel = (kc + 1) * 16;

  size_t n0 = 0;
  for (; n0 + 16 < nc; n0 += 32, w += 2 * panel) {
    __m512 x[kRows7], y[kRows7];
    InitRows7(w, x);
    InitRows7(w + panel, y);
    const float* wa = w + 16;
    const float* wb = w + panel + 16;
    for (size_t k = 0; k < kc; ++k, wa += 16, wb += 16)
      FmaRows7x32(ar, k, _mm512_loadu_ps(wa), _mm512_loadu_ps(wb), x, y);
    StoreRows7(cr, n0, x, 16, vmin, vmax);
    StoreRows7(cr, n0 + 16, y, nc - n0 - 16 < 16 ? nc - n0 - 16 : 16, vmin, vmax);
  }
  if (n0 < nc) {  // one panel of 1..16 columns left
    __m512 x[kRows7];
    InitRows7(w, x);
    const float* wa = w + 16;
    for (size_t k = 0; k < kc; ++k, wa += 16) FmaRows7x16(ar, k, _mm512_loadu_ps(wa), x);
    StoreRows7(cr, n0, x, nc - n0, vmin, vmax);
  }
}

}  // namespace edgert
