// f32 Winograd F(2x2, 3x3) input transform, 16 channels per step (a masked
// tail of 1..15), AVX-512 F: the operations of the AVX2 kernel
// (f32_winograd_input_2x2_3x3_c8_avx2.cc) on twice the lanes. Contract:
// F32WinogradInputUkernelFn (kernels/dispatch.h). Compiled with -mavx512f;
// only adds and subtracts, in the contract's order, so the results equal the
// portable transform's.
#include <immintrin.h>

#include <cstdint>

#include "kernels/x86/ukernels.h"

namespace edgert {

void f32_winograd_input_ukernel_2x2_3x3_c16__avx512f(size_t channels, const float* const* input, float* output,
                                                     size_t output_stride) {
  for (size_t c = 0; c < channels; c += 16) {
    const size_t n = channels - c < 16 ? channels - c : 16;
    const __mmask16 mask = static_cast<__mmask16>((1u << n) - 1);  // lane i active when i < n
    __m512 d[16], w[16];
    for (int e = 0; e < 16; ++e) d[e] = _mm512_maskz_loadu_ps(mask, input[e] + c);
    // V = B^T d B (d row-major 4x4): down the columns, then along the rows.
    for (int j = 0; j < 4; ++j) {
      w[j] = _mm512_sub_ps(d[j], d[8 + j]);
      w[4 + j] = _mm512_add_ps(d[4 + j], d[8 + j]);
      w[8 + j] = _mm512_sub_ps(d[8 + j], d[4 + j]);
      w[12 + j] = _mm512_sub_ps(d[4 + j], d[12 + j]);
    }
    for (int i = 0; i < 4; ++i) {
      const __m512* r = w + 4 * i;
      const __m512 v[4] = {_mm512_sub_ps(r[0], r[2]), _mm512_add_ps(r[1], r[2]), _mm512_sub_ps(r[2], r[1]),
                           _mm512_sub_ps(r[1], r[3])};
      for (int j = 0; j < 4; ++j)
        _mm512_mask_storeu_ps(output + static_cast<size_t>(4 * i + j) * output_stride + c, mask, v[j]);
    }
  }
}

}  // namespace edgert
