// int8 per-channel sums of up to 256 pixels (kernels/x86/x8_gsum_avx2.h).
#include "kernels/x86/ukernels.h"
#include "kernels/x86/x8_gsum_avx2.h"

namespace edgert {

void qs8_gsum_ukernel_c16__avx2(size_t pixels, size_t channels, const int8_t* input, size_t pixel_stride,
                                int32_t* sums) {
  x86::X8GSumC16(pixels, channels, input, pixel_stride, sums);
}

}  // namespace edgert
