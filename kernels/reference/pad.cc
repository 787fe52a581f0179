// PAD: inputs data, paddings (constant i32/i64 [rank, 2]: before, after for
// each dimension), optional constant value (a scalar of the data's dtype,
// CONSTANT mode only; default 0, or the zero point for quantized data).
// PadOptions.mode:
//   CONSTANT   the value
//   REFLECT    mirror without the edge:  a b c | b a   (pad <= dim - 1)
//   SYMMETRIC  mirror with the edge:     a b c | c b   (pad <= dim)
//   EDGE       repeat the edge element:  a b c | c c   (dim >= 1)
// Negative paddings crop (the output dimension must stay >= 0).
// Any dtype; elements are moved by size.
#include <cstring>

#include "kernels/common/const_input.h"
#include "kernels/common/shape_util.h"
#include "kernels/reference/reference_kernels.h"

namespace edgert {
namespace ref {
namespace {

struct PadState {
  int rank = 0;
  int32_t in_dims[kMaxRank] = {};
  int32_t out_dims[kMaxRank] = {};
  int64_t before[kMaxRank] = {};
  int64_t in_strides[kMaxRank] = {};
  int mode = 0;
  bool has_default_value = false;     // value taken from `value_bytes`, not from input 2
  uint8_t value_bytes[8] = {};
};

// Maps an output coordinate to an input coordinate along one dimension; -1
// means "padding" (CONSTANT mode only).
int64_t MapIndex(int64_t o, int64_t before, int64_t n, int mode) {
  int64_t i = o - before;
  if (i >= 0 && i < n) return i;
  switch (mode) {
    case schema::PadMode_REFLECT: return i < 0 ? -i : 2 * (n - 1) - i;
    case schema::PadMode_SYMMETRIC: return i < 0 ? -i - 1 : 2 * n - 1 - i;
    case schema::PadMode_EDGE: return i < 0 ? 0 : n - 1;
    default: return -1;
  }
}

}  // namespace

static Status Prepare(KernelContext* ctx) {
  const Tensor* in = nullptr;
  Tensor* out = nullptr;
  EDGERT_RETURN_IF_ERROR(GetPassThroughInputOutput(ctx, "PAD", &in, &out));
  const auto* opts = ctx->options<schema::PadOptions>();
  const int mode = opts ? static_cast<int>(opts->mode()) : 0;
  if (mode < schema::PadMode_MIN || mode > schema::PadMode_MAX)
    return ctx->InvalidModel("unknown pad mode %d", mode);
  const int rank = in->shape.rank;

  const Tensor* pads_t = ctx->input(1);
  if (pads_t == nullptr) return ctx->InvalidModel("missing paddings input");
  if (!(pads_t->shape.rank == 2 && pads_t->shape.dims[0] == rank && pads_t->shape.dims[1] == 2))
    return ctx->InvalidModel("paddings '%s' must have shape [%d,2] for input '%s' %s, but has shape %s",
                             pads_t->name, rank, in->name, ShapeToString(in->shape).text,
                             ShapeToString(pads_t->shape).text);
  int64_t pads[2 * kMaxRank];
  int count = 0;
  EDGERT_RETURN_IF_ERROR(ReadConstInts(ctx, 1, "paddings", pads, 2 * kMaxRank, &count));

  auto* s = ctx->NewState<PadState>();
  if (s == nullptr) return ctx->Error(StatusCode::kOutOfMemory, "out of memory for op state");
  s->rank = rank;
  s->mode = mode;
  ElementStrides(in->shape, s->in_strides);
  Shape out_shape;
  out_shape.rank = rank;
  for (int d = 0; d < rank; ++d) {
    const int64_t n = in->shape.dims[d];
    const int64_t before = pads[2 * d], after = pads[2 * d + 1];
    const int64_t size = n + before + after;
    if (before < -n || after < -n || size < 0 || size > INT32_MAX)
      return ctx->InvalidModel("paddings (%lld, %lld) for dimension %d of size %lld give an invalid output size",
                               static_cast<long long>(before), static_cast<long long>(after), d,
                               static_cast<long long>(n));
    const int64_t most = before > after ? before : after;
    if (mode == schema::PadMode_REFLECT && most > 0 && most > n - 1)
      return ctx->InvalidModel("REFLECT padding (%lld, %lld) of dimension %d needs padding < dimension size %lld",
                               static_cast<long long>(before), static_cast<long long>(after), d,
                               static_cast<long long>(n));
    if (mode == schema::PadMode_SYMMETRIC && most > n)
      return ctx->InvalidModel("SYMMETRIC padding (%lld, %lld) of dimension %d needs padding <= dimension size %lld",
                               static_cast<long long>(before), static_cast<long long>(after), d,
                               static_cast<long long>(n));
    if (mode == schema::PadMode_EDGE && most > 0 && n == 0)
      return ctx->InvalidModel("EDGE padding of dimension %d, which is empty", d);
    s->in_dims[d] = static_cast<int32_t>(n);
    s->out_dims[d] = static_cast<int32_t>(size);
    s->before[d] = before;
    out_shape.dims[d] = static_cast<int32_t>(size);
  }

  // The constant value.
  const Tensor* value = ctx->input(2);
  if (value != nullptr) {
    if (value->dtype != in->dtype)
      return ctx->InvalidModel("constant value '%s' has dtype %s, but the data '%s' has dtype %s", value->name,
                               DTypeName(value->dtype), in->name, DTypeName(in->dtype));
    if (value->NumElements() != 1)
      return ctx->InvalidModel("constant value '%s' must hold one element, but has shape %s", value->name,
                               ShapeToString(value->shape).text);
    if (value->is_quantized() && !SameQuantization(*value, *out))
      return ctx->Unsupported("constant value '%s' quantization differs from output '%s'", value->name, out->name);
    if (!value->is_quantized() && in->is_quantized())
      return ctx->InvalidModel("constant value '%s' must carry the quantization of the data '%s'", value->name,
                               in->name);
    s->has_default_value = false;
  } else {
    s->has_default_value = true;
    std::memset(s->value_bytes, 0, sizeof(s->value_bytes));
    if (in->is_quantized()) {
      if (in->quant.per_channel())
        return ctx->Unsupported("per-channel quantized data '%s' needs an explicit constant value", in->name);
      const int32_t zp = in->quant.zero_point[0];
      switch (in->dtype) {
        case DType::kI8: { const int8_t v = static_cast<int8_t>(zp); std::memcpy(s->value_bytes, &v, 1); break; }
        case DType::kU8: { const uint8_t v = static_cast<uint8_t>(zp); std::memcpy(s->value_bytes, &v, 1); break; }
        case DType::kI16: { const int16_t v = static_cast<int16_t>(zp); std::memcpy(s->value_bytes, &v, 2); break; }
        case DType::kI32: std::memcpy(s->value_bytes, &zp, 4); break;
        default: break;
      }
    }
  }
  return ctx->SetOutputShape(0, out_shape);
}

static Status Eval(KernelContext* ctx) {
  const PadState* s = ctx->state<PadState>();
  const Tensor* in = ctx->input(0);
  Tensor* out = ctx->output(0);
  const size_t esize = DTypeSize(in->dtype);
  const int64_t total = out->NumElements();
  if (total == 0) return Status::Ok();
  const uint8_t* value = s->has_default_value ? s->value_bytes : static_cast<const uint8_t*>(ctx->input(2)->data);
  const uint8_t* src = static_cast<const uint8_t*>(in->data);
  uint8_t* dst = static_cast<uint8_t*>(out->data);
  const int rank = s->rank;

  int32_t index[kMaxRank] = {};
  for (int64_t k = 0; k < total; ++k) {
    int64_t offset = 0;
    bool is_pad = false;
    for (int d = 0; d < rank; ++d) {
      const int64_t i = MapIndex(index[d], s->before[d], s->in_dims[d], s->mode);
      if (i < 0) {
        is_pad = true;
        break;
      }
      offset += i * s->in_strides[d];
    }
    std::memcpy(dst + k * static_cast<int64_t>(esize), is_pad ? value : src + offset * static_cast<int64_t>(esize),
                esize);
    for (int d = rank - 1; d >= 0; --d) {
      if (++index[d] < s->out_dims[d]) break;
      index[d] = 0;
    }
  }
  return Status::Ok();
}

const OpKernel* Register_PAD() {
  static const OpKernel kernel = {"PAD/reference", Prepare, Eval, kNoFlags};
  return &kernel;
}

}  // namespace ref
}  // namespace edgert
