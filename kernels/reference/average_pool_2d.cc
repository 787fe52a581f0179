// AVERAGE_POOL_2D reference kernel (NHWC). The average is over the window's
// elements inside the input; with count_include_pad, padded positions count
// as zeros (real value 0, i.e. the zero point when quantized) and the divisor
// is filter_h * filter_w. f32, i8 and u8; quantized output must have the
// input's scale and zero point (TFLite's rule). Quantized averages are taken
// over the raw stored values and rounded half away from zero, as TFLite does.
#include "kernels/common/conv_util.h"
#include "kernels/reference/reference_kernels.h"

namespace edgert {
namespace ref {

static Status Prepare(KernelContext* ctx) { return PreparePool2D(ctx); }

namespace {

// Output (pixel, c) of a float pool.
float Average(const Pool2DParams& p, const float* in, int64_t pixel, int c) {
  const Window2D& g = p.window;
  float sum = 0.f;
  int count = 0;
  ForEachWindowTap(g, pixel, [&](int, int, int64_t in_pixel) {
    sum += in[in_pixel * g.in_c + c];
    ++count;
  });
  const int divisor = p.count_include_pad ? g.filter_h * g.filter_w : count;
  return ApplyActivation(sum / static_cast<float>(divisor), p.float_min, p.float_max);
}

// Output (pixel, c) of a quantized pool.
template <typename T>
T Average(const Pool2DParams& p, const T* in, int64_t pixel, int c) {
  const Window2D& g = p.window;
  int64_t acc = 0;
  int count = 0;
  ForEachWindowTap(g, pixel, [&](int, int, int64_t in_pixel) {
    acc += in[in_pixel * g.in_c + c];
    ++count;
  });
  int64_t divisor = count;
  if (p.count_include_pad) {
    const int window = g.filter_h * g.filter_w;
    acc += static_cast<int64_t>(window - count) * p.zero_point;  // padding holds real 0
    divisor = window;
  }
  // Round half away from zero (TFLite's reference average pool).
  acc = acc > 0 ? (acc + divisor / 2) / divisor : (acc - divisor / 2) / divisor;
  if (acc < p.act_min) acc = p.act_min;
  if (acc > p.act_max) acc = p.act_max;
  return static_cast<T>(acc);
}

}  // namespace

static Status Eval(KernelContext* ctx) {
  const Pool2DParams& p = *ctx->state<Pool2DParams>();
  return EvalPool2D(ctx, p, [&p](const auto* in, int64_t pixel, int c) { return Average(p, in, pixel, c); });
}

const OpKernel* Register_AVERAGE_POOL_2D() {
  static const OpKernel kernel = {"AVERAGE_POOL_2D/reference", Prepare, Eval, kNoFlags};
  return &kernel;
}

}  // namespace ref
}  // namespace edgert
