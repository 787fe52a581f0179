// uint8 max pooling, 16 channels per step (kernels/arm/x8_maxpool_neon.h).
#include "kernels/arm/ukernels.h"
#include "kernels/arm/x8_maxpool_neon.h"

namespace edgert {

void qu8_maxpool_minmax_ukernel_c16__neon(size_t rows, size_t cols, size_t channels, const uint8_t* input,
                                          size_t row_stride, uint8_t* output, const X8MinMaxParams* params) {
  neon::X8MaxPoolC16(rows, cols, channels, input, row_stride, output, params);
}

}  // namespace edgert
