// CONCATENATION along ConcatenationOptions.axis (negative counts from the end).
// All inputs have the output's dtype and rank and equal dims except on the axis.
// Any dtype is moved by element size. Quantized inputs whose scale/zero point
// differ from the output's are requantized as TFLite's ConcatenationWithScaling
// does: q_out = round(q_in * s + b) + zp_out with s = s_in / s_out (float),
// b = -zp_in * s, clamped to the output type. Fused activation: float32, and
// quantized types through the activation's quantized range.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "kernels/common/const_input.h"
#include "kernels/common/quant.h"
#include "kernels/common/shape_util.h"
#include "kernels/reference/reference_kernels.h"

namespace edgert {
namespace ref {
namespace {

struct InputScaling {
  bool copy = true;  // same quantization as the output (or not quantized)
  float scale = 1.f;
  float bias = 0.f;
};

struct ConcatState {
  int num_inputs = 0;
  int64_t outer = 1;         // product of dims before the axis
  int64_t* chunk = nullptr;  // per input: axis dim * inner (elements)
  int64_t out_chunk = 0;     // sum of chunks
  InputScaling* scaling = nullptr;
  bool quantized = false;
  bool float_activation = false;
  float act_min = 0.f, act_max = 0.f;
  int32_t q_min = 0, q_max = 0;
  int32_t out_zero_point = 0;
  bool clamp_quantized = false;  // activation on quantized data: clamp every element
};

template <typename T>
void RequantizeChunk(const T* in, T* out, int64_t n, const InputScaling& sc, const ConcatState* s) {
  for (int64_t j = 0; j < n; ++j) {
    int32_t v;
    if (sc.copy) {
      v = in[j];
    } else {
      // Same float expression as TFLite's ConcatenationWithScaling.
      v = static_cast<int32_t>(std::round(static_cast<float>(in[j]) * sc.scale + sc.bias)) + s->out_zero_point;
    }
    out[j] = static_cast<T>(std::min(std::max(v, s->q_min), s->q_max));
  }
}

template <typename T>
void ConcatQuantized(KernelContext* ctx, const ConcatState* s) {
  T* out = static_cast<T*>(ctx->output(0)->data);
  for (int64_t o = 0; o < s->outer; ++o) {
    for (int i = 0; i < s->num_inputs; ++i) {
      const int64_t n = s->chunk[i];
      const T* in = static_cast<const T*>(ctx->input(i)->data) + o * n;
      RequantizeChunk<T>(in, out, n, s->scaling[i], s);
      out += n;
    }
  }
}

}  // namespace

static Status Prepare(KernelContext* ctx) {
  const int n = ctx->num_inputs();
  Tensor* out = ctx->output(0);
  if (n < 1 || out == nullptr) return ctx->InvalidModel("CONCATENATION needs at least one input and an output");
  const auto* opts = ctx->options<schema::ConcatenationOptions>();
  if (opts == nullptr) return ctx->InvalidModel("missing ConcatenationOptions");
  const Tensor* first = ctx->input(0);
  if (first == nullptr) return ctx->InvalidModel("input 0 is missing");
  const int rank = first->shape.rank;
  int axis = 0;
  if (!NormalizeAxis(opts->axis(), rank, &axis))
    return ctx->InvalidModel("axis %d is out of range for inputs of rank %d", opts->axis(), rank);
  if (out->dtype != first->dtype)
    return ctx->InvalidModel("output '%s' has dtype %s, but input '%s' has dtype %s; they must match", out->name,
                             DTypeName(out->dtype), first->name, DTypeName(first->dtype));

  const bool quantized = out->is_quantized();
  if (quantized) {
    if (out->quant.per_channel())
      return ctx->Unsupported("per-channel quantized output '%s' is not supported", out->name);
    if (!IsQuantizedType(out->dtype))
      return ctx->Unsupported("quantized output '%s' of dtype %s is not supported", out->name,
                              DTypeName(out->dtype));
  }

  Shape out_shape = first->shape;
  int64_t axis_total = 0;
  for (int i = 0; i < n; ++i) {
    const Tensor* t = ctx->input(i);
    if (t == nullptr) return ctx->InvalidModel("input %d is missing", i);
    if (t->dtype != out->dtype)
      return ctx->InvalidModel("input '%s' has dtype %s, but the output '%s' has dtype %s", t->name,
                               DTypeName(t->dtype), out->name, DTypeName(out->dtype));
    if (t->shape.rank != rank)
      return ctx->InvalidModel("input '%s' %s has rank %d, but input '%s' %s has rank %d", t->name,
                               ShapeToString(t->shape).text, t->shape.rank, first->name,
                               ShapeToString(first->shape).text, rank);
    for (int d = 0; d < rank; ++d) {
      if (d != axis && t->shape.dims[d] != first->shape.dims[d])
        return ctx->InvalidModel("input '%s' %s does not match input '%s' %s in dimension %d (axis is %d)", t->name,
                                 ShapeToString(t->shape).text, first->name, ShapeToString(first->shape).text, d,
                                 axis);
    }
    axis_total += t->shape.dims[axis];
    if (quantized) {
      if (!t->is_quantized() || t->quant.per_channel())
        return ctx->InvalidModel("input '%s' must be per-tensor quantized like the output '%s'", t->name, out->name);
    } else if (t->is_quantized()) {
      return ctx->InvalidModel("input '%s' is quantized, but the output '%s' is not", t->name, out->name);
    }
  }
  if (axis_total > INT32_MAX) return ctx->InvalidModel("concatenated dimension is too large");
  out_shape.dims[axis] = static_cast<int32_t>(axis_total);

  auto* s = ctx->NewState<ConcatState>();
  if (s == nullptr) return ctx->Error(StatusCode::kOutOfMemory, "out of memory for op state");
  s->num_inputs = n;
  s->chunk = static_cast<int64_t*>(ctx->AllocatePersistent(sizeof(int64_t) * n));
  s->scaling = static_cast<InputScaling*>(ctx->AllocatePersistent(sizeof(InputScaling) * n));
  if (s->chunk == nullptr || s->scaling == nullptr)
    return ctx->Error(StatusCode::kOutOfMemory, "out of memory for op state");
  s->outer = first->shape.Product(0, axis);
  const int64_t inner = first->shape.Product(axis + 1, rank);
  s->out_chunk = 0;
  for (int i = 0; i < n; ++i) {
    s->chunk[i] = ctx->input(i)->shape.dims[axis] * inner;
    s->out_chunk += s->chunk[i];
    s->scaling[i] = InputScaling();
  }

  const schema::Activation act = opts->activation();
  if (act < schema::Activation_MIN || act > schema::Activation_MAX)
    return ctx->InvalidModel("unknown fused activation %d", static_cast<int>(act));
  s->quantized = quantized;
  if (quantized) {
    const float out_scale = out->quant.scale[0];
    const int32_t out_zp = out->quant.zero_point[0];
    const float inverse_output_scale = 1.f / out_scale;
    s->out_zero_point = out_zp;
    for (int i = 0; i < n; ++i) {
      const Tensor* t = ctx->input(i);
      InputScaling& sc = s->scaling[i];
      sc.copy = t->quant.scale[0] == out_scale && t->quant.zero_point[0] == out_zp;
      sc.scale = t->quant.scale[0] * inverse_output_scale;
      sc.bias = -static_cast<float>(t->quant.zero_point[0]) * sc.scale;
    }
    ActivationRangeQuantized(act, out->dtype, out_scale, out_zp, &s->q_min, &s->q_max);
  } else if (act != schema::Activation_NONE) {
    if (out->dtype != DType::kF32)
      return ctx->Unsupported("fused activation %s needs float32 or quantized data, not %s",
                              schema::EnumNameActivation(act), DTypeName(out->dtype));
    s->float_activation = true;
    ActivationRangeFloat(act, &s->act_min, &s->act_max);
  }
  return ctx->SetOutputShape(0, out_shape);
}

static Status Eval(KernelContext* ctx) {
  const ConcatState* s = ctx->state<ConcatState>();
  Tensor* out = ctx->output(0);
  if (s->quantized) {
    switch (out->dtype) {
      case DType::kI8: ConcatQuantized<int8_t>(ctx, s); break;
      case DType::kU8: ConcatQuantized<uint8_t>(ctx, s); break;
      case DType::kI16: ConcatQuantized<int16_t>(ctx, s); break;
      default: return ctx->Unsupported("quantized dtype %s", DTypeName(out->dtype));
    }
    return Status::Ok();
  }
  const size_t esize = DTypeSize(out->dtype);
  uint8_t* dst = static_cast<uint8_t*>(out->data);
  for (int64_t o = 0; o < s->outer; ++o) {
    for (int i = 0; i < s->num_inputs; ++i) {
      const size_t bytes = static_cast<size_t>(s->chunk[i]) * esize;
      if (bytes == 0) continue;
      const uint8_t* src = static_cast<const uint8_t*>(ctx->input(i)->data) + o * bytes;
      std::memcpy(dst, src, bytes);
      dst += bytes;
    }
  }
  if (s->float_activation) {
    float* y = static_cast<float*>(out->data);
    const int64_t total = out->NumElements();
    for (int64_t k = 0; k < total; ++k) y[k] = ApplyActivation(y[k], s->act_min, s->act_max);
  }
  return Status::Ok();
}

const OpKernel* Register_CONCATENATION() {
  static const OpKernel kernel = {"CONCATENATION/reference", Prepare, Eval, kNoFlags};
  return &kernel;
}

}  // namespace ref
}  // namespace edgert
