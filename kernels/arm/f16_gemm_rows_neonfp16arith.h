// The f16 GEMM and indirect GEMM microkernels' body, R rows x 16 columns,
// ARMv8.2 half-precision arithmetic: each row's A values are read four at a
// time as f32 and narrowed to f16 (one FCVTN per four), and each K step is two
// 8-lane f16 multiply-adds per row (twice the lanes of the f32 kernels'),
// from the packed f16 bias, in K order (taps in order for the indirect form).
// The sums are widened to f32 before the clamp. Contracts: F16GemmUkernelFn
// and F16IgemmUkernelFn (kernels/dispatch.h). Included only by the
// *_neonfp16arith.cc files (compiled with +fp16).
#pragma once

#include <arm_neon.h>

#include <cstddef>
#include <cstdint>

#include "kernels/arm/f32_neon_store.h"
#include "kernels/dispatch.h"

namespace edgert {
namespace neon_f16 {

// R rows (R <= 8 fits the 32 vector registers: 2R sums, R A values, 2 B).
// a: taps groups of R row pointers (F16IgemmUkernelFn's layout with MR = R;
// the GEMM passes one tap); pointers of rows past mr are not read: those rows
// alias row mr - 1 and compute and store the same values.
template <int R>
void IgemmRows(size_t mr, size_t nc, size_t kc, size_t taps, const float* const* a, const uint16_t* w, float* c,
               size_t c_stride, const F32MinMaxParams* params) {
  size_t row[R];  // the row each row slot reads and writes
  float* cr[R];
  for (int i = 0; i < R; ++i) {
    row[i] = static_cast<size_t>(i) < mr ? static_cast<size_t>(i) : mr - 1;
    cr[i] = c + row[i] * c_stride;
  }
  const float32x4_t vmin = vdupq_n_f32(params->min);
  const float32x4_t vmax = vdupq_n_f32(params->max);
  const float16_t* wp = reinterpret_cast<const float16_t*>(w);

  for (size_t n0 = 0; n0 < nc; n0 += 16) {
    float16x8_t lo[R], hi[R];
    const float16x8_t bias_lo = vld1q_f16(wp), bias_hi = vld1q_f16(wp + 8);
    wp += 16;
    for (int i = 0; i < R; ++i) {
      lo[i] = bias_lo;
      hi[i] = bias_hi;
    }
#define EDGERT_F16_GEMM_STEP(L)                                       \
  {                                                                   \
    const float16x8_t blo = vld1q_f16(wp), bhi = vld1q_f16(wp + 8);   \
    wp += 16;                                                         \
    for (int i = 0; i < R; ++i) {                                     \
      lo[i] = vfmaq_lane_f16(lo[i], blo, x[i], L);                    \
      hi[i] = vfmaq_lane_f16(hi[i], bhi, x[i], L);                    \
    }                                                                 \
  }
    for (size_t t = 0; t < taps; ++t) {
      const float* ar[R];
      for (int i = 0; i < R; ++i) ar[i] = a[t * R + row[i]];
      size_t k = 0;
      for (; k + 4 <= kc; k += 4) {
        float16x4_t x[R];
        for (int i = 0; i < R; ++i) x[i] = vcvt_f16_f32(vld1q_f32(ar[i] + k));
        EDGERT_F16_GEMM_STEP(0)
        EDGERT_F16_GEMM_STEP(1)
        EDGERT_F16_GEMM_STEP(2)
        EDGERT_F16_GEMM_STEP(3)
      }
      // K tail: one value per row, narrowed the same way (round to nearest even).
      for (; k < kc; ++k) {
        float16x4_t x[R];
        for (int i = 0; i < R; ++i) x[i] = vcvt_f16_f32(vdupq_n_f32(ar[i][k]));
        EDGERT_F16_GEMM_STEP(0)
      }
    }
#undef EDGERT_F16_GEMM_STEP
    const size_t n = nc - n0;
    // Highest row first, so that aliased rows end with the lowest row's (identical) values.
    for (int i = R - 1; i >= 0; --i) {
      float32x4_t out[4];
      out[0] = vminq_f32(vmaxq_f32(vcvt_f32_f16(vget_low_f16(lo[i])), vmin), vmax);
      out[1] = vminq_f32(vmaxq_f32(vcvt_high_f32_f16(lo[i]), vmin), vmax);
      out[2] = vminq_f32(vmaxq_f32(vcvt_f32_f16(vget_low_f16(hi[i])), vmin), vmax);
      out[3] = vminq_f32(vmaxq_f32(vcvt_high_f32_f16(hi[i]), vmin), vmax);
      neon_f32::StoreRow16(cr[i] + n0, out, n);
    }
  }
}

// The GEMM form: R rows at a + i * a_stride, one tap.
template <int R>
void GemmRows(size_t mr, size_t nc, size_t kc, const float* a, size_t a_stride, const uint16_t* w, float* c,
              size_t c_stride, const F32MinMaxParams* params) {
  const float* rows[R];
  for (int i = 0; i < R; ++i) rows[i] = a + (static_cast<size_t>(i) < mr ? static_cast<size_t>(i) : mr - 1) * a_stride;
  IgemmRows<R>(mr, nc, kc, 1, rows, w, c, c_stride, params);
}

}  // namespace neon_f16
}  // namespace edgert
