#include "kernels/optimized/f32_epilogue.h"

#include <algorithm>

#include "kernels/common/quant.h"
#include "kernels/optimized/elementwise.h"

namespace edgert {
namespace opt {

void F32Epilogue::Apply(float* out, size_t oc, size_t row0, size_t rows, size_t col0, size_t cols) const {
  if (cols == oc) {  // whole rows: one contiguous run (narrow layers would otherwise pay a call per row)
    col0 = row0 * oc;
    cols *= rows;
    row0 = 0;
    rows = 1;
  }
  const F32UnaryParams params = PlainActivationParams();
  for (size_t r = row0; r < row0 + rows; ++r) {
    float* y = out + r * oc + col0;
    if (residual != nullptr) {
      const float* b = residual->data_as<float>() + r * oc + col0;
      if (vadd != nullptr) {
        vadd(cols, y, b, y, &residual_minmax);
      } else {
        for (size_t j = 0; j < cols; ++j)
          y[j] = std::min(std::max(y[j] + b[j], residual_minmax.min), residual_minmax.max);
      }
    }
    if (post != nullptr) post(cols, y, y, &params);
  }
}

void TakeF32Epilogue(KernelContext* ctx, F32Epilogue* e) {
  schema::Activation residual_act = schema::Activation_NONE;
  if (ctx->TakeResidualAdd(&e->residual, &residual_act)) {
    ActivationRangeFloat(residual_act, &e->residual_minmax.min, &e->residual_minmax.max);
    e->vadd = GetKernelIsa().f32_vbinary.add.op;
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
