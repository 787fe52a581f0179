// Vector f32 exp, expm1, sigmoid and normal-CDF building blocks for the
// transcendental x86 microkernels (included only by kernels/x86/*.cc, compiled
// with -mavx2 -mfma). Each kernel file states the error bound it was measured
// to meet; tests/kernels/elementwise_ukernel_test.cc checks those bounds over
// dense input sweeps against the C++ standard library in double precision.
#pragma once

#include <immintrin.h>

namespace edgert {
namespace x86 {

// expm1(r) for |r| <= ln(2)/2 (+ a little): the Taylor polynomial
// r + r^2/2! + ... + r^7/7!, whose truncation error is below 2e-8 * |r| there.
inline __m256 Expm1Reduced(__m256 r) {
  __m256 q = _mm256_set1_ps(1.f / 5040.f);
  q = _mm256_fmadd_ps(q, r, _mm256_set1_ps(1.f / 720.f));
  q = _mm256_fmadd_ps(q, r, _mm256_set1_ps(1.f / 120.f));
  q = _mm256_fmadd_ps(q, r, _mm256_set1_ps(1.f / 24.f));
  q = _mm256_fmadd_ps(q, r, _mm256_set1_ps(1.f / 6.f));
  q = _mm256_fmadd_ps(q, r, _mm256_set1_ps(0.5f));
  return _mm256_fmadd_ps(q, _mm256_mul_ps(r, r), r);
}

// Range reduction x = n * ln2 + r, |r| <= ln2/2: n rounded to nearest, ln2 split
// in a head of 15 significant bits (n * head exact for |n| < 2^9) and a tail.
inline __m256 ReduceLn2(__m256 x, __m256* n) {
  *n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                       _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  const __m256 r = _mm256_fnmadd_ps(*n, _mm256_set1_ps(0.693145751953125f), x);
  return _mm256_fnmadd_ps(*n, _mm256_set1_ps(1.42860682030941723212e-6f), r);
}

// 2^n for integral n in [-126, 127] (as floats).
inline __m256 Pow2(__m256 n) {
  const __m256i e = _mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127));
  return _mm256_castsi256_ps(_mm256_slli_epi32(e, 23));
}

// exp(x) for every x: +inf above ln(FLT_MAX), gradual underflow through the
// subnormals to +0 below about -103.97, NaN for NaN. 2^n is applied in two
// halves so that n in [-150, 128] needs no special case.
inline __m256 Exp(__m256 x) {
  const __m256 xc = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(-104.f)), _mm256_set1_ps(89.f));
  __m256 n;
  const __m256 p = Expm1Reduced(ReduceLn2(xc, &n));
  const __m256 n1 = _mm256_floor_ps(_mm256_mul_ps(n, _mm256_set1_ps(0.5f)));
  const __m256 s1 = Pow2(n1), s2 = Pow2(_mm256_sub_ps(n, n1));
  const __m256 y = _mm256_mul_ps(_mm256_fmadd_ps(s1, p, s1), s2);
  return _mm256_blendv_ps(y, x, _mm256_cmp_ps(x, x, _CMP_UNORD_Q));  // NaN stays NaN
}

// exp(x) with +0 below kExpFlushBelow = -87 instead of a normal or
// subnormal result under 1.7e-38 (an absolute error below that), and every
// other result normal: x86 cores take a microcode assist of about a hundred
// cycles for each subnormal result or operand, which made the SOFTMAX of
// masked attention scores (exp of -1e4 or less) six times slower. The
// argument is clamped at -87 before Exp (from x >= -87, n >= -126 and the
// scaled result stays at or above FLT_MIN). NaN for NaN.
constexpr float kExpFlushBelow = -87.f;
inline __m256 ExpNoSubnormal(__m256 x) {
  const __m256 cutoff = _mm256_set1_ps(kExpFlushBelow);
  // vmaxps returns its second operand when unordered: NaN stays NaN.
  const __m256 y = Exp(_mm256_max_ps(cutoff, x));
  return _mm256_andnot_ps(_mm256_cmp_ps(x, cutoff, _CMP_LT_OQ), y);
}

// expm1(t) for t <= 0; t below -20 gives -1 (exactly expm1's float value there).
// NaN is not preserved (the callers restore it).
inline __m256 Expm1NonPositive(__m256 t) {
  const __m256 tc = _mm256_max_ps(t, _mm256_set1_ps(-20.f));
  __m256 n;
  const __m256 p = Expm1Reduced(ReduceLn2(tc, &n));
  const __m256 s = Pow2(n);  // n in [-29, 0]
  // s * (1 + p) - 1 = s * p + (s - 1), s - 1 exact: one rounding.
  return _mm256_fmadd_ps(s, p, _mm256_sub_ps(s, _mm256_set1_ps(1.f)));
}

// 1 / (1 + exp(-x)) from e = exp(-|x|) <= 1, without overflow:
// 1 / (1 + e) for x >= 0, e / (1 + e) for x < 0.
inline __m256 SigmoidFromExpNegAbs(__m256 x, __m256 e) {
  const __m256 num = _mm256_blendv_ps(_mm256_set1_ps(1.f), e, x);  // x's sign bit picks e
  return _mm256_div_ps(num, _mm256_add_ps(_mm256_set1_ps(1.f), e));
}

