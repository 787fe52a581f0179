// int8 MUL with TFLite's fixed-point semantics (QS8MulParams in
// kernels/dispatch.h), 16 values per step, AVX-512 F: the products
// (x + offset1) * (y + offset2) in int32 lanes (|each| <= 255, exact), one
// requantization per 16 values (kernels/x86/qs8_requant_avx512.h, bit-exact).
// Where the output range is all of int8 and the rounding fits 32-bit lanes
// for products up to 255 * 255 (QS8RoundsInInt32: a right shift, no left
// one, a positive multiplier), the requantization's short form runs, with the
// zero point inside its rounding and int8 saturation as the clamp: about 10
// instructions per 16 values instead of 16. Two kernels: same-shape operands
// (vmul) and the scalar b[0] (vmulc). Tails (1..15 values) are loaded through
// a zeroed copy and stored masked.
// Compiled with -mavx2 -mfma -mavx512f.
#include <immintrin.h>

#include "kernels/x86/qs8_loop_avx512.h"
#include "kernels/x86/qs8_requant_avx512.h"
#include "kernels/x86/ukernels.h"

namespace edgert {
namespace {

constexpr int64_t kMaxProduct = 255 * 255;

// Whether the short output stage gives the exact results for p's products.
bool ShortRounding(const QS8MulParams* p) {
  return p->min == -128 && p->max == 127 && p->multiplier > 0 &&
         QS8RoundsInInt32(kMaxProduct, p->shift > 0 ? p->shift : 0, p->shift > 0 ? 0 : -p->shift, p->out_zero_point);
}

struct MulConstants {
  __m512i offset1, offset2;
  qs8_avx512::Requant16 q;
  qs8_avx512::OutputStage16 out;
};

MulConstants MakeConstants(const QS8MulParams* p) {
  return {_mm512_set1_epi32(p->offset1), _mm512_set1_epi32(p->offset2),
          qs8_avx512::UniformRequant16(p->multiplier, p->shift),
          qs8_avx512::LoadOutputStage16(p->out_zero_point, p->min, p->max)};
}

struct ShortConstants {
  __m512i offset1, offset2;
  qs8_avx512::ShortRequant16 q;
};

ShortConstants MakeShortConstants(const QS8MulParams* p) {
  return {_mm512_set1_epi32(p->offset1), _mm512_set1_epi32(p->offset2),
          qs8_avx512::MakeShortRequant16(_mm512_set1_epi32(p->multiplier), _mm512_set1_epi32(-p->shift),
                                         _mm512_set1_epi32(p->out_zero_point))};
}

// a: 16 values sign-extended; b_offset: the other factor, already offset.
inline __m512i Mul(__m512i a, __m512i b_offset, const MulConstants& c) {
  return qs8_avx512::Requantize16(_mm512_mullo_epi32(_mm512_add_epi32(a, c.offset1), b_offset), c.q, c.out);
}
// The same in the short form; the results are saturated to int8 on the store.
inline __m512i MulShort(__m512i a, __m512i b_offset, const ShortConstants& c) {
  return qs8_avx512::RequantizeShort16(_mm512_mullo_epi32(_mm512_add_epi32(a, c.offset1), b_offset), c.q);
}

}  // namespace

void qs8_vmul_minmax_ukernel_x16__avx512f(size_t n, const int8_t* a, const int8_t* b, int8_t* y,
                                          const QS8MulParams* p) {
  if (ShortRounding(p)) {
    const ShortConstants c = MakeShortConstants(p);
    qs8_avx512::Run2(n, a, b, y, [&](__m128i ba, __m128i bb) {
      return MulShort(qs8_avx512::Widen16(ba), _mm512_add_epi32(qs8_avx512::Widen16(bb), c.offset2), c);
    });
    return;
  }
  const MulConstants c = MakeConstants(p);
  qs8_avx512::Run2(n, a, b, y, [&](__m128i ba, __m128i bb) {
    return Mul(qs8_avx512::Widen16(ba), _mm512_add_epi32(qs8_avx512::Widen16(bb), c.offset2), c);
  });
}

void qs8_vmulc_minmax_ukernel_x16__avx512f(size_t n, const int8_t* a, const int8_t* b, int8_t* y,
                                           const QS8MulParams* p) {
  if (ShortRounding(p)) {
    const ShortConstants c = MakeShortConstants(p);
    const __m512i b_offset = _mm512_set1_epi32(b[0] + p->offset2);
    qs8_avx512::Run1(n, a, y, [&](__m128i ba) { return MulShort(qs8_avx512::Widen16(ba), b_offset, c); });
    return;
  }
  const MulConstants c = MakeConstants(p);
  const __m512i b_offset = _mm512_set1_epi32(b[0] + p->offset2);
  qs8_avx512::Run1(n, a, y, [&](__m128i ba) { return Mul(qs8_avx512::Widen16(ba), b_offset, c); });
}

}  // namespace edgert
