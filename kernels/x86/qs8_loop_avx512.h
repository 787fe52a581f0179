// Loop drivers of the int8 elementwise AVX-512 F microkernels (ADD / SUB in
// fixed point, single and double precision, MUL): 16 values per step, then
// the last 1..15 through a zeroed copy and a masked store, so that any n (0
// included) is handled without reading or writing past the arrays. The step
// function gets the 16 input bytes and returns the 16 results as int32 lanes,
// saturated to int8 on the store. Include only from files compiled with
// -mavx512f; internal linkage for the reason given in
// kernels/x86/qs8_requant_avx2.h.
#pragma once

#include <immintrin.h>

#include <cstddef>
#include <cstdint>

#include "kernels/x86/qs8_requant_avx512.h"

namespace edgert {
namespace qs8_avx512 {
namespace {

// The first n (< 16) bytes at p, the other bytes 0. Reads nothing past p + n.
inline __m128i LoadBytes16(const int8_t* p, size_t n) {
  alignas(16) int8_t tmp[16] = {};
  for (size_t i = 0; i < n; ++i) tmp[i] = p[i];
  return _mm_load_si128(reinterpret_cast<const __m128i*>(tmp));
}

inline __m128i LoadBytes16(const int8_t* p) { return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p)); }

// 16 bytes sign-extended to int32 lanes.
inline __m512i Widen16(__m128i bytes) { return _mm512_cvtepi8_epi32(bytes); }

// y[i] = f(a bytes, b bytes). The step's int32 results are saturated to
// int8 on the store (VPMOVSDB costs what VPMOVDB does), so a step may return
// values within int8 or, as the short output stage does
// (kernels/x86/qs8_requant_avx512.h), values to be saturated.
template <typename F>
inline void Run2(size_t n, const int8_t* a, const int8_t* b, int8_t* y, const F& f) {
  for (; n >= 16; n -= 16, a += 16, b += 16, y += 16)
    _mm_storeu_si128(reinterpret_cast<__m128i*>(y), _mm512_cvtsepi32_epi8(f(LoadBytes16(a), LoadBytes16(b))));
  if (n > 0) StoreInt8Saturated(y, f(LoadBytes16(a, n), LoadBytes16(b, n)), n);
}

// y[i] = f(a bytes), stored as Run2 stores.
template <typename F>
inline void Run1(size_t n, const int8_t* a, int8_t* y, const F& f) {
  for (; n >= 16; n -= 16, a += 16, y += 16)
    _mm_storeu_si128(reinterpret_cast<__m128i*>(y), _mm512_cvtsepi32_epi8(f(LoadBytes16(a))));
  if (n > 0) StoreInt8Saturated(y, f(LoadBytes16(a, n)), n);
}

}  // namespace
}  // namespace qs8_avx512
}  // namespace edgert
