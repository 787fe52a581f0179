// Per-channel sums of int8 pixels, 16 channels per step (kernels/arm/x8_gsum_neon.h).
#include "kernels/arm/ukernels.h"
#include "kernels/arm/x8_gsum_neon.h"

namespace edgert {

void qs8_gsum_ukernel_c16__neon(size_t pixels, size_t channels, const int8_t* input, size_t pixel_stride,
                                int32_t* sums) {
  neon::X8GSumC16(pixels, channels, input, pixel_stride, sums);
}

}  // namespace edgert
