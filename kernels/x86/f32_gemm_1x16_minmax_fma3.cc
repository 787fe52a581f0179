// f32 GEMM microkernel, 1x16 tile (one row: matrix-vector products), AVX2 +
// FMA3, broadcast A / packed B. Contract: F32GemmUkernelFn (kernels/dispatch.h)
// with mr = 1; same packed B as f32_gemm_minmax_ukernel_4x16__fma3.
// One row gives the 4x16 kernel's one accumulator chain per column group, so
// it waits on FMA latency; here the k steps rotate over four accumulator
// pairs (k mod 4), summed at the end as (s0 + s1) + (s2 + s3), the bias in s0.
// Compiled with -mavx2 -mfma.
#include <immintrin.h>

#include "kernels/x86/f32_prefetch.h"
#include "kernels/x86/f32_store_avx.h"
#include "kernels/x86/ukernels.h"

namespace edgert {

void f32_gemm_minmax_ukernel_1x16__fma3(size_t mr, size_t nc, size_t kc, const float* a, size_t a_stride,
                                        const float* w, float* c, size_t c_stride, const F32MinMaxParams* params) {
  (void)mr;  // always 1
  (void)a_stride;
  (void)c_stride;
  const __m256 vmin = _mm256_set1_ps(params->min);
  const __m256 vmax = _mm256_set1_ps(params->max);
  for (size_t n0 = 0; n0 < nc; n0 += 16) {
    __m256 s0l = _mm256_loadu_ps(w), s0h = _mm256_loadu_ps(w + 8);
    __m256 s1l = _mm256_setzero_ps(), s1h = _mm256_setzero_ps();
    __m256 s2l = _mm256_setzero_ps(), s2h = _mm256_setzero_ps();
    __m256 s3l = _mm256_setzero_ps(), s3h = _mm256_setzero_ps();
    w += 16;
    size_t k = 0;
    for (; k + 4 <= kc; k += 4, w += 64) {
      for (int row = 0; row < 4; ++row) x86_f32::PrefetchB(w + 16 * row);
      const __m256 va0 = _mm256_broadcast_ss(a + k);
      const __m256 va1 = _mm256_broadcast_ss(a + k + 1);
      const __m256 va2 = _mm256_broadcast_ss(a + k + 2);
      const __m256 va3 = _mm256_broadcast_ss(a + k + 3);
      s0l = _mm256_fmadd_ps(va0, _mm256_loadu_ps(w), s0l);
      s0h = _mm256_fmadd_ps(va0, _mm256_loadu_ps(w + 8), s0h);
      s1l = _mm256_fmadd_ps(va1, _mm256_loadu_ps(w + 16), s1l);
      s1h = _mm256_fmadd_ps(va1, _mm256_loadu_ps(w + 24), s1h);
      s2l = _mm256_fmadd_ps(va2, _mm256_loadu_ps(w + 32), s2l);
      s2h = _mm256_fmadd_ps(va2, _mm256_loadu_ps(w + 40), s2h);
      s3l = _mm256_fmadd_ps(va3, _mm256_loadu_ps(w + 48), s3l);
      s3h = _mm256_fmadd_ps(va3, _mm256_loadu_ps(w + 56), s3h);
    }
    // Tail steps keep the k mod 4 assignment.
    if (k < kc) {
      const __m256 va = _mm256_broadcast_ss(a + k);
      s0l = _mm256_fmadd_ps(va, _mm256_loadu_ps(w), s0l);
      s0h = _mm256_fmadd_ps(va, _mm256_loadu_ps(w + 8), s0h);
      w += 16;
      ++k;
    }
    if (k < kc) {
      const __m256 va = _mm256_broadcast_ss(a + k);
      s1l = _mm256_fmadd_ps(va, _mm256_loadu_ps(w), s1l);
      s1h = _mm256_fmadd_ps(va, _mm256_loadu_ps(w + 8), s1h);
      w += 16;
      ++k;
    }
    if (k < kc) {
      const __m256 va = _mm256_broadcast_ss(a + k);
      s2l = _mm256_fmadd_ps(va, _mm256_loadu_ps(w), s2l);
      s2h = _mm256_fmadd_ps(va, _mm256_loadu_ps(w + 8), s2h);
      w += 16;
    }
    __m256 lo = _mm256_add_ps(_mm256_add_ps(s0l, s1l), _mm256_add_ps(s2l, s3l));
    __m256 hi = _mm256_add_ps(_mm256_add_ps(s0h, s1h), _mm256_add_ps(s2h, s3h));
    lo = _mm256_min_ps(_mm256_max_ps(lo, vmin), vmax);
    hi = _mm256_min_ps(_mm256_max_ps(hi, vmin), vmax);
    const size_t n = nc - n0;
    x86_f32::StoreRow16(c + n0, lo, hi, n);
  }
}

}  // namespace edgert
