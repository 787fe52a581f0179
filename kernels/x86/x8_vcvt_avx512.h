// f32 -> int8 / uint8 quantization with AVX-512 F, 16 values per step, the
// last 1..15 with masked loads and stores (F32QS8VCvtUkernelFn /
// F32QU8VCvtUkernelFn in kernels/dispatch.h, bit-identical to the reference
// QUANTIZE): r = x * (1 / scale) stands for the correctly rounded quotient
// x / scale, which it is within 2^-22 |x / scale| of (the same argument as
// kernels/x86/x8_vcvt_avx2.h). Where no lane of r lies within 2^-12 of a
// half-integer, rounding r to nearest gives the reference's rounding half
// away from zero of the quotient (no tie is near, and beyond 512 in
// magnitude the clamp decides); otherwise the 16 values are divided and
// rounded half away from zero explicitly. NaN gives the zero point, the
// clamp is to [min - zp, max - zp] before the zero point is added. A scale
// whose reciprocal is not a normal float is always divided.
// Include only from files compiled with -mavx512f; internal linkage for the
// reason given in kernels/x86/qs8_requant_avx2.h.
#pragma once

#include <immintrin.h>

#include <cmath>
#include <cstddef>
#include <cstdint>

#include "kernels/dispatch.h"

namespace edgert {
namespace x86 {
namespace {

template <typename T>
void F32ToX8Avx512(size_t n, const float* x, T* y, const F32QuantizeParams* params) {
  const __m512 scale = _mm512_set1_ps(params->scale);
  const float inverse = 1.f / params->scale;
  const bool multiply = std::isnormal(inverse);
  const __m512 inv = _mm512_set1_ps(inverse);
  const __m512 lo = _mm512_set1_ps(static_cast<float>(params->min - params->zero_point));
  const __m512 hi = _mm512_set1_ps(static_cast<float>(params->max - params->zero_point));
  const __m512 half = _mm512_set1_ps(0.5f), one = _mm512_set1_ps(1.f);
  const __m512 near = _mm512_set1_ps(0.5f - 1.f / 4096);
  const __m512i zp = _mm512_set1_epi32(params->zero_point);
  const __m512i abs_mask = _mm512_set1_epi32(0x7FFFFFFF);
  auto abs = [&](__m512 v) { return _mm512_castsi512_ps(_mm512_and_si512(_mm512_castps_si512(v), abs_mask)); };
  auto cvt16 = [&](__m512 v) {
    __m512 t;  // the rounded quotient
    const __m512 r = _mm512_mul_ps(v, inv);
    t = _mm512_roundscale_ps(r, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    if (!multiply || _mm512_cmp_ps_mask(abs(_mm512_sub_ps(r, t)), near, _CMP_GT_OQ) != 0) {
      // Divide; floor(|q|), plus one where the remainder is >= 0.5, sign restored.
      const __m512 q = _mm512_div_ps(v, scale);
      const __m512 a = abs(q);
      __m512 f = _mm512_roundscale_ps(a, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
      f = _mm512_mask_add_ps(f, _mm512_cmp_ps_mask(_mm512_sub_ps(a, f), half, _CMP_GE_OQ), f, one);
      t = _mm512_castsi512_ps(
          _mm512_or_si512(_mm512_castps_si512(f), _mm512_andnot_si512(abs_mask, _mm512_castps_si512(q))));
    }
    // NaN -> 0 (lanes not ordered are zeroed), then the clamp; t is integral.
    t = _mm512_min_ps(_mm512_maskz_max_ps(_mm512_cmp_ps_mask(t, t, _CMP_ORD_Q), t, lo), hi);
    return _mm512_add_epi32(_mm512_cvttps_epi32(t), zp);
  };
  for (; n >= 16; n -= 16, x += 16, y += 16)
    _mm_storeu_si128(reinterpret_cast<__m128i*>(y), _mm512_cvtepi32_epi8(cvt16(_mm512_loadu_ps(x))));
  if (n != 0) {
    const __mmask16 mask = static_cast<__mmask16>((1u << n) - 1);
    _mm512_mask_cvtepi32_storeu_epi8(y, mask, cvt16(_mm512_maskz_loadu_ps(mask, x)));
  }
}

}  // namespace
}  // namespace x86
}  // namespace edgert
