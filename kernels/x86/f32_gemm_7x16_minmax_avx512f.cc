// f32 GEMM microkernel, 7x16 tile, AVX-512 F, broadcast A / packed B: one
// 16-float B row feeds 7 FMAs (the 4x16 AVX2 kernel needs 2 B loads per 8
// 8-lane FMAs), and the 7 independent accumulators cover the FMA latency.
// Contract: F32GemmUkernelFn (kernels/dispatch.h), the same NR = 16 packing
// as the AVX2 kernels. Compiled with -mavx2 -mfma -mavx512f.
#include <immintrin.h>

#include "kernels/x86/f32_store_avx512.h"
#include "kernels/x86/ukernels.h"

namespace edgert {

using x86_f32::ClampStoreRow16;

void f32_gemm_minmax_ukernel_7x16__avx512f(size_t mr, size_t nc, size_t kc, const float* a, size_t a_stride,
                                           const float* w, float* c, size_t c_stride, const F32MinMaxParams* params) {
  // Rows past mr alias the previous row: they compute and store the same values.
  const float* a0 = a;
  float* c0 = c;
  const float* a1 = mr > 1 ? a0 + a_stride : a0;
  float* c1 = mr > 1 ? c0 + c_stride : c0;
  const float* a2 = mr > 2 ? a1 + a_stride : a1;
  float* c2 = mr > 2 ? c1 + c_stride : c1;
  const float* a3 = mr > 3 ? a2 + a_stride : a2;
  float* c3 = mr > 3 ? c2 + c_stride : c2;
  const float* a4 = mr > 4 ? a3 + a_stride : a3;
  float* c4 = mr > 4 ? c3 + c_stride : c3;
  const float* a5 = mr > 5 ? a4 + a_stride : a4;
  float* c5 = mr > 5 ? c4 + c_stride : c4;
  const float* a6 = mr > 6 ? a5 + a_stride : a5;
  float* c6 = mr > 6 ? c5 + c_stride : c5;
  const __m512 vmin = _mm512_set1_ps(params->min);
  const __m512 vmax = _mm512_set1_ps(params->max);

  for (size_t n0 = 0; n0 < nc; n0 += 16) {
    __m512 acc0 = _mm512_loadu_ps(w);
    __m512 acc1 = acc0, acc2 = acc0, acc3 = acc0, acc4 = acc0, acc5 = acc0, acc6 = acc0;
    w += 16;
    for (size_t k = 0; k < kc; ++k, w += 16) {
      const __m512 b = _mm512_loadu_ps(w);
      acc0 = _mm512_fmadd_ps(_mm512_set1_ps(a0[k]), b, acc0);
      acc1 = _mm512_fmadd_ps(_mm512_set1_ps(a1[k]), b, acc1);
      acc2 = _mm512_fmadd_ps(_mm512_set1_ps(a2[k]), b, acc2);
      acc3 = _mm512_fmadd_ps(_mm512_set1_ps(a3[k]), b, acc3);
      acc4 = _mm512_fmadd_ps(_mm512_set1_ps(a4[k]), b, acc4);
      acc5 = _mm512_fmadd_ps(_mm512_set1_ps(a5[k]), b, acc5);
      acc6 = _mm512_fmadd_ps(_mm512_set1_ps(a6[k]), b, acc6);
    }
    const size_t n = nc - n0;
    // Highest row first, so that aliased rows end with the lowest row's (identical) values.
    ClampStoreRow16(c6 + n0, acc6, vmin, vmax, n);
    ClampStoreRow16(c5 + n0, acc5, vmin, vmax, n);
    ClampStoreRow16(c4 + n0, acc4, vmin, vmax, n);
    ClampStoreRow16(c3 + n0, acc3, vmin, vmax, n);
    ClampStoreRow16(c2 + n0, acc2, vmin, vmax, n);
    ClampStoreRow16(c1 + n0, acc1, vmin, vmax, n);
    ClampStoreRow16(c0 + n0, acc0, vmin, vmax, n);
  }
}

}  // namespace edgert
