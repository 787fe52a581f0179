// f32 indirect GEMM microkernel (convolution without an im2col copy), 4x16
// tile, AVX2 + FMA3, broadcast A / packed B. Contract: F32IgemmUkernelFn
// (kernels/dispatch.h). The arithmetic per output is that of
// f32_gemm_minmax_ukernel_4x16__fma3 on the gathered patch: one FMA chain from
// the bias over K = taps * kc in order. Compiled with -mavx2 -mfma.
#include <immintrin.h>

#include "kernels/x86/f32_prefetch.h"
#include "kernels/x86/f32_store_avx.h"
#include "kernels/x86/ukernels.h"

namespace edgert {

using x86_f32::Clamp;
using x86_f32::StoreRow16;

void f32_igemm_minmax_ukernel_4x16__fma3(size_t mr, size_t nc, size_t kc, size_t taps, const float* const* a,
                                         const float* w, float* c, size_t c_stride, const F32MinMaxParams* params) {
  // Rows past mr alias the previous row: they compute and store the same values.
  float* c0 = c;
  float* c1 = mr > 1 ? c0 + c_stride : c0;
  float* c2 = mr > 2 ? c1 + c_stride : c1;
  float* c3 = mr > 3 ? c2 + c_stride : c2;
  const size_t r1 = mr > 1 ? 1 : 0, r2 = mr > 2 ? 2 : r1, r3 = mr > 3 ? 3 : r2;
  const __m256 vmin = _mm256_set1_ps(params->min);
  const __m256 vmax = _mm256_set1_ps(params->max);

  for (size_t n0 = 0; n0 < nc; n0 += 16) {
    __m256 acc0l = _mm256_loadu_ps(w), acc0h = _mm256_loadu_ps(w + 8);
    __m256 acc1l = acc0l, acc1h = acc0h, acc2l = acc0l, acc2h = acc0h, acc3l = acc0l, acc3h = acc0h;
    w += 16;
    const float* const* ap = a;
    for (size_t t = 0; t < taps; ++t, ap += 4) {
      const float* a0 = ap[0];
      const float* a1 = ap[r1];
      const float* a2 = ap[r2];
      const float* a3 = ap[r3];
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
    }
    const size_t n = nc - n0;
    // Highest row first, so that aliased rows end with the lowest row's (identical) values.
    StoreRow16(c3 + n0, Clamp(acc3l, vmin, vmax), Clamp(acc3h, vmin, vmax), n);
    StoreRow16(c2 + n0, Clamp(acc2l, vmin, vmax), Clamp(acc2h, vmin, vmax), n);
    StoreRow16(c1 + n0, Clamp(acc1l, vmin, vmax), Clamp(acc1h, vmin, vmax), n);
    StoreRow16(c0 + n0, Clamp(acc0l, vmin, vmax), Clamp(acc0h, vmin, vmax), n);
  }
}

}  // namespace edgert
