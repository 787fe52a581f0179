// int8 ADD / SUB with TFLite's fixed-point semantics (QS8AddParams in
// kernels/dispatch.h), 16 values per step, AVX-512 F: the three
// MultiplyByQuantizedMultiplier of each value (two input terms and the
// output) are kernels/x86/qs8_requant_avx512.h's, bit-exact, in a third of the
// AVX2 kernels' instructions. Two kernels: same-shape operands (vadd) and
// the scalar b[0] (vaddc, its rescaled term computed once). Tails (1..15
// values) are loaded through a zeroed copy and stored masked. Compiled with -mavx2 -mfma -mavx512f.
#include <immintrin.h>

#include "kernels/x86/qs8_loop_avx512.h"
#include "kernels/x86/qs8_requant_avx512.h"
#include "kernels/x86/ukernels.h"

namespace edgert {
namespace {

using qs8_avx512::MultiplyByQuantizedMultiplier16;
using qs8_avx512::Requant16;
using qs8_avx512::Run1;
using qs8_avx512::Run2;
using qs8_avx512::Widen16;

struct AddConstants {
  __m512i offset1, offset2;
  __m128i left_shift;
  Requant16 q1, q2, qout;
  qs8_avx512::OutputStage16 out;
};

AddConstants MakeConstants(const QS8AddParams* p) {
  AddConstants c;
  c.offset1 = _mm512_set1_epi32(p->offset1);
  c.offset2 = _mm512_set1_epi32(p->offset2);
  c.left_shift = _mm_cvtsi32_si128(p->left_shift);
  c.q1 = qs8_avx512::UniformRequant16(p->multiplier1, p->shift1);
  c.q2 = qs8_avx512::UniformRequant16(p->multiplier2, p->shift2);
  c.qout = qs8_avx512::UniformRequant16(p->out_multiplier, p->out_shift);
  c.out = qs8_avx512::LoadOutputStage16(p->out_zero_point, p->min, p->max);
  return c;
}

// The rescaled term of 16 input values (sign-extended to int32).
inline __m512i Term(__m512i x, __m512i offset, const Requant16& q, const AddConstants& c) {
  return MultiplyByQuantizedMultiplier16(_mm512_sll_epi32(_mm512_add_epi32(x, offset), c.left_shift), q);
}

// The same term in 32-bit arithmetic, for 9 <= left_shift L <= 22 (int8 ADD
// uses 20) and a right shift r >= 0. With d = x + offset (|d| <= 255) and
// k = 31 - L, SaturatingRoundingDoublingHighMul(d * 2^L, m) is
// floor((d * m + 2^(k-1)) / 2^k) (see qs8_requant_avx512.h; d * 2^L does not
// saturate), and with m = mh * 2^k + ml (0 <= ml < 2^k, any sign of m) that is
//   h = d * mh + ((d * ml + 2^(k-1)) >> k),
// both products within int32 (|d * mh| < 2^(L+8), d * ml < 2^(39-L)).
// RoundingDivideByPOT(h, r) (ties away from zero) is
//   (h + 2^(r-1) - (h < 0)) >> r   for r > 0, and h for r = 0.
struct FastTerm {
  __m512i offset, mh, ml, round, bias, neg;  // neg: -1 where r > 0 (lanes alike)
  __m128i k, r;
};

inline bool FastTermApplies(int32_t left_shift, int32_t shift) {
  return left_shift >= 9 && left_shift <= 22 && shift <= 0 && shift >= -31;
}

inline FastTerm MakeFastTerm(int32_t offset, int32_t left_shift, int32_t multiplier, int32_t shift) {
  FastTerm f;
  const int k = 31 - left_shift, r = -shift;
  f.offset = _mm512_set1_epi32(offset);
  f.mh = _mm512_set1_epi32(multiplier >> k);  // arithmetic: floor(m / 2^k)
  f.ml = _mm512_set1_epi32(multiplier & ((1 << k) - 1));
  f.round = _mm512_set1_epi32(1 << (k - 1));
  f.bias = _mm512_set1_epi32(r > 0 ? static_cast<int32_t>(uint32_t{1} << (r - 1)) : 0);
  f.neg = _mm512_set1_epi32(r > 0 ? -1 : 0);
  f.k = _mm_cvtsi32_si128(k);
  f.r = _mm_cvtsi32_si128(r);
  return f;
}

inline __m512i Term(__m512i x, const FastTerm& f) {
  const __m512i d = _mm512_add_epi32(x, f.offset);
  const __m512i low = _mm512_sra_epi32(_mm512_add_epi32(_mm512_mullo_epi32(d, f.ml), f.round), f.k);
  const __m512i h = _mm512_add_epi32(_mm512_mullo_epi32(d, f.mh), low);
  const __m512i sign = _mm512_and_si512(_mm512_srai_epi32(h, 31), f.neg);
  return _mm512_sra_epi32(_mm512_add_epi32(_mm512_add_epi32(h, f.bias), sign), f.r);
}

}  // namespace

void qs8_vadd_minmax_ukernel_x16__avx512f(size_t n, const int8_t* a, const int8_t* b, int8_t* y,
                                          const QS8AddParams* p) {
  const AddConstants c = MakeConstants(p);
  if (FastTermApplies(p->left_shift, p->shift1) && FastTermApplies(p->left_shift, p->shift2)) {
    const FastTerm f1 = MakeFastTerm(p->offset1, p->left_shift, p->multiplier1, p->shift1);
    const FastTerm f2 = MakeFastTerm(p->offset2, p->left_shift, p->multiplier2, p->shift2);
    Run2(n, a, b, y, [&](__m128i ba, __m128i bb) {
      const __m512i va = Widen16(ba), vb = Widen16(bb);
      return qs8_avx512::Requantize16(_mm512_add_epi32(Term(va, f1), Term(vb, f2)), c.qout, c.out);
    });
    return;
  }
  Run2(n, a, b, y, [&](__m128i ba, __m128i bb) {
    const __m512i va = Widen16(ba), vb = Widen16(bb);
    const __m512i sum = _mm512_add_epi32(Term(va, c.offset1, c.q1, c), Term(vb, c.offset2, c.q2, c));
    return qs8_avx512::Requantize16(sum, c.qout, c.out);
  });
}

void qs8_vaddc_minmax_ukernel_x16__avx512f(size_t n, const int8_t* a, const int8_t* b, int8_t* y,
                                           const QS8AddParams* p) {
  const AddConstants c = MakeConstants(p);
  const __m512i term2 = Term(_mm512_set1_epi32(b[0]), c.offset2, c.q2, c);
  if (FastTermApplies(p->left_shift, p->shift1)) {
    const FastTerm f1 = MakeFastTerm(p->offset1, p->left_shift, p->multiplier1, p->shift1);
    Run1(n, a, y, [&](__m128i ba) {
      const __m512i va = Widen16(ba);
      return qs8_avx512::Requantize16(_mm512_add_epi32(Term(va, f1), term2), c.qout, c.out);
    });
    return;
  }
  Run1(n, a, y, [&](__m128i ba) {
    const __m512i va = Widen16(ba);
    return qs8_avx512::Requantize16(_mm512_add_epi32(Term(va, c.offset1, c.q1, c), term2), c.qout, c.out);
  });
}

}  // namespace edgert
