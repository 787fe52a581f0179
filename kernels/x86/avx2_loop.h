// Loop drivers shared by the elementwise x86 microkernels (included only by
// kernels/x86/*.cc, which are compiled with -mavx2 -mfma): 16 floats per step,
// then 8, then one masked step of 1..7 floats, so that any n (0 included) is
// handled without reading or writing past the arrays.
#pragma once

#include <immintrin.h>

#include <cstddef>
#include <cstdint>

#include "kernels/dispatch.h"

namespace edgert {
namespace x86 {

// Lanes 0..n-1 active (1 <= n <= 8).
inline __m256i TailMask(size_t n) {
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int32_t>(n)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

// The sum of the 4 doubles of v.
inline double HorizontalSum(__m256d v) {
  const __m128d s = _mm_add_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd(v, 1));
  return _mm_cvtsd_f64(_mm_add_sd(s, _mm_unpackhi_pd(s, s)));
}

// y[i] = f(x[i]); f maps one __m256 to one __m256 lane-wise.
template <typename F>
inline void UnaryLoop(size_t n, const float* x, float* y, F f) {
  for (; n >= 16; n -= 16, x += 16, y += 16) {
    const __m256 lo = f(_mm256_loadu_ps(x));
    const __m256 hi = f(_mm256_loadu_ps(x + 8));
    _mm256_storeu_ps(y, lo);
    _mm256_storeu_ps(y + 8, hi);
  }
  if (n >= 8) {
    _mm256_storeu_ps(y, f(_mm256_loadu_ps(x)));
    n -= 8;
    x += 8;
    y += 8;
  }
  if (n != 0) {
    const __m256i mask = TailMask(n);
    _mm256_maskstore_ps(y, mask, f(_mm256_maskload_ps(x, mask)));
  }
}

// y[i] = f(a[i], b[i]).
template <typename F>
inline void BinaryLoop(size_t n, const float* a, const float* b, float* y, F f) {
  for (; n >= 16; n -= 16, a += 16, b += 16, y += 16) {
    const __m256 lo = f(_mm256_loadu_ps(a), _mm256_loadu_ps(b));
    const __m256 hi = f(_mm256_loadu_ps(a + 8), _mm256_loadu_ps(b + 8));
    _mm256_storeu_ps(y, lo);
    _mm256_storeu_ps(y + 8, hi);
  }
  if (n >= 8) {
    _mm256_storeu_ps(y, f(_mm256_loadu_ps(a), _mm256_loadu_ps(b)));
    n -= 8;
    a += 8;
    b += 8;
    y += 8;
  }
  if (n != 0) {
    const __m256i mask = TailMask(n);
    _mm256_maskstore_ps(y, mask, f(_mm256_maskload_ps(a, mask), _mm256_maskload_ps(b, mask)));
  }
}

// The fused activation of the binary kernels: v < min ? min : (v > max ? max : v),
// NaN passing through (as ApplyActivation of kernels/common/quant.h).
inline __m256 Clamp(__m256 v, __m256 vmin, __m256 vmax) { return _mm256_min_ps(vmax, _mm256_max_ps(vmin, v)); }

// The three forms of a binary kernel (F32VBinaryUkernelFn, kernels/dispatch.h)
// for an operation Op::Apply(__m256 a, __m256 b).
template <typename Op>
inline void BinaryVV(size_t n, const float* a, const float* b, float* y, const F32MinMaxParams* params) {
  const __m256 vmin = _mm256_set1_ps(params->min), vmax = _mm256_set1_ps(params->max);
  BinaryLoop(n, a, b, y, [&](__m256 va, __m256 vb) { return Clamp(Op::Apply(va, vb), vmin, vmax); });
}
template <typename Op>
inline void BinaryVC(size_t n, const float* a, const float* b, float* y, const F32MinMaxParams* params) {
  const __m256 vmin = _mm256_set1_ps(params->min), vmax = _mm256_set1_ps(params->max);
  const __m256 vb = _mm256_broadcast_ss(b);
  UnaryLoop(n, a, y, [&](__m256 va) { return Clamp(Op::Apply(va, vb), vmin, vmax); });
}
template <typename Op>
inline void BinaryRVC(size_t n, const float* a, const float* b, float* y, const F32MinMaxParams* params) {
  const __m256 vmin = _mm256_set1_ps(params->min), vmax = _mm256_set1_ps(params->max);
  const __m256 vb = _mm256_broadcast_ss(b);
  UnaryLoop(n, a, y, [&](__m256 va) { return Clamp(Op::Apply(vb, va), vmin, vmax); });
}

// The operations, with the reference kernels' f32 semantics
// (kernels/common/elementwise_binary.h): MAXIMUM is a > b ? a : b and MINIMUM
// a < b ? a : b, which is exactly what vmaxps / vminps compute.
struct AddOp {
  static __m256 Apply(__m256 a, __m256 b) { return _mm256_add_ps(a, b); }
};
struct SubOp {
  static __m256 Apply(__m256 a, __m256 b) { return _mm256_sub_ps(a, b); }
};
struct MulOp {
  static __m256 Apply(__m256 a, __m256 b) { return _mm256_mul_ps(a, b); }
};
struct DivOp {
  static __m256 Apply(__m256 a, __m256 b) { return _mm256_div_ps(a, b); }
};
struct MaxOp {
  static __m256 Apply(__m256 a, __m256 b) { return _mm256_max_ps(a, b); }
};
struct MinOp {
  static __m256 Apply(__m256 a, __m256 b) { return _mm256_min_ps(a, b); }
};

}  // namespace x86
}  // namespace edgert
