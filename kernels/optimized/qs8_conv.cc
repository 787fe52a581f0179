#include "kernels/optimized/qs8_conv.h"

#include <algorithm>
#include <cstdlib>

namespace edgert {
namespace opt {

bool MakeQS8ChannelWords(const ConvQuantParams& q, int c, const int8_t* w, size_t k, size_t stride, int32_t bias,
                         QS8ChannelWords* out) {
  const int64_t wzp = q.weight_zp[c];
  int64_t sum = 0, abs_sum = 0;
  for (size_t i = 0; i < k; ++i) {
    const int64_t v = w[i * stride] - wzp;
    sum += v;
    abs_sum += v < 0 ? -v : v;
  }
  const int64_t max_dev = std::max<int64_t>(127 - q.input_zp, q.input_zp + 128);
  const int64_t bound = (bias < 0 ? -static_cast<int64_t>(bias) : bias) + abs_sum * max_dev;
  if (bound > INT32_MAX) return false;
  out->acc0 = static_cast<int32_t>(bias - q.input_zp * sum);  // |acc0| <= bound
  out->multiplier = q.multiplier[c];
  out->left = std::max(q.shift[c], 0);
  out->right = std::max(-q.shift[c], 0);
  return true;
}

bool QS8WithConstantWeights(KernelContext* ctx) {
  const Tensor* bias = ctx->input(2);
  return ctx->input(0)->dtype == DType::kI8 && ctx->output(0)->dtype == DType::kI8 &&
         ctx->input(1)->dtype == DType::kI8 && ctx->input(1)->is_constant && (bias == nullptr || bias->is_constant);
}

}  // namespace opt
}  // namespace edgert
