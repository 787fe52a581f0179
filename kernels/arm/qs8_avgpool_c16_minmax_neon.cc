// int8 average pooling, 16 channels per step (kernels/arm/x8_avgpool_neon.h).
#include "kernels/arm/ukernels.h"
#include "kernels/arm/x8_avgpool_neon.h"

namespace edgert {

void qs8_avgpool_minmax_ukernel_c16__neon(size_t rows, size_t cols, size_t channels, const int8_t* input,
                                          size_t row_stride, int32_t bias, int32_t divisor, int8_t* output,
                                          const X8MinMaxParams* params) {
  neon::X8AvgPoolC16(rows, cols, channels, input, row_stride, bias, divisor, output, params);
}

}  // namespace edgert
