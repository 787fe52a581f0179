// MAX_POOL_2D reference kernel (NHWC): the maximum over the window's elements
// inside the input (padding never wins), then the fused activation. f32, i8
// and u8; quantized output must have the input's scale and zero point
// (TFLite's rule), so the maximum is taken over the stored values directly.
#include "kernels/common/conv_util.h"
#include "kernels/reference/reference_kernels.h"

namespace edgert {
namespace ref {
namespace {

struct MaxPoolState {
  Pool2DParams p;
};

}  // namespace

static Status Prepare(KernelContext* ctx) {
  auto* s = ctx->NewState<MaxPoolState>();
  if (s == nullptr) return ctx->Error(StatusCode::kOutOfMemory, "out of memory for op state");
  return PreparePool2D(ctx, &s->p);
}

namespace {

// Maximum over the in-bounds window of output (b, oy, ox, c). Prepare
// guarantees every window holds at least one input element.
template <typename T>
T WindowMax(const Pool2DParams& p, const T* in, int b, int oy, int ox, int c) {
  const int64_t y0 = static_cast<int64_t>(oy) * p.stride_h - p.pad_top;
  const int64_t x0 = static_cast<int64_t>(ox) * p.stride_w - p.pad_left;
  bool any = false;
  T best = T();
  for (int ky = 0; ky < p.filter_h; ++ky) {
    const int64_t y = y0 + ky;
    if (y < 0 || y >= p.in_h) continue;
    for (int kx = 0; kx < p.filter_w; ++kx) {
      const int64_t x = x0 + kx;
      if (x < 0 || x >= p.in_w) continue;
      const T v = in[((static_cast<int64_t>(b) * p.in_h + y) * p.in_w + x) * p.channels + c];
      if (!any || v > best) best = v;
      any = true;
    }
  }
  return best;
}

template <typename T>
void EvalPool(const Pool2DParams& p, const T* in, T* out) {
  for (int b = 0; b < p.batches; ++b)
    for (int oy = 0; oy < p.out_h; ++oy)
      for (int ox = 0; ox < p.out_w; ++ox)
        for (int c = 0; c < p.channels; ++c) {
          const T v = WindowMax(p, in, b, oy, ox, c);
          if (p.type == DType::kF32) {
            *out++ = static_cast<T>(ApplyActivation(static_cast<float>(v), p.float_min, p.float_max));
          } else {
            int32_t q = static_cast<int32_t>(v);
            q = q < p.act_min ? p.act_min : (q > p.act_max ? p.act_max : q);
            *out++ = static_cast<T>(q);
          }
        }
}

}  // namespace

static Status Eval(KernelContext* ctx) {
  const Pool2DParams& p = ctx->state<MaxPoolState>()->p;
  const Tensor* input = ctx->input(0);
  Tensor* output = ctx->output(0);
  switch (p.type) {
    case DType::kF32: EvalPool<float>(p, input->data_as<float>(), output->data_as<float>()); break;
    case DType::kI8: EvalPool<int8_t>(p, input->data_as<int8_t>(), output->data_as<int8_t>()); break;
    case DType::kU8: EvalPool<uint8_t>(p, input->data_as<uint8_t>(), output->data_as<uint8_t>()); break;
    default: return ctx->Unsupported("dtype %s", DTypeName(p.type));
  }
  return Status::Ok();
}

const OpKernel* Register_MAX_POOL_2D() {
  static const OpKernel kernel = {"MAX_POOL_2D/reference", Prepare, Eval, kNoFlags};
  return &kernel;
}

}  // namespace ref
}  // namespace edgert
