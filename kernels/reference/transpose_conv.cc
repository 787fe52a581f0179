// TRANSPOSE_CONV reference kernel: input [N,H,W,I], weights [O,KH,KW,I],
// optional bias [O]; output [N,OH,OW,O]. Input pixel (y, x) scatters into
// output (y*stride - pad_top + ky, x*stride - pad_left + kx); computed here in
// gather form (each output sums the input pixels that reach it).
//
// Output size (schema/edgert.fbs): output_shape [N,OH,OW,O] when given (it must
// be consistent with the input under the padding), else
//   SAME:     in * stride                   pad_before = max((in-1)*stride + k - out, 0) / 2
//   VALID:    (in-1)*stride + k             pad_before = 0
//   EXPLICIT: (in-1)*stride + k - top - bottom + output_padding, pad_before = top/left.
// output_padding must be in [0, stride) and is only meaningful with EXPLICIT.
// f32, i8 (per-tensor or per-channel weights along axis 0) and u8 (per-tensor).
#include "kernels/common/conv_util.h"
#include "kernels/common/shape_util.h"
#include "kernels/reference/reference_kernels.h"

namespace edgert {
namespace ref {
namespace {

struct TransposeConvState {
  int batches, in_h, in_w, in_c;
  int out_h, out_w, out_c;
  int filter_h, filter_w;
  int stride_h, stride_w;
  int pad_top, pad_left;
  ConvQuantParams q;
};

// One spatial axis: the output size and padding before. `given` is the
// output_shape value or -1. Returns false with a message in `why`.
bool TransposeAxis(schema::Padding padding, int in, int k, int stride, int pad_a, int pad_b, int out_pad, int given,
                   int* out, int* pad_before, const char** why) {
  const int64_t full = static_cast<int64_t>(in - 1) * stride + k;  // VALID size
  int64_t lo = 0;  // the smallest consistent output size; consistent sizes are [lo, lo + stride)
  switch (padding) {
    case schema::Padding_SAME: lo = static_cast<int64_t>(in - 1) * stride + 1; break;
    case schema::Padding_VALID: lo = full; break;
    case schema::Padding_EXPLICIT: lo = full - pad_a - pad_b; break;
    default: *why = "unknown padding"; return false;
  }
  int64_t o = 0;
  if (given >= 0) {
    o = given;
    if (o < lo || o >= lo + stride) {
      *why = "output_shape is inconsistent with the input size, filter, strides and padding";
      return false;
    }
    if (padding == schema::Padding_EXPLICIT && out_pad != 0 && o != lo + out_pad) {
      *why = "output_shape disagrees with output_padding";
      return false;
    }
  } else {
    switch (padding) {
      case schema::Padding_SAME: o = static_cast<int64_t>(in) * stride; break;
      case schema::Padding_VALID: o = full; break;
      default: o = lo + out_pad; break;
    }
  }
  if (o < 1 || o > (1 << 30)) {
    *why = "the output would be empty";
    return false;
  }
  *out = static_cast<int>(o);
  if (padding == schema::Padding_SAME) {
    const int64_t total = full - o;
    *pad_before = total > 0 ? static_cast<int>(total / 2) : 0;
  } else if (padding == schema::Padding_EXPLICIT) {
    *pad_before = pad_a;
  } else {
    *pad_before = 0;
  }
  return true;
}

}  // namespace

static Status Prepare(KernelContext* ctx) {
  const Tensor *input, *weights, *bias;
  Tensor* output;
  const schema::TransposeConvOptions* opt;
  EDGERT_RETURN_IF_ERROR(GetConvOperands(ctx, "TransposeConvOptions", &input, &weights, &bias, &output, &opt));
  EDGERT_RETURN_IF_ERROR(CheckNHWC(ctx, input));
  const Shape& is = input->shape;
  const Shape& ws = weights->shape;
  if (ws.rank != 4 || ws[0] < 1 || ws[1] < 1 || ws[2] < 1 || ws[3] < 1)
    return ctx->InvalidModel("weights '%s' must be [O,KH,KW,I] with non-empty dims; got shape %s", weights->name,
                             ShapeToString(ws).text);
  if (ws[3] != is[3])
    return ctx->InvalidModel("weights '%s' shape %s: in-channels %d != input '%s' channels %d (shape %s)",
                             weights->name, ShapeToString(ws).text, ws[3], input->name, is[3], ShapeToString(is).text);
  if (is[1] < 1 || is[2] < 1)
    return ctx->InvalidModel("input '%s' has empty spatial dims (shape %s)", input->name, ShapeToString(is).text);
  const int sh = opt->stride_h(), sw = opt->stride_w();
  if (sh < 1 || sw < 1) return ctx->InvalidModel("strides must be >= 1; got stride_h %d, stride_w %d", sh, sw);
  const schema::Padding padding = opt->padding();
  int pads[4];
  EDGERT_RETURN_IF_ERROR(ReadPadding(ctx, padding, opt->pads(), pads));
  const int oph = opt->output_padding_h(), opw = opt->output_padding_w();
  if (oph < 0 || opw < 0 || oph >= sh || opw >= sw)
    return ctx->InvalidModel("output_padding (%d, %d) must be in [0, stride) with strides (%d, %d)", oph, opw, sh, sw);
  if (padding != schema::Padding_EXPLICIT && (oph != 0 || opw != 0))
    return ctx->InvalidModel("output_padding (%d, %d) is only allowed with EXPLICIT padding; padding is %s", oph, opw,
                             schema::EnumNamePadding(padding));

  int given_h = -1, given_w = -1;
  if (const auto* os = opt->output_shape()) {
    if (os->size() != 4)
      return ctx->InvalidModel("output_shape must have 4 values [N,OH,OW,O]; got %u", os->size());
    const int n = os->Get(0), c = os->Get(3);
    given_h = os->Get(1);
    given_w = os->Get(2);
    if (n != is[0] || c != ws[0] || given_h < 1 || given_w < 1)
      return ctx->InvalidModel("output_shape [%d,%d,%d,%d] must be [%d, >=1, >=1, %d] (input batch, weights "
                               "out-channels)",
                               n, given_h, given_w, c, is[0], ws[0]);
  }

  auto* s = ctx->NewState<TransposeConvState>();
  if (s == nullptr) return ctx->Error(StatusCode::kOutOfMemory, "out of memory for op state");
  EDGERT_RETURN_IF_ERROR(PrepareConvQuant(ctx, input, weights, bias, output, 0, ws[0], opt->activation(), &s->q));

  const char* why = "";
  if (!TransposeAxis(padding, is[1], ws[1], sh, pads[0], pads[2], oph, given_h, &s->out_h, &s->pad_top, &why))
    return ctx->InvalidModel("height: %s (input %d, filter %d, stride %d, padding %s, pads %d/%d, output_padding %d, "
                             "output_shape height %d)",
                             why, is[1], ws[1], sh, schema::EnumNamePadding(padding), pads[0], pads[2], oph, given_h);
  if (!TransposeAxis(padding, is[2], ws[2], sw, pads[1], pads[3], opw, given_w, &s->out_w, &s->pad_left, &why))
    return ctx->InvalidModel("width: %s (input %d, filter %d, stride %d, padding %s, pads %d/%d, output_padding %d, "
                             "output_shape width %d)",
                             why, is[2], ws[2], sw, schema::EnumNamePadding(padding), pads[1], pads[3], opw, given_w);
  s->batches = is[0];
  s->in_h = is[1];
  s->in_w = is[2];
  s->in_c = is[3];
  s->out_c = ws[0];
  s->filter_h = ws[1];
  s->filter_w = ws[2];
  s->stride_h = sh;
  s->stride_w = sw;
  return ctx->SetOutputShape(0, Shape{is[0], s->out_h, s->out_w, ws[0]});
}

namespace {

// Calls fn(input_index, weight_index) for every (input pixel, tap, in-channel)
// that lands on output (pixel, oc).
template <typename Fn>
inline void ForEachTap(const TransposeConvState& s, int64_t pixel, int oc, Fn fn) {
  const PixelPos o = SplitPixel(pixel, s.out_h, s.out_w);
  for (int ky = 0; ky < s.filter_h; ++ky) {
    const int64_t ty = static_cast<int64_t>(o.y) + s.pad_top - ky;  // = y * stride
    if (ty < 0 || ty % s.stride_h != 0) continue;
    const int64_t y = ty / s.stride_h;
    if (y >= s.in_h) continue;
    for (int kx = 0; kx < s.filter_w; ++kx) {
      const int64_t tx = static_cast<int64_t>(o.x) + s.pad_left - kx;
      if (tx < 0 || tx % s.stride_w != 0) continue;
      const int64_t x = tx / s.stride_w;
      if (x >= s.in_w) continue;
      const int64_t in_base = ((o.b * s.in_h + y) * s.in_w + x) * s.in_c;
      const int64_t w_base = ((static_cast<int64_t>(oc) * s.filter_h + ky) * s.filter_w + kx) * s.in_c;
      for (int c = 0; c < s.in_c; ++c) fn(in_base + c, w_base + c);
    }
  }
}

}  // namespace

static Status Eval(KernelContext* ctx) {
  const TransposeConvState& s = *ctx->state<TransposeConvState>();
  return EvalConvLike(ctx, s.q, static_cast<int64_t>(s.batches) * s.out_h * s.out_w, s.out_c,
                      [&s](int64_t pixel, int oc, auto fn) { ForEachTap(s, pixel, oc, fn); });
}

const OpKernel* Register_TRANSPOSE_CONV() {
  static const OpKernel kernel = {"TRANSPOSE_CONV/reference", Prepare, Eval, kNoFlags};
  return &kernel;
}

}  // namespace ref
}  // namespace edgert
