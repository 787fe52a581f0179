// TFLite -> edgert mappings of the convolution and matrix-product ops:
// CONV_2D, DEPTHWISE_CONV_2D, TRANSPOSE_CONV, FULLY_CONNECTED, BATCH_MATMUL and
// MediaPipe's custom Convolution2DTransposeBias.
#include <algorithm>
#include <cstring>
#include <vector>

#include "runtime/importers/tflite/tflite_import_internal.h"

namespace edgert {
namespace tflite_import {

using Offset = flatbuffers::Offset<void>;

Status MapPadding(const OpContext& c, int p, schema::Padding* out) {
  if (p == tfl::Padding_SAME) {
    *out = schema::Padding_SAME;
  } else if (p == tfl::Padding_VALID) {
    *out = schema::Padding_VALID;
  } else {
    return c.Invalid("unknown padding %d", p);
  }
  return Status::Ok();
}

Status MapConv2D(OpContext& c) {
  EDGERT_RETURN_IF_ERROR(c.Arity(2, 3, 1, 1));
  const auto* o = c.options<tfl::Conv2DOptions>();
  if (o == nullptr) return c.Invalid("missing Conv2DOptions");
  schema::Padding pad;
  EDGERT_RETURN_IF_ERROR(MapPadding(c, o->padding(), &pad));
  int32_t x, w, b;
  EDGERT_RETURN_IF_ERROR(c.RequiredIn(0, &x));
  EDGERT_RETURN_IF_ERROR(c.RequiredIn(1, &w));
  EDGERT_RETURN_IF_ERROR(c.In(2, &b));
  return c.EmitFused(schema::OpType_CONV_2D, {x, w, b}, o->fused_activation_function(),
                     schema::OpOptions_Conv2DOptions, [&](schema::Activation a) -> Offset {
                       return schema::CreateConv2DOptions(c.fbb(), pad, o->stride_h(), o->stride_w(),
                                                          o->dilation_h_factor(), o->dilation_w_factor(), a)
                           .Union();
                     });
}

Status MapDepthwiseConv2D(OpContext& c) {
  EDGERT_RETURN_IF_ERROR(c.Arity(2, 3, 1, 1));
  const auto* o = c.options<tfl::DepthwiseConv2DOptions>();
  if (o == nullptr) return c.Invalid("missing DepthwiseConv2DOptions");
  schema::Padding pad;
  EDGERT_RETURN_IF_ERROR(MapPadding(c, o->padding(), &pad));
  // TFLite ignores depth_multiplier in recent versions: it follows from the shapes.
  int multiplier = o->depth_multiplier() > 0 ? o->depth_multiplier() : 1;
  std::vector<int32_t> xs, ws;
  if (c.InputShape(0, &xs).ok() && c.InputShape(1, &ws).ok() && xs.size() == 4 && ws.size() == 4 && xs[3] > 0 &&
      ws[3] % xs[3] == 0 && ws[3] / xs[3] >= 1)
    multiplier = ws[3] / xs[3];
  int32_t x, w, b;
  EDGERT_RETURN_IF_ERROR(c.RequiredIn(0, &x));
  EDGERT_RETURN_IF_ERROR(c.RequiredIn(1, &w));
  EDGERT_RETURN_IF_ERROR(c.In(2, &b));
  return c.EmitFused(schema::OpType_DEPTHWISE_CONV_2D, {x, w, b}, o->fused_activation_function(),
                     schema::OpOptions_DepthwiseConv2DOptions, [&](schema::Activation a) -> Offset {
                       return schema::CreateDepthwiseConv2DOptions(c.fbb(), pad, o->stride_h(), o->stride_w(),
                                                                   o->dilation_h_factor(), o->dilation_w_factor(), a,
                                                                   0, multiplier)
                           .Union();
                     });
}

// TFLite inputs: output_shape, weights, input, optional bias.
Status MapTransposeConv(OpContext& c) {
  EDGERT_RETURN_IF_ERROR(c.Arity(3, 4, 1, 1));
  const auto* o = c.options<tfl::TransposeConvOptions>();
  if (o == nullptr) return c.Invalid("missing TransposeConvOptions");
  schema::Padding pad;
  EDGERT_RETURN_IF_ERROR(MapPadding(c, o->padding(), &pad));
  std::vector<int64_t> os;
  EDGERT_RETURN_IF_ERROR(c.ConstInts(0, "output_shape", &os));
  if (os.size() != 4) return c.Invalid("output_shape must have 4 values; it has %zu", os.size());
  std::vector<int32_t> shape;
  for (int64_t v : os) {
    if (v < 1 || v > (1 << 30)) return c.Invalid("output_shape value %lld is invalid", static_cast<long long>(v));
    shape.push_back(static_cast<int32_t>(v));
  }
  int32_t x, w, b;
  EDGERT_RETURN_IF_ERROR(c.RequiredIn(2, &x));
  EDGERT_RETURN_IF_ERROR(c.RequiredIn(1, &w));
  EDGERT_RETURN_IF_ERROR(c.In(3, &b));
  const int act = o->fused_activation_function();
  return c.EmitFused(schema::OpType_TRANSPOSE_CONV, {x, w, b}, act, schema::OpOptions_TransposeConvOptions,
                     [&](schema::Activation a) -> Offset {
                       auto s = c.fbb().CreateVector(shape);
                       return schema::CreateTransposeConvOptions(c.fbb(), pad, o->stride_h(), o->stride_w(), a, 0, 0,
                                                                 0, s)
                           .Union();
                     });
}

// MediaPipe's "Convolution2DTransposeBias": inputs (input, weights [O,KH,KW,I], bias [O]);
// custom_options are the raw bytes of TFLite's TfLiteTransposeConvParams
// {int32 padding (1 SAME, 2 VALID), int32 stride_width, int32 stride_height}.
// Its output size: SAME: pad = max(0, k - (in - 1) % stride - 1),
// out = stride * (in - 1) + k - pad, pad / 2 before; VALID: out = stride * (in - 1) + k.
// That is TRANSPOSE_CONV with SAME padding (pad_before = (full - out) / 2) and this
// output_shape, or VALID.
Status MapConvolution2DTransposeBias(OpContext& c) {
  EDGERT_RETURN_IF_ERROR(c.Arity(3, 3, 1, 1));
  const flatbuffers::Vector<uint8_t>* co = c.op()->custom_options();
  if (co == nullptr || co->size() < 12)
    return c.Invalid("custom_options hold %u bytes; expected at least 12 (padding, stride_width, stride_height)",
                     co ? co->size() : 0);
  int32_t params[3];
  std::memcpy(params, co->data(), sizeof(params));
  const int32_t padding = params[0], stride_w = params[1], stride_h = params[2];
  if (padding != 1 && padding != 2)
    return c.Invalid("custom_options padding %d is neither SAME (1) nor VALID (2)", padding);
  if (stride_w < 1 || stride_h < 1 || stride_w > 4096 || stride_h > 4096)
    return c.Invalid("custom_options strides (%d, %d) are invalid", stride_w, stride_h);
  std::vector<int32_t> xs, ws;
  EDGERT_RETURN_IF_ERROR(c.InputShape(0, &xs));
  EDGERT_RETURN_IF_ERROR(c.InputShape(1, &ws));
  if (xs.size() != 4 || ws.size() != 4) return c.Invalid("input and weights must be rank 4");
  if (xs[1] < 1 || xs[2] < 1 || ws[1] < 1 || ws[2] < 1) return c.Invalid("empty spatial dimensions");
  auto axis = [&](int in, int k, int stride) -> int64_t {
    const int64_t pad = padding == 1 ? std::max(0, k - (in - 1) % stride - 1) : 0;
    return static_cast<int64_t>(stride) * (in - 1) + k - pad;
  };
  const int64_t oh = axis(xs[1], ws[1], stride_h), ow = axis(xs[2], ws[2], stride_w);
  if (oh > (1 << 30) || ow > (1 << 30)) return c.Invalid("output size overflows");
  const std::vector<int32_t> shape = {xs[0], static_cast<int32_t>(oh), static_cast<int32_t>(ow), ws[0]};
  std::vector<int32_t> declared;
  if (c.OutputShape(0, &declared).ok() && declared.size() == 4 && declared != shape)
    return c.Invalid("the output is declared [%d,%d,%d,%d] but padding %d, strides (%d, %d) give [%d,%d,%d,%d]",
                     declared[0], declared[1], declared[2], declared[3], padding, stride_w, stride_h, shape[0],
                     shape[1], shape[2], shape[3]);
  int32_t x, w, b;
  EDGERT_RETURN_IF_ERROR(c.RequiredIn(0, &x));
  EDGERT_RETURN_IF_ERROR(c.RequiredIn(1, &w));
  EDGERT_RETURN_IF_ERROR(c.RequiredIn(2, &b));
  const schema::Padding pad = padding == 1 ? schema::Padding_SAME : schema::Padding_VALID;
  return c.EmitFused(schema::OpType_TRANSPOSE_CONV, {x, w, b}, tfl::ActivationFunctionType_NONE,
                     schema::OpOptions_TransposeConvOptions, [&](schema::Activation a) -> Offset {
                       auto s = c.fbb().CreateVector(shape);
                       return schema::CreateTransposeConvOptions(c.fbb(), pad, stride_h, stride_w, a, 0, 0, 0, s)
                           .Union();
                     });
}

Status MapFullyConnected(OpContext& c) {
  EDGERT_RETURN_IF_ERROR(c.Arity(2, 3, 1, 1));
  const auto* o = c.options<tfl::FullyConnectedOptions>();
  if (o != nullptr && o->weights_format() != tfl::FullyConnectedOptionsWeightsFormat_DEFAULT)
    return c.Unsupported("shuffled weights format %d is not supported", static_cast<int>(o->weights_format()));
  const int act = o ? o->fused_activation_function() : 0;
  const bool keep = o ? o->keep_num_dims() : false;
  int32_t x, w, b;
  EDGERT_RETURN_IF_ERROR(c.RequiredIn(0, &x));
  EDGERT_RETURN_IF_ERROR(c.RequiredIn(1, &w));
  EDGERT_RETURN_IF_ERROR(c.In(2, &b));
  return c.EmitFused(schema::OpType_FULLY_CONNECTED, {x, w, b}, act, schema::OpOptions_FullyConnectedOptions,
                     [&](schema::Activation a) -> Offset {
                       return schema::CreateFullyConnectedOptions(c.fbb(), a, keep).Union();
                     });
}

Status MapBatchMatMul(OpContext& c) {
  EDGERT_RETURN_IF_ERROR(c.Arity(2, 2, 1, 1));
  const auto* o = c.options<tfl::BatchMatMulOptions>();
  int32_t x, y, out;
  EDGERT_RETURN_IF_ERROR(c.RequiredIn(0, &x));
  EDGERT_RETURN_IF_ERROR(c.RequiredIn(1, &y));
  EDGERT_RETURN_IF_ERROR(c.Out(0, &out));
  c.Emit(schema::OpType_BATCH_MATMUL, {x, y}, {out}, schema::OpOptions_BatchMatMulOptions,
         schema::CreateBatchMatMulOptions(c.fbb(), o ? o->adj_x() : false, o ? o->adj_y() : false).Union());
  return Status::Ok();
}

}  // namespace tflite_import
}  // namespace edgert
