// f32 GEMM microkernel, 4x16 tile, AVX2 + FMA3, broadcast A / packed B.
// Contract: F32GemmUkernelFn (kernels/dispatch.h). Compiled with -mavx2 -mfma.
#include <immintrin.h>

#include "kernels/x86/f32_prefetch.h"
#include "kernels/x86/f32_store_avx.h"
#include "kernels/x86/ukernels.h"

namespace edgert {

using x86_f32::StoreRow16;

void f32_gemm_minmax_ukernel_4x16__fma3(size_t mr, size_t nc, size_t kc, const float* a, size_t a_stride,
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
  const __m256 vmin = _mm256_set1_ps(params->min);
  const __m256 vmax = _mm256_set1_ps(params->max);

  for (size_t n0 = 0; n0 < nc; n0 += 16) {
    __m256 acc0l = _mm256_loadu_ps(w), acc0h = _mm256_loadu_ps(w + 8);
    __m256 acc1l = acc0l, acc1h = acc0h, acc2l = acc0l, acc2h = acc0h, acc3l = acc0l, acc3h = acc0h;
    w += 16;
    for (size_t k = 0; k < kc; ++k) {
      x86_f32::PrefetchB(w);
      const __m256 bl = _mm256_loadu_ps(w), bh = _mm256_loadu_ps(w + 8);
      w += 16;
      const __m256 va0 = _mm256_broadcast_ss(a0 + k);
      const __m256 va1 = _mm256_broadcast_ss(a1 + k);
      const __m256 va2 = _mm256_broadcast_ss(a2 + k);
      const __m256 va3 = _mm256_broadcast_ss(a3 + k);
      acc0l = _mm256_fmadd_ps(va0, bl, acc0l);
      acc0h = _mm256_fmadd_ps(va0, bh, acc0h);
      acc1l = _mm256_fmadd_ps(va1, bl, acc1l);
      acc1h = _mm256_fmadd_ps(va1, bh, acc1h);
      acc2l = _mm256_fmadd_ps(va2, bl, acc2l);
      acc2h = _mm256_fmadd_ps(va2, bh, acc2h);
      acc3l = _mm256_fmadd_ps(va3, bl, acc3l);
      acc3h = _mm256_fmadd_ps(va3, bh, acc3h);
    }
    acc0l = _mm256_min_ps(_mm256_max_ps(acc0l, vmin), vmax);
    acc0h = _mm256_min_ps(_mm256_max_ps(acc0h, vmin), vmax);
    acc1l = _mm256_min_ps(_mm256_max_ps(acc1l, vmin), vmax);
    acc1h = _mm256_min_ps(_mm256_max_ps(acc1h, vmin), vmax);
    acc2l = _mm256_min_ps(_mm256_max_ps(acc2l, vmin), vmax);
    acc2h = _mm256_min_ps(_mm256_max_ps(acc2h, vmin), vmax);
    acc3l = _mm256_min_ps(_mm256_max_ps(acc3l, vmin), vmax);
    acc3h = _mm256_min_ps(_mm256_max_ps(acc3h, vmin), vmax);
    const size_t n = nc - n0;
    // Highest row first, so that aliased rows end with the lowest row's (identical) values.
    StoreRow16(c3 + n0, acc3l, acc3h, n);
    StoreRow16(c2 + n0, acc2l, acc2h, n);
    StoreRow16(c1 + n0, acc1l, acc1h, n);
    StoreRow16(c0 + n0, acc0l, acc0h, n);
  }
}

}  // namespace edgert
