#include "kernels/optimized/f32_epilogue.h"

#include <algorithm>

#include "kernels/common/quant.h"
#include "kernels/optimized/elementwise.h"

namespace edgert {
namespace opt {

namespace {

// y[r * y_stride + i] = clamp(y[...] + (b != nullptr ? b[r * b_stride + i] : c)), as F32VAddRowsUkernelFn.
void AddRows(F32VAddRowsUkernelFn fn, size_t rows, size_t n, const float* b, size_t b_stride, float c, float* y,
             size_t y_stride, const F32MinMaxParams& minmax) {
  if (n == 0 || rows == 0) return;
  if (fn != nullptr) {
    fn(rows, n, b, b_stride, c, y, y_stride, &minmax);
    return;
  }
  for (size_t r = 0; r < rows; ++r, y += y_stride)
    for (size_t j = 0; j < n; ++j)
      y[j] = std::min(std::max(y[j] + (b != nullptr ? b[r * b_stride + j] : c), minmax.min), minmax.max);
}

}  // namespace

void F32Epilogue::Apply(float* out, size_t oc, size_t row0, size_t rows, size_t col0, size_t cols) const {
  float* y = out + row0 * oc + col0;
  if (residual != nullptr && residual_columns == 0) {
    // Whole rows are one contiguous run (narrow layers would otherwise pay a call per row).
    const float* b = residual->data_as<float>() + row0 * oc + col0;
    if (cols == oc)
      AddRows(vadd_rows, 1, rows * oc, b, 0, 0.f, y, 0, residual_minmax);
    else
      AddRows(vadd_rows, rows, cols, b, oc, 0.f, y, oc, residual_minmax);
  } else if (residual != nullptr) {
    // The channel-padded operand: its columns [pad_before, pad_before + rc)
    // from the PAD's input, row by row; the others are the pad value.
    const size_t rc = residual_columns, end = col0 + cols;
    const size_t lo = std::max(col0, pad_before), hi = std::min(end, pad_before + rc);
    float* base = out + row0 * oc;
    if (lo < hi)
      AddRows(vadd_rows, rows, hi - lo, residual->data_as<float>() + row0 * rc + (lo - pad_before), rc, 0.f, base + lo,
              oc, residual_minmax);
    const size_t head_end = std::min(pad_before, end), tail = std::max(col0, pad_before + rc);
    AddRows(vadd_rows, rows, head_end > col0 ? head_end - col0 : 0, nullptr, 0, pad_value, base + col0, oc,
            residual_minmax);
    AddRows(vadd_rows, rows, end > tail ? end - tail : 0, nullptr, 0, pad_value, base + tail, oc, residual_minmax);
  }
  if (post == nullptr) return;
  const F32UnaryParams params = PlainActivationParams();
  if (cols == oc) {
    post(rows * oc, y, y, &params);
  } else {
    for (size_t r = 0; r < rows; ++r) post(cols, y + r * oc, y + r * oc, &params);
  }
}

void TakeF32Epilogue(KernelContext* ctx, F32Epilogue* e) {
  schema::Activation residual_act = schema::Activation_NONE;
  KernelContext::ResidualOperand operand;
  if (ctx->TakeResidualAdd(&operand, &residual_act)) {
    e->residual = operand.tensor;
    const Shape& rs = operand.tensor->shape;
    const Shape& os = ctx->output(0)->shape;
    if (!(rs == os)) {  // the input of a channel PAD
      e->residual_columns = static_cast<size_t>(rs.dims[rs.rank - 1]);
      e->pad_before = static_cast<size_t>(operand.pad_before);
      e->pad_value = operand.pad_value;
    }
    ActivationRangeFloat(residual_act, &e->residual_minmax.min, &e->residual_minmax.max);
    e->vadd_rows = GetKernelIsa().f32_vadd_rows;
  }
  schema::OpType act_type;
  const OpKernel* act_kernel = nullptr;
  if (ctx->OfferedActivation(&act_type, &act_kernel)) {
    const F32VUnaryUkernelFn post = FusableActivation(act_type, act_kernel);
    if (post != nullptr && ctx->TakeActivation()) e->post = post;
  }
}

}  // namespace opt
}  // namespace edgert