// 1 / (1 + exp(-x)) with gradual underflow below ln FLT_MIN. NaN for NaN.
inline __m256 Sigmoid(__m256 x) {
  return SigmoidFromExpNegAbs(x, Exp(_mm256_or_ps(x, _mm256_set1_ps(-0.f))));
}

// 1 / (1 + exp(-x)) with +0 below kSigmoidFlushBelow = ln FLT_MIN instead of
// a subnormal (an absolute error below 2^-126), and e kept at or above
// FLT_MIN: x86 cores take a microcode assist of about a hundred cycles for
// each subnormal result or operand, which made the LOGISTIC of a
// segmentation mask (most pixels' logits far below -87) ten times slower.
// NaN for NaN.
constexpr float kSigmoidFlushBelow = -87.33654f;
inline __m256 SigmoidNoSubnormal(__m256 x) {
  const __m256 cutoff = _mm256_set1_ps(kSigmoidFlushBelow);
  const __m256 neg_abs = _mm256_or_ps(x, _mm256_set1_ps(-0.f));
  // vmaxps returns its second operand when unordered: NaN stays NaN.
  const __m256 y = SigmoidFromExpNegAbs(x, Exp(_mm256_max_ps(cutoff, neg_abs)));
  return _mm256_andnot_ps(_mm256_cmp_ps(x, cutoff, _CMP_LT_OQ), y);
}

// Phi(x) = P(N(0,1) <= x) = erfc(-x / sqrt(2)) / 2, with relative accuracy in
// the lower tail. With z = |x| / sqrt(2):
//   erfc(z) = exp(-z^2) * t * R(t),  t = 2 / (2 + z),
// R(t) = erfc(z) exp(z^2) / t a Chebyshev series of degree 11 on t in
// [0.16, 1] (z in [0, 10.5]; z is clamped there, exp(-10.5^2) is below the
// smallest subnormal), whose truncation error is below 2e-10 relative.
// z^2 = x^2 / 2 is carried as w/2 + ew/2 with w = x*x and ew = fma(x, x, -w)
// exact, so exp(-z^2) = exp(-w/2) * (1 - ew/2) keeps full relative accuracy.
// Phi = h for x < 0 and 1 - h otherwise, h = erfc(z) / 2.
inline __m256 NormalCdf(__m256 x) {
  // |x| clamped to 15 (Phi's tail is below the smallest subnormal there; x * x
  // stays finite), NaN kept: vminps returns its second operand when unordered.
  const __m256 ax = _mm256_min_ps(_mm256_set1_ps(15.f), _mm256_andnot_ps(_mm256_set1_ps(-0.f), x));
  const __m256 z = _mm256_min_ps(_mm256_set1_ps(10.5f), _mm256_mul_ps(ax, _mm256_set1_ps(0.707106781186547524f)));
  const __m256 t = _mm256_div_ps(_mm256_set1_ps(2.f), _mm256_add_ps(_mm256_set1_ps(2.f), z));
  // u = (2t - (1 + 0.16)) / (1 - 0.16) in [-1, 1]; Clenshaw recurrence.
  const __m256 u = _mm256_fmsub_ps(t, _mm256_set1_ps(2.f / 0.84f), _mm256_set1_ps(1.16f / 0.84f));
  const __m256 u2 = _mm256_add_ps(u, u);
  static constexpr float kC[12] = {6.189737916e-01f,  3.315060139e-01f,  4.886112362e-02f, 1.371575519e-03f,
                                   -6.879043649e-04f, -4.018588152e-05f, 1.559902739e-05f, 3.835109510e-07f,
                                   -4.428953844e-07f, 2.559777634e-08f,  1.107580339e-08f, -2.141260280e-09f};
  __m256 b1 = _mm256_set1_ps(kC[11]), b2 = _mm256_setzero_ps();
  for (int k = 10; k >= 1; --k) {
    const __m256 b0 = _mm256_fmadd_ps(u2, b1, _mm256_sub_ps(_mm256_set1_ps(kC[k]), b2));
    b2 = b1;
    b1 = b0;
  }
  const __m256 r = _mm256_fmadd_ps(u, b1, _mm256_sub_ps(_mm256_set1_ps(kC[0]), b2));
  const __m256 w = _mm256_mul_ps(ax, ax);
  const __m256 half_ew = _mm256_mul_ps(_mm256_fmsub_ps(ax, ax, w), _mm256_set1_ps(0.5f));
  const __m256 e = Exp(_mm256_mul_ps(w, _mm256_set1_ps(-0.5f)));
  // h = erfc(z) / 2 = e * (1 - ew/2) * t * r / 2
  const __m256 tr_half = _mm256_mul_ps(_mm256_mul_ps(t, r), _mm256_set1_ps(0.5f));
  const __m256 h = _mm256_mul_ps(_mm256_fnmadd_ps(e, half_ew, e), tr_half);
  const __m256 upper = _mm256_sub_ps(_mm256_set1_ps(1.f), h);
  return _mm256_blendv_ps(upper, h, x);  // x's sign bit picks h (-0 too: h = 1/2 there)
}

}  // namespace x86
}  // namespace edgert
