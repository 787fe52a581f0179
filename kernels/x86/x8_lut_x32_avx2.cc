// 256-entry byte table lookup, y[i] = table[x[i]], 32 bytes per step, AVX2.
// Contract: X8LutUkernelFn (kernels/dispatch.h). Compiled with -mavx2 -mfma.
//
// _mm256_shuffle_epi8 looks up 16-entry tables (within each 128-bit lane) and
// gives 0 where an index byte has its top bit set. The table is split into 16
// rows of 16; for row r the index is
//   k = saturating_add_u8(x - 16 r (mod 256), 0x70),
// which is 0x70 + (x & 15) (top bit clear) when x's high nibble is r, and at
// least 0x80 (top bit set, so 0) otherwise: x - 16 r is then 16..255. OR-ing
// the 16 row lookups gives the entry. Exact: the result is the table's byte.
#include <immintrin.h>

#include <cstring>

#include "kernels/x86/ukernels.h"

namespace edgert {
namespace {

struct Rows {
  __m256i row[16];
};

inline __m256i Lookup(__m256i x, const Rows& t) {
  const __m256i bias = _mm256_set1_epi8(0x70), sixteen = _mm256_set1_epi8(16);
  __m256i y = _mm256_setzero_si256();
  for (int r = 0; r < 16; ++r, x = _mm256_sub_epi8(x, sixteen))
    y = _mm256_or_si256(y, _mm256_shuffle_epi8(t.row[r], _mm256_adds_epu8(x, bias)));
  return y;
}

}  // namespace

void x8_lut_ukernel_x32__avx2(size_t n, const uint8_t* x, uint8_t* y, const uint8_t* table) {
  Rows t;
  for (int r = 0; r < 16; ++r)
    t.row[r] = _mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(table + 16 * r)));
  for (; n >= 32; n -= 32, x += 32, y += 32)
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(y),
                        Lookup(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(x)), t));
  if (n > 0) {  // 1..31 bytes through a copy, reading and writing nothing past the arrays
    alignas(32) uint8_t buf[32] = {};
    std::memcpy(buf, x, n);
    _mm256_store_si256(reinterpret_cast<__m256i*>(buf), Lookup(_mm256_load_si256(reinterpret_cast<const __m256i*>(buf)), t));
    std::memcpy(y, buf, n);
  }
}

}  // namespace edgert
