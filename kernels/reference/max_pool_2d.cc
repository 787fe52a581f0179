// MAX_POOL_2D reference kernel (NHWC): the maximum over the window's elements
// inside the input (padding never wins), then the fused activation. f32, i8
// and u8; quantized output must have the input's scale and zero point
// (TFLite's rule), so the maximum is taken over the stored values directly.
#include "kernels/common/conv_util.h"
#include "kernels/reference/reference_kernels.h"

namespace edgert {
namespace ref {

static Status Prepare(KernelContext* ctx) { return PreparePool2D(ctx); }

namespace {

// Output (pixel, c): the maximum over the in-bounds window, then the
// activation. Prepare guarantees every window holds at least one input element.
template <typename T>
T Max(const Pool2DParams& p, const T* in, int64_t pixel, int c) {
  bool any = false;
  T best = T();
  ForEachWindowTap(p.window, pixel, [&](int, int, int64_t in_pixel) {
    const T v = in[in_pixel * p.window.in_c + c];
    if (!any || v > best) best = v;
    any = true;
  });
  if constexpr (std::is_same<T, float>::value) {
    return ApplyActivation(best, p.float_min, p.float_max);
  } else {
    const int32_t q = static_cast<int32_t>(best);
    return static_cast<T>(q < p.act_min ? p.act_min : (q > p.act_max ? p.act_max : q));
  }
}

}  // namespace

static Status Eval(KernelContext* ctx) {
  const Pool2DParams& p = *ctx->state<Pool2DParams>();
  return EvalPool2D(ctx, p, [&p](const auto* in, int64_t pixel, int c) { return Max(p, in, pixel, c); });
}

const OpKernel* Register_MAX_POOL_2D() {
  static const OpKernel kernel = {"MAX_POOL_2D/reference", Prepare, Eval, kNoFlags};
  return &kernel;
}

}  // namespace ref
}  // namespace edgert
