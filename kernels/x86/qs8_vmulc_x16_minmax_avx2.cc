// qs8_vmulc_minmax_ukernel_x16__avx2: int8 MUL of a vector by the scalar b[0]
// with TFLite's fixed-point semantics (QS8MulParams in kernels/dispatch.h), 16
// values per step; same arithmetic as qs8_vmul_minmax_ukernel_x16__avx2.
#include <immintrin.h>

#include "kernels/x86/qs8_requant_avx2.h"
#include "kernels/x86/qs8_vmul_avx2.h"
#include "kernels/x86/ukernels.h"

namespace edgert {
namespace {

template <bool kLeft>
void Run(size_t n, const int8_t* a, __m256i b16, int8_t* y, const qs8_avx2::MulConstants& c) {
  for (; n >= 16; n -= 16, a += 16, y += 16)
    _mm_storeu_si128(reinterpret_cast<__m128i*>(y),
                     qs8_avx2::Mul16<kLeft>(_mm_loadu_si128(reinterpret_cast<const __m128i*>(a)), b16, c));
  if (n > 0) qs8_avx2::StoreBytes(y, qs8_avx2::Mul16<kLeft>(qs8_avx2::LoadBytes(a, n), b16, c), n);
}

}  // namespace

void qs8_vmulc_minmax_ukernel_x16__avx2(size_t n, const int8_t* a, const int8_t* b, int8_t* y,
                                        const QS8MulParams* p) {
  const qs8_avx2::MulConstants c = qs8_avx2::LoadMulConstants(*p);
  const __m256i b16 = _mm256_set1_epi16(static_cast<int16_t>(b[0] + p->offset2));
  if (c.left) {
    Run<true>(n, a, b16, y, c);
  } else {
    Run<false>(n, a, b16, y, c);
  }
}

}  // namespace edgert
