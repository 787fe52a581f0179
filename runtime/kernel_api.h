// The contract between the interpreter and an operator kernel.
//
// prepare(ctx): validates inputs, infers and sets output shapes, picks an
//   implementation, precomputes what eval needs (quantization multipliers,
//   packed weights) into persistent memory, and requests scratch buffers.
//   Constant inputs have their data; activation inputs have only shapes.
// eval(ctx): reads the state prepare left and computes. It must not allocate.
#pragma once

#include <cstddef>
#include <cstdint>
#include <new>
#include <type_traits>

#include "edgert_generated.h"
#include "runtime/status.h"
#include "runtime/tensor.h"

namespace edgert {

class Interpreter;

enum OpKernelFlags : uint32_t {
  kNoFlags = 0,
  // Output 0 is a byte-identical view of input 0 (reshape-like): the planner
  // may give both the same memory, and eval must then do nothing.
  kOutputMayAliasInput0 = 1u << 0,
};

class KernelContext;

struct OpKernel {
  const char* name;
  Status (*prepare)(KernelContext* ctx);
  Status (*eval)(KernelContext* ctx);
  uint32_t flags;
};

class KernelContext {
 public:
  int num_inputs() const;
  int num_outputs() const;
  // nullptr when input i is an omitted optional input (index -1) or i is out of range.
  const Tensor* input(int i) const;
  Tensor* output(int i);
  const schema::Operator* op() const;
  // Options table of the expected type; the loader guarantees it is present for
  // ops whose table in runtime/op_table.def is not NONE.
  template <typename T> const T* options() const { return op()->options_as<T>(); }
  // The node's name for messages: "CONV_2D 'name'" or "CONV_2D #3".
  const char* node_label() const;
  int node_index() const { return node_; }

  // --- prepare only ---
  // Sets output i's shape (its dtype comes from the model and must be checked by the kernel).
  Status SetOutputShape(int i, const Shape& shape);
  // Zeroed, 64-byte aligned memory that lives until the next prepare.
  void* AllocatePersistent(size_t bytes);
  template <typename T> T* NewState() {
    static_assert(std::is_trivially_destructible<T>::value, "op state must be trivially destructible");
    void* p = AllocatePersistent(sizeof(T));
    if (p == nullptr) return nullptr;
    T* s = new (p) T();
    set_state(s);
    return s;
  }
  // Requests a scratch buffer valid during this node's eval; returns its index.
  Status RequestScratch(size_t bytes, int* index);

  // --- eval ---
  template <typename T> T* state() const { return static_cast<T*>(state_); }
  // Runs another kernel's eval on this node with the state that kernel's prepare
  // left (read with state<void>() right after calling its prepare on this
  // context). Lets an optimized kernel hand nodes it does not cover to the
  // reference kernel.
  Status EvalWith(const OpKernel* kernel, void* kernel_state) {
    void* own = state_;
    state_ = kernel_state;
    Status s = kernel->eval(this);
    state_ = own;
    return s;
  }
  void* scratch(int index) const;

  // An error Status whose message starts with the node label.
  Status Error(StatusCode code, const char* fmt, ...) const __attribute__((format(printf, 3, 4)));
  Status InvalidModel(const char* fmt, ...) const __attribute__((format(printf, 2, 3)));
  Status Unsupported(const char* fmt, ...) const __attribute__((format(printf, 2, 3)));

 private:
  friend class Interpreter;
  KernelContext(Interpreter* interp, int node) : interp_(interp), node_(node) {}
  void set_state(void* s) { state_ = s; }
  Interpreter* interp_;
  int node_;
  void* state_ = nullptr;
};

}  // namespace edgert
