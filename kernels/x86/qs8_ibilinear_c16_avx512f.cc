// int8 bilinear interpolation of one output row (kernels/x86/x8_ibilinear_avx512.h).
#include "kernels/x86/ukernels.h"
#include "kernels/x86/x8_ibilinear_avx512.h"

namespace edgert {

void qs8_ibilinear_ukernel_c16__avx512f(size_t pixels, size_t channels, const int8_t* top, const int8_t* bottom,
                                        const int32_t* x_lo, const int32_t* x_hi, const float* dx, float dy,
                                        int8_t* output) {
  x86::X8IBilinearC16Avx512(pixels, channels, top, bottom, x_lo, x_hi, dx, dy, output);
}

}  // namespace edgert
