// f32 indirect GEMM microkernel (convolution without an im2col copy), 7x32
// tile, AVX-512 F: f32_gemm_minmax_ukernel_7x32__avx512f's two-panel walk
// (14 accumulators, each A broadcast feeding 2 FMAs) over the taps' row
// pointers. An odd last panel runs alone. Per output the arithmetic is that of
// the GEMM kernel on the gathered patch: one FMA chain from the bias over
// K = taps * kc in order. Contract: F32IgemmUkernelFn (kernels/dispatch.h)
// with NR = 16 packing. Compiled with -mavx2 -mfma -mavx512f.
#include <immintrin.h>

#include "kernels/x86/f32_gemm_7x32_avx512.h"
#include "kernels/x86/ukernels.h"

namespace edgert {

using x86_f32::FmaRows7x16;
using x86_f32::FmaRows7x32;
using x86_f32::InitRows7;
using x86_f32::kRows7;
using x86_f32::StoreRows7;

void f32_igemm_minmax_ukernel_7x32__avx512f(size_t mr, size_t nc, size_t kc, size_t taps, const float* const* a,
                                            const float* w, float* c, size_t c_stride,
                                            const F32MinMaxParams* params) {
  // Rows past mr alias the previous row: they compute and store the same values.
  float* cr[kRows7];
  size_t r[kRows7];
  cr[0] = c;
  r[0] = 0;
  for (size_t i = 1; i < kRows7; ++i) {
    cr[i] = mr > i ? cr[i - 1] + c_stride : cr[i - 1];
    r[i] = mr > i ? i : r[i - 1];
  }
  const __m512 vmin = _mm512_set1_ps(params->min);
  const __m512 vmax = _mm512_set1_ps(params->max);
  const size_t panel = (taps * kc + 1) * 16;
  // The 7 row pointers of one tap (group ap of the indirection buffer).
  auto tap_rows = [&](const float* const* ap, const float** at) {
#pragma GCC unroll 7
    for (int i = 0; i < kRows7; ++i) at[i] = ap[r[i]];
  };

  size_t n0 = 0;
  for (; n0 + 16 < nc; n0 += 32, w += 2 * panel) {
    __m512 x[kRows7], y[kRows7];
    InitRows7(w, x);
    InitRows7(w + panel, y);
    const float* wa = w + 16;
    const float* wb = w + panel + 16;
    const float* const* ap = a;
    for (size_t t = 0; t < taps; ++t, ap += kRows7) {
      const float* at[kRows7];
      tap_rows(ap, at);
      for (size_t k = 0; k < kc; ++k, wa += 16, wb += 16)
        FmaRows7x32(at, k, _mm512_loadu_ps(wa), _mm512_loadu_ps(wb), x, y);
    }
    StoreRows7(cr, n0, x, 16, vmin, vmax);
    StoreRows7(cr, n0 + 16, y, nc - n0 - 16 < 16 ? nc - n0 - 16 : 16, vmin, vmax);
  }
  if (n0 < nc) {  // one panel of 1..16 columns left
    __m512 x[kRows7];
    InitRows7(w, x);
    const float* wa = w + 16;
    const float* const* ap = a;
    for (size_t t = 0; t < taps; ++t, ap += kRows7) {
      const float* at[kRows7];
      tap_rows(ap, at);
      for (size_t k = 0; k < kc; ++k, wa += 16) FmaRows7x16(at, k, _mm512_loadu_ps(wa), x);
    }
    StoreRows7(cr, n0, x, nc - n0, vmin, vmax);
  }
}

}  // namespace edgert
