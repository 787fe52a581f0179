// int8 bilinear interpolation of one output row (kernels/arm/x8_ibilinear_neon.h).
#include "kernels/arm/ukernels.h"
#include "kernels/arm/x8_ibilinear_neon.h"

namespace edgert {

void qs8_ibilinear_ukernel_c16__neon(size_t pixels, size_t channels, const int8_t* top, const int8_t* bottom,
                                     const int32_t* x_lo, const int32_t* x_hi, const float* dx, float dy,
                                     int8_t* output) {
  neon::X8IBilinearC16(pixels, channels, top, bottom, x_lo, x_hi, dx, dy, output);
}

}  // namespace edgert
