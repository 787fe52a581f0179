// The loop driver of the two-operand int8 elementwise AVX2 microkernels
// (included only by kernels/x86/*.cc, compiled with -mavx2 -mfma): 16 values
// per step; a tail of 1..15 values is loaded into zeroed lanes and stored
// with fixed-size moves (qs8_requant_avx2.h), nothing read or written past
// the arrays.
#pragma once

#include <immintrin.h>

#include <cstddef>
#include <cstdint>

#include "kernels/x86/qs8_requant_avx2.h"

namespace edgert {
namespace qs8_avx2 {
namespace {

// y[i] = f(16 bytes of a, 16 bytes of b), f returning the 16 int8 results.
template <typename F>
inline void Run2(size_t n, const int8_t* a, const int8_t* b, int8_t* y, const F& f) {
  for (; n >= 16; n -= 16, a += 16, b += 16, y += 16)
    _mm_storeu_si128(reinterpret_cast<__m128i*>(y), f(_mm_loadu_si128(reinterpret_cast<const __m128i*>(a)),
                                                      _mm_loadu_si128(reinterpret_cast<const __m128i*>(b))));
  if (n > 0) StoreBytes(y, f(LoadBytes(a, n), LoadBytes(b, n)), n);
}

}  // namespace
}  // namespace qs8_avx2
}  // namespace edgert
