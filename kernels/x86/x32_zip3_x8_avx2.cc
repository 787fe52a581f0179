// Interleaving of 3 planes of 32-bit values (X32Zip3UkernelFn,
// kernels/dispatch.h), 8 positions per step with AVX2 permutes and blends,
// the last 1..7 one by one. Compiled with -mavx2 -mfma. Values are moved as
// bits (floats are not touched by arithmetic), so any 32-bit type works.
#include <immintrin.h>

#include <cstdint>

#include "kernels/x86/ukernels.h"

namespace edgert {

void x32_zip3_ukernel_x8__avx2(size_t n, const uint32_t* in, size_t plane_stride, uint32_t* out) {
  const uint32_t* a = in;
  const uint32_t* b = in + plane_stride;
  const uint32_t* c = in + 2 * plane_stride;
  // Output vector v takes position 8v + j from plane (8v + j) % 3, element
  // (8v + j) / 3: one index vector per output vector gathers that element
  // from each plane, and blends keep each lane's plane.
  const __m256i idx0 = _mm256_setr_epi32(0, 0, 0, 1, 1, 1, 2, 2);
  const __m256i idx1 = _mm256_setr_epi32(2, 3, 3, 3, 4, 4, 4, 5);
  const __m256i idx2 = _mm256_setr_epi32(5, 5, 6, 6, 6, 7, 7, 7);
  size_t i = 0;
  for (; i + 8 <= n; i += 8, out += 24) {
    const __m256 va = _mm256_castsi256_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(a + i)));
    const __m256 vb = _mm256_castsi256_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + i)));
    const __m256 vc = _mm256_castsi256_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(c + i)));
    // Lane planes: out0 a b c a b c a b, out1 c a b c a b c a, out2 b c a b c a b c.
    // _mm256_blend_ps takes the second operand where the mask bit is set.
    const __m256 o0 = _mm256_blend_ps(
        _mm256_blend_ps(_mm256_permutevar8x32_ps(va, idx0), _mm256_permutevar8x32_ps(vb, idx0), 0x92),
        _mm256_permutevar8x32_ps(vc, idx0), 0x24);
    const __m256 o1 = _mm256_blend_ps(
        _mm256_blend_ps(_mm256_permutevar8x32_ps(va, idx1), _mm256_permutevar8x32_ps(vb, idx1), 0x24),
        _mm256_permutevar8x32_ps(vc, idx1), 0x49);
    const __m256 o2 = _mm256_blend_ps(
        _mm256_blend_ps(_mm256_permutevar8x32_ps(va, idx2), _mm256_permutevar8x32_ps(vb, idx2), 0x49),
        _mm256_permutevar8x32_ps(vc, idx2), 0x92);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out), _mm256_castps_si256(o0));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + 8), _mm256_castps_si256(o1));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + 16), _mm256_castps_si256(o2));
  }
  for (; i < n; ++i, out += 3) {
    out[0] = a[i];
    out[1] = b[i];
    out[2] = c[i];
  }
}

}  // namespace edgert
