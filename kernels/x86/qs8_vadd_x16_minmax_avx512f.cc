// int8 ADD / SUB with TFLite's fixed-point semantics (QS8AddParams in
// kernels/dispatch.h), 16 values per step, AVX-512 F: the three
// MultiplyByQuantizedMultiplier of each value (two input terms and the
// output) are kernels/x86/qs8_requant_avx512.h's, bit-exact, in a third of the
// AVX2 kernels' instructions. Two kernels: same-shape operands (vadd) and
// the scalar b[0] (vaddc, its rescaled term computed once). Tails (1..15
// values) are loaded through a zeroed copy and stored masked. Compiled with -mavx2 -mfma -mavx512f.
#include <immintrin.h>

#include "kernels/x86/qs8_requant_avx512.h"
#include "kernels/x86/ukernels.h"

namespace edgert {
namespace {

using qs8_avx512::MultiplyByQuantizedMultiplier16;
using qs8_avx512::Requant16;

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

// 16 int8 values sign-extended to int32.
inline __m512i Load16(const int8_t* p) {
  return _mm512_cvtepi8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
}

// The first n (< 16) values; the other lanes 0. Reads nothing past p + n.
inline __m512i LoadPartial16(const int8_t* p, size_t n) {
  alignas(16) int8_t tmp[16] = {};
  for (size_t i = 0; i < n; ++i) tmp[i] = p[i];
  return _mm512_cvtepi8_epi32(_mm_load_si128(reinterpret_cast<const __m128i*>(tmp)));
}

}  // namespace

void qs8_vadd_minmax_ukernel_x16__avx512f(size_t n, const int8_t* a, const int8_t* b, int8_t* y,
                                          const QS8AddParams* p) {
  const AddConstants c = MakeConstants(p);
  auto add = [&](__m512i va, __m512i vb) {
    const __m512i sum = _mm512_add_epi32(Term(va, c.offset1, c.q1, c), Term(vb, c.offset2, c.q2, c));
    return qs8_avx512::Requantize16(sum, c.qout, c.out);
  };
  for (; n >= 16; n -= 16, a += 16, b += 16, y += 16)
    _mm_storeu_si128(reinterpret_cast<__m128i*>(y), _mm512_cvtepi32_epi8(add(Load16(a), Load16(b))));
  if (n > 0) qs8_avx512::StoreInt8(y, add(LoadPartial16(a, n), LoadPartial16(b, n)), n);
}

void qs8_vaddc_minmax_ukernel_x16__avx512f(size_t n, const int8_t* a, const int8_t* b, int8_t* y,
                                           const QS8AddParams* p) {
  const AddConstants c = MakeConstants(p);
  const __m512i term2 = Term(_mm512_set1_epi32(b[0]), c.offset2, c.q2, c);
  auto add = [&](__m512i va) {
    return qs8_avx512::Requantize16(_mm512_add_epi32(Term(va, c.offset1, c.q1, c), term2), c.qout, c.out);
  };
  for (; n >= 16; n -= 16, a += 16, y += 16)
    _mm_storeu_si128(reinterpret_cast<__m128i*>(y), _mm512_cvtepi32_epi8(add(Load16(a))));
  if (n > 0) qs8_avx512::StoreInt8(y, add(LoadPartial16(a, n)), n);
}

}  // namespace edgert
