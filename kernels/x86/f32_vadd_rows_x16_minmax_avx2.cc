// f32 ADD of rows: each row of y plus the same-length row of b (or the
// constant c), clamped, 16 floats per step with the elementwise kernels' loop
// (masked tail), so the values are those of f32_vadd / f32_vaddc.
// Contract: F32VAddRowsUkernelFn (kernels/dispatch.h). Compiled with -mavx2 -mfma.
#include "kernels/x86/avx2_loop.h"
#include "kernels/x86/ukernels.h"

namespace edgert {

void f32_vadd_rows_minmax_ukernel_x16__avx2(size_t rows, size_t n, const float* b, size_t b_stride, float c, float* y,
                                            size_t y_stride, const F32MinMaxParams* params) {
  for (size_t r = 0; r < rows; ++r, y += y_stride) {
    if (b != nullptr) {
      x86::BinaryVV<x86::AddOp>(n, y, b, y, params);
      b += b_stride;
    } else {
      x86::BinaryVC<x86::AddOp>(n, y, &c, y, params);
    }
  }
}

}  // namespace edgert
