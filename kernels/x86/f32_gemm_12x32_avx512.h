// The panel walk, K steps and row stores of the AVX-512 f32 GEMM and
// indirect GEMM microkernels (kernels/x86/f32_gemm_12x32_minmax_avx512f.cc:
// 12 rows, or 8 or 4 for a short last row tile; f32_igemm_7x32_minmax_
// avx512f.cc: 7 rows), two NR = 16 panels at a time or one. Include only from files
// compiled with -mavx512f; internal linkage for the reason given in
// kernels/x86/qs8_requant_avx2.h.
#pragma once

#include <immintrin.h>

#include <cstddef>

#include "kernels/dispatch.h"
#include "kernels/x86/f32_prefetch.h"
#include "kernels/x86/f32_store_avx512.h"

namespace edgert {
namespace x86_f32 {
namespace {

// acc[i] (and acc2[i]) start from the panel's bias row.
template <int MR>
inline void InitRows(const float* bias, __m512* acc) {
  const __m512 b = _mm512_loadu_ps(bias);
#pragma GCC unroll 16
  for (int i = 0; i < MR; ++i) acc[i] = b;
}

// The A side of one tap, two ways. At(i, k) is row i's k-th value of the
// tap; Step() follows each K step.
//
// RowPointersA: one pointer per row (indirect GEMM taps, and short row tiles
// whose rows past mr alias the previous one).
template <int MR>
struct RowPointersA {
  const float* rows[MR];
  float At(int i, size_t k) const { return rows[i][k]; }
  void Step() {}
};

// StridedRowsA: MR rows a fixed stride apart (a full GEMM row tile). One
// base pointer per 3 rows, plus the stride and twice the stride in bytes, so
// every broadcast is a base + index address and the K loop holds (MR + 2) / 3
// + 2 pointer registers instead of MR: with one pointer per row at MR = 12
// the compiler kept some of them on the stack and reloaded them every K step
// (about 5-7% of the FMA peak, bench/f32_gemm_ukernel_bench.cc).
template <int MR>
struct StridedRowsA {
  static constexpr int kBases = (MR + 2) / 3;
  const char* base[kBases];
  size_t stride, stride2;

  StridedRowsA(const float* a, size_t a_stride)
      : stride(a_stride * sizeof(float)), stride2(2 * a_stride * sizeof(float)) {
#pragma GCC unroll 8
    for (int b = 0; b < kBases; ++b) base[b] = reinterpret_cast<const char*>(a + 3 * b * a_stride);
  }
  float At(int i, size_t /*k*/) const {
    const char* p = base[i / 3] + (i % 3 == 0 ? 0 : i % 3 == 1 ? stride : stride2);
    return *reinterpret_cast<const float*>(p);
  }
  void Step() {
#pragma GCC unroll 8
    for (int b = 0; b < kBases; ++b) base[b] += sizeof(float);
  }
};

// One K step over two panels: row i's A value a(i, k) times both B rows.
template <int MR, typename A>
inline void FmaRowsX32(const A& a, size_t k, __m512 ba, __m512 bb, __m512* x, __m512* y) {
#pragma GCC unroll 16
  for (int i = 0; i < MR; ++i) {
    const __m512 v = _mm512_set1_ps(a.At(i, k));
    x[i] = _mm512_fmadd_ps(v, ba, x[i]);
    y[i] = _mm512_fmadd_ps(v, bb, y[i]);
  }
}

// One K step over one panel.
template <int MR, typename A>
inline void FmaRowsX16(const A& a, size_t k, __m512 b, __m512* x) {
#pragma GCC unroll 16
  for (int i = 0; i < MR; ++i) x[i] = _mm512_fmadd_ps(_mm512_set1_ps(a.At(i, k)), b, x[i]);
}

// Clamps and stores n (1..16) columns of each row at c[i] + n0, the highest
// row first, so that aliased rows (past mr) end with the lowest row's
// (identical) values.
template <int MR>
inline void StoreRows(float* const* c, size_t n0, const __m512* x, size_t n, const F32MinMaxParams* params) {
  const __m512 vmin = _mm512_set1_ps(params->min);
  const __m512 vmax = _mm512_set1_ps(params->max);
#pragma GCC unroll 16
  for (int i = MR - 1; i >= 0; --i) ClampStoreRow16(c[i] + n0, x[i], vmin, vmax, n);
}

// The walk of both kernels over the packed panels (NR = 16, K = taps * kc
// rows each after the bias row): two panels per pass (2 * MR accumulators: 24
// of the 32 vector registers at MR = 12), an odd last panel alone.
// tap_rows(t) returns the A side of tap t (RowPointersA or StridedRowsA),
// whose kc values meet the panels' rows t * kc ...; c holds the MR C rows (rows past mr alias the
// previous one).
template <int MR, typename TapRows>
inline void WalkX32(size_t nc, size_t kc, size_t taps, const TapRows& tap_rows, const float* w, float* const* c,
                     const F32MinMaxParams* params) {
  // The clamp bounds are loaded at each store, not held in registers
  // through the K loop: with them live, the compiler spilled a B vector.
  const size_t panel = (taps * kc + 1) * 16;
  size_t n0 = 0;
  for (; n0 + 16 < nc; n0 += 32, w += 2 * panel) {
    __m512 x[MR], y[MR];
    InitRows<MR>(w, x);
    InitRows<MR>(w + panel, y);
    const float* wa = w + 16;
    const float* wb = w + panel + 16;
    for (size_t t = 0; t < taps; ++t) {
      auto at = tap_rows(t);
      for (size_t k = 0; k < kc; ++k, wa += 16, wb += 16, at.Step()) {
        PrefetchB(wa);
        PrefetchB(wb);
        FmaRowsX32<MR>(at, k, _mm512_loadu_ps(wa), _mm512_loadu_ps(wb), x, y);
      }
    }
    StoreRows<MR>(c, n0, x, 16, params);
    StoreRows<MR>(c, n0 + 16, y, nc - n0 - 16 < 16 ? nc - n0 - 16 : 16, params);
  }
  if (n0 < nc) {  // one panel of 1..16 columns left
    __m512 x[MR];
    InitRows<MR>(w, x);
    const float* wa = w + 16;
    for (size_t t = 0; t < taps; ++t) {
      auto at = tap_rows(t);
      for (size_t k = 0; k < kc; ++k, wa += 16, at.Step()) {
        PrefetchB(wa);
        FmaRowsX16<MR>(at, k, _mm512_loadu_ps(wa), x);
      }
    }
    StoreRows<MR>(c, n0, x, nc - n0, params);
  }
}

}  // namespace
}  // namespace x86_f32
}  // namespace edgert
