// f32 ADD of rows: each row of y plus the same-length row of b (or the
// constant c), clamped, with the elementwise kernels' loop (16 floats per
// step, then 4, then lane by lane), so the values are those of f32_vadd /
// f32_vaddc. Contract: F32VAddRowsUkernelFn (kernels/dispatch.h).
#include "kernels/arm/neon_loop.h"
#include "kernels/arm/ukernels.h"

namespace edgert {

void f32_vadd_rows_minmax_ukernel_x16__neon(size_t rows, size_t n, const float* b, size_t b_stride, float c, float* y,
                                            size_t y_stride, const F32MinMaxParams* params) {
  for (size_t r = 0; r < rows; ++r, y += y_stride) {
    if (b != nullptr) {
      neon::BinaryVV<neon::AddOp>(n, y, b, y, params);
      b += b_stride;
    } else {
      neon::BinaryVC<neon::AddOp>(n, y, &c, y, params);
    }
  }
}

}  // namespace edgert
