// The contract between the interpreter and an operator kernel.
//
// prepare(ctx): validates inputs, infers and sets output shapes, picks an
//   implementation, precomputes what eval needs (quantization multipliers,
//   packed weights) into persistent memory, and requests scratch buffers.
//   Constant inputs have their data; activation inputs have only shapes.
// eval(ctx): reads the state prepare left and computes. It must not allocate.
//
// Threads: eval is called on the thread that invokes the interpreter. A kernel
// may split its work across the interpreter's num_threads() threads with
// ParallelFor / ParallelFor2D (inline when there is one thread), sizing any
// per-worker scratch in prepare with num_threads(); otherwise it runs on the
// invoking thread alone. kernels/common/parallel_tile.h picks tile sizes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <new>
#include <type_traits>

#include "edgert_generated.h"
#include "runtime/status.h"
#include "runtime/tensor.h"
#include "runtime/thread_pool.h"
#include "runtime/weight_cache.h"

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
  // The threads eval may use (InterpreterOptions::num_threads, at least 1); the
  // `worker` index a parallel task receives is below it.
  int num_threads() const;
  // Whether ops may compute in f16 where their weights are stored as f16
  // (InterpreterOptions::f16_arithmetic).
  bool f16_arithmetic_allowed() const;

  // --- prepare only ---
  // Sets output i's shape (its dtype comes from the model and must be checked by the kernel).
  Status SetOutputShape(int i, const Shape& shape);
  // Zeroed, 64-byte aligned memory that lives until the next prepare.
  void* AllocatePersistent(size_t bytes);
  // Memory for packed constants (weights in a kernel's own layout): `bytes` of
  // 64-byte aligned memory that lives until the next prepare. `layout` is a
  // PackedLayoutKey (runtime/weight_cache.h) of everything the packed bytes
  // depend on besides the node's constant inputs: the microkernel's ISA and
  // tile sizes, the layout's name and version (change it when the packing
  // changes). When the interpreter's weight cache holds this node's block with
  // that layout and size, *filled is true and the memory is the cached block,
  // read-only: the kernel must not write it. Otherwise *filled is false, the
  // memory is zeroed and the kernel packs into it.
  void* AllocatePacked(size_t bytes, uint64_t layout, bool* filled);
  // The cached block AllocatePacked would return with *filled true, or nullptr
  // (then nothing is taken, and the kernel may probe another layout or call
  // AllocatePacked). Lets a kernel whose choice of layout reads the weights
  // (range checks) skip that reading when the cache holds the result.
  const void* FindPacked(size_t bytes, uint64_t layout);
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
  // Says that this kernel copied constant input i (e.g. weights and bias into
  // a packed layout) and its eval never reads the original. A constant whose
  // every reader says so is dropped from memory after prepare when the model is
  // a mapped file (Model::ReleaseMappedPages), so the weights are not resident twice.
  void MarkInputPacked(int i);
  // Fusion of a residual ADD into this node (prepare only). The interpreter
  // offers it when output 0 is float32, read by nothing but one ADD (not a
  // model output) whose other operand r is a float32 tensor of the same shape
  // computed before this node. A kernel able to add r to its result and apply
  // the ADD's fused activation calls this after setting output 0's shape: on
  // true, *residual describes r and *activation is the ADD's, eval must then
  // write output 0 = activation(result + r) (after the node's own
  // activation), output 0 shares the ADD's output memory and the ADD does not
  // run. When r is the output of a CONSTANT-mode PAD of the last (channel)
  // dimension only, read by the ADD alone (the shortcut of a block that widens
  // its channels), that PAD does not run either: residual->tensor is the
  // PAD's input and r's channel c of a pixel is tensor's channel
  // c - pad_before where that lies in [0, tensor's channels), else pad_value.
  // False: no offer (the ADD, and the PAD, run as usual).
  struct ResidualOperand {
    const Tensor* tensor = nullptr;
    int pad_before = 0;  // channels of pad_value before the tensor's (0 without a PAD)
    float pad_value = 0.f;
  };
  bool TakeResidualAdd(ResidualOperand* residual, schema::Activation* activation);
  // Fusion of the activation node after this one (prepare only). The
  // interpreter offers a HARD_SWISH, LOGISTIC or TANH whose input is output 0
  // when nothing else reads output 0 and it is not a model output.
  // OfferedActivation tells the op's type and its node's kernel (false: no
  // offer). A kernel able to apply exactly what that kernel would compute (the
  // same f32 microkernel) to its result calls TakeActivation after setting
  // output 0's shape: on true (both tensors float32), eval must then write
  // output 0 = op(result) (after the node's own activation), output 0 shares
  // the op's output memory and the op does not run. False: the op runs as
  // usual.
  bool OfferedActivation(schema::OpType* type, const OpKernel** kernel) const;
  bool TakeActivation();
  // Concatenation in place. A CONV_2D kernel whose eval can write output 0 as
  // a channel slice of a wider NHWC tensor (pixel p's channels at
  // output(0)->data + p * output_pixel_stride() elements) calls this at the end
  // of prepare: true when its output was offered to a CONCATENATION (which the
  // interpreter elides if every input's producer accepts).
  bool OfferOutputSlice();
  // Rows on demand: a producer whose output 0 (NHWC) can be computed a range
  // of rows at a time (a row: one image row, width x channels values; rows
  // counted over batch x height) into any buffer, while its inputs stay as
  // they are, offers that at the end of prepare with OfferRows (its rows
  // include an activation it took with TakeActivation). A consumer reading
  // output 0 (or that activation's output) as its input 0 may then take it
  // (TakeRowSource, prepare only): the interpreter offers it when that tensor
  // is float32, read by the consumer alone and not a model output, and the
  // producer took no residual ADD or concatenation slice. On true the producer does not run: the
  // consumer's eval must get input 0's values through *source (input 0 has
  // no memory: its data is null), calling begin once, rows for the ranges it
  // needs (concurrently on distinct workers; each range written with rows
  // contiguous, row r0 first), and end once after the last.
  struct RowSource {
    const void* state = nullptr;   // the producer's
    KernelContext* ctx = nullptr;  // the producer's context (its inputs, scratch)
    uint64_t (*begin)(const void* state, KernelContext* ctx) = nullptr;  // returns the pass value
    void (*rows)(const void* state, KernelContext* ctx, uint64_t pass, int worker, size_t r0, size_t n,
                 float* dst) = nullptr;
    void (*end)(const void* state, KernelContext* ctx) = nullptr;
  };
  void OfferRows(const RowSource& source);
  bool TakeRowSource(RowSource* source);
  // Prepare: whether a consumer of output 0 would be offered this node's rows
  // (before it decides to offer them; the consumer's kernel may still decline).
  bool RowsWanted() const;
  // At eval: the pixel stride (in elements) of output 0 when it is written as
  // such a slice, or 0 when it is a dense tensor of its own.
  size_t output_pixel_stride() const;

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

  // Parallel loops. ParallelFor runs task(arg, worker, start, count) for tiles
  // [start, start + count) of `tile` items (the last may be shorter; starts are
  // multiples of tile) covering [0, range) once each, concurrently on the
  // interpreter's threads, and returns when all are done (their writes are then
  // visible). `worker` is in [0, num_threads()) and no two tiles running at the
  // same time share it: a kernel wanting per-worker scratch requests
  // num_threads() slices in prepare and uses slice `worker`. Which worker runs
  // which tile varies, so a tile's result must depend only on its items, not on
  // the worker or the tiling (then any thread count gives identical outputs).
  // Tasks must not fail, allocate, or start another parallel loop. With one
  // thread the tiles run inline, in order, with worker 0.
  void ParallelFor(size_t range, size_t tile, ParallelTask1D task, void* arg);
  // Over [0, range_i) x [0, range_j) in tiles of tile_i x tile_j:
  // task(arg, worker, i, j, count_i, count_j).
  void ParallelFor2D(size_t range_i, size_t range_j, size_t tile_i, size_t tile_j, ParallelTask2D task, void* arg);
  // The same with a callable f(worker, start, count) or f(worker, i, j,
  // count_i, count_j), e.g. a lambda capturing by reference (nothing is copied
  // or allocated).
  template <typename F> void ParallelFor(size_t range, size_t tile, const F& f) {
    ParallelFor(range, tile,
                [](void* a, int worker, size_t start, size_t count) { (*static_cast<const F*>(a))(worker, start, count); },
                const_cast<void*>(static_cast<const void*>(&f)));
  }
  template <typename F> void ParallelFor2D(size_t range_i, size_t range_j, size_t tile_i, size_t tile_j, const F& f) {
    ParallelFor2D(range_i, range_j, tile_i, tile_j,
                  [](void* a, int worker, size_t i, size_t j, size_t count_i, size_t count_j) {
                    (*static_cast<const F*>(a))(worker, i, j, count_i, count_j);
                  },
                  const_cast<void*>(static_cast<const void*>(&f)));
  }

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
