// Shared pieces of the conv-like reference kernels (CONV_2D,
// DEPTHWISE_CONV_2D, TRANSPOSE_CONV, FULLY_CONNECTED) and the 2-D pools.
// Prepare: tensor/dtype/quantization validation, per-output-channel
// requantization parameters, and window geometry from Padding + explicit pads.
// Eval: the f32/i8/u8 dispatch and the per-output-value loops (accumulation,
// bias, fused activation, requantization), so that each op file keeps only its
// own geometry and its tap iteration.
#pragma once

#include <algorithm>
#include <cstdint>
#include <type_traits>

#include "edgert_generated.h"
#include "kernels/common/quant.h"
#include "kernels/common/window.h"
#include "runtime/kernel_api.h"

namespace edgert {

// Everything eval needs to finish one output value of a conv-like op.
// Float: clamp to [float_min, float_max]. Quantized (i8/u8):
//   acc = sum (x - input_zp) * (w - weight_zp[c]) + bias[c]
//   y = clamp(MultiplyByQuantizedMultiplier(acc, multiplier[c], shift[c]) + output_zp, act_min, act_max)
// The per-channel arrays live in persistent memory and have `channels` entries
// (a per-tensor weight scale is repeated).
struct ConvQuantParams {
  DType type = DType::kF32;  // of input, weights and output
  float float_min = 0.f, float_max = 0.f;
  int32_t input_zp = 0, output_zp = 0;
  int32_t act_min = 0, act_max = 0;
  int32_t* multiplier = nullptr;
  int32_t* shift = nullptr;
  int32_t* weight_zp = nullptr;
};

// The tensors of a conv-like op: input 0, weights 1, optional bias 2, output 0.
// Checks the arity (2 or 3 inputs, 1 output) and that input, weights and
// output are present; *bias is null when omitted.
Status GetConvTensors(KernelContext* ctx, const Tensor** input, const Tensor** weights, const Tensor** bias,
                      Tensor** output);

// GetConvTensors, then the op's options table of type Options (named
// `options_name` in the message when it is missing).
template <typename Options>
Status GetConvOperands(KernelContext* ctx, const char* options_name, const Tensor** input, const Tensor** weights,
                       const Tensor** bias, Tensor** output, const Options** opt) {
  EDGERT_RETURN_IF_ERROR(GetConvTensors(ctx, input, weights, bias, output));
  *opt = ctx->options<Options>();
  if (*opt == nullptr) return ctx->InvalidModel("missing %s", options_name);
  return Status::Ok();
}

// Validates the dtypes of input/weights/bias/output of a conv-like op and their
// quantization, and fills `p`.
//   f32: input, weights, output f32; bias f32.
//   i8:  input, weights, output i8; bias i32. Weights per-tensor, or per-channel
//        along `channel_axis` (one scale per output channel) with zero_point 0.
//   u8:  input, weights, output u8; bias i32; weights per-tensor (any zero point).
// Input and output must be per-tensor quantized. A quantized bias must have
// zero_point 0 and scale input_scale * weight_scale[c]. `bias` may be null;
// otherwise it must be rank 1 with `channels` elements.
Status PrepareConvQuant(KernelContext* ctx, const Tensor* input, const Tensor* weights, const Tensor* bias,
                        const Tensor* output, int channel_axis, int channels, schema::Activation activation,
                        ConvQuantParams* p);

// Checks a tensor of a quantized type has per-tensor quantization with an
// in-range zero point. `role` names it in messages ("input", "output").
Status CheckPerTensorQuant(const KernelContext* ctx, const Tensor* t, const char* role);

// Checks `input` is rank 4 (NHWC).
Status CheckNHWC(const KernelContext* ctx, const Tensor* input);

// The pads [top, left, bottom, right] of a window op: for EXPLICIT, read from
// the options' `pads` (exactly 4, non-negative); zeros for SAME and VALID; any
// other padding is rejected.
Status ReadPadding(const KernelContext* ctx, schema::Padding padding, const flatbuffers::Vector<int32_t>* pads,
                   int out[4]);

// Geometry of a 2-D sliding-window op on an NHWC input: output pixel
// (b, oy, ox) sees input rows oy * stride_h - pad_top + ky * dilation_h, ky in
// [0, filter_h), and likewise columns.
struct Window2D {
  int batches = 0, in_h = 0, in_w = 0, in_c = 0;
  int out_h = 0, out_w = 0;
  int filter_h = 0, filter_w = 0;
  int stride_h = 0, stride_w = 0, dilation_h = 0, dilation_w = 0;
  int pad_top = 0, pad_left = 0;
  int64_t out_pixels() const { return static_cast<int64_t>(batches) * out_h * out_w; }
};

// Validates strides, dilations, filter size, padding and pads, and that the
// output is non-empty; fills `w` for the NHWC input shape `in`.
Status PrepareWindow2D(const KernelContext* ctx, const Shape& in, schema::Padding padding,
                       const flatbuffers::Vector<int32_t>* pads, int filter_h, int filter_w, int stride_h,
                       int stride_w, int dilation_h, int dilation_w, Window2D* w);

// The indirection rows of output row `oy` of batch `b` for depthwise kernels:
// for each output column and each filter tap (ky, kx), a pointer to the input
// pixel's channels (NHWC `in`), or to `pad` for taps outside the input.
// Writes out_w * filter_h * filter_w pointers to `p`. Columns whose taps all
// lie within the input's width (the interior) take the previous column's
// pointers moved by stride_w pixels (pad pointers of rows outside the input
// stay), a loop the compiler vectorizes; only the edge columns compute each
// tap.
template <typename T>
void FillDepthwiseRowPointers(const Window2D& g, const T* in, int64_t b, int oy, const T* pad, const T** p) {
  const int64_t y0 = static_cast<int64_t>(oy) * g.stride_h - g.pad_top;
  const size_t taps = static_cast<size_t>(g.filter_h) * static_cast<size_t>(g.filter_w);
  const int64_t span = static_cast<int64_t>(g.filter_w - 1) * g.dilation_w;  // first to last tap, in pixels
  auto fill_column = [&](int ox, const T** q) {
    const int64_t x0 = static_cast<int64_t>(ox) * g.stride_w - g.pad_left;
    for (int ky = 0; ky < g.filter_h; ++ky) {
      const int64_t y = y0 + static_cast<int64_t>(ky) * g.dilation_h;
      const bool row_in = y >= 0 && y < g.in_h;
      for (int kx = 0; kx < g.filter_w; ++kx) {
        const int64_t x = x0 + static_cast<int64_t>(kx) * g.dilation_w;
        *q++ = row_in && x >= 0 && x < g.in_w ? in + ((b * g.in_h + y) * g.in_w + x) * g.in_c : pad;
      }
    }
  };
  // Whether every filter row of this output row lies inside the input (no pad rows).
  const bool rows_in = y0 >= 0 && y0 + static_cast<int64_t>(g.filter_h - 1) * g.dilation_h < g.in_h;
  const int64_t step = static_cast<int64_t>(g.stride_w) * g.in_c;  // elements from one column to the next
  const T** prev = nullptr;  // the previous column's pointers, when it was an interior column
  for (int ox = 0; ox < g.out_w; ++ox, p += taps) {
    const int64_t x0 = static_cast<int64_t>(ox) * g.stride_w - g.pad_left;
    const bool interior = x0 >= 0 && x0 + span < g.in_w;
    if (interior && prev != nullptr && rows_in) {
      for (size_t t = 0; t < taps; ++t) p[t] = prev[t] + step;
    } else if (interior && prev != nullptr) {
      for (size_t t = 0; t < taps; ++t) p[t] = prev[t] == pad ? pad : prev[t] + step;
    } else {
      fill_column(ox, p);
    }
    prev = interior ? p : nullptr;
  }
}

// Batch, row and column of the NHWC pixel index (b * h + y) * w + x.
struct PixelPos {
  int64_t b;
  int y, x;
};
inline PixelPos SplitPixel(int64_t pixel, int h, int w) {
  return {pixel / w / h, static_cast<int>(pixel / w % h), static_cast<int>(pixel % w)};
}
// Moves `o` to the next output pixel of g (row-major over batches, out_h, out_w):
// walking a tile this way costs no division per pixel.
inline void StepPixel(const Window2D& g, PixelPos* o) {
  if (++o->x < g.out_w) return;
  o->x = 0;
  if (++o->y < g.out_h) return;
  o->y = 0;
  ++o->b;
}

// Indirect-GEMM taps of a convolution: with dilation_w 1 the filter_w taps
// of a filter row read filter_w adjacent input pixels, filter_w * in_c
// contiguous values, so each filter row is one tap of that width (fewer,
// longer taps); otherwise every (ky, kx) is a tap of in_c values.
// taps * tap_values == filter_h * filter_w * in_c, in the weights' (ky, kx, c) order.
struct ConvTaps {
  size_t taps, tap_values;
};
inline ConvTaps ConvTapsOf(const Window2D& g) {
  const size_t c = static_cast<size_t>(g.in_c);
  if (g.dilation_w == 1) return {static_cast<size_t>(g.filter_h), static_cast<size_t>(g.filter_w) * c};
  return {static_cast<size_t>(g.filter_h) * static_cast<size_t>(g.filter_w), c};
}

// The indirection pointers of indirect GEMM kernels (F32IgemmUkernelFn) for
// `rows` (<= mr) consecutive output pixels from `pixel` (an index into
// [batches, out_h, out_w]), taps as ConvTapsOf(g): p[t * mr + i] is row i's tap
// t, pointing into the NHWC input `in` where the tap lies inside it, at
// `padding` (tap_values copies of pad_value) where it lies wholly in the
// padding, and otherwise (a filter row crossing the left or right edge) at a
// copy with pad_value for the outside pixels, made in `edge` (mr * taps * tap_values
// values, row i's tap t at (i * taps + t) * tap_values). Pointers of rows in
// [rows, mr) are left alone. Returns whether some tap was copied to `edge`
// (without one, the pointers depend only on `in`, `padding` and the geometry).
template <typename T>
bool FillConvTilePointers(const Window2D& g, const T* in, int64_t pixel, size_t rows, size_t mr, const T* padding,
                          T pad_value, T* edge, const T** p) {
  const ConvTaps ct = ConvTapsOf(g);
  const size_t c = static_cast<size_t>(g.in_c);
  const int tap_w = g.dilation_w == 1 ? g.filter_w : 1;  // input pixels per tap
  PixelPos o = SplitPixel(pixel, g.out_h, g.out_w);  // then stepped: no division per row
  // A pixel whose taps all lie within the input's width, after such a pixel
  // of the same output row, takes its pointers moved by stride_w pixels (pad
  // pointers of rows outside the input stay).
  const int64_t span = static_cast<int64_t>(g.filter_w - 1) * g.dilation_w;
  const int64_t step = static_cast<int64_t>(g.stride_w) * g.in_c;
  bool prev_interior = false, copied = false;
  for (size_t i = 0; i < rows; ++i, StepPixel(g, &o)) {
    const int64_t y0 = static_cast<int64_t>(o.y) * g.stride_h - g.pad_top;
    const int64_t x0 = static_cast<int64_t>(o.x) * g.stride_w - g.pad_left;
    const bool interior = x0 >= 0 && x0 + span < g.in_w;
    const T** q = p + i;
    if (interior && prev_interior && o.x > 0) {
      const T** prev = q - 1;  // the previous pixel's pointers
      for (size_t t = 0; t < ct.taps; ++t) q[t * mr] = prev[t * mr] == padding ? padding : prev[t * mr] + step;
      continue;
    }
    prev_interior = interior;
    T* copy = edge + i * ct.taps * ct.tap_values;
    for (int ky = 0; ky < g.filter_h; ++ky) {
      const int64_t y = y0 + static_cast<int64_t>(ky) * g.dilation_h;
      const bool row_in = y >= 0 && y < g.in_h;
      const T* in_row = row_in ? in + (o.b * g.in_h + y) * g.in_w * g.in_c : nullptr;
      for (int kx = 0; kx < g.filter_w; kx += tap_w, q += mr, copy += ct.tap_values) {
        const int64_t x = x0 + static_cast<int64_t>(kx) * g.dilation_w;  // first input pixel of the tap
        if (!row_in || x + tap_w <= 0 || x >= g.in_w) {
          *q = padding;
        } else if (x >= 0 && x + tap_w <= g.in_w) {
          *q = in_row + x * g.in_c;
        } else {
          for (int dx = 0; dx < tap_w; ++dx) {
            const int64_t xx = x + dx;
            T* dst = copy + static_cast<size_t>(dx) * c;
            if (xx >= 0 && xx < g.in_w)
              std::copy(in_row + xx * g.in_c, in_row + (xx + 1) * g.in_c, dst);
            else
              std::fill(dst, dst + c, pad_value);
          }
          *q = copy;
          copied = true;
        }
      }
    }
  }
  return copied;
}

// Calls fn(ky, kx, in_pixel) for each filter tap (ky, kx) of output pixel
// `out_pixel` (an index into [batches, out_h, out_w]) that lies inside the
// input; in_pixel = (b * in_h + y) * in_w + x, so channel c of that input
// pixel is element in_pixel * in_c + c.
// Taps outside the input are never visited, so the work per output pixel is
// bounded by the input size even when a (hostile) filter is much larger.
// First and one-past-last tap k with 0 <= origin + k * dilation < size.
inline void TapRange(int64_t origin, int filter, int dilation, int size, int* first, int* end) {
  int64_t lo = origin >= 0 ? 0 : (-origin + dilation - 1) / dilation;
  int64_t hi = size - origin <= 0 ? 0 : (size - origin + dilation - 1) / dilation;
  if (hi > filter) hi = filter;
  if (lo > hi) lo = hi;
  *first = static_cast<int>(lo);
  *end = static_cast<int>(hi);
}

template <typename Fn>
inline void ForEachWindowTap(const Window2D& w, int64_t out_pixel, Fn fn) {
  const PixelPos o = SplitPixel(out_pixel, w.out_h, w.out_w);
  const int64_t y0 = static_cast<int64_t>(o.y) * w.stride_h - w.pad_top;
  const int64_t x0 = static_cast<int64_t>(o.x) * w.stride_w - w.pad_left;
  int ky0, ky1, kx0, kx1;
  TapRange(y0, w.filter_h, w.dilation_h, w.in_h, &ky0, &ky1);
  TapRange(x0, w.filter_w, w.dilation_w, w.in_w, &kx0, &kx1);
  for (int ky = ky0; ky < ky1; ++ky) {
    const int64_t y = y0 + static_cast<int64_t>(ky) * w.dilation_h;
    for (int kx = kx0; kx < kx1; ++kx) {
      const int64_t x = x0 + static_cast<int64_t>(kx) * w.dilation_w;
      fn(ky, kx, (o.b * w.in_h + y) * w.in_w + x);
    }
  }
}

// Calls fn(T()) with T the C++ type of `type` (float, int8_t or uint8_t); any
// other type is Unsupported. For eval's dtype switch: fn is a generic lambda
// taking `auto type_tag` and using T = decltype(type_tag).
template <typename Fn>
Status DispatchF32I8U8(KernelContext* ctx, DType type, Fn fn) {
  switch (type) {
    case DType::kF32: fn(float()); break;
    case DType::kI8: fn(int8_t()); break;
    case DType::kU8: fn(uint8_t()); break;
    default: return ctx->Unsupported("dtype %s", DTypeName(type));
  }
  return Status::Ok();
}

// Final step of a quantized conv-like output: saturates the 64-bit accumulator
// to int32 (TFLite accumulates in int32; the result matches whenever it does not
// overflow), requantizes, adds the output zero point and clamps.
inline int32_t RequantizeAcc(int64_t acc, int32_t multiplier, int shift, int32_t output_zp, int32_t lo, int32_t hi) {
  if (acc > INT32_MAX) acc = INT32_MAX;
  if (acc < INT32_MIN) acc = INT32_MIN;
  const int64_t v =
      static_cast<int64_t>(MultiplyByQuantizedMultiplier(static_cast<int32_t>(acc), multiplier, shift)) + output_zp;
  return static_cast<int32_t>(v < lo ? lo : (v > hi ? hi : v));
}

namespace conv_detail {

// out[pixel, oc] = activation(sum of in[i] * w[j] over taps + bias[oc]).
template <typename Taps>
void FloatOutputs(const ConvQuantParams& q, int64_t pixels, int channels, const Taps& taps, const float* in,
                  const float* w, const float* bias, float* out) {
  for (int64_t pixel = 0; pixel < pixels; ++pixel)
    for (int oc = 0; oc < channels; ++oc) {
      float acc = 0.f;
      taps(pixel, oc, [&](int64_t i, int64_t j) { acc += in[i] * w[j]; });
      if (bias != nullptr) acc += bias[oc];
      *out++ = ApplyActivation(acc, q.float_min, q.float_max);
    }
}

// out[pixel, oc] = requantized(sum of (in[i] - input_zp) * (w[j] - weight_zp[oc]) over taps + bias[oc]).
template <typename T, typename Taps>
void QuantOutputs(const ConvQuantParams& q, int64_t pixels, int channels, const Taps& taps, const T* in, const T* w,
                  const int32_t* bias, T* out) {
  for (int64_t pixel = 0; pixel < pixels; ++pixel)
    for (int oc = 0; oc < channels; ++oc) {
      int64_t acc = 0;
      const int32_t wzp = q.weight_zp[oc];
      taps(pixel, oc, [&](int64_t i, int64_t j) {
        acc += static_cast<int64_t>(static_cast<int32_t>(in[i]) - q.input_zp) * (static_cast<int32_t>(w[j]) - wzp);
      });
      if (bias != nullptr) acc += bias[oc];
      *out++ = static_cast<T>(RequantizeAcc(acc, q.multiplier[oc], q.shift[oc], q.output_zp, q.act_min, q.act_max));
    }
}

}  // namespace conv_detail

// Eval of a conv-like op (input 0, weights 1, optional bias 2, output 0) whose
// output is `pixels` x `channels` values in memory order. For output value
// (pixel, oc), taps(pixel, oc, fn) must call fn(input_index, weight_index)
// once per product to accumulate. This does the dtype dispatch on q.type, the
// accumulation (float, or int64 of (x - input_zp) * (w - weight_zp[oc])), the
// bias, and the fused activation clamp (float) or requantization (i8/u8). It
// does not allocate.
template <typename Taps>
Status EvalConvLike(KernelContext* ctx, const ConvQuantParams& q, int64_t pixels, int channels, const Taps& taps) {
  const Tensor* input = ctx->input(0);
  const Tensor* weights = ctx->input(1);
  const Tensor* bias = ctx->input(2);
  Tensor* output = ctx->output(0);
  return DispatchF32I8U8(ctx, q.type, [&](auto type_tag) {
    using T = decltype(type_tag);
    if constexpr (std::is_same<T, float>::value)
      conv_detail::FloatOutputs(q, pixels, channels, taps, input->data_as<float>(), weights->data_as<float>(),
                                bias ? bias->data_as<float>() : nullptr, output->data_as<float>());
    else
      conv_detail::QuantOutputs<T>(q, pixels, channels, taps, input->data_as<T>(), weights->data_as<T>(),
                                   bias ? bias->data_as<int32_t>() : nullptr, output->data_as<T>());
  });
}

// Parameters of AVERAGE_POOL_2D / MAX_POOL_2D.
struct Pool2DParams {
  DType type = DType::kF32;  // of input and output: f32, i8 or u8
  Window2D window;           // dilations 1; in_c is the channel count of input and output
  bool count_include_pad = false;
  float float_min = 0.f, float_max = 0.f;
  int32_t zero_point = 0, act_min = 0, act_max = 0;  // quantized: shared by input and output
};

// Prepare of AVERAGE_POOL_2D and MAX_POOL_2D: makes the op state, a
// Pool2DParams, validates the pool (one NHWC input, Pool2DOptions, output of
// the same dtype), sets the output shape and fills the state. Quantized pools
// require the output's scale and zero point to equal the input's (TFLite's
// rule; no requantization). EXPLICIT pads must be smaller than the filter, so
// that every window overlaps the input.
Status PreparePool2D(KernelContext* ctx);

// Eval of a 2-D pool with state p: with T the type of p.type (float, int8_t or uint8_t),
// writes out[pixel, c] = value(in, pixel, c) for every output pixel and
// channel in memory order; `value` is called as value(const T* in, int64_t
// pixel, int c) and returns the output value as T. It does not allocate.
template <typename ValueFn>
Status EvalPool2D(KernelContext* ctx, const Pool2DParams& p, const ValueFn& value) {
  const Tensor* input = ctx->input(0);
  Tensor* output = ctx->output(0);
  return DispatchF32I8U8(ctx, p.type, [&](auto type_tag) {
    using T = decltype(type_tag);
    const T* in = input->data_as<T>();
    T* out = output->data_as<T>();
    const int64_t pixels = p.window.out_pixels();
    for (int64_t pixel = 0; pixel < pixels; ++pixel)
      for (int c = 0; c < p.window.in_c; ++c) *out++ = value(in, pixel, c);
  });
}

}  // namespace edgert
