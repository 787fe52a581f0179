// qs8_vmul_minmax_ukernel_x16__avx2: int8 MUL of two same-shape operands with
// TFLite's fixed-point semantics (QS8MulParams in kernels/dispatch.h), 16
// values per step. The offset operands (within [-255, 255]) are multiplied as
// int16 and their exact 32-bit products formed from the low and high halves;
// the requantization is qs8_requant_avx2.h's, bit-exact with
// MultiplyByQuantizedMultiplier. A tail of fewer than 16 values goes through
// the same vector code on copies padded with zeros.
#include <immintrin.h>

#include "kernels/x86/qs8_requant_avx2.h"
#include "kernels/x86/qs8_vmul_avx2.h"
#include "kernels/x86/ukernels.h"

namespace edgert {

void qs8_vmul_minmax_ukernel_x16__avx2(size_t n, const int8_t* a, const int8_t* b, int8_t* y,
                                       const QS8MulParams* p) {
  const qs8_avx2::MulConstants c = qs8_avx2::LoadMulConstants(*p);
  for (; n >= 16; n -= 16, a += 16, b += 16, y += 16) {
    const __m128i va = _mm_loadu_si128(reinterpret_cast<const __m128i*>(a));
    const __m128i vb = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b));
    const __m256i b16 = _mm256_add_epi16(_mm256_cvtepi8_epi16(vb), c.offset2);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(y), qs8_avx2::Mul16(va, b16, c));
  }
  if (n > 0) {
    const __m256i b16 = _mm256_add_epi16(_mm256_cvtepi8_epi16(qs8_avx2::LoadBytes(b, n)), c.offset2);
    qs8_avx2::StoreBytes(y, qs8_avx2::Mul16(qs8_avx2::LoadBytes(a, n), b16, c), n);
  }
}

}  // namespace edgert
