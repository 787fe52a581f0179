// f32 GEMM microkernel, 12x32 tile, AVX-512 F, broadcast A / packed B. It walks
// two adjacent NR = 16 panels of the packed B at once: each A broadcast feeds
// 2 FMAs, 24 independent accumulators cover the FMA latency of two 512-bit FMA
// ports, and each 64-byte B load feeds 12 FMAs, so streaming B from L2 (the
// usual case: a column block is reused by every row tile) needs half the
// bandwidth of a 7-row tile (measured 78-85% of the FMA peak with B from L2,
// against 73-76% at 7 rows; 14 rows measured lower, 74-79%). An odd last panel
// runs alone. A short last row tile (mr <= 8, mr <= 4) runs an 8- or 4-row
// walk instead of computing aliased rows. Contract: F32GemmUkernelFn
// (kernels/dispatch.h) with NR = 16 packing, as the AVX2 kernels. Compiled
// with -mavx2 -mfma -mavx512f.
#include <immintrin.h>

#include "kernels/x86/f32_gemm_12x32_avx512.h"
#include "kernels/x86/ukernels.h"

namespace edgert {
namespace {

using x86_f32::WalkX32;

template <int MR>
void GemmRows(size_t mr, size_t nc, size_t kc, const float* a, size_t a_stride, const float* w, float* c,
              size_t c_stride, const F32MinMaxParams* params) {
  // Rows past mr alias the previous row: they compute and store the same values.
  const float* ar[MR];
  float* cr[MR];
  ar[0] = a;
  cr[0] = c;
  for (size_t i = 1; i < MR; ++i) {
    ar[i] = mr > i ? ar[i - 1] + a_stride : ar[i - 1];
    cr[i] = mr > i ? cr[i - 1] + c_stride : cr[i - 1];
  }
  if (mr == MR) {  // full tile: the rows are a_stride apart
    WalkX32<MR>(nc, kc, 1, [&](size_t /*tap*/) { return x86_f32::StridedRowsA<MR>(a, a_stride); }, w, cr, params);
    return;
  }
  // One tap: the A rows themselves.
  auto rows = [&](size_t /*tap*/) {
    x86_f32::RowPointersA<MR> at;
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i) at.rows[i] = ar[i];
    return at;
  };
  WalkX32<MR>(nc, kc, 1, rows, w, cr, params);
}

}  // namespace

void f32_gemm_minmax_ukernel_12x32__avx512f(size_t mr, size_t nc, size_t kc, const float* a, size_t a_stride,
                                            const float* w, float* c, size_t c_stride, const F32MinMaxParams* params) {
  if (mr > 8) {
    GemmRows<12>(mr, nc, kc, a, a_stride, w, c, c_stride, params);
  } else if (mr > 4) {
    GemmRows<8>(mr, nc, kc, a, a_stride, w, c, c_stride, params);
  } else {
    GemmRows<4>(mr, nc, kc, a, a_stride, w, c, c_stride, params);
  }
}

}  // namespace edgert
