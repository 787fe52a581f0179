// Interleaving of 3 planes of bytes (X8Zip3UkernelFn, kernels/dispatch.h),
// 16 positions per step, the last 1..15 one by one. Compiled with -mavx2
// -mfma; uses the 128-bit byte shuffle (SSSE3).
//
// Output block k (k = 0, 1, 2) of a step holds bytes 16k..16k+15 of the 48
// interleaved ones; byte g comes from plane g % 3, position g / 3. One
// shuffle mask per plane and block picks those bytes (0x80 elsewhere gives
// zero), and the three shuffles are OR-ed.
#include <immintrin.h>

#include <cstdint>

#include "kernels/x86/ukernels.h"

namespace edgert {
namespace {

// Mask of plane `plane` for output block `block`: byte j is (16 block + j) / 3
// where (16 block + j) % 3 == plane, else 0x80.
struct Zip3Masks {
  alignas(16) uint8_t m[3][3][16];  // [block][plane][byte]
  constexpr Zip3Masks() : m() {
    for (int block = 0; block < 3; ++block)
      for (int plane = 0; plane < 3; ++plane)
        for (int j = 0; j < 16; ++j) {
          const int g = 16 * block + j;
          m[block][plane][j] = static_cast<uint8_t>(g % 3 == plane ? g / 3 : 0x80);
        }
  }
};
constexpr Zip3Masks kMasks;

inline __m128i Mask(int block, int plane) {
  return _mm_load_si128(reinterpret_cast<const __m128i*>(kMasks.m[block][plane]));
}

}  // namespace

void x8_zip3_ukernel_x16__avx2(size_t n, const uint8_t* in, size_t plane_stride, uint8_t* out) {
  const uint8_t* a = in;
  const uint8_t* b = in + plane_stride;
  const uint8_t* c = in + 2 * plane_stride;
  const __m128i ma0 = Mask(0, 0), mb0 = Mask(0, 1), mc0 = Mask(0, 2);
  const __m128i ma1 = Mask(1, 0), mb1 = Mask(1, 1), mc1 = Mask(1, 2);
  const __m128i ma2 = Mask(2, 0), mb2 = Mask(2, 1), mc2 = Mask(2, 2);
  size_t i = 0;
  for (; i + 16 <= n; i += 16, out += 48) {
    const __m128i va = _mm_loadu_si128(reinterpret_cast<const __m128i*>(a + i));
    const __m128i vb = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b + i));
    const __m128i vc = _mm_loadu_si128(reinterpret_cast<const __m128i*>(c + i));
    const __m128i o0 =
        _mm_or_si128(_mm_or_si128(_mm_shuffle_epi8(va, ma0), _mm_shuffle_epi8(vb, mb0)), _mm_shuffle_epi8(vc, mc0));
    const __m128i o1 =
        _mm_or_si128(_mm_or_si128(_mm_shuffle_epi8(va, ma1), _mm_shuffle_epi8(vb, mb1)), _mm_shuffle_epi8(vc, mc1));
    const __m128i o2 =
        _mm_or_si128(_mm_or_si128(_mm_shuffle_epi8(va, ma2), _mm_shuffle_epi8(vb, mb2)), _mm_shuffle_epi8(vc, mc2));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out), o0);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + 16), o1);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + 32), o2);
  }
  for (; i < n; ++i, out += 3) {
    out[0] = a[i];
    out[1] = b[i];
    out[2] = c[i];
  }
}

}  // namespace edgert
