// TFLite operator -> edgert operator mappings, one function per TFLite op, and
// the table of all mappers (the convolution family is in tflite_ops_conv.cc).
//
// Mapped builtins: ADD SUB MUL DIV MAXIMUM MINIMUM, CONV_2D DEPTHWISE_CONV_2D
// TRANSPOSE_CONV FULLY_CONNECTED BATCH_MATMUL, PAD PADV2 MIRROR_PAD,
// AVERAGE_POOL_2D MAX_POOL_2D, MEAN SUM REDUCE_MAX REDUCE_MIN REDUCE_PROD,
// SOFTMAX RELU RELU6 LEAKY_RELU PRELU HARD_SWISH LOGISTIC TANH GELU EXP SQRT RSQRT,
// CONCATENATION SPLIT SPLIT_V SLICE STRIDED_SLICE RESHAPE SQUEEZE EXPAND_DIMS
// TRANSPOSE GATHER, RESIZE_BILINEAR RESIZE_NEAREST_NEIGHBOR DEPTH_TO_SPACE
// SPACE_TO_DEPTH, QUANTIZE DEQUANTIZE CAST, DENSIFY (folded at import).
// Custom: "Convolution2DTransposeBias" (MediaPipe) -> TRANSPOSE_CONV with bias.
#include <algorithm>
#include <cstring>
#include <limits>
#include <string>

#include "runtime/dtype.h"
#include "runtime/importers/tflite/tflite_import_internal.h"
#include "runtime/tensor.h"

