// f32 Winograd F(2x2, 3x3) input transform, 8 channels per step (a masked
// tail of 1..7), AVX2. Contract: F32WinogradInputUkernelFn
// (kernels/dispatch.h). Compiled with -mavx2 -mfma; only adds and subtracts,
// in the contract's order, so the results equal the portable transform's.
#include <immintrin.h>

#include <cstdint>

#include "kernels/x86/avx2_loop.h"
#include "kernels/x86/ukernels.h"

namespace edgert {
namespace {

// V = B^T d B for the 16 vectors d (row-major 4x4), written to out[e * stride].
inline void InputTransform8(const __m256 d[16], float* out, size_t stride, bool masked, __m256i mask) {
  __m256 w[16];
  for (int j = 0; j < 4; ++j) {
    w[j] = _mm256_sub_ps(d[j], d[8 + j]);
    w[4 + j] = _mm256_add_ps(d[4 + j], d[8 + j]);
    w[8 + j] = _mm256_sub_ps(d[8 + j], d[4 + j]);
    w[12 + j] = _mm256_sub_ps(d[4 + j], d[12 + j]);
  }
  for (int i = 0; i < 4; ++i) {
    const __m256* r = w + 4 * i;
    const __m256 v[4] = {_mm256_sub_ps(r[0], r[2]), _mm256_add_ps(r[1], r[2]), _mm256_sub_ps(r[2], r[1]),
                         _mm256_sub_ps(r[1], r[3])};
    for (int j = 0; j < 4; ++j) {
      float* o = out + static_cast<size_t>(4 * i + j) * stride;
      if (masked)
        _mm256_maskstore_ps(o, mask, v[j]);
      else
        _mm256_storeu_ps(o, v[j]);
    }
  }
}

}  // namespace

void f32_winograd_input_ukernel_2x2_3x3_c8__avx2(size_t channels, const float* const* input, float* output,
                                                 size_t output_stride) {
  __m256 d[16];
  size_t c = 0;
  for (; c + 8 <= channels; c += 8) {
    for (int e = 0; e < 16; ++e) d[e] = _mm256_loadu_ps(input[e] + c);
    InputTransform8(d, output + c, output_stride, false, _mm256_setzero_si256());
  }
  if (c < channels) {
    // Lane i is active when i < channels - c.
    const __m256i mask = x86::TailMask(channels - c);
    for (int e = 0; e < 16; ++e) d[e] = _mm256_maskload_ps(input[e] + c, mask);
    InputTransform8(d, output + c, output_stride, true, mask);
  }
}

}  // namespace edgert
