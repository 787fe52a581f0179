// qs8_vmul_minmax_ukernel_x16__avx2: int8 MUL of two same-shape operands with
// TFLite's fixed-point semantics (QS8MulParams in kernels/dispatch.h), 16
// values per step. The offset operands (within [-255, 255]) are multiplied as
// int16 and their exact 32-bit products formed from the low and high halves;
// the requantization is qs8_requant_avx2.h's, bit-exact with
// MultiplyByQuantizedMultiplier (its short form where exact, see
// qs8_vmul_avx2.h). A tail of fewer than 16 values goes through the same
// vector code on zero-padded lanes.
#include <immintrin.h>

#include "kernels/x86/qs8_loop_avx2.h"
#include "kernels/x86/qs8_requant_avx2.h"
#include "kernels/x86/qs8_vmul_avx2.h"
#include "kernels/x86/ukernels.h"

namespace edgert {
namespace {

template <bool kLeft>
void Run(size_t n, const int8_t* a, const int8_t* b, int8_t* y, const qs8_avx2::MulConstants& c) {
  qs8_avx2::Run2(n, a, b, y, [&](__m128i va, __m128i vb) {
    return qs8_avx2::Mul16<kLeft>(va, _mm256_add_epi16(_mm256_cvtepi8_epi16(vb), c.offset2), c);
  });
}

}  // namespace

void qs8_vmul_minmax_ukernel_x16__avx2(size_t n, const int8_t* a, const int8_t* b, int8_t* y,
                                       const QS8MulParams* p) {
  const qs8_avx2::MulConstants c = qs8_avx2::LoadMulConstants(*p);
  if (c.left) {
    Run<true>(n, a, b, y, c);
  } else {
    Run<false>(n, a, b, y, c);
  }
}

}  // namespace edgert
