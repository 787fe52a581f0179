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
namespace {

struct AveragePoolState {
  Pool2DParams p;
};

// Calls fn(input_index) for each in-bounds element of the window of output
// (b, oy, ox, c); returns the number of those elements.
template <typename Fn>
inline int ForEachInWindow(const Pool2DParams& p, int b, int oy, int ox, int c, Fn fn) {
  const int64_t y0 = static_cast<int64_t>(oy) * p.stride_h - p.pad_top;
  const int64_t x0 = static_cast<int64_t>(ox) * p.stride_w - p.pad_left;
  int count = 0;
  for (int ky = 0; ky < p.filter_h; ++ky) {
    const int64_t y = y0 + ky;
    if (y < 0 || y >= p.in_h) continue;
    for (int kx = 0; kx < p.filter_w; ++kx) {
      const int64_t x = x0 + kx;
      if (x < 0 || x >= p.in_w) continue;
      fn(((static_cast<int64_t>(b) * p.in_h + y) * p.in_w + x) * p.channels + c);
      ++count;
    }
  }
  return count;
}

}  // namespace

static Status Prepare(KernelContext* ctx) {
  auto* s = ctx->NewState<AveragePoolState>();
  if (s == nullptr) return ctx->Error(StatusCode::kOutOfMemory, "out of memory for op state");
  return PreparePool2D(ctx, &s->p);
}

namespace {

void EvalFloat(const Pool2DParams& p, const float* in, float* out) {
  const int window = p.filter_h * p.filter_w;
  for (int b = 0; b < p.batches; ++b)
    for (int oy = 0; oy < p.out_h; ++oy)
      for (int ox = 0; ox < p.out_w; ++ox)
        for (int c = 0; c < p.channels; ++c) {
          float sum = 0.f;
          const int count = ForEachInWindow(p, b, oy, ox, c, [&](int64_t i) { sum += in[i]; });
          const int divisor = p.count_include_pad ? window : count;
          *out++ = ApplyActivation(sum / static_cast<float>(divisor), p.float_min, p.float_max);
        }
}

template <typename T>
void EvalQuant(const Pool2DParams& p, const T* in, T* out) {
  const int window = p.filter_h * p.filter_w;
  for (int b = 0; b < p.batches; ++b)
    for (int oy = 0; oy < p.out_h; ++oy)
      for (int ox = 0; ox < p.out_w; ++ox)
        for (int c = 0; c < p.channels; ++c) {
          int64_t acc = 0;
          const int count = ForEachInWindow(p, b, oy, ox, c, [&](int64_t i) { acc += in[i]; });
          int64_t divisor = count;
          if (p.count_include_pad) {
            acc += static_cast<int64_t>(window - count) * p.zero_point;  // padding holds real 0
            divisor = window;
          }
          // Round half away from zero (TFLite's reference average pool).
          acc = acc > 0 ? (acc + divisor / 2) / divisor : (acc - divisor / 2) / divisor;
          if (acc < p.act_min) acc = p.act_min;
          if (acc > p.act_max) acc = p.act_max;
          *out++ = static_cast<T>(acc);
        }
}

}  // namespace

static Status Eval(KernelContext* ctx) {
  const Pool2DParams& p = ctx->state<AveragePoolState>()->p;
  const Tensor* input = ctx->input(0);
  Tensor* output = ctx->output(0);
  switch (p.type) {
    case DType::kF32: EvalFloat(p, input->data_as<float>(), output->data_as<float>()); break;
    case DType::kI8: EvalQuant<int8_t>(p, input->data_as<int8_t>(), output->data_as<int8_t>()); break;
    case DType::kU8: EvalQuant<uint8_t>(p, input->data_as<uint8_t>(), output->data_as<uint8_t>()); break;
    default: return ctx->Unsupported("dtype %s", DTypeName(p.type));
  }
  return Status::Ok();
}

const OpKernel* Register_AVERAGE_POOL_2D() {
  static const OpKernel kernel = {"AVERAGE_POOL_2D/reference", Prepare, Eval, kNoFlags};
  return &kernel;
}

}  // namespace ref
}  // namespace edgert
