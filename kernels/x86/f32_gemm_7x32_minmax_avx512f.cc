// f32 GEMM microkernel, 7x32 tile, AVX-512 F, broadcast A / packed B. It walks
// two adjacent NR = 16 panels of the packed B at once, so each A broadcast
// feeds 2 FMAs and 14 independent accumulators cover the FMA latency of two
// 512-bit FMA ports (one panel at a time, 7 chains reach at most 7/8 of it,
// and measured 55% of the peak on an Intel core with two ports, against 64-72%
// for this walk). An odd last panel runs alone (7 accumulators). Contract:
// F32GemmUkernelFn (kernels/dispatch.h) with NR = 16 packing, as the AVX2
// kernels. Compiled with -mavx2 -mfma -mavx512f.
#include <immintrin.h>

#include "kernels/x86/f32_store_avx512.h"
#include "kernels/x86/ukernels.h"

namespace edgert {

using x86_f32::ClampStoreRow16;

void f32_gemm_minmax_ukernel_7x32__avx512f(size_t mr, size_t nc, size_t kc, const float* a, size_t a_stride,
                                           const float* w, float* c, size_t c_stride, const F32MinMaxParams* params) {
  // Rows past mr alias the previous row: they compute and store the same values.
  const float* ar[7];
  float* cr[7];
  ar[0] = a;
  cr[0] = c;
  for (size_t i = 1; i < 7; ++i) {
    ar[i] = mr > i ? ar[i - 1] + a_stride : ar[i - 1];
    cr[i] = mr > i ? cr[i - 1] + c_stride : cr[i - 1];
  }
  const float *a0 = ar[0], *a1 = ar[1], *a2 = ar[2], *a3 = ar[3], *a4 = ar[4], *a5 = ar[5], *a6 = ar[6];
  const __m512 vmin = _mm512_set1_ps(params->min);
  const __m512 vmax = _mm512_set1_ps(params->max);
  const size_t panel = (kc + 1) * 16;

  size_t n0 = 0;
  for (; n0 + 16 < nc; n0 += 32, w += 2 * panel) {
    const float* wa = w;
    const float* wb = w + panel;
    __m512 x0 = _mm512_loadu_ps(wa), y0 = _mm512_loadu_ps(wb);
    __m512 x1 = x0, x2 = x0, x3 = x0, x4 = x0, x5 = x0, x6 = x0;
    __m512 y1 = y0, y2 = y0, y3 = y0, y4 = y0, y5 = y0, y6 = y0;
    wa += 16;
    wb += 16;
    for (size_t k = 0; k < kc; ++k, wa += 16, wb += 16) {
      const __m512 ba = _mm512_loadu_ps(wa);
      const __m512 bb = _mm512_loadu_ps(wb);
      __m512 v = _mm512_set1_ps(a0[k]);
      x0 = _mm512_fmadd_ps(v, ba, x0);
      y0 = _mm512_fmadd_ps(v, bb, y0);
      v = _mm512_set1_ps(a1[k]);
      x1 = _mm512_fmadd_ps(v, ba, x1);
      y1 = _mm512_fmadd_ps(v, bb, y1);
      v = _mm512_set1_ps(a2[k]);
      x2 = _mm512_fmadd_ps(v, ba, x2);
      y2 = _mm512_fmadd_ps(v, bb, y2);
      v = _mm512_set1_ps(a3[k]);
      x3 = _mm512_fmadd_ps(v, ba, x3);
      y3 = _mm512_fmadd_ps(v, bb, y3);
      v = _mm512_set1_ps(a4[k]);
      x4 = _mm512_fmadd_ps(v, ba, x4);
      y4 = _mm512_fmadd_ps(v, bb, y4);
      v = _mm512_set1_ps(a5[k]);
      x5 = _mm512_fmadd_ps(v, ba, x5);
      y5 = _mm512_fmadd_ps(v, bb, y5);
      v = _mm512_set1_ps(a6[k]);
      x6 = _mm512_fmadd_ps(v, ba, x6);
      y6 = _mm512_fmadd_ps(v, bb, y6);
    }
    const size_t n = nc - n0 - 16;  // columns of the second panel, >= 1
    // Highest row first, so that aliased rows end with the lowest row's (identical) values.
    ClampStoreRow16(cr[6] + n0, x6, vmin, vmax, 16);
    ClampStoreRow16(cr[6] + n0 + 16, y6, vmin, vmax, n);
    ClampStoreRow16(cr[5] + n0, x5, vmin, vmax, 16);
    ClampStoreRow16(cr[5] + n0 + 16, y5, vmin, vmax, n);
    ClampStoreRow16(cr[4] + n0, x4, vmin, vmax, 16);
    ClampStoreRow16(cr[4] + n0 + 16, y4, vmin, vmax, n);
    ClampStoreRow16(cr[3] + n0, x3, vmin, vmax, 16);
    ClampStoreRow16(cr[3] + n0 + 16, y3, vmin, vmax, n);
    ClampStoreRow16(cr[2] + n0, x2, vmin, vmax, 16);
    ClampStoreRow16(cr[2] + n0 + 16, y2, vmin, vmax, n);
    ClampStoreRow16(cr[1] + n0, x1, vmin, vmax, 16);
    ClampStoreRow16(cr[1] + n0 + 16, y1, vmin, vmax, n);
    ClampStoreRow16(cr[0] + n0, x0, vmin, vmax, 16);
    ClampStoreRow16(cr[0] + n0 + 16, y0, vmin, vmax, n);
  }
  if (n0 < nc) {  // one panel of 1..16 columns left
    __m512 x0 = _mm512_loadu_ps(w);
    __m512 x1 = x0, x2 = x0, x3 = x0, x4 = x0, x5 = x0, x6 = x0;
    w += 16;
    for (size_t k = 0; k < kc; ++k, w += 16) {
      const __m512 b = _mm512_loadu_ps(w);
      x0 = _mm512_fmadd_ps(_mm512_set1_ps(a0[k]), b, x0);
      x1 = _mm512_fmadd_ps(_mm512_set1_ps(a1[k]), b, x1);
      x2 = _mm512_fmadd_ps(_mm512_set1_ps(a2[k]), b, x2);
      x3 = _mm512_fmadd_ps(_mm512_set1_ps(a3[k]), b, x3);
      x4 = _mm512_fmadd_ps(_mm512_set1_ps(a4[k]), b, x4);
      x5 = _mm512_fmadd_ps(_mm512_set1_ps(a5[k]), b, x5);
      x6 = _mm512_fmadd_ps(_mm512_set1_ps(a6[k]), b, x6);
    }
    const size_t n = nc - n0;
    ClampStoreRow16(cr[6] + n0, x6, vmin, vmax, n);
    ClampStoreRow16(cr[5] + n0, x5, vmin, vmax, n);
    ClampStoreRow16(cr[4] + n0, x4, vmin, vmax, n);
    ClampStoreRow16(cr[3] + n0, x3, vmin, vmax, n);
    ClampStoreRow16(cr[2] + n0, x2, vmin, vmax, n);
    ClampStoreRow16(cr[1] + n0, x1, vmin, vmax, n);
    ClampStoreRow16(cr[0] + n0, x0, vmin, vmax, n);
  }
}

}  // namespace edgert
