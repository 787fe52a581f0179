// Shared pieces of the one-input elementwise activation kernels (RELU ... RSQRT):
// common validation, the fixed-point requantization of the piecewise-linear
// activations (RELU, RELU6, LEAKY_RELU), and the 256-entry lookup table used for
// int8/uint8 inputs of transcendental functions (dequantize -> f(x) -> quantize,
// round half away from zero), which is what TFLite's int8 LUT kernels do.
#pragma once

#include <cstdint>

#include "runtime/kernel_api.h"

namespace edgert {

// Checks that `t` (an i8/u8 tensor) carries per-tensor quantization parameters and
// that its zero point lies in the type's range. `role` ("input", "output") is used
// in messages.
Status UnaryCheckQuantParams(const KernelContext* ctx, const Tensor* t, const char* role);

// Checks that `in` is f32, i8 or u8, that `out` has the same dtype, and that i8/u8
// tensors are per-tensor quantized. `in_role` ("input", "data") names `in` in messages.
Status CheckUnaryDtypes(const KernelContext* ctx, const Tensor* in, const Tensor* out, const char* in_role);

// Prepare for a one-input, one-output elementwise op: checks that input 0 is present
// and is f32, i8 or u8; that output 0 has the same dtype; that quantized tensors are
// per-tensor quantized; and sets the output shape to the input shape.
Status PrepareUnaryElementwise(KernelContext* ctx);

// i8/u8 requantization of the piecewise-linear activations with TFLite's fixed-point
// semantics: with d = q_in - zp_in,
//   q_out = clamp(zp_out + MultiplyByQuantizedMultiplier(d, M), act_min, act_max)
// where M = s_in / s_out for d >= 0 and M = negative_slope * s_in / s_out for d < 0,
// and [act_min, act_max] is ActivationRangeQuantized(act) of the output.
struct UnaryRequant {
  int32_t input_zero_point;
  int32_t output_zero_point;
  int32_t identity_multiplier;  // s_in / s_out
  int identity_shift;
  int32_t negative_multiplier;  // negative_slope * s_in / s_out
  int negative_shift;
  int32_t act_min, act_max;
};

// Fills `r` for the per-tensor quantized i8/u8 `input` and `output`; negative_slope is any
// finite value (1 for RELU / RELU6, alpha for LEAKY_RELU).
void InitUnaryRequant(const Tensor& input, const Tensor& output, double negative_slope, schema::Activation act,
                      UnaryRequant* r);
// Applies `r` to every element of the i8 or u8 `input`; other dtypes give Unsupported.
Status ApplyUnaryRequant(const KernelContext* ctx, const UnaryRequant& r, const Tensor* input, Tensor* output);

// Prepare for a clamping activation (RELU, RELU6): PrepareUnaryElementwise, then for i8/u8
// a new UnaryRequant state with slope 1 and the clamp range of `act` (f32 needs no state).
Status PrepareUnaryRequantOp(KernelContext* ctx, schema::Activation act);

// Eval for a clamping activation: applies `float_fn` to every element for f32, or the
// state's UnaryRequant for i8/u8.
Status EvalUnaryRequantOp(KernelContext* ctx, float (*float_fn)(float));

// A real function for building tables, evaluated in double precision.
using UnaryRealFn = double (*)(double x, const void* arg);

struct UnaryLut {
  uint8_t table[256];      // output byte indexed by the input byte (uint8_t)q
  uint8_t undefined[256];  // 1 where f(dequantized input) is NaN (e.g. sqrt of a negative)
  bool has_undefined;      // any entry of `undefined` set
  float input_scale;       // for messages
  int32_t input_zero_point;
};

// Fills `lut` for input dtype/quantization of `input` and output dtype/quantization of
// `output` (both per-tensor i8 or u8): table[q] = clamp(round(f(s_in*(q-zp_in)) / s_out) + zp_out).
// Infinite results saturate to the output type's range.
void BuildUnaryLut(const Tensor& input, const Tensor& output, UnaryRealFn f, const void* arg, UnaryLut* lut);

// Prepare for a table-driven op: PrepareUnaryElementwise, then for i8/u8 builds the
// table into a new UnaryLut state (f32 needs no state).
Status PrepareUnaryLutOp(KernelContext* ctx, UnaryRealFn f, const void* arg);

// Eval for a table-driven op: applies `float_fn` to every element for f32, or the
// state's table for i8/u8. Returns a runtime error (naming the first offending value)
// when a quantized input value has no defined result (e.g. SQRT of a negative value).
Status EvalUnaryLutOp(KernelContext* ctx, float (*float_fn)(float));

}  // namespace edgert
