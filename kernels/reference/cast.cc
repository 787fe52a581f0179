// CAST between f32, f16, bf16, i8, u8, i16, i32, i64 and bool. Quantization
// parameters are ignored (raw values are converted, like TFLite).
//
// - float -> integer: truncation toward zero (TFLite/ONNX). Out-of-range values
//   saturate to the target's min/max, NaN gives 0 (C++ leaves both undefined).
// - integer -> narrower integer: wraps modulo 2^bits (two's complement), like
//   static_cast in TFLite and ONNX, e.g. u8 200 -> i8 -56, i32 300 -> u8 44.
// - integer -> float: nearest float (exact up to 2^24); f16 / bf16 targets go
//   through float, then round to nearest even (|x| >= 65520 -> f16 inf).
// - f32 -> f16 / bf16: round to nearest even; f16 / bf16 -> f32 exact.
// - anything -> bool: true when nonzero (NaN is nonzero -> true); bool ->
//   numbers: 0 or 1. A bool byte that is not 0 counts as true.
// - same dtype: a byte copy.
#include <cstdint>
#include <cstring>
#include <limits>

#include "kernels/reference/reference_kernels.h"

namespace edgert {
namespace ref {

namespace {

struct CastState {
  DType in_type = DType::kF32, out_type = DType::kF32;
};

template <DType D> struct Elem;
template <> struct Elem<DType::kF32> {
  using T = float;
  static constexpr bool kIsFloat = true;
  static float ToFloat(T v) { return v; }
  static T FromFloat(float f) { return f; }
};
template <> struct Elem<DType::kF16> {
  using T = uint16_t;
  static constexpr bool kIsFloat = true;
  static float ToFloat(T v) { return HalfToFloat(v); }
  static T FromFloat(float f) { return FloatToHalf(f); }
};
template <> struct Elem<DType::kBF16> {
  using T = uint16_t;
  static constexpr bool kIsFloat = true;
  static float ToFloat(T v) { return BF16ToFloat(v); }
  static T FromFloat(float f) { return FloatToBF16(f); }
};
template <> struct Elem<DType::kI8> { using T = int8_t; static constexpr bool kIsFloat = false; };
template <> struct Elem<DType::kU8> { using T = uint8_t; static constexpr bool kIsFloat = false; };
template <> struct Elem<DType::kI16> { using T = int16_t; static constexpr bool kIsFloat = false; };
template <> struct Elem<DType::kI32> { using T = int32_t; static constexpr bool kIsFloat = false; };
template <> struct Elem<DType::kI64> { using T = int64_t; static constexpr bool kIsFloat = false; };
template <> struct Elem<DType::kBool> { using T = uint8_t; static constexpr bool kIsFloat = false; };

// Truncation toward zero with saturation; NaN -> 0.
template <typename I>
I SaturatingTrunc(float f) {
  const double d = f;
  if (d != d) return 0;
  // max + 1 is a power of two, exactly representable (for int64 the double
  // rounding of max already gives 2^63).
  const double hi = static_cast<double>(std::numeric_limits<I>::max()) + 1.0;
  const double lo = static_cast<double>(std::numeric_limits<I>::min());
  if (d >= hi) return std::numeric_limits<I>::max();
  if (d <= lo) return std::numeric_limits<I>::min();
  return static_cast<I>(d);  // truncates toward zero; in range here
}

template <DType S, DType D>
typename Elem<D>::T Convert(typename Elem<S>::T x) {
  using DT = typename Elem<D>::T;
  if constexpr (Elem<S>::kIsFloat) {
    const float f = Elem<S>::ToFloat(x);
    if constexpr (D == DType::kBool) {
      return static_cast<DT>(f != 0.f ? 1 : 0);
    } else if constexpr (Elem<D>::kIsFloat) {
      return Elem<D>::FromFloat(f);
    } else {
      return SaturatingTrunc<DT>(f);
    }
  } else {
    const int64_t v = S == DType::kBool ? (x != 0 ? 1 : 0) : static_cast<int64_t>(x);
    if constexpr (D == DType::kBool) {
      return static_cast<DT>(v != 0 ? 1 : 0);
    } else if constexpr (Elem<D>::kIsFloat) {
      return Elem<D>::FromFloat(static_cast<float>(v));
    } else {
      return static_cast<DT>(static_cast<uint64_t>(v));  // modulo 2^bits
    }
  }
}

template <DType S, DType D>
void CastLoop(const Tensor& in, Tensor* out) {
  const auto* x = in.data_as<typename Elem<S>::T>();
  auto* y = out->data_as<typename Elem<D>::T>();
  const int64_t n = in.NumElements();
  for (int64_t i = 0; i < n; ++i) y[i] = Convert<S, D>(x[i]);
}

template <DType S>
bool CastFrom(DType d, const Tensor& in, Tensor* out) {
  switch (d) {
    case DType::kF32: CastLoop<S, DType::kF32>(in, out); return true;
    case DType::kF16: CastLoop<S, DType::kF16>(in, out); return true;
    case DType::kBF16: CastLoop<S, DType::kBF16>(in, out); return true;
    case DType::kI8: CastLoop<S, DType::kI8>(in, out); return true;
    case DType::kU8: CastLoop<S, DType::kU8>(in, out); return true;
    case DType::kI16: CastLoop<S, DType::kI16>(in, out); return true;
    case DType::kI32: CastLoop<S, DType::kI32>(in, out); return true;
    case DType::kI64: CastLoop<S, DType::kI64>(in, out); return true;
    case DType::kBool: CastLoop<S, DType::kBool>(in, out); return true;
  }
  return false;
}

bool IsCastType(DType t) { return IsValidDType(static_cast<int>(t)); }

}  // namespace

static Status Prepare(KernelContext* ctx) {
  const Tensor* in = ctx->input(0);
  Tensor* out = ctx->output(0);
  if (in == nullptr || out == nullptr) return ctx->InvalidModel("CAST needs one input and one output");
  if (!IsCastType(in->dtype) || !IsCastType(out->dtype))
    return ctx->Unsupported("cannot cast '%s' (dtype %d) to '%s' (dtype %d)", in->name,
                            static_cast<int>(in->dtype), out->name, static_cast<int>(out->dtype));
  CastState* s = ctx->NewState<CastState>();
  if (s == nullptr) return ctx->Error(StatusCode::kOutOfMemory, "cannot allocate op state");
  s->in_type = in->dtype;
  s->out_type = out->dtype;
  return ctx->SetOutputShape(0, in->shape);
}

static Status Eval(KernelContext* ctx) {
  const CastState* s = ctx->state<CastState>();
  const Tensor* in = ctx->input(0);
  Tensor* out = ctx->output(0);
  if (s->in_type == s->out_type) {
    const size_t bytes = static_cast<size_t>(in->NumElements()) * DTypeSize(s->in_type);
    if (bytes > 0 && out->data != in->data) std::memcpy(out->data, in->data, bytes);
    return Status::Ok();
  }
  bool ok = false;
  switch (s->in_type) {
    case DType::kF32: ok = CastFrom<DType::kF32>(s->out_type, *in, out); break;
    case DType::kF16: ok = CastFrom<DType::kF16>(s->out_type, *in, out); break;
    case DType::kBF16: ok = CastFrom<DType::kBF16>(s->out_type, *in, out); break;
    case DType::kI8: ok = CastFrom<DType::kI8>(s->out_type, *in, out); break;
    case DType::kU8: ok = CastFrom<DType::kU8>(s->out_type, *in, out); break;
    case DType::kI16: ok = CastFrom<DType::kI16>(s->out_type, *in, out); break;
    case DType::kI32: ok = CastFrom<DType::kI32>(s->out_type, *in, out); break;
    case DType::kI64: ok = CastFrom<DType::kI64>(s->out_type, *in, out); break;
    case DType::kBool: ok = CastFrom<DType::kBool>(s->out_type, *in, out); break;
  }
  if (!ok)
    return ctx->Unsupported("cannot cast %s to %s", DTypeName(s->in_type), DTypeName(s->out_type));
  return Status::Ok();
}

const OpKernel* Register_CAST() {
  static const OpKernel kernel = {"CAST/reference", Prepare, Eval, kNoFlags};
  return &kernel;
}

}  // namespace ref
}  // namespace edgert
