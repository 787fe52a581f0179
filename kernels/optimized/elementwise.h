// Shared prepare/eval of the optimized elementwise kernels (one-input
// activations and the binary ops ADD ... MINIMUM). Each op file
// (kernels/optimized/<op>.cc) passes its reference kernel and the microkernels
// of the ISA table (kernels/dispatch.h) that compute it; prepare runs the
// reference prepare (all validation and the output shape) and decides once
// whether the microkernels cover the node. Nodes they do not cover run the
// reference kernel's eval.
//
// Covered: f32 input(s) (and int8 ADD / SUB / MUL), microkernels present at
// the active ISA level, and for binary ops one of these broadcast patterns
// (classified in prepare; the operand shapes are right-aligned to the output's
// rank, dims of size 1 in the output ignored):
//  - both operands have the output's shape (one vector-vector call);
//  - one operand has the output's shape and the other, Y, has the dims
//    [outer dims equal to the output's..., 1..., inner dims equal to the
//    output's...]: e.g. [N,H,W,C] op [C] or [1,1,1,C] or [N,1,1,C] (per-channel:
//    one vector-vector call per row of C; rows shorter than 512 bytes run
//    many at a time against Y repeated in scratch), [N,H,W,C] op [N,H,W,1]
//    or a scalar (inner part empty: one vector-scalar call per outer index).
// All patterns are split across the node's threads (rows, or outer indices).
// Every other pattern (both operands broadcast, e.g. [N,1,W,1] op [1,H,1,C],
// or Y = [1,H,1,C]) runs the reference kernel.
#pragma once

#include "kernels/dispatch.h"
#include "runtime/kernel_api.h"

namespace edgert {
namespace opt {

// Prepare of a one-input op: the reference prepare, then `fn` (may be nullptr:
// not available) with `params` for f32 nodes. `ref_builds_lut`: the reference
// prepare of an int8 / uint8 node leaves a UnaryLut state
// (kernels/common/unary_lut.h), which the ISA table's x8 lut kernel applies.
Status PrepareUnaryElementwise(KernelContext* ctx, const OpKernel* ref, F32VUnaryUkernelFn fn,
                               const F32UnaryParams& params, bool ref_builds_lut = false);
Status EvalUnaryElementwise(KernelContext* ctx);

// For an activation node offered to a convolution
// (KernelContext::OfferedActivation): the f32 microkernel that node's kernel
// runs (with PlainActivationParams()) when that kernel is this library's
// optimized HARD_SWISH, LOGISTIC or TANH and the ISA table has it; nullptr
// otherwise (the node then runs itself).
F32VUnaryUkernelFn FusableActivation(schema::OpType type, const OpKernel* kernel);
// The microkernel parameters of HARD_SWISH, LOGISTIC and TANH (none used).
inline F32UnaryParams PlainActivationParams() { return {0.f, 0.f, 0.f}; }

// Which int8 microkernels of the ISA table (KernelIsa::qs8_vadd,
// qs8_vbinary) a binary op runs: ADD and SUB the add ones, MUL the mul ones.
enum class QS8BinaryOp { kNone, kAdd, kMul };

// Prepare of a binary op with BinaryOptions' fused activation. `qs8` names the
// int8 microkernels that cover int8 operands (on the same broadcast patterns as
// f32), with the fixed-point parameters the reference prepare chose.
Status PrepareBinaryElementwise(KernelContext* ctx, const OpKernel* ref, const F32VBinaryUkernels& fns,
                                QS8BinaryOp qs8 = QS8BinaryOp::kNone);
Status EvalBinaryElementwise(KernelContext* ctx);

// How a binary node's operands broadcast, as far as the microkernels care.
struct BinaryBroadcastPlan {
  enum Kind { kNotCovered, kSameShape, kRows } kind = kNotCovered;
  int64_t n = 0;                 // kSameShape: elements
  int64_t outer = 1, rows = 1, inner = 1;  // kRows: output viewed as [outer, rows, inner]
  bool broadcast_first = false;  // kRows: input 0 is the broadcast operand Y ([outer, 1, inner])
};
// Exposed for tests.
BinaryBroadcastPlan ClassifyBinaryBroadcast(const Shape& a, const Shape& b);

}  // namespace opt
}  // namespace edgert
