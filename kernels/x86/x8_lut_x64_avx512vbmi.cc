// 256-entry byte table lookup, y[i] = table[x[i]], 64 bytes per step,
// AVX-512 VBMI. Contract: X8LutUkernelFn (kernels/dispatch.h). Compiled with
// -mavx2 -mfma -mavx512f -mavx512bw -mavx512vbmi; selected only on CPUs with
// VBMI (kernels/dispatch.cc).
//
// VPERMI2B looks up a 128-entry table held in two registers by the low 7 bits
// of each index byte: one lookup in entries 0-127, one in 128-255, and the
// index's top bit picks between them. Tails use masked loads and stores.
#include <immintrin.h>

#include "kernels/x86/ukernels.h"

namespace edgert {
namespace {

struct Table {
  __m512i q0, q1, q2, q3;  // entries 0-63, 64-127, 128-191, 192-255
};

inline __m512i Lookup(__m512i x, const Table& t) {
  const __m512i lo = _mm512_permutex2var_epi8(t.q0, x, t.q1);
  const __m512i hi = _mm512_permutex2var_epi8(t.q2, x, t.q3);
  return _mm512_mask_blend_epi8(_mm512_movepi8_mask(x), lo, hi);
}

}  // namespace

void x8_lut_ukernel_x64__avx512vbmi(size_t n, const uint8_t* x, uint8_t* y, const uint8_t* table) {
  Table t;
  t.q0 = _mm512_loadu_si512(table);
  t.q1 = _mm512_loadu_si512(table + 64);
  t.q2 = _mm512_loadu_si512(table + 128);
  t.q3 = _mm512_loadu_si512(table + 192);
  for (; n >= 64; n -= 64, x += 64, y += 64) _mm512_storeu_si512(y, Lookup(_mm512_loadu_si512(x), t));
  if (n > 0) {
    const __mmask64 m = (__mmask64{1} << n) - 1;
    _mm512_mask_storeu_epi8(y, m, Lookup(_mm512_maskz_loadu_epi8(m, x), t));
  }
}

}  // namespace edgert
