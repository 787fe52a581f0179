// Shared pieces of the one-input elementwise activation kernels (RELU ... RSQRT):
// common validation, and the 256-entry lookup table used for int8/uint8 inputs of
// transcendental functions (dequantize -> f(x) -> quantize, round half away from
// zero), which is what TFLite's int8 LUT kernels do.
#pragma once

#include <cstdint>

#include "runtime/kernel_api.h"

namespace edgert {

// Checks that `t` (an i8/u8 tensor) carries per-tensor quantization parameters and
// that its zero point lies in the type's range. `role` ("input", "output") is used
// in messages.
Status UnaryCheckQuantParams(const KernelContext* ctx, const Tensor* t, const char* role);

// Prepare for a one-input, one-output elementwise op: checks that input 0 is present
// and is f32, i8 or u8; that output 0 has the same dtype; that quantized tensors are
// per-tensor quantized; and sets the output shape to the input shape.
Status PrepareUnaryElementwise(KernelContext* ctx);

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
