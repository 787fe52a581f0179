// f32 indirect GEMM microkernel (convolution without an im2col copy), 7x32
// tile, AVX-512 F: the two-panel walk of f32_gemm_minmax_ukernel_12x32__avx512f
// (kernels/x86/f32_gemm_12x32_avx512.h) with 7 rows (14 accumulators, each A
// broadcast feeding 2 FMAs) over the taps' row pointers. The indirect path
// keeps 7 rows: a 12-row indirect kernel measured the 3-channel stem of
// resnet18 8-12% slower, the taps of a few channels paying for 12 row
// pointers each. An odd last panel runs alone. Per
// output the arithmetic is that of the GEMM kernel on the gathered patch: one
// FMA chain from the bias over K = taps * kc in order. Contract:
// F32IgemmUkernelFn (kernels/dispatch.h) with NR = 16 packing. Compiled with
// -mavx2 -mfma -mavx512f.
#include <immintrin.h>

#include "kernels/x86/f32_gemm_12x32_avx512.h"
#include "kernels/x86/ukernels.h"

namespace edgert {

constexpr int kRows7 = 7;
using x86_f32::WalkX32;

void f32_igemm_minmax_ukernel_7x32__avx512f(size_t mr, size_t nc, size_t kc, size_t taps, const float* const* a,
                                            const float* w, float* c, size_t c_stride,
                                            const F32MinMaxParams* params) {
  // Rows past mr alias the previous row: they compute and store the same values.
  float* cr[kRows7];
  size_t r[kRows7];
  cr[0] = c;
  r[0] = 0;
  for (size_t i = 1; i < kRows7; ++i) {
    cr[i] = mr > i ? cr[i - 1] + c_stride : cr[i - 1];
    r[i] = mr > i ? i : r[i - 1];
  }
  // Tap t's 7 row pointers: group t of the indirection buffer.
  auto rows = [&](size_t t) {
    x86_f32::RowPointersA<kRows7> at;
#pragma GCC unroll 7
    for (int i = 0; i < kRows7; ++i) at.rows[i] = a[t * kRows7 + r[i]];
    return at;
  };
  WalkX32<kRows7>(nc, kc, taps, rows, w, cr, params);
}

}  // namespace edgert
