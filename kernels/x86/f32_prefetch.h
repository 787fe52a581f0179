// Software prefetch of the packed weights (B) of the x86 f32 GEMM
// microkernels. Each K step reads one 64-byte row of a 16-column panel; the
// row kBPrefetchRows ahead is prefetched into L1. The panels stream from L2
// (or, the first time, from memory), and the hardware prefetchers alone left
// the FMAs waiting. Interleaved edgert-bench medians against no prefetch,
// 1 thread, avx512 level (12x32 GEMM, 7x32 indirect GEMM): resnet18 0.88x
// (its 7x7 512-channel layers stream 9.4 MB of weights each), squeezenet1_1
// 0.97-0.98x, face_detection_full_range 0.975x, mobilenet_v2 0.98-0.99x, and
// alike at 2 threads; 32 rows (2 KB) ahead beat 8, 16 and 64. avx2 level
// (4x16 kernels): resnet18 0.86x, mobilenet_v2 0.96x, squeezenet1_1 0.98x.
// The 1x16 matrix-vector kernel prefetches its four rows per step the same
// way (mobilenet_v2's 1280 x 1000 FULLY_CONNECTED: 0.19 -> 0.18 ms).
// A prefetch never faults, so reading past the end of the weights is harmless.
#pragma once

#include <immintrin.h>

#include <cstddef>

namespace edgert {
namespace x86_f32 {

constexpr size_t kBPrefetchRows = 32;

// Prefetches the 16-float row kBPrefetchRows rows after w.
inline void PrefetchB(const float* w) {
  _mm_prefetch(reinterpret_cast<const char*>(w + 16 * kBPrefetchRows), _MM_HINT_T0);
}

}  // namespace x86_f32
}  // namespace edgert
