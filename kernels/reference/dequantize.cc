// DEQUANTIZE -> f32:
// - i8 / u8 / i16, per-tensor or per-channel (axis from the input's
//   quantization parameters): y = scale[c] * (q - zero_point[c]), one float
//   rounding (identical to TFLite's static_cast<float>(double(scale) * (q - zp))).
// - f16 -> f32 (how MediaPipe stores weights: a constant f16 tensor feeding
//   DEQUANTIZE) and bf16 -> f32: exact widening, quantization params ignored.
#include <cmath>
#include <cstdint>

#include "kernels/common/quant.h"
#include "kernels/reference/reference_kernels.h"

namespace edgert {
namespace ref {

namespace {

struct DequantizeState {
  DType in_type = DType::kI8;
  int64_t channels = 1, inner = 1;  // channel of element i: (i / inner) % channels
};

template <typename T>
void DequantizeInt(const DequantizeState& s, const Tensor& in, Tensor* out) {
  const T* x = in.data_as<T>();
  float* y = out->data_as<float>();
  const float* scales = in.quant.scale;
  const int32_t* zps = in.quant.zero_point;
  const int64_t n = in.NumElements();
  for (int64_t i = 0; i < n; ++i) {
    const int64_t c = s.channels == 1 ? 0 : (i / s.inner) % s.channels;
    y[i] = scales[c] * static_cast<float>(static_cast<int32_t>(x[i]) - zps[c]);
  }
}

}  // namespace

static Status Prepare(KernelContext* ctx) {
  const Tensor* in = ctx->input(0);
  Tensor* out = ctx->output(0);
  if (in == nullptr || out == nullptr) return ctx->InvalidModel("DEQUANTIZE needs one input and one output");
  if (out->dtype != DType::kF32)
    return ctx->Unsupported("output '%s' has dtype %s; DEQUANTIZE produces f32", out->name, DTypeName(out->dtype));
  DequantizeState* s = ctx->NewState<DequantizeState>();
  if (s == nullptr) return ctx->Error(StatusCode::kOutOfMemory, "cannot allocate op state");
  s->in_type = in->dtype;
  if (IsQuantizedType(in->dtype)) {
    const QuantParams& q = in->quant;
    if (!in->is_quantized())
      return ctx->InvalidModel("input '%s' has dtype %s but no quantization parameters", in->name,
                               DTypeName(in->dtype));
    if (q.per_channel()) {
      if (q.axis < 0 || q.axis >= in->shape.rank)
        return ctx->InvalidModel("input '%s' has quantization axis %d outside rank %d", in->name, q.axis,
                                 in->shape.rank);
      if (q.count != in->shape.dims[q.axis])
        return ctx->InvalidModel("input '%s' has %d quantization scales but dimension %d is %d", in->name, q.count,
                                 q.axis, static_cast<int>(in->shape.dims[q.axis]));
      s->channels = in->shape.dims[q.axis];
      s->inner = in->shape.Product(q.axis + 1, in->shape.rank);
    }
    for (int c = 0; c < q.count; ++c) {
      if (!std::isfinite(q.scale[c]))
        return ctx->InvalidModel("input '%s' has invalid quantization scale %g", in->name,
                                 static_cast<double>(q.scale[c]));
      if (q.zero_point[c] < QuantizedMin(in->dtype) || q.zero_point[c] > QuantizedMax(in->dtype))
        return ctx->InvalidModel("input '%s' zero point %d is outside the %s range", in->name,
                                 static_cast<int>(q.zero_point[c]), DTypeName(in->dtype));
    }
  } else if (in->dtype != DType::kF16 && in->dtype != DType::kBF16) {
    return ctx->Unsupported("cannot dequantize input '%s' of dtype %s (supported: i8, u8, i16, f16, bf16)",
                            in->name, DTypeName(in->dtype));
  }
  return ctx->SetOutputShape(0, in->shape);
}

static Status Eval(KernelContext* ctx) {
  const DequantizeState* s = ctx->state<DequantizeState>();
  const Tensor* in = ctx->input(0);
  Tensor* out = ctx->output(0);
  const int64_t n = in->NumElements();
  float* y = out->data_as<float>();
  switch (s->in_type) {
    case DType::kI8: DequantizeInt<int8_t>(*s, *in, out); break;
    case DType::kU8: DequantizeInt<uint8_t>(*s, *in, out); break;
    case DType::kI16: DequantizeInt<int16_t>(*s, *in, out); break;
    case DType::kF16: {
      const uint16_t* x = in->data_as<uint16_t>();
      for (int64_t i = 0; i < n; ++i) y[i] = HalfToFloat(x[i]);
      break;
    }
    case DType::kBF16: {
      const uint16_t* x = in->data_as<uint16_t>();
      for (int64_t i = 0; i < n; ++i) y[i] = BF16ToFloat(x[i]);
      break;
    }
    default: return ctx->Unsupported("input dtype %s", DTypeName(s->in_type));
  }
  return Status::Ok();
}

const OpKernel* Register_DEQUANTIZE() {
  static const OpKernel kernel = {"DEQUANTIZE/reference", Prepare, Eval, kNoFlags};
  return &kernel;
}

}  // namespace ref
}  // namespace edgert
