// Stores of f32 microkernel rows (AVX-512 F). Include only from files
// compiled with -mavx512f; internal linkage for the reason given in
// kernels/x86/qs8_requant_avx2.h.
#pragma once

#include <immintrin.h>

#include <cstddef>

namespace edgert {
namespace x86_f32 {
namespace {

// Clamps v to [vmin, vmax] and stores its first n (>= 1) floats (all 16 when n >= 16).
inline void ClampStoreRow16(float* p, __m512 v, __m512 vmin, __m512 vmax, size_t n) {
  v = _mm512_min_ps(_mm512_max_ps(v, vmin), vmax);
  if (n >= 16)
    _mm512_storeu_ps(p, v);
  else
    _mm512_mask_storeu_ps(p, static_cast<__mmask16>((1u << n) - 1), v);
}

}  // namespace
}  // namespace x86_f32
}  // namespace edgert
