// f32 GEMM microkernel, 8x8 tile, AVX2 + FMA3, broadcast A / packed B, for
// outputs of at most 8 columns (KernelIsa::f32_gemm_nr8): there a 16-column
// panel does half of its multiply-adds on zero padding.
// Contract: F32GemmUkernelFn (kernels/dispatch.h) with NR = 8. Compiled with
// -mavx2 -mfma.
//
// Each k step is one 8-float B row and eight broadcast A values feeding eight
// FMAs, the same 16 multiply-adds per cycle as the 16-column kernels at full
// width on a core with two 256-bit FMA units.
#include <immintrin.h>

#include "kernels/x86/f32_store_avx.h"
#include "kernels/x86/ukernels.h"

namespace edgert {

void f32_gemm_minmax_ukernel_8x8__fma3(size_t mr, size_t nc, size_t kc, const float* a, size_t a_stride,
                                       const float* w, float* c, size_t c_stride, const F32MinMaxParams* params) {
  // Rows past mr alias the previous row: they compute and store the same values.
  const float* ap[8];
  float* cp[8];
  ap[0] = a;
  cp[0] = c;
  for (size_t i = 1; i < 8; ++i) {
    ap[i] = i < mr ? ap[i - 1] + a_stride : ap[i - 1];
    cp[i] = i < mr ? cp[i - 1] + c_stride : cp[i - 1];
  }
  const float *a0 = ap[0], *a1 = ap[1], *a2 = ap[2], *a3 = ap[3], *a4 = ap[4], *a5 = ap[5], *a6 = ap[6],
              *a7 = ap[7];
  const __m256 vmin = _mm256_set1_ps(params->min);
  const __m256 vmax = _mm256_set1_ps(params->max);

  for (size_t n0 = 0; n0 < nc; n0 += 8) {
    __m256 acc0 = _mm256_loadu_ps(w);
    __m256 acc1 = acc0, acc2 = acc0, acc3 = acc0, acc4 = acc0, acc5 = acc0, acc6 = acc0, acc7 = acc0;
    w += 8;
    for (size_t k = 0; k < kc; ++k, w += 8) {
      const __m256 b = _mm256_loadu_ps(w);
      acc0 = _mm256_fmadd_ps(_mm256_broadcast_ss(a0 + k), b, acc0);
      acc1 = _mm256_fmadd_ps(_mm256_broadcast_ss(a1 + k), b, acc1);
      acc2 = _mm256_fmadd_ps(_mm256_broadcast_ss(a2 + k), b, acc2);
      acc3 = _mm256_fmadd_ps(_mm256_broadcast_ss(a3 + k), b, acc3);
      acc4 = _mm256_fmadd_ps(_mm256_broadcast_ss(a4 + k), b, acc4);
      acc5 = _mm256_fmadd_ps(_mm256_broadcast_ss(a5 + k), b, acc5);
      acc6 = _mm256_fmadd_ps(_mm256_broadcast_ss(a6 + k), b, acc6);
      acc7 = _mm256_fmadd_ps(_mm256_broadcast_ss(a7 + k), b, acc7);
    }
    const __m256 y[8] = {x86_f32::Clamp(acc0, vmin, vmax), x86_f32::Clamp(acc1, vmin, vmax),
                         x86_f32::Clamp(acc2, vmin, vmax), x86_f32::Clamp(acc3, vmin, vmax),
                         x86_f32::Clamp(acc4, vmin, vmax), x86_f32::Clamp(acc5, vmin, vmax),
                         x86_f32::Clamp(acc6, vmin, vmax), x86_f32::Clamp(acc7, vmin, vmax)};
    const size_t n = nc - n0;
    // Highest row first, so that aliased rows end with the lowest row's (identical) values.
    for (int i = 7; i >= 0; --i) {
      if (n >= 8)
        _mm256_storeu_ps(cp[i] + n0, y[i]);
      else
        x86_f32::StorePartial8(cp[i] + n0, y[i], n);
    }
  }
}

}  // namespace edgert
