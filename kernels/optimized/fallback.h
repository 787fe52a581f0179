// How an optimized kernel runs the reference kernel on a node it does not
// cover: its prepare calls the reference prepare first (all validation and the
// output shapes), remembers the reference kernel's state, and eval hands the node
// to the reference eval with that state through KernelContext::EvalWith.
#pragma once

#include "runtime/kernel_api.h"

namespace edgert {
namespace opt {

// Lives in the (trivially destructible) optimized op state.
struct ReferenceFallback {
  const OpKernel* kernel = nullptr;  // the reference kernel
  void* state = nullptr;             // its state, from its prepare on this node
  Status Eval(KernelContext* ctx) const { return ctx->EvalWith(kernel, state); }
};

// Runs the reference kernel's prepare (all validation and output shapes), then
// creates the optimized op state S (which has a ReferenceFallback `fallback`)
// remembering the reference kernel and its state.
template <typename S>
Status PrepareWithFallback(KernelContext* ctx, const OpKernel* ref, S** state) {
  EDGERT_RETURN_IF_ERROR(ref->prepare(ctx));
  void* const ref_state = ctx->state<void>();
  S* s = ctx->NewState<S>();
  if (s == nullptr) return ctx->Error(StatusCode::kOutOfMemory, "out of memory for op state");
  s->fallback.kernel = ref;
  s->fallback.state = ref_state;
  *state = s;
  return Status::Ok();
}

// True when input 0 is f32 and the weights (input 1) and optional bias (input 2)
// are constants: what the f32 microkernel paths can pack in prepare.
inline bool F32WithConstantWeights(const KernelContext* ctx) {
  const Tensor* bias = ctx->input(2);
  // Float32 weights too: FULLY_CONNECTED's hybrid mode has float32 input and int8 weights.
  return ctx->input(0)->dtype == DType::kF32 && ctx->input(1)->dtype == DType::kF32 && ctx->input(1)->is_constant &&
         (bias == nullptr || (bias->dtype == DType::kF32 && bias->is_constant));
}

}  // namespace opt
}  // namespace edgert
