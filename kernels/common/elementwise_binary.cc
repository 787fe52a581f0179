#include "kernels/common/elementwise_binary.h"
#include "kernels/common/shape_util.h"

#include <cmath>
#include <cstdint>
#include <limits>

#include "kernels/common/broadcast.h"
#include "kernels/common/quant.h"

namespace edgert {
namespace ref {

namespace {

struct BinaryState {
  BinaryOpKind kind = BinaryOpKind::kAdd;
  DType dtype = DType::kF32;
  // Fused activation range: float for f32, integer for i32 and quantized types
  // (already intersected with the quantized type's range).
  float act_min_f = 0.f, act_max_f = 0.f;
  int32_t act_min = 0, act_max = 0;
  // Quantized parameters.
  int32_t input1_offset = 0, input2_offset = 0, output_offset = 0;
  int left_shift = 0;
  int32_t input1_multiplier = 0, input2_multiplier = 0, output_multiplier = 0;
  int input1_shift = 0, input2_shift = 0, output_shift = 0;
  double div_scale = 0.0;  // s1 / (s2 * s_out), quantized DIV only
};

const char* KindName(BinaryOpKind k) {
  switch (k) {
    case BinaryOpKind::kAdd: return "ADD";
    case BinaryOpKind::kSub: return "SUB";
    case BinaryOpKind::kMul: return "MUL";
    case BinaryOpKind::kDiv: return "DIV";
    case BinaryOpKind::kMaximum: return "MAXIMUM";
    case BinaryOpKind::kMinimum: return "MINIMUM";
  }
  return "?";
}

}  // namespace

Status ElementwiseCheckPerTensorQuant(const KernelContext* ctx, const Tensor* t, const char* role) {
  if (!t->is_quantized())
    return ctx->InvalidModel("%s '%s' has dtype %s but no quantization parameters", role, t->name,
                             DTypeName(t->dtype));
  if (t->quant.per_channel())
    return ctx->Unsupported("%s '%s' is per-channel quantized (%d scales); only per-tensor is supported", role,
                            t->name, t->quant.count);
  const float s = t->quant.scale[0];
  if (!(s > 0.f) || !std::isfinite(s))
    return ctx->InvalidModel("%s '%s' has invalid quantization scale %g", role, t->name, static_cast<double>(s));
  const int32_t zp = t->quant.zero_point[0];
  if (zp < QuantizedMin(t->dtype) || zp > QuantizedMax(t->dtype))
    return ctx->InvalidModel("%s '%s' zero point %d is outside the %s range", role, t->name, static_cast<int>(zp),
                             DTypeName(t->dtype));
  return Status::Ok();
}

namespace {

void Int32ActivationRange(schema::Activation act, int32_t* lo, int32_t* hi) {
  *lo = std::numeric_limits<int32_t>::min();
  *hi = std::numeric_limits<int32_t>::max();
  switch (act) {
    case schema::Activation_RELU: *lo = 0; break;
    case schema::Activation_RELU6: *lo = 0; *hi = 6; break;
    case schema::Activation_RELU_N1_TO_1: *lo = -1; *hi = 1; break;
    default: break;
  }
}

inline int32_t Clamp(int32_t v, int32_t lo, int32_t hi) { return v < lo ? lo : (v > hi ? hi : v); }

// --- float ---
Status EvalFloat(const BinaryState& s, const Tensor& a, const Tensor& b, Tensor* out) {
  const float lo = s.act_min_f, hi = s.act_max_f;
  switch (s.kind) {
    case BinaryOpKind::kAdd:
      BroadcastApply<float>(a, b, out, [&](float x, float y) { return ApplyActivation(x + y, lo, hi); });
      break;
    case BinaryOpKind::kSub:
      BroadcastApply<float>(a, b, out, [&](float x, float y) { return ApplyActivation(x - y, lo, hi); });
      break;
    case BinaryOpKind::kMul:
      BroadcastApply<float>(a, b, out, [&](float x, float y) { return ApplyActivation(x * y, lo, hi); });
      break;
    case BinaryOpKind::kDiv:
      BroadcastApply<float>(a, b, out, [&](float x, float y) { return ApplyActivation(x / y, lo, hi); });
      break;
    case BinaryOpKind::kMaximum:
      BroadcastApply<float>(a, b, out, [&](float x, float y) { return ApplyActivation(x > y ? x : y, lo, hi); });
      break;
    case BinaryOpKind::kMinimum:
      BroadcastApply<float>(a, b, out, [&](float x, float y) { return ApplyActivation(x < y ? x : y, lo, hi); });
      break;
  }
  return Status::Ok();
}

// --- int32 (wrapping arithmetic, defined division by zero) ---
inline int32_t Wrap(uint32_t v) {
  // Two's complement reinterpretation without implementation-defined conversion.
  return v <= static_cast<uint32_t>(std::numeric_limits<int32_t>::max())
             ? static_cast<int32_t>(v)
             : -static_cast<int32_t>(~v) - 1;
}

inline int32_t DivInt32(int32_t x, int32_t y) {
  if (y == 0) return 0;
  if (y == -1) return Wrap(0u - static_cast<uint32_t>(x));  // INT32_MIN / -1 = INT32_MIN
  return x / y;
}

Status EvalInt32(const BinaryState& s, const Tensor& a, const Tensor& b, Tensor* out) {
  const int32_t lo = s.act_min, hi = s.act_max;
  switch (s.kind) {
    case BinaryOpKind::kAdd:
      BroadcastApply<int32_t>(a, b, out, [&](int32_t x, int32_t y) {
        return Clamp(Wrap(static_cast<uint32_t>(x) + static_cast<uint32_t>(y)), lo, hi);
      });
      break;
    case BinaryOpKind::kSub:
      BroadcastApply<int32_t>(a, b, out, [&](int32_t x, int32_t y) {
        return Clamp(Wrap(static_cast<uint32_t>(x) - static_cast<uint32_t>(y)), lo, hi);
      });
      break;
    case BinaryOpKind::kMul:
      BroadcastApply<int32_t>(a, b, out, [&](int32_t x, int32_t y) {
        return Clamp(Wrap(static_cast<uint32_t>(x) * static_cast<uint32_t>(y)), lo, hi);
      });
      break;
    case BinaryOpKind::kDiv:
      BroadcastApply<int32_t>(a, b, out, [&](int32_t x, int32_t y) { return Clamp(DivInt32(x, y), lo, hi); });
      break;
    case BinaryOpKind::kMaximum:
      BroadcastApply<int32_t>(a, b, out, [&](int32_t x, int32_t y) { return Clamp(x > y ? x : y, lo, hi); });
      break;
    case BinaryOpKind::kMinimum:
      BroadcastApply<int32_t>(a, b, out, [&](int32_t x, int32_t y) { return Clamp(x < y ? x : y, lo, hi); });
      break;
  }
  return Status::Ok();
}

// --- quantized i8 / u8 ---
template <typename T>
Status EvalQuantized(const BinaryState& s, const Tensor& a, const Tensor& b, Tensor* out) {
  const int32_t lo = s.act_min, hi = s.act_max;
  switch (s.kind) {
    case BinaryOpKind::kAdd:
    case BinaryOpKind::kSub:  // SUB: input2_multiplier was negated in prepare
      BroadcastApply<T>(a, b, out, [&](T x, T y) {
        const int32_t v1 = (s.input1_offset + x) * (1 << s.left_shift);
        const int32_t v2 = (s.input2_offset + y) * (1 << s.left_shift);
        const int32_t sc1 = MultiplyByQuantizedMultiplier(v1, s.input1_multiplier, s.input1_shift);
        const int32_t sc2 = MultiplyByQuantizedMultiplier(v2, s.input2_multiplier, s.input2_shift);
        const int32_t o = MultiplyByQuantizedMultiplier(sc1 + sc2, s.output_multiplier, s.output_shift) + s.output_offset;
        return static_cast<T>(Clamp(o, lo, hi));
      });
      break;
    case BinaryOpKind::kMul:
      BroadcastApply<T>(a, b, out, [&](T x, T y) {
        const int32_t prod = (s.input1_offset + x) * (s.input2_offset + y);
        const int32_t o = MultiplyByQuantizedMultiplier(prod, s.output_multiplier, s.output_shift) + s.output_offset;
        return static_cast<T>(Clamp(o, lo, hi));
      });
      break;
    case BinaryOpKind::kDiv:
      BroadcastApply<T>(a, b, out, [&](T x, T y) {
        const int32_t num = s.input1_offset + x;
        const int32_t den = s.input2_offset + y;
        int32_t o;
        if (den == 0) {
          o = num > 0 ? hi : (num < 0 ? lo : s.output_offset);
        } else {
          const double q = std::round(static_cast<double>(num) / den * s.div_scale);
          // Clamp in double before converting so that huge quotients stay defined.
          const double c = q < -65536.0 ? -65536.0 : (q > 65536.0 ? 65536.0 : q);
          o = static_cast<int32_t>(c) + s.output_offset;
        }
        return static_cast<T>(Clamp(o, lo, hi));
      });
      break;
    case BinaryOpKind::kMaximum:
    case BinaryOpKind::kMinimum: {
      const bool is_max = s.kind == BinaryOpKind::kMaximum;
      BroadcastApply<T>(a, b, out, [&](T x, T y) {
        const int32_t v1 = (s.input1_offset + x) * (1 << s.left_shift);
        const int32_t v2 = (s.input2_offset + y) * (1 << s.left_shift);
        const int32_t r1 = MultiplyByQuantizedMultiplier(v1, s.input1_multiplier, s.input1_shift) + s.output_offset;
        const int32_t r2 = MultiplyByQuantizedMultiplier(v2, s.input2_multiplier, s.input2_shift) + s.output_offset;
        const int32_t o = is_max ? (r1 > r2 ? r1 : r2) : (r1 < r2 ? r1 : r2);
        return static_cast<T>(Clamp(o, lo, hi));
      });
      break;
    }
  }
  return Status::Ok();
}

}  // namespace

Status PrepareElementwiseBinary(KernelContext* ctx, BinaryOpKind kind) {
  if (ctx->num_inputs() != 2 || ctx->num_outputs() != 1)
    return ctx->InvalidModel("%s expects 2 inputs and 1 output, got %d inputs and %d outputs", KindName(kind),
                             ctx->num_inputs(), ctx->num_outputs());
  const Tensor* a = ctx->input(0);
  const Tensor* b = ctx->input(1);
  Tensor* out = ctx->output(0);
  if (a == nullptr || b == nullptr) return ctx->InvalidModel("both inputs are required (an input is omitted)");
  if (out == nullptr) return ctx->InvalidModel("missing output");

  if (a->dtype != b->dtype)
    return ctx->Unsupported("input dtypes differ: '%s' is %s, '%s' is %s", a->name, DTypeName(a->dtype), b->name,
                            DTypeName(b->dtype));
  const DType dt = a->dtype;
  if (dt != DType::kF32 && dt != DType::kI32 && dt != DType::kI8 && dt != DType::kU8)
    return ctx->Unsupported("dtype %s of input '%s' is not supported (f32, i32, i8, u8)", DTypeName(dt), a->name);
  if (out->dtype != dt)
    return ctx->InvalidModel("output '%s' has dtype %s, expected %s like the inputs", out->name,
                             DTypeName(out->dtype), DTypeName(dt));

  Shape out_shape;
  if (!BroadcastShapes(a->shape, b->shape, &out_shape))
    return ctx->InvalidModel("input shapes %s ('%s') and %s ('%s') are not broadcast-compatible",
                             ShapeToString(a->shape).text, a->name,
                             ShapeToString(b->shape).text, b->name);

  schema::Activation act = schema::Activation_NONE;
  if (const auto* opts = ctx->options<schema::BinaryOptions>()) act = opts->activation();
  if (act < schema::Activation_MIN || act > schema::Activation_MAX)
    return ctx->InvalidModel("invalid fused activation %d", static_cast<int>(act));

  BinaryState* s = ctx->NewState<BinaryState>();
  if (s == nullptr) return ctx->Error(StatusCode::kOutOfMemory, "cannot allocate op state");
  s->kind = kind;
  s->dtype = dt;

  if (dt == DType::kF32) {
    ActivationRangeFloat(act, &s->act_min_f, &s->act_max_f);
  } else if (dt == DType::kI32) {
    Int32ActivationRange(act, &s->act_min, &s->act_max);
  } else {
    EDGERT_RETURN_IF_ERROR(ElementwiseCheckPerTensorQuant(ctx, a, "input"));
    EDGERT_RETURN_IF_ERROR(ElementwiseCheckPerTensorQuant(ctx, b, "input"));
    EDGERT_RETURN_IF_ERROR(ElementwiseCheckPerTensorQuant(ctx, out, "output"));
    const double s1 = a->quant.scale[0], s2 = b->quant.scale[0], so = out->quant.scale[0];
    s->input1_offset = -a->quant.zero_point[0];
    s->input2_offset = -b->quant.zero_point[0];
    s->output_offset = out->quant.zero_point[0];
    ActivationRangeQuantized(act, dt, out->quant.scale[0], out->quant.zero_point[0], &s->act_min, &s->act_max);
    switch (kind) {
      case BinaryOpKind::kAdd:
      case BinaryOpKind::kSub: {
        s->left_shift = 20;
        const double twice_max = 2.0 * (s1 > s2 ? s1 : s2);
        QuantizeMultiplier(s1 / twice_max, &s->input1_multiplier, &s->input1_shift);
        QuantizeMultiplier(s2 / twice_max, &s->input2_multiplier, &s->input2_shift);
        // Like TFLite, SUB runs the ADD kernel with input 2's multiplier negated
        // (bit-exact with TFLite: SaturatingRoundingDoublingHighMul rounds ties
        // toward +infinity, so this is not always the same as subtracting).
        if (kind == BinaryOpKind::kSub) s->input2_multiplier = -s->input2_multiplier;
        QuantizeMultiplier(twice_max / ((1 << s->left_shift) * so), &s->output_multiplier, &s->output_shift);
        break;
      }
      case BinaryOpKind::kMul:
        QuantizeMultiplier(s1 * s2 / so, &s->output_multiplier, &s->output_shift);
        break;
      case BinaryOpKind::kDiv:
        s->div_scale = s1 / (s2 * so);
        break;
      case BinaryOpKind::kMaximum:
      case BinaryOpKind::kMinimum: {
        // Requantize each input to the output's parameters. The inputs are first
        // shifted left by 20 bits (as in ADD) so that the fixed-point product keeps
        // fractional bits and the result is rounded once: without it,
        // MultiplyByQuantizedMultiplier rounds twice (after the high multiply and
        // after the right shift) and is off by one for ~15% of values when
        // s_in / s_out < 0.5. Equal parameters give exactly the input value.
        s->left_shift = 20;
        const double pot = static_cast<double>(1 << s->left_shift);
        QuantizeMultiplier(s1 / (so * pot), &s->input1_multiplier, &s->input1_shift);
        QuantizeMultiplier(s2 / (so * pot), &s->input2_multiplier, &s->input2_shift);
        break;
      }
    }
  }
  return ctx->SetOutputShape(0, out_shape);
}

bool QS8AddParamsOf(const void* reference_state, QS8AddParams* p) {
  const auto* s = static_cast<const BinaryState*>(reference_state);
  if (s == nullptr || s->dtype != DType::kI8 || (s->kind != BinaryOpKind::kAdd && s->kind != BinaryOpKind::kSub))
    return false;
  *p = QS8AddParams{s->input1_offset,     s->input2_offset,  s->left_shift,        s->input1_multiplier,
                    s->input1_shift,      s->input2_multiplier, s->input2_shift,  s->output_multiplier,
                    s->output_shift,      s->output_offset,  s->act_min,           s->act_max};
  return true;
}

bool QS8MulParamsOf(const void* reference_state, QS8MulParams* p) {
  const auto* s = static_cast<const BinaryState*>(reference_state);
  if (s == nullptr || s->dtype != DType::kI8 || s->kind != BinaryOpKind::kMul) return false;
  *p = QS8MulParams{s->input1_offset, s->input2_offset, s->output_multiplier, s->output_shift,
                    s->output_offset, s->act_min, s->act_max};
  return true;
}

Status EvalElementwiseBinary(KernelContext* ctx) {
  const BinaryState* s = ctx->state<BinaryState>();
  const Tensor* a = ctx->input(0);
  const Tensor* b = ctx->input(1);
  Tensor* out = ctx->output(0);
  switch (s->dtype) {
    case DType::kF32: return EvalFloat(*s, *a, *b, out);
    case DType::kI32: return EvalInt32(*s, *a, *b, out);
    case DType::kI8: return EvalQuantized<int8_t>(*s, *a, *b, out);
    case DType::kU8: return EvalQuantized<uint8_t>(*s, *a, *b, out);
    default: return ctx->Unsupported("dtype %s", DTypeName(s->dtype));
  }
}

}  // namespace ref
}  // namespace edgert
