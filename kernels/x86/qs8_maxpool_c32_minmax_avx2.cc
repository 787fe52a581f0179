// int8 max pooling, 32 channels per step (kernels/x86/x8_maxpool_avx2.h).
#include "kernels/x86/ukernels.h"
#include "kernels/x86/x8_maxpool_avx2.h"

namespace edgert {

void qs8_maxpool_minmax_ukernel_c32__avx2(size_t rows, size_t cols, size_t channels, const int8_t* input,
                                          size_t row_stride, int8_t* output, const X8MinMaxParams* params) {
  x86::X8MaxPoolC32(rows, cols, channels, input, row_stride, output, params);
}

}  // namespace edgert
