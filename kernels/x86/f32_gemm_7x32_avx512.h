// The K steps and row stores of the AVX-512 7x32 f32 GEMM and indirect GEMM
// microkernels (kernels/x86/f32_gemm_7x32_minmax_avx512f.cc,
// f32_igemm_7x32_minmax_avx512f.cc): 7 rows, two NR = 16 panels at a time or
// one. Include only from files compiled with -mavx512f; internal linkage for
// the reason given in kernels/x86/qs8_requant_avx2.h.
#pragma once

#include <immintrin.h>

#include <cstddef>

#include "kernels/x86/f32_store_avx512.h"

namespace edgert {
namespace x86_f32 {
namespace {

constexpr int kRows7 = 7;

// acc[i] (and acc2[i]) start from the panel's bias row.
inline void InitRows7(const float* bias, __m512* acc) {
  const __m512 b = _mm512_loadu_ps(bias);
#pragma GCC unroll 7
  for (int i = 0; i < kRows7; ++i) acc[i] = b;
}

// One K step over two panels: row i's A value a[i][k] times both B rows.
inline void FmaRows7x32(const float* const* a, size_t k, __m512 ba, __m512 bb, __m512* x, __m512* y) {
#pragma GCC unroll 7
  for (int i = 0; i < kRows7; ++i) {
    const __m512 v = _mm512_set1_ps(a[i][k]);
    x[i] = _mm512_fmadd_ps(v, ba, x[i]);
    y[i] = _mm512_fmadd_ps(v, bb, y[i]);
  }
}

// One K step over one panel.
inline void FmaRows7x16(const float* const* a, size_t k, __m512 b, __m512* x) {
#pragma GCC unroll 7
  for (int i = 0; i < kRows7; ++i) x[i] = _mm512_fmadd_ps(_mm512_set1_ps(a[i][k]), b, x[i]);
}

// Clamps and stores n (1..16) columns of each row at c[i] + n0, the highest
// row first, so that aliased rows (past mr) end with the lowest row's
// (identical) values.
inline void StoreRows7(float* const* c, size_t n0, const __m512* x, size_t n, __m512 vmin, __m512 vmax) {
#pragma GCC unroll 7
  for (int i = kRows7 - 1; i >= 0; --i) ClampStoreRow16(c[i] + n0, x[i], vmin, vmax, n);
}

}  // namespace
}  // namespace x86_f32
}  // namespace edgert
