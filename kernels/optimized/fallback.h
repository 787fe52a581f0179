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

}  // namespace opt
}  // namespace edgert
