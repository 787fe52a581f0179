// Vector f32 exp, expm1, sigmoid and normal-CDF building blocks for the
// transcendental aarch64 microkernels (Advanced SIMD with fused multiply-add,
// present on every aarch64 CPU). The same approximations, operation for
// operation, as kernels/x86/fma3_math.h (which explains their error analysis),
// so the kernels meet the same bounds; each kernel file states the bound it was
// measured to meet, and tests/kernels/elementwise_ukernel_test.cc checks those
// bounds over dense input sweeps against the C++ standard library in double.
#pragma once

#include <arm_neon.h>

#include "kernels/arm/neon_loop.h"

namespace edgert {
namespace neon {

// a * b - c with one rounding.
inline float32x4_t MulSub(float32x4_t a, float32x4_t b, float32x4_t c) { return vfmaq_f32(vnegq_f32(c), a, b); }

// -|x| (the sign bit set; NaN stays NaN).
inline float32x4_t NegAbs(float32x4_t x) {
  return vreinterpretq_f32_u32(vorrq_u32(vreinterpretq_u32_f32(x), vdupq_n_u32(0x80000000u)));
}

// expm1(r) for |r| <= ln(2)/2 (+ a little): the Taylor polynomial
// r + r^2/2! + ... + r^7/7!, whose truncation error is below 2e-8 * |r| there.
inline float32x4_t Expm1Reduced(float32x4_t r) {
  float32x4_t q = vdupq_n_f32(1.f / 5040.f);
  q = vfmaq_f32(vdupq_n_f32(1.f / 720.f), q, r);
  q = vfmaq_f32(vdupq_n_f32(1.f / 120.f), q, r);
  q = vfmaq_f32(vdupq_n_f32(1.f / 24.f), q, r);
  q = vfmaq_f32(vdupq_n_f32(1.f / 6.f), q, r);
  q = vfmaq_f32(vdupq_n_f32(0.5f), q, r);
  return vfmaq_f32(r, q, vmulq_f32(r, r));
}

// Range reduction x = n * ln2 + r, |r| <= ln2/2: n rounded to nearest (ties to
// even), ln2 split in a head of 15 significant bits (n * head exact for
// |n| < 2^9) and a tail.
inline float32x4_t ReduceLn2(float32x4_t x, float32x4_t* n) {
  *n = vrndnq_f32(vmulq_f32(x, vdupq_n_f32(1.44269504088896341f)));
  const float32x4_t r = vfmsq_f32(x, *n, vdupq_n_f32(0.693145751953125f));
  return vfmsq_f32(r, *n, vdupq_n_f32(1.42860682030941723212e-6f));
}

// 2^n for integral n in [-126, 127] (as floats).
inline float32x4_t Pow2(float32x4_t n) {
  const int32x4_t e = vaddq_s32(vcvtq_s32_f32(n), vdupq_n_s32(127));
  return vreinterpretq_f32_s32(vshlq_n_s32(e, 23));
}

// exp(x) for every x: +inf above ln(FLT_MAX), gradual underflow through the
// subnormals to +0 below about -103.97, NaN for NaN. 2^n is applied in two
// halves so that n in [-150, 128] needs no special case.
inline float32x4_t Exp(float32x4_t x) {
  const float32x4_t xc = vminq_f32(vmaxq_f32(x, vdupq_n_f32(-104.f)), vdupq_n_f32(89.f));
  float32x4_t n;
  const float32x4_t p = Expm1Reduced(ReduceLn2(xc, &n));
  const float32x4_t n1 = vrndmq_f32(vmulq_f32(n, vdupq_n_f32(0.5f)));
  const float32x4_t s1 = Pow2(n1), s2 = Pow2(vsubq_f32(n, n1));
  const float32x4_t y = vmulq_f32(vfmaq_f32(s1, s1, p), s2);
  return vbslq_f32(vceqq_f32(x, x), y, x);  // NaN stays NaN
}

// exp(x) with +0 below -87 instead of a result under 1.7e-38, every other
// result normal, as x86::ExpNoSubnormal (kernels/x86/fma3_math.h: SOFTMAX's
// exponentials), so that every ISA level gives the same values there. NaN
// for NaN (FMAX propagates it; the compare is false for it).
inline float32x4_t ExpNoSubnormal(float32x4_t x) {
  const float32x4_t cutoff = vdupq_n_f32(-87.f);
  const float32x4_t y = Exp(vmaxq_f32(cutoff, x));
  return vreinterpretq_f32_u32(vbicq_u32(vreinterpretq_u32_f32(y), vcltq_f32(x, cutoff)));
}

// expm1(t) for t <= 0; t below -20 gives -1 (exactly expm1's float value there).
// NaN is not preserved (the callers restore it).
inline float32x4_t Expm1NonPositive(float32x4_t t) {
  const float32x4_t tc = vmaxq_f32(t, vdupq_n_f32(-20.f));
  float32x4_t n;
  const float32x4_t p = Expm1Reduced(ReduceLn2(tc, &n));
  const float32x4_t s = Pow2(n);  // n in [-29, 0]
  // s * (1 + p) - 1 = s * p + (s - 1), s - 1 exact: one rounding.
  return vfmaq_f32(vsubq_f32(s, vdupq_n_f32(1.f)), s, p);
}

// 1 / (1 + exp(-x)) from e = exp(-|x|) <= 1, without overflow:
// 1 / (1 + e) for x >= 0, e / (1 + e) for x < 0.
inline float32x4_t SigmoidFromExpNegAbs(float32x4_t x, float32x4_t e) {
  const float32x4_t one = vdupq_n_f32(1.f);
  const float32x4_t num = vbslq_f32(SignMask(x), e, one);  // x's sign bit picks e
  return vdivq_f32(num, vaddq_f32(one, e));
}

// 1 / (1 + exp(-x)) with gradual underflow below ln FLT_MIN. NaN for NaN.
inline float32x4_t Sigmoid(float32x4_t x) { return SigmoidFromExpNegAbs(x, Exp(NegAbs(x))); }

// 1 / (1 + exp(-x)) with +0 below ln FLT_MIN instead of a subnormal, as
// x86::SigmoidNoSubnormal (kernels/x86/fma3_math.h), so that every ISA level
// gives the same values there. NaN for NaN (FMAX propagates it).
inline float32x4_t SigmoidNoSubnormal(float32x4_t x) {
  const float32x4_t cutoff = vdupq_n_f32(-87.33654f);
  const float32x4_t y = SigmoidFromExpNegAbs(x, Exp(vmaxq_f32(NegAbs(x), cutoff)));
  return vreinterpretq_f32_u32(vbicq_u32(vreinterpretq_u32_f32(y), vcltq_f32(x, cutoff)));
}

// Phi(x) = P(N(0,1) <= x) = erfc(-x / sqrt(2)) / 2, with relative accuracy in
// the lower tail: erfc(z) = exp(-z^2) * t * R(t), t = 2 / (2 + z),
// z = |x| / sqrt(2) clamped to [0, 10.5], R a Chebyshev series of degree 11 on
// t in [0.16, 1]; exp(-z^2) from the exact split x^2 = w + ew (see
// kernels/x86/fma3_math.h). Phi = h for x < 0 and 1 - h otherwise,
// h = erfc(z) / 2.
inline float32x4_t NormalCdf(float32x4_t x) {
  // |x| clamped to 15 (x * x stays finite); NaN stays NaN through FMIN.
  const float32x4_t ax = vminq_f32(vdupq_n_f32(15.f), vabsq_f32(x));
  const float32x4_t z = vminq_f32(vdupq_n_f32(10.5f), vmulq_f32(ax, vdupq_n_f32(0.707106781186547524f)));
  const float32x4_t t = vdivq_f32(vdupq_n_f32(2.f), vaddq_f32(vdupq_n_f32(2.f), z));
  // u = (2t - (1 + 0.16)) / (1 - 0.16) in [-1, 1]; Clenshaw recurrence.
  const float32x4_t u = MulSub(t, vdupq_n_f32(2.f / 0.84f), vdupq_n_f32(1.16f / 0.84f));
  const float32x4_t u2 = vaddq_f32(u, u);
  static constexpr float kC[12] = {6.189737916e-01f,  3.315060139e-01f,  4.886112362e-02f, 1.371575519e-03f,
                                   -6.879043649e-04f, -4.018588152e-05f, 1.559902739e-05f, 3.835109510e-07f,
                                   -4.428953844e-07f, 2.559777634e-08f,  1.107580339e-08f, -2.141260280e-09f};
  float32x4_t b1 = vdupq_n_f32(kC[11]), b2 = vdupq_n_f32(0.f);
  for (int k = 10; k >= 1; --k) {
    const float32x4_t b0 = vfmaq_f32(vsubq_f32(vdupq_n_f32(kC[k]), b2), u2, b1);
    b2 = b1;
    b1 = b0;
  }
  const float32x4_t r = vfmaq_f32(vsubq_f32(vdupq_n_f32(kC[0]), b2), u, b1);
  const float32x4_t w = vmulq_f32(ax, ax);
  const float32x4_t half_ew = vmulq_f32(MulSub(ax, ax, w), vdupq_n_f32(0.5f));
  const float32x4_t e = Exp(vmulq_f32(w, vdupq_n_f32(-0.5f)));
  // h = erfc(z) / 2 = e * (1 - ew/2) * t * r / 2
  const float32x4_t tr_half = vmulq_f32(vmulq_f32(t, r), vdupq_n_f32(0.5f));
  const float32x4_t h = vmulq_f32(vfmsq_f32(e, e, half_ew), tr_half);
  const float32x4_t upper = vsubq_f32(vdupq_n_f32(1.f), h);
  return vbslq_f32(SignMask(x), h, upper);  // x's sign bit picks h (-0 too: h = 1/2 there)
}

}  // namespace neon
}  // namespace edgert
