// Up to 4 dot products per row of A, 16 lanes of partial sums per product
// (the last 1..15 values of a row by a masked load), AVX-512 F. Contract:
// F32Dot4UkernelFn (kernels/dispatch.h). For products with 1-4 columns (a
// 2x2 stride-2 TRANSPOSE_CONV to one channel: 4 taps per input pixel), where
// a GEMM microkernel would fill 4 of 16 lanes: here all 16 lanes hold partial
// sums of the row, and one reduction tree turns the 4 products' vectors into
// their 4 sums: quarters added across the products (shuffle_f32x4), then
// within each 128-bit lane. Compiled with -mavx512f.
#include <immintrin.h>

#include "kernels/x86/ukernels.h"

namespace edgert {

void f32_dot4_minmax_ukernel_x16__avx512f(size_t rows, size_t n, size_t kc, const float* a, size_t a_stride,
                                          const float* w, float* c, size_t c_stride, const F32MinMaxParams* params) {
  const size_t kc16 = (kc + 15) / 16 * 16;
  const float* w0 = w + 4;
  const float* w1 = w0 + kc16;
  const float* w2 = w1 + kc16;
  const float* w3 = w2 + kc16;
  const __m128 bias = _mm_loadu_ps(w);
  const __m128 vmin = _mm_set1_ps(params->min), vmax = _mm_set1_ps(params->max);
  const __mmask16 store = static_cast<__mmask16>((1u << n) - 1);
  for (size_t m = 0; m < rows; ++m, a += a_stride, c += c_stride) {
    __m512 v0 = _mm512_setzero_ps(), v1 = v0, v2 = v0, v3 = v0;
    size_t k = 0;
    for (; k + 16 <= kc; k += 16) {
      const __m512 x = _mm512_loadu_ps(a + k);
      v0 = _mm512_fmadd_ps(x, _mm512_loadu_ps(w0 + k), v0);
      v1 = _mm512_fmadd_ps(x, _mm512_loadu_ps(w1 + k), v1);
      v2 = _mm512_fmadd_ps(x, _mm512_loadu_ps(w2 + k), v2);
      v3 = _mm512_fmadd_ps(x, _mm512_loadu_ps(w3 + k), v3);
    }
    if (k < kc) {
      const __m512 x = _mm512_maskz_loadu_ps(static_cast<__mmask16>((1u << (kc - k)) - 1), a + k);
      v0 = _mm512_fmadd_ps(x, _mm512_loadu_ps(w0 + k), v0);
      v1 = _mm512_fmadd_ps(x, _mm512_loadu_ps(w1 + k), v1);
      v2 = _mm512_fmadd_ps(x, _mm512_loadu_ps(w2 + k), v2);
      v3 = _mm512_fmadd_ps(x, _mm512_loadu_ps(w3 + k), v3);
    }
    // Quarters q0 + q2 and q1 + q3 of v0 and v1 (t01), of v2 and v3 (t23).
    const __m512 t01 = _mm512_add_ps(_mm512_shuffle_f32x4(v0, v1, 0x44), _mm512_shuffle_f32x4(v0, v1, 0xEE));
    const __m512 t23 = _mm512_add_ps(_mm512_shuffle_f32x4(v2, v3, 0x44), _mm512_shuffle_f32x4(v2, v3, 0xEE));
    // Quarter j: the 4 lane sums of product j.
    const __m512 u = _mm512_add_ps(_mm512_shuffle_f32x4(t01, t23, 0x88), _mm512_shuffle_f32x4(t01, t23, 0xDD));
    // Within each quarter: lanes 0 + 2, 1 + 3, then their sum in lane 0.
    const __m512 s2 = _mm512_add_ps(u, _mm512_permute_ps(u, 0x4E));
    const __m512 s1 = _mm512_add_ps(s2, _mm512_permute_ps(s2, 0xB1));
    // Lane 0 of each quarter: products 0..3.
    const __m128 sums = _mm512_castps512_ps128(
        _mm512_permutexvar_ps(_mm512_setr_epi32(0, 4, 8, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), s1));
    const __m128 y = _mm_min_ps(_mm_max_ps(_mm_add_ps(bias, sums), vmin), vmax);
    _mm512_mask_storeu_ps(c, store, _mm512_castps128_ps512(y));
  }
}

}  // namespace edgert
