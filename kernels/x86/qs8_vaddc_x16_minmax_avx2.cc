// qs8_vaddc_minmax_ukernel_x16__avx2: int8 ADD / SUB of a vector and the
// scalar b[0] with TFLite's fixed-point semantics (QS8AddParams in
// kernels/dispatch.h), 16 values per step. The scalar's rescaled term is
// computed once; each requantization is qs8_requant_avx2.h's, bit-exact with
// MultiplyByQuantizedMultiplier.
#include <immintrin.h>

#include <climits>

#include "kernels/x86/qs8_requant_avx2.h"
#include "kernels/x86/ukernels.h"

namespace edgert {
namespace {

using qs8_avx2::OutputStage;
using qs8_avx2::Requant8;

Requant8 Requant(int32_t multiplier, int32_t shift) {
  return {_mm256_set1_epi32(multiplier), _mm256_set1_epi32(shift > 0 ? shift : 0),
          _mm256_set1_epi32(shift > 0 ? 0 : -shift)};
}

struct AddcConstants {
  __m256i offset1, term2;  // term2: the scalar's rescaled value in every lane
  __m128i left_shift;
  Requant8 q1, qout;
  OutputStage none, out;
};

inline __m256i Addc8(__m256i x1, const AddcConstants& c) {
  const __m256i v1 = _mm256_sll_epi32(_mm256_add_epi32(x1, c.offset1), c.left_shift);
  const __m256i s1 = qs8_avx2::Requantize(v1, c.q1, c.none);
  return qs8_avx2::Requantize(_mm256_add_epi32(s1, c.term2), c.qout, c.out);
}

inline __m128i Addc16(__m128i va, const AddcConstants& c) {
  const __m256i lo = Addc8(_mm256_cvtepi8_epi32(va), c);
  const __m256i hi = Addc8(_mm256_cvtepi8_epi32(_mm_srli_si128(va, 8)), c);
  return qs8_avx2::PackToInt8(lo, hi);
}

}  // namespace

void qs8_vaddc_minmax_ukernel_x16__avx2(size_t n, const int8_t* a, const int8_t* b, int8_t* y,
                                        const QS8AddParams* p) {
  AddcConstants c;
  c.offset1 = _mm256_set1_epi32(p->offset1);
  c.left_shift = _mm_cvtsi32_si128(p->left_shift);
  c.q1 = Requant(p->multiplier1, p->shift1);
  c.qout = Requant(p->out_multiplier, p->out_shift);
  // No clamp and no zero point for the input terms.
  c.none = {_mm256_set1_epi32(INT32_MIN), _mm256_set1_epi32(INT32_MAX), _mm256_setzero_si256(), false};
  c.out = qs8_avx2::LoadOutputStage(p->out_zero_point, p->min, p->max);
  const __m256i v2 = _mm256_sll_epi32(_mm256_set1_epi32(b[0] + p->offset2), c.left_shift);
  c.term2 = qs8_avx2::Requantize(v2, Requant(p->multiplier2, p->shift2), c.none);
  for (; n >= 16; n -= 16, a += 16, y += 16)
    _mm_storeu_si128(reinterpret_cast<__m128i*>(y), Addc16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(a)), c));
  if (n > 0) qs8_avx2::StoreBytes(y, Addc16(qs8_avx2::LoadBytes(a, n), c), n);
}

}  // namespace edgert