namespace edgert {
namespace tflite_import {

namespace {

using Offset = flatbuffers::Offset<void>;

// Ops without options and one output: inputs pass through in order.
template <schema::OpType kType, int kMinIn, int kMaxIn>
Status MapPlain(OpContext& c) {
  EDGERT_RETURN_IF_ERROR(c.Arity(kMinIn, kMaxIn, 1, 1));
  std::vector<int32_t> ins(static_cast<size_t>(c.num_inputs()));
  for (int i = 0; i < c.num_inputs(); ++i) EDGERT_RETURN_IF_ERROR(i < kMinIn ? c.RequiredIn(i, &ins[static_cast<size_t>(i)]) : c.In(i, &ins[static_cast<size_t>(i)]));
  int32_t out;
  EDGERT_RETURN_IF_ERROR(c.Out(0, &out));
  c.Emit(kType, ins, {out});
  return Status::Ok();
}

// --- element-wise binary ---

template <schema::OpType kType, typename TflOptions>
Status MapBinary(OpContext& c) {
  EDGERT_RETURN_IF_ERROR(c.Arity(2, 2, 1, 1));
  const auto* o = c.options<TflOptions>();
  int32_t a, b;
  EDGERT_RETURN_IF_ERROR(c.RequiredIn(0, &a));
  EDGERT_RETURN_IF_ERROR(c.RequiredIn(1, &b));
  return c.EmitFused(kType, {a, b}, o ? o->fused_activation_function() : 0, schema::OpOptions_BinaryOptions,
                     [&](schema::Activation act) -> Offset { return schema::CreateBinaryOptions(c.fbb(), act).Union(); });
}

template <schema::OpType kType>
Status MapMaxMin(OpContext& c) {
  EDGERT_RETURN_IF_ERROR(c.Arity(2, 2, 1, 1));
  int32_t a, b, out;
  EDGERT_RETURN_IF_ERROR(c.RequiredIn(0, &a));
  EDGERT_RETURN_IF_ERROR(c.RequiredIn(1, &b));
  EDGERT_RETURN_IF_ERROR(c.Out(0, &out));
  c.Emit(kType, {a, b}, {out}, schema::OpOptions_BinaryOptions, schema::CreateBinaryOptions(c.fbb()).Union());
  return Status::Ok();
}

// --- padding and pooling ---

Status MapPad(OpContext& c) {
  EDGERT_RETURN_IF_ERROR(c.Arity(2, 2, 1, 1));
  int32_t x, p, out;
  EDGERT_RETURN_IF_ERROR(c.RequiredIn(0, &x));
  EDGERT_RETURN_IF_ERROR(c.RequiredIn(1, &p));
  EDGERT_RETURN_IF_ERROR(c.Out(0, &out));
  c.Emit(schema::OpType_PAD, {x, p}, {out}, schema::OpOptions_PadOptions,
         schema::CreatePadOptions(c.fbb(), schema::PadMode_CONSTANT).Union());
  return Status::Ok();
}

Status MapPadV2(OpContext& c) {
  EDGERT_RETURN_IF_ERROR(c.Arity(2, 3, 1, 1));
  int32_t x, p, v, out;
  EDGERT_RETURN_IF_ERROR(c.RequiredIn(0, &x));
  EDGERT_RETURN_IF_ERROR(c.RequiredIn(1, &p));
  EDGERT_RETURN_IF_ERROR(c.In(2, &v));
  EDGERT_RETURN_IF_ERROR(c.Out(0, &out));
  std::vector<int32_t> ins = {x, p};
  if (v >= 0) ins.push_back(v);
  c.Emit(schema::OpType_PAD, ins, {out}, schema::OpOptions_PadOptions,
         schema::CreatePadOptions(c.fbb(), schema::PadMode_CONSTANT).Union());
  return Status::Ok();
}

Status MapMirrorPad(OpContext& c) {
  EDGERT_RETURN_IF_ERROR(c.Arity(2, 2, 1, 1));
  const auto* o = c.options<tfl::MirrorPadOptions>();
  const int mode = o ? o->mode() : tfl::MirrorPadMode_REFLECT;
  schema::PadMode m;
  if (mode == tfl::MirrorPadMode_REFLECT) {
    m = schema::PadMode_REFLECT;
  } else if (mode == tfl::MirrorPadMode_SYMMETRIC) {
    m = schema::PadMode_SYMMETRIC;
  } else {
    return c.Invalid("unknown mirror pad mode %d", mode);
  }
  int32_t x, p, out;
  EDGERT_RETURN_IF_ERROR(c.RequiredIn(0, &x));
  EDGERT_RETURN_IF_ERROR(c.RequiredIn(1, &p));
  EDGERT_RETURN_IF_ERROR(c.Out(0, &out));
  c.Emit(schema::OpType_PAD, {x, p}, {out}, schema::OpOptions_PadOptions, schema::CreatePadOptions(c.fbb(), m).Union());
  return Status::Ok();
}

template <schema::OpType kType>
Status MapPool(OpContext& c) {
  EDGERT_RETURN_IF_ERROR(c.Arity(1, 1, 1, 1));
  const auto* o = c.options<tfl::Pool2DOptions>();
  if (o == nullptr) return c.Invalid("missing Pool2DOptions");
  schema::Padding pad;
  EDGERT_RETURN_IF_ERROR(MapPadding(c, o->padding(), &pad));
  int32_t x;
  EDGERT_RETURN_IF_ERROR(c.RequiredIn(0, &x));
  return c.EmitFused(kType, {x}, o->fused_activation_function(), schema::OpOptions_Pool2DOptions,
                     [&](schema::Activation a) -> Offset {
                       return schema::CreatePool2DOptions(c.fbb(), pad, o->stride_h(), o->stride_w(),
                                                          o->filter_height(), o->filter_width(), a, 0,
                                                          /*count_include_pad=*/false)
                           .Union();
                     });
}

// --- reductions, softmax, activations ---

template <schema::OpType kType>
Status MapReduce(OpContext& c) {
  EDGERT_RETURN_IF_ERROR(c.Arity(2, 2, 1, 1));
  const auto* o = c.options<tfl::ReducerOptions>();
  int32_t x, axes, out;
  EDGERT_RETURN_IF_ERROR(c.RequiredIn(0, &x));
  EDGERT_RETURN_IF_ERROR(c.RequiredIn(1, &axes));
  EDGERT_RETURN_IF_ERROR(c.Out(0, &out));
  c.Emit(kType, {x, axes}, {out}, schema::OpOptions_ReduceOptions,
         schema::CreateReduceOptions(c.fbb(), o ? o->keep_dims() : false).Union());
  return Status::Ok();
}

Status MapSoftmax(OpContext& c) {
  EDGERT_RETURN_IF_ERROR(c.Arity(1, 1, 1, 1));
  const auto* o = c.options<tfl::SoftmaxOptions>();
  int32_t x, out;
  EDGERT_RETURN_IF_ERROR(c.RequiredIn(0, &x));
  EDGERT_RETURN_IF_ERROR(c.Out(0, &out));
  c.Emit(schema::OpType_SOFTMAX, {x}, {out}, schema::OpOptions_SoftmaxOptions,
         schema::CreateSoftmaxOptions(c.fbb(), o ? o->beta() : 1.0f, -1).Union());
  return Status::Ok();
}

Status MapLeakyRelu(OpContext& c) {
  EDGERT_RETURN_IF_ERROR(c.Arity(1, 1, 1, 1));
  const auto* o = c.options<tfl::LeakyReluOptions>();
  int32_t x, out;
  EDGERT_RETURN_IF_ERROR(c.RequiredIn(0, &x));
  EDGERT_RETURN_IF_ERROR(c.Out(0, &out));
  c.Emit(schema::OpType_LEAKY_RELU, {x}, {out}, schema::OpOptions_LeakyReluOptions,
         schema::CreateLeakyReluOptions(c.fbb(), o ? o->alpha() : 0.2f).Union());
  return Status::Ok();
}

Status MapGelu(OpContext& c) {
  EDGERT_RETURN_IF_ERROR(c.Arity(1, 1, 1, 1));
  const auto* o = c.options<tfl::GeluOptions>();
  int32_t x, out;
  EDGERT_RETURN_IF_ERROR(c.RequiredIn(0, &x));
  EDGERT_RETURN_IF_ERROR(c.Out(0, &out));
  c.Emit(schema::OpType_GELU, {x}, {out}, schema::OpOptions_GeluOptions,
         schema::CreateGeluOptions(c.fbb(), o ? o->approximate() : false).Union());
  return Status::Ok();
}

// --- shape and data movement ---

Status MapConcatenation(OpContext& c) {
  EDGERT_RETURN_IF_ERROR(c.Arity(1, -1, 1, 1));
  const auto* o = c.options<tfl::ConcatenationOptions>();
  std::vector<int32_t> ins(static_cast<size_t>(c.num_inputs()));
  for (int i = 0; i < c.num_inputs(); ++i) EDGERT_RETURN_IF_ERROR(c.RequiredIn(i, &ins[static_cast<size_t>(i)]));
  const int axis = o ? o->axis() : 0;
  return c.EmitFused(schema::OpType_CONCATENATION, ins, o ? o->fused_activation_function() : 0,
                     schema::OpOptions_ConcatenationOptions, [&](schema::Activation a) -> Offset {
                       return schema::CreateConcatenationOptions(c.fbb(), axis, a).Union();
                     });
}

Status ScalarAxis(OpContext& c, int input, int* axis) {
  std::vector<int64_t> v;
  EDGERT_RETURN_IF_ERROR(c.ConstInts(input, "axis", &v));
  if (v.size() != 1) return c.Invalid("axis must hold one value; it holds %zu", v.size());
  if (v[0] < -kMaxRank || v[0] > kMaxRank) return c.Invalid("axis %lld is out of range", static_cast<long long>(v[0]));
  *axis = static_cast<int>(v[0]);
  return Status::Ok();
}

Status EmitSplit(OpContext& c, const std::vector<int32_t>& ins, int axis) {
  std::vector<int32_t> outs(static_cast<size_t>(c.num_outputs()));
  for (int i = 0; i < c.num_outputs(); ++i) EDGERT_RETURN_IF_ERROR(c.Out(i, &outs[static_cast<size_t>(i)]));
  c.Emit(schema::OpType_SPLIT, ins, outs, schema::OpOptions_SplitOptions,
         schema::CreateSplitOptions(c.fbb(), axis).Union());
  return Status::Ok();
}

// TFLite SPLIT: input 0 is the axis (a constant scalar), input 1 the data.
Status MapSplit(OpContext& c) {
  EDGERT_RETURN_IF_ERROR(c.Arity(2, 2, 1, -1));
  int axis;
  EDGERT_RETURN_IF_ERROR(ScalarAxis(c, 0, &axis));
  int32_t x;
  EDGERT_RETURN_IF_ERROR(c.RequiredIn(1, &x));
  return EmitSplit(c, {x}, axis);
}

// TFLite SPLIT_V: data, size_splits, axis.
Status MapSplitV(OpContext& c) {
  EDGERT_RETURN_IF_ERROR(c.Arity(3, 3, 1, -1));
  int axis;
  EDGERT_RETURN_IF_ERROR(ScalarAxis(c, 2, &axis));
  int32_t x, sizes;
  EDGERT_RETURN_IF_ERROR(c.RequiredIn(0, &x));
  EDGERT_RETURN_IF_ERROR(c.RequiredIn(1, &sizes));
  return EmitSplit(c, {x, sizes}, axis);
}

Status MapStridedSlice(OpContext& c) {
  EDGERT_RETURN_IF_ERROR(c.Arity(3, 4, 1, 1));
  const auto* o = c.options<tfl::StridedSliceOptions>();
  std::vector<int32_t> ins(static_cast<size_t>(c.num_inputs()));
  for (int i = 0; i < c.num_inputs(); ++i) EDGERT_RETURN_IF_ERROR(c.In(i, &ins[static_cast<size_t>(i)]));
  if (ins.size() == 4 && ins[3] < 0) ins.pop_back();
  int32_t out;
  EDGERT_RETURN_IF_ERROR(c.Out(0, &out));
  c.Emit(schema::OpType_STRIDED_SLICE, ins, {out}, schema::OpOptions_StridedSliceOptions,
         o ? schema::CreateStridedSliceOptions(c.fbb(), o->begin_mask(), o->end_mask(), o->ellipsis_mask(),
                                               o->new_axis_mask(), o->shrink_axis_mask(), o->offset())
                 .Union()
           : schema::CreateStridedSliceOptions(c.fbb()).Union());
  return Status::Ok();
}

Status EmitReshape(OpContext& c, int32_t x, const std::vector<int32_t>& shape) {
  int32_t out;
  EDGERT_RETURN_IF_ERROR(c.Out(0, &out));
  auto v = c.fbb().CreateVector(shape);
  c.Emit(schema::OpType_RESHAPE, {x}, {out}, schema::OpOptions_ReshapeOptions,
         schema::CreateReshapeOptions(c.fbb(), v).Union());
  return Status::Ok();
}

// The new shape: input 1 when it is a 1-D int32 tensor (TFLite's rule), else
// ReshapeOptions.new_shape, else the output's static shape.
Status MapReshape(OpContext& c) {
  EDGERT_RETURN_IF_ERROR(c.Arity(1, 2, 1, 1));
  std::vector<int32_t> shape;
  bool have = false;
  std::vector<int32_t> ss;
  DType sdt;
  if (c.tfl_input(1) >= 0 && c.InputShape(1, &ss).ok() && ss.size() == 1 && c.InputDType(1, &sdt).ok() &&
      (sdt == DType::kI32 || sdt == DType::kI64)) {
    if (c.IsConstInput(1)) {
      std::vector<int64_t> v;
      EDGERT_RETURN_IF_ERROR(c.ConstInts(1, "shape", &v));
      for (int64_t d : v) {
        if (d < -1 || d > std::numeric_limits<int32_t>::max())
          return c.Invalid("shape value %lld is invalid", static_cast<long long>(d));
        shape.push_back(static_cast<int32_t>(d));
      }
      have = true;
    }
  }
  const auto* o = c.options<tfl::ReshapeOptions>();
  if (!have && o != nullptr && o->new_shape() != nullptr) {
    shape.assign(o->new_shape()->begin(), o->new_shape()->end());
    if (shape.size() == 1 && shape[0] == 0) shape.clear();  // legacy encoding of a scalar
    have = true;
  }
  if (!have) EDGERT_RETURN_IF_ERROR(c.OutputShape(0, &shape));
  if (shape.size() > static_cast<size_t>(kMaxRank)) return c.Unsupported("rank %zu is too large", shape.size());
  int32_t x;
  EDGERT_RETURN_IF_ERROR(c.RequiredIn(0, &x));
  return EmitReshape(c, x, shape);
}

// Keeps one dynamic dimension (from shape_signature) as -1 in a computed shape.
std::vector<int32_t> WithDynamic(const std::vector<int32_t>& shape, const std::vector<bool>& dynamic) {
  std::vector<int32_t> s = shape;
  int count = 0, at = -1;
  for (size_t i = 0; i < dynamic.size(); ++i)
    if (dynamic[i]) ++count, at = static_cast<int>(i);
  if (count == 1) s[static_cast<size_t>(at)] = -1;
  return s;
}

Status MapSqueeze(OpContext& c) {
  EDGERT_RETURN_IF_ERROR(c.Arity(1, 1, 1, 1));
  std::vector<int32_t> in, sig;
  EDGERT_RETURN_IF_ERROR(c.InputShape(0, &in, &sig));
  const int rank = static_cast<int>(in.size());
  std::vector<bool> drop(in.size(), false);
  const auto* o = c.options<tfl::SqueezeOptions>();
  if (o != nullptr && o->squeeze_dims() != nullptr && o->squeeze_dims()->size() > 0) {
    for (int32_t d : *o->squeeze_dims()) {
      const int a = d < 0 ? d + rank : d;
      if (a < 0 || a >= rank) return c.Invalid("squeeze dimension %d is out of range for rank %d", d, rank);
      if (in[static_cast<size_t>(a)] != 1)
        return c.Invalid("squeeze dimension %d has size %d, not 1", d, in[static_cast<size_t>(a)]);
      drop[static_cast<size_t>(a)] = true;
    }
  } else {
    for (int i = 0; i < rank; ++i) drop[static_cast<size_t>(i)] = in[static_cast<size_t>(i)] == 1 && sig[static_cast<size_t>(i)] == 1;
  }
  std::vector<int32_t> shape;
  std::vector<bool> dyn;
  for (int i = 0; i < rank; ++i)
    if (!drop[static_cast<size_t>(i)]) shape.push_back(in[static_cast<size_t>(i)]), dyn.push_back(sig[static_cast<size_t>(i)] < 0);
  int32_t x;
  EDGERT_RETURN_IF_ERROR(c.RequiredIn(0, &x));
  return EmitReshape(c, x, WithDynamic(shape, dyn));
}

Status MapExpandDims(OpContext& c) {
  EDGERT_RETURN_IF_ERROR(c.Arity(2, 2, 1, 1));
  std::vector<int32_t> in, sig;
  EDGERT_RETURN_IF_ERROR(c.InputShape(0, &in, &sig));
  int axis;
  EDGERT_RETURN_IF_ERROR(ScalarAxis(c, 1, &axis));
  const int rank = static_cast<int>(in.size());
  if (rank + 1 > kMaxRank) return c.Unsupported("the result would have rank %d", rank + 1);
  if (axis < 0) axis += rank + 1;
  if (axis < 0 || axis > rank) return c.Invalid("axis is out of range for rank %d", rank);
  std::vector<int32_t> shape = in;
  std::vector<bool> dyn;
  for (int32_t d : sig) dyn.push_back(d < 0);
  shape.insert(shape.begin() + axis, 1);
  dyn.insert(dyn.begin() + axis, false);
  int32_t x;
  EDGERT_RETURN_IF_ERROR(c.RequiredIn(0, &x));
  return EmitReshape(c, x, WithDynamic(shape, dyn));
}

Status MapGather(OpContext& c) {
  EDGERT_RETURN_IF_ERROR(c.Arity(2, 2, 1, 1));
  const auto* o = c.options<tfl::GatherOptions>();
  int32_t p, idx, out;
  EDGERT_RETURN_IF_ERROR(c.RequiredIn(0, &p));
  EDGERT_RETURN_IF_ERROR(c.RequiredIn(1, &idx));
  EDGERT_RETURN_IF_ERROR(c.Out(0, &out));
  c.Emit(schema::OpType_GATHER, {p, idx}, {out}, schema::OpOptions_GatherOptions,
         schema::CreateGatherOptions(c.fbb(), o ? o->axis() : 0, o ? o->batch_dims() : 0).Union());
  return Status::Ok();
}

template <schema::OpType kType, typename TflOptions>
Status MapResize(OpContext& c) {
  EDGERT_RETURN_IF_ERROR(c.Arity(2, 2, 1, 1));
  const auto* o = c.options<TflOptions>();
  int32_t x, size, out;
  EDGERT_RETURN_IF_ERROR(c.RequiredIn(0, &x));
  EDGERT_RETURN_IF_ERROR(c.RequiredIn(1, &size));
  EDGERT_RETURN_IF_ERROR(c.Out(0, &out));
  c.Emit(kType, {x, size}, {out}, schema::OpOptions_ResizeOptions,
         schema::CreateResizeOptions(c.fbb(), o ? o->align_corners() : false, o ? o->half_pixel_centers() : false)
             .Union());
  return Status::Ok();
}

template <schema::OpType kType, typename TflOptions>
Status MapSpaceDepth(OpContext& c) {
  EDGERT_RETURN_IF_ERROR(c.Arity(1, 1, 1, 1));
  const auto* o = c.options<TflOptions>();
  if (o == nullptr) return c.Invalid("missing block size options");
  int32_t x, out;
  EDGERT_RETURN_IF_ERROR(c.RequiredIn(0, &x));
  EDGERT_RETURN_IF_ERROR(c.Out(0, &out));
  c.Emit(kType, {x}, {out}, schema::OpOptions_SpaceDepthOptions,
         schema::CreateSpaceDepthOptions(c.fbb(), o->block_size()).Union());
  return Status::Ok();
}

// --- quantization, constants ---

// A float16 / bfloat16 constant feeding DEQUANTIZE becomes a float32 constant.
Status MapDequantize(OpContext& c) {
  EDGERT_RETURN_IF_ERROR(c.Arity(1, 1, 1, 1));
  if (c.import_options().fold_fp16 && c.IsConstInput(0)) {
    ConstTensor in;
    EDGERT_RETURN_IF_ERROR(c.ConstInput(0, &in));
    if (in.dtype == DType::kF16 || in.dtype == DType::kBF16) {
      const int64_t n = in.NumElements();
      std::vector<uint8_t> bytes(static_cast<size_t>(n) * 4);
      for (int64_t i = 0; i < n; ++i) {
        uint16_t h;
        std::memcpy(&h, in.data + i * 2, 2);
        const float f = in.dtype == DType::kF16 ? HalfToFloat(h) : BF16ToFloat(h);
        std::memcpy(bytes.data() + i * 4, &f, 4);
      }
      ++c.report()->folded_dequantize;
      return c.SetConstOutput(0, ConstTensor::Owned(DType::kF32, in.shape, std::move(bytes)));
    }
  }
  return MapPlain<schema::OpType_DEQUANTIZE, 1, 1>(c);
}

// DENSIFY's input is a sparse constant, densified when read; the output is that constant.
Status MapDensify(OpContext& c) {
  EDGERT_RETURN_IF_ERROR(c.Arity(1, 1, 1, 1));
  if (!c.IsConstInput(0)) return c.Unsupported("the input must be a (sparse) constant");
  ConstTensor in;
  EDGERT_RETURN_IF_ERROR(c.ConstInput(0, &in));
  return c.SetConstOutput(0, in);
}

struct BuiltinEntry {
  int code;
  OpMapper mapper;
};

const BuiltinEntry kBuiltins[] = {
    {kAdd, MapBinary<schema::OpType_ADD, tfl::AddOptions>},
    {kSub, MapBinary<schema::OpType_SUB, tfl::SubOptions>},
    {kMul, MapBinary<schema::OpType_MUL, tfl::MulOptions>},
    {kDiv, MapBinary<schema::OpType_DIV, tfl::DivOptions>},
    {kMaximum, MapMaxMin<schema::OpType_MAXIMUM>},
    {kMinimum, MapMaxMin<schema::OpType_MINIMUM>},
    {kConv2D, MapConv2D},
    {kDepthwiseConv2D, MapDepthwiseConv2D},
    {kTransposeConv, MapTransposeConv},
    {kFullyConnected, MapFullyConnected},
    {kBatchMatMul, MapBatchMatMul},
    {kPad, MapPad},
    {kPadV2, MapPadV2},
    {kMirrorPad, MapMirrorPad},
    {kAveragePool2D, MapPool<schema::OpType_AVERAGE_POOL_2D>},
    {kMaxPool2D, MapPool<schema::OpType_MAX_POOL_2D>},
    {kMean, MapReduce<schema::OpType_MEAN>},
    {kSum, MapReduce<schema::OpType_SUM>},
    {kReduceMax, MapReduce<schema::OpType_REDUCE_MAX>},
    {kReduceMin, MapReduce<schema::OpType_REDUCE_MIN>},
    {kReduceProd, MapReduce<schema::OpType_REDUCE_PROD>},
    {kSoftmax, MapSoftmax},
    {kRelu, MapPlain<schema::OpType_RELU, 1, 1>},
    {kRelu6, MapPlain<schema::OpType_RELU6, 1, 1>},
    {kLeakyRelu, MapLeakyRelu},
    {kPrelu, MapPlain<schema::OpType_PRELU, 2, 2>},
    {kHardSwish, MapPlain<schema::OpType_HARD_SWISH, 1, 1>},
    {kLogistic, MapPlain<schema::OpType_LOGISTIC, 1, 1>},
    {kTanh, MapPlain<schema::OpType_TANH, 1, 1>},
    {kGelu, MapGelu},
    {kExp, MapPlain<schema::OpType_EXP, 1, 1>},
    {kSqrt, MapPlain<schema::OpType_SQRT, 1, 1>},
    {kRsqrt, MapPlain<schema::OpType_RSQRT, 1, 1>},
    {kConcatenation, MapConcatenation},
    {kSplit, MapSplit},
    {kSplitV, MapSplitV},
    {kSlice, MapPlain<schema::OpType_SLICE, 3, 3>},
    {kStridedSlice, MapStridedSlice},
    {kReshape, MapReshape},
    {kSqueeze, MapSqueeze},
    {kExpandDims, MapExpandDims},
    {kShape, MapShape},
    {kPack, MapPack},
    {kTranspose, MapPlain<schema::OpType_TRANSPOSE, 2, 2>},
    {kGather, MapGather},
    {kResizeBilinear, MapResize<schema::OpType_RESIZE_BILINEAR, tfl::ResizeBilinearOptions>},
    {kResizeNearestNeighbor, MapResize<schema::OpType_RESIZE_NEAREST_NEIGHBOR, tfl::ResizeNearestNeighborOptions>},
    {kDepthToSpace, MapSpaceDepth<schema::OpType_DEPTH_TO_SPACE, tfl::DepthToSpaceOptions>},
    {kSpaceToDepth, MapSpaceDepth<schema::OpType_SPACE_TO_DEPTH, tfl::SpaceToDepthOptions>},
    {kQuantize, MapPlain<schema::OpType_QUANTIZE, 1, 1>},
    {kDequantize, MapDequantize},
    {kCast, MapPlain<schema::OpType_CAST, 1, 1>},
    {kDensify, MapDensify},
};

}  // namespace

OpMapper FindBuiltinMapper(int code) {
  for (const BuiltinEntry& e : kBuiltins)
    if (e.code == code) return e.mapper;
  return nullptr;
}

OpMapper FindCustomMapper(const std::string& custom_code) {
  if (custom_code == "Convolution2DTransposeBias") return MapConvolution2DTransposeBias;
  return nullptr;
}

}  // namespace tflite_import
}  // namespace edgert
