// Shared implementation of the element-wise binary reference kernels
// (ADD, SUB, MUL, DIV, MAXIMUM, MINIMUM): numpy broadcasting, BinaryOptions
// fused activation, float32 / int32 / int8 / uint8.
//
// Semantics (see elementwise_binary.cc for the details):
// - f32: plain IEEE arithmetic; DIV by zero gives inf/nan as IEEE says.
//   MAXIMUM is `a > b ? a : b`, MINIMUM is `a < b ? a : b` (TFLite's functors),
//   so a NaN first operand yields the second operand.
// - i32: ADD/SUB/MUL wrap around modulo 2^32 (no undefined behaviour);
//   DIV truncates toward zero like C++ / TFLite, x / 0 = 0 and
//   INT32_MIN / -1 = INT32_MIN. The fused activation clamps in the integer
//   domain (RELU [0, max], RELU6 [0, 6], RELU_N1_TO_1 [-1, 1]).
// - i8/u8 (per-tensor quantized inputs and output, all the same dtype):
//   ADD/SUB: TFLite's reference quantized add (left_shift 20, input
//            multipliers s_i / (2 * max(s1, s2)), output multiplier
//            2 * max(s1, s2) / (2^20 * s_out)). SUB is ADD with input 2's
//            multiplier negated, exactly as TFLite's sub.cc does.
//   MUL:     multiplier s1 * s2 / s_out on (q1 - zp1) * (q2 - zp2).
//   MAXIMUM/MINIMUM: TFLite requires equal parameters and compares raw values;
//            here each input is requantized to the output's parameters instead
//            (zp_out + MultiplyByQuantizedMultiplier((q - zp) << 20,
//            s_i / (s_out * 2^20))), then the max/min is taken. With equal
//            parameters this is exactly the raw input (TFLite's result); with
//            different parameters it is round-to-nearest of the real value.
//   DIV:     goes through double precision:
//            q = zp_out + round((q1 - zp1) / (q2 - zp2) * s1 / (s2 * s_out)),
//            rounding half away from zero, then clamped. A zero divisor
//            (q2 == zp2) gives +/-infinity, i.e. the top/bottom of the
//            activation range, and 0/0 gives the real value 0 (zp_out).
#pragma once

#include <cstdint>
#include <string>

#include "kernels/common/broadcast.h"
#include "kernels/dispatch.h"
#include "runtime/kernel_api.h"

namespace edgert {
namespace ref {

// Checks that t (i8/u8/i16) has valid per-tensor quantization: present, one
// scale, finite positive scale, zero point inside the type's range. `role`
// names the tensor in the message ("input", "alpha", "output").
Status ElementwiseCheckPerTensorQuant(const KernelContext* ctx, const Tensor* t, const char* role);

// out[i] = f(a[ia], b[ib]) for every element of `out`, with a and b broadcast
// (numpy rules) against out's shape. Allocation-free; T is the element type of all three.
template <typename T, typename F>
void BroadcastApply(const Tensor& a, const Tensor& b, Tensor* out, F f) {
  const T* pa = a.data_as<T>();
  const T* pb = b.data_as<T>();
  T* po = out->data_as<T>();
  const int64_t n = out->NumElements();
  if (a.shape == out->shape && b.shape == out->shape) {
    for (int64_t i = 0; i < n; ++i) po[i] = f(pa[i], pb[i]);
    return;
  }
  BroadcastIterator ia(a.shape, out->shape), ib(b.shape, out->shape);
  for (int64_t i = 0; i < n; ++i) {
    po[i] = f(pa[ia.offset()], pb[ib.offset()]);
    ia.Next();
    ib.Next();
  }
}

enum class BinaryOpKind { kAdd, kSub, kMul, kDiv, kMaximum, kMinimum };

Status PrepareElementwiseBinary(KernelContext* ctx, BinaryOpKind kind);
Status EvalElementwiseBinary(KernelContext* ctx);

// The fixed-point parameters an int8 ADD or SUB node's reference prepare chose
// (`reference_state`: the state PrepareElementwiseBinary left), for optimized
// kernels that must compute exactly what it computes. False for other nodes.
bool QS8AddParamsOf(const void* reference_state, QS8AddParams* params);
// The same for an int8 MUL node.
bool QS8MulParamsOf(const void* reference_state, QS8MulParams* params);

}  // namespace ref
}  // namespace edgert
