// uint8 average pooling, 16 channels per step (kernels/x86/x8_avgpool_avx2.h).
#include "kernels/x86/ukernels.h"
#include "kernels/x86/x8_avgpool_avx2.h"

namespace edgert {

void qu8_avgpool_minmax_ukernel_c16__avx2(size_t rows, size_t cols, size_t channels, const uint8_t* input,
                                          size_t row_stride, int32_t bias, int32_t divisor, uint8_t* output,
                                          const X8MinMaxParams* params) {
  x86::X8AvgPoolC16(rows, cols, channels, input, row_stride, bias, divisor, output, params);
}

}  // namespace edgert
