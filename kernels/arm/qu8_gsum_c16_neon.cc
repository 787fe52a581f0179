// Per-channel sums of uint8 pixels, 16 channels per step (kernels/arm/x8_gsum_neon.h).
#include "kernels/arm/ukernels.h"
#include "kernels/arm/x8_gsum_neon.h"

namespace edgert {

void qu8_gsum_ukernel_c16__neon(size_t pixels, size_t channels, const uint8_t* input, size_t pixel_stride,
                                int32_t* sums) {
  neon::X8GSumC16(pixels, channels, input, pixel_stride, sums);
}

}  // namespace edgert
