#include "kernels/common/shape_util.h"

#include <cstdint>
#include <cstdio>
#include <cstring>

#include "kernels/common/const_input.h"

namespace edgert {

ShapeText ShapeToString(const Shape& s) {
  ShapeText t;
  size_t pos = 0;
  t.text[pos++] = '[';
  for (int i = 0; i < s.rank && pos < sizeof(t.text) - 16; ++i) {
    const int n = std::snprintf(t.text + pos, sizeof(t.text) - pos, i ? ",%d" : "%d", static_cast<int>(s.dims[i]));
    if (n > 0) pos += static_cast<size_t>(n);
  }
  if (pos > sizeof(t.text) - 2) pos = sizeof(t.text) - 2;
  t.text[pos++] = ']';
  t.text[pos] = '\0';
  return t;
}

bool SameQuantization(const Tensor& a, const Tensor& b) {
  if (a.quant.count != b.quant.count) return false;
  if (a.quant.count == 0) return true;
  if (a.quant.count > 1 && a.quant.axis != b.quant.axis) return false;
  for (int i = 0; i < a.quant.count; ++i) {
    if (a.quant.scale[i] != b.quant.scale[i]) return false;
    if (a.quant.zero_point[i] != b.quant.zero_point[i]) return false;
  }
  return true;
}

Status CheckPassThrough(const KernelContext* ctx, const Tensor* in, const Tensor* out) {
  if (out->dtype != in->dtype)
    return ctx->InvalidModel("output '%s' has dtype %s, but input '%s' has dtype %s; they must match", out->name,
                             DTypeName(out->dtype), in->name, DTypeName(in->dtype));
  if (!SameQuantization(*in, *out)) {
    if (in->quant.count == 1 && out->quant.count == 1)
      return ctx->Unsupported(
          "output '%s' quantization (scale %g, zero point %d) differs from input '%s' (scale %g, zero point %d); "
          "this op does not requantize",
          out->name, static_cast<double>(out->quant.scale[0]), out->quant.zero_point[0], in->name,
          static_cast<double>(in->quant.scale[0]), in->quant.zero_point[0]);
    return ctx->Unsupported("output '%s' quantization differs from input '%s' (%d vs %d scales); this op does not "
                            "requantize",
                            out->name, in->name, out->quant.count, in->quant.count);
  }
  return Status::Ok();
}

Status GetDataInputOutput(KernelContext* ctx, const char* op, const Tensor** in, Tensor** out) {
  *in = ctx->input(0);
  *out = ctx->output(0);
  if (*in == nullptr || *out == nullptr) return ctx->InvalidModel("%s needs a data input and an output", op);
  return Status::Ok();
}

Status GetPassThroughInputOutput(KernelContext* ctx, const char* op, const Tensor** in, Tensor** out) {
  EDGERT_RETURN_IF_ERROR(GetDataInputOutput(ctx, op, in, out));
  return CheckPassThrough(ctx, *in, *out);
}

Status CheckNhwc(const KernelContext* ctx, const Tensor* t) {
  if (t->shape.rank != 4)
    return ctx->InvalidModel("input '%s' must be 4-D NHWC, but has shape %s", t->name, ShapeToString(t->shape).text);
  return Status::Ok();
}

Status CheckSpaceDepth(KernelContext* ctx, const char* op, const Tensor** in, int* block_size) {
  Tensor* out = nullptr;
  EDGERT_RETURN_IF_ERROR(GetPassThroughInputOutput(ctx, op, in, &out));
  const auto* opts = ctx->options<schema::SpaceDepthOptions>();
  if (opts == nullptr) return ctx->InvalidModel("missing SpaceDepthOptions");
  EDGERT_RETURN_IF_ERROR(CheckNhwc(ctx, *in));
  const int b = opts->block_size();
  if (b < 1 || b > 65535) return ctx->InvalidModel("block_size %d must be in [1, 65535]", b);
  *block_size = b;
  return Status::Ok();
}

Status ReadResizeSize(const KernelContext* ctx, int32_t* new_height, int32_t* new_width) {
  int64_t size[2];
  int count = 0;
  EDGERT_RETURN_IF_ERROR(ReadConstInts(ctx, 1, "size", size, 2, &count));
  if (count != 2) return ctx->InvalidModel("size must hold 2 values (new_height, new_width), got %d", count);
  if (size[0] <= 0 || size[1] <= 0 || size[0] > INT32_MAX || size[1] > INT32_MAX)
    return ctx->InvalidModel("output size (%lld, %lld) must be positive", static_cast<long long>(size[0]),
                             static_cast<long long>(size[1]));
  *new_height = static_cast<int32_t>(size[0]);
  *new_width = static_cast<int32_t>(size[1]);
  return Status::Ok();
}

StridedView MakeStridedView(int rank, const int64_t* count, const int64_t* step, int64_t in_offset) {
  StridedView v;
  v.rank = rank;
  for (int i = 0; i < rank; ++i) {
    v.count[i] = count[i];
    v.step[i] = step[i];
  }
  v.in_offset = in_offset;
  return v;
}

void ElementStrides(const Shape& s, int64_t strides[kMaxRank]) {
  int64_t st = 1;
  for (int i = s.rank - 1; i >= 0; --i) {
    strides[i] = st;
    st *= s.dims[i];
  }
}

namespace {

template <size_t N>
void StridedCopyN(const uint8_t* in, uint8_t* out, const StridedView& v) {
  const int64_t total = v.NumElements();
  if (total == 0) return;
  if (v.rank == 0) {
    std::memcpy(out, in + v.in_offset * static_cast<int64_t>(N), N);
    return;
  }
  int64_t index[kMaxRank] = {};
  int64_t offset = v.in_offset;
  const int last = v.rank - 1;
  // The two innermost dimensions are walked as one plain 2D loop (a rank-1
  // view as a single row), the outer ones like an odometer: a transpose whose
  // innermost dimension is short (NCHW to NHWC: 3 channels) then costs no
  // odometer step per few elements.
  const int plane = last >= 1 ? last - 1 : last;  // outer dimension of the 2D loop (itself when rank 1)
  const int64_t rows = last >= 1 ? v.count[plane] : 1, row_step = last >= 1 ? v.step[plane] : 0;
  const int64_t inner = v.count[last];
  const int64_t inner_step = v.step[last];
  // A short innermost dimension read from contiguous rows (NCHW to NHWC):
  // each of its `inner` positions is one pass along a contiguous input row,
  // written every `inner` elements, instead of `inner` scattered reads per
  // output pixel (about twice as fast for 3 channels).
  const bool by_column = inner <= 8 && row_step == 1 && rows >= 16;
  for (int64_t done = 0; done < total; done += rows * inner) {
    if (by_column) {
      for (int64_t k = 0; k < inner; ++k) {
        const uint8_t* src = in + (offset + k * inner_step) * static_cast<int64_t>(N);
        uint8_t* dst = out + k * static_cast<int64_t>(N);
        for (int64_t r = 0; r < rows; ++r) std::memcpy(dst + r * inner * static_cast<int64_t>(N), src + r * N, N);
      }
      out += rows * inner * static_cast<int64_t>(N);
    } else {
      for (int64_t r = 0; r < rows; ++r) {
        int64_t o = offset + r * row_step;
        for (int64_t k = 0; k < inner; ++k, o += inner_step) {
          std::memcpy(out, in + o * static_cast<int64_t>(N), N);
          out += N;
        }
      }
    }
    // Advance the outer dimensions like an odometer.
    for (int d = plane - 1; d >= 0; --d) {
      offset += v.step[d];
      if (++index[d] < v.count[d]) break;
      offset -= v.step[d] * v.count[d];
      index[d] = 0;
    }
  }
}

}  // namespace

void StridedCopy(const void* in, void* out, size_t element_size, const StridedView& view) {
  const uint8_t* src = static_cast<const uint8_t*>(in);
  uint8_t* dst = static_cast<uint8_t*>(out);
  switch (element_size) {
    case 1: StridedCopyN<1>(src, dst, view); break;
    case 2: StridedCopyN<2>(src, dst, view); break;
    case 4: StridedCopyN<4>(src, dst, view); break;
    case 8: StridedCopyN<8>(src, dst, view); break;
    default: break;
  }
}

Status EvalStridedCopy(KernelContext* ctx, const StridedView& view) {
  const Tensor* in = ctx->input(0);
  StridedCopy(in->data, ctx->output(0)->data, DTypeSize(in->dtype), view);
  return Status::Ok();
}

}  // namespace edgert
