// Shared prepare-time helpers of the conv-like reference kernels (CONV_2D,
// DEPTHWISE_CONV_2D, TRANSPOSE_CONV, FULLY_CONNECTED) and the 2-D pools:
// dtype/quantization validation, per-output-channel requantization
// parameters, and window geometry from Padding + explicit pads.
#pragma once

#include <cstdint>

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

// Window geometry of a 2-D sliding-window op. `pads` is the options' pads
// vector ([top, left, bottom, right], only read for EXPLICIT). Validates
// strides, dilations, filter size, pads, and that the output is non-empty.
Status ComputeWindow2D(const KernelContext* ctx, schema::Padding padding, const flatbuffers::Vector<int32_t>* pads,
                       int in_h, int in_w, int filter_h, int filter_w, int stride_h, int stride_w, int dilation_h,
                       int dilation_w, WindowGeometry* gh, WindowGeometry* gw);

// Reads EXPLICIT pads [top, left, bottom, right] (non-negative, exactly 4).
Status ReadExplicitPads(const KernelContext* ctx, const flatbuffers::Vector<int32_t>* pads, int out[4]);

// Geometry and output parameters of AVERAGE_POOL_2D / MAX_POOL_2D.
struct Pool2DParams {
  DType type = DType::kF32;  // of input and output: f32, i8 or u8
  int batches = 0, in_h = 0, in_w = 0, channels = 0;
  int out_h = 0, out_w = 0, filter_h = 0, filter_w = 0;
  int stride_h = 0, stride_w = 0, pad_top = 0, pad_left = 0;
  bool count_include_pad = false;
  float float_min = 0.f, float_max = 0.f;
  int32_t zero_point = 0, act_min = 0, act_max = 0;  // quantized: shared by input and output
};

// Validates a 2-D pool (one NHWC input, Pool2DOptions, output of the same
// dtype), sets the output shape and fills `p`. Quantized pools require the
// output's scale and zero point to equal the input's (TFLite's rule; no
// requantization). EXPLICIT pads must be smaller than the filter, so that every
// window overlaps the input.
Status PreparePool2D(KernelContext* ctx, Pool2DParams* p);

// "[1,7,5,3]" into buf, for messages.
const char* ShapeToString(const Shape& s, char* buf, size_t size);

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

}  // namespace edgert
