// Stores of f32 microkernel rows (AVX). Include only from files compiled with
// -mavx2 (or wider); internal linkage for the reason given in
// kernels/x86/qs8_requant_avx2.h.
#pragma once

#include <immintrin.h>

#include <cstddef>

namespace edgert {
namespace x86_f32 {
namespace {

// Stores the low n (< 8) floats of v.
inline void StorePartial8(float* p, __m256 v, size_t n) {
  __m128 lo = _mm256_castps256_ps128(v);
  if (n & 4) {
    _mm_storeu_ps(p, lo);
    lo = _mm256_extractf128_ps(v, 1);
    p += 4;
  }
  if (n & 2) {
    _mm_storel_pi(reinterpret_cast<__m64*>(p), lo);
    lo = _mm_movehl_ps(lo, lo);
    p += 2;
  }
  if (n & 1) _mm_store_ss(p, lo);
}

// Stores the first n (>= 1) floats of the 16 in (lo, hi) (all 16 when n >= 16).
inline void StoreRow16(float* p, __m256 lo, __m256 hi, size_t n) {
  if (n >= 16) {
    _mm256_storeu_ps(p, lo);
    _mm256_storeu_ps(p + 8, hi);
  } else if (n >= 8) {
    _mm256_storeu_ps(p, lo);
    if (n > 8) StorePartial8(p + 8, hi, n - 8);
  } else {
    StorePartial8(p, lo, n);
  }
}

inline __m256 Clamp(__m256 v, __m256 vmin, __m256 vmax) { return _mm256_min_ps(_mm256_max_ps(v, vmin), vmax); }

}  // namespace
}  // namespace x86_f32
}  // namespace edgert
