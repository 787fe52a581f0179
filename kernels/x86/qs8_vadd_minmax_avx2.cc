// qs8_vadd_minmax_ukernel_x16__avx2: int8 ADD / SUB of two same-shape operands
// with TFLite's fixed-point semantics (QS8AddParams in kernels/dispatch.h),
// 16 values per step. Each requantization is qs8_requant_avx2.h's, bit-exact
// with MultiplyByQuantizedMultiplier; a tail of fewer than 16 values goes
// through the same vector code on zero-padded lanes (qs8_loop_avx2.h).
#include <immintrin.h>

#include <climits>

#include "kernels/x86/qs8_loop_avx2.h"
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

struct AddConstants {
  __m256i offset1, offset2;
  __m128i left_shift;
  Requant8 q1, q2, qout;
  OutputStage none, out;
};

// 8 int8 values of each operand (sign-extended to int32) -> 8 int32 results.
inline __m256i Add8(__m256i x1, __m256i x2, const AddConstants& c) {
  const __m256i v1 = _mm256_sll_epi32(_mm256_add_epi32(x1, c.offset1), c.left_shift);
  const __m256i v2 = _mm256_sll_epi32(_mm256_add_epi32(x2, c.offset2), c.left_shift);
  const __m256i s1 = qs8_avx2::Requantize(v1, c.q1, c.none);
  const __m256i s2 = qs8_avx2::Requantize(v2, c.q2, c.none);
  return qs8_avx2::Requantize(_mm256_add_epi32(s1, s2), c.qout, c.out);
}

inline __m128i Add16(__m128i va, __m128i vb, const AddConstants& c) {
  const __m256i lo = Add8(_mm256_cvtepi8_epi32(va), _mm256_cvtepi8_epi32(vb), c);
  const __m256i hi = Add8(_mm256_cvtepi8_epi32(_mm_srli_si128(va, 8)), _mm256_cvtepi8_epi32(_mm_srli_si128(vb, 8)), c);
  return qs8_avx2::PackToInt8(lo, hi);
}

}  // namespace

void qs8_vadd_minmax_ukernel_x16__avx2(size_t n, const int8_t* a, const int8_t* b, int8_t* y,
                                       const QS8AddParams* p) {
  AddConstants c;
  c.offset1 = _mm256_set1_epi32(p->offset1);
  c.offset2 = _mm256_set1_epi32(p->offset2);
  c.left_shift = _mm_cvtsi32_si128(p->left_shift);
  c.q1 = Requant(p->multiplier1, p->shift1);
  c.q2 = Requant(p->multiplier2, p->shift2);
  c.qout = Requant(p->out_multiplier, p->out_shift);
  // No clamp and no zero point for the two input terms.
  c.none = {_mm256_set1_epi32(INT32_MIN), _mm256_set1_epi32(INT32_MAX), _mm256_setzero_si256(), false};
  c.out = qs8_avx2::LoadOutputStage(p->out_zero_point, p->min, p->max);
  qs8_avx2::Run2(n, a, b, y, [&](__m128i va, __m128i vb) { return Add16(va, vb, c); });
}

}  // namespace edgert
