// The interpreter: prepare (shape inference, kernel choice, op state, memory
// plan) once, then invoke any number of times without touching the heap.
//
// One Model may back several Interpreters, each on its own thread; an
// Interpreter itself is not thread-safe.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "runtime/arena_memory.h"
#include "runtime/kernel_api.h"
#include "runtime/model.h"
#include "runtime/op_resolver.h"
#include "runtime/planner.h"
#include "runtime/thread_pool.h"
#include "runtime/weight_cache.h"

namespace edgert {

struct InterpreterOptions {
  // Threads the optimized kernels split their work across (the calling thread
  // plus num_threads - 1 pool threads, started at the first prepare); 1 or less
  // runs everything on the calling thread. At most ThreadPool::kMaxThreads.
  int num_threads = 1;
  // Use the model's stored memory plan when it is valid for the current shapes.
  bool use_stored_plan = true;
  // Prepare fails (kOutOfMemory) instead of allocating an activation arena larger
  // than this; 0 means no limit. Guards apps against models that ask for gigabytes.
  size_t max_arena_bytes = 0;
  // File of packed weights (runtime/weight_cache.h); empty: none. Prepare maps
  // it when it was written for this model, library build and kernel choice,
  // and otherwise packs as usual and writes it for the next time. A cache that
  // cannot be read or written never fails prepare: MemoryReport says why.
  std::string weight_cache_path;
  // Prepare makes every page of the arena it allocates resident, so that the
  // first invoke runs as fast as later ones instead of taking a page fault per
  // 4 KB of activations. false: the first invoke faults the pages in (shorter
  // prepare). A caller-supplied arena, and arenas above 64 MB, are not touched.
  bool prefault_arena = true;
  // On CPUs with native half-precision arithmetic (ARMv8.2 FEAT_FP16), f32 ops
  // whose weights the model stores as float16 (DEQUANTIZE of f16 constants)
  // may multiply and add in f16 (kernels/optimized/f16_gemm.h: 1x1 CONV_2D
  // and FULLY_CONNECTED), about twice the arithmetic rate, with f16 rounding
  // (relative error about 2^-11 per operation). false: f32 arithmetic
  // everywhere. Other CPUs always compute in f32.
  bool f16_arithmetic = true;
  // A float32 ADD that adds a CONV_2D's or DEPTHWISE_CONV_2D's result to a
  // tensor computed earlier (a residual connection) runs inside the
  // convolution when its kernel takes it (KernelContext::TakeResidualAdd): the
  // sum is formed while the result is in cache, and the convolution's own
  // output needs no memory. Same values as separate ops. false: every node
  // runs as written.
  bool fuse_residual_adds = true;
  // A CONCATENATION along the channels whose inputs are all CONV_2D results
  // read by it alone (float32, or int8 quantized exactly as its output) is
  // elided when every such convolution's kernel can write its output as a
  // channel slice of the concatenation's output
  // (KernelContext::OfferOutputSlice): no copy, same values. false: every
  // node runs as written.
  bool elide_concats = true;
  // A float32 HARD_SWISH, LOGISTIC or TANH whose input is a CONV_2D's or
  // DEPTHWISE_CONV_2D's result read by it alone runs inside that convolution
  // when its kernel takes it (KernelContext::TakeActivation): applied to each
  // tile of the result while it is in cache, by the microkernel the
  // activation's own kernel would run. Same values as separate ops. false:
  // every node runs as written.
  bool fuse_activations = true;
  // A float32 1x1 CONV_2D (stride 1, no padding) whose input is a
  // DEPTHWISE_CONV_2D's result (or that of the activation fused into it) read
  // by it alone computes that depthwise convolution itself, a few rows at a
  // time into a per-thread buffer, each followed by its GEMM on them
  // (KernelContext::TakeRowSource; the optimized kernel does so from a
  // quarter of the L2 of depthwise result): that result never goes to memory
  // and gets no arena space. The other way round likewise: a float32
  // DEPTHWISE_CONV_2D computes the 1x1 CONV_2D producing its input, read by
  // it alone, a few input rows at a time (then it offers no rows itself).
  // Same values as separate ops. false: every node runs as written.
  bool fuse_depthwise_pointwise = true;
};

// One entry of the execution plan. Today every step runs one node with a CPU
// kernel; a delegate step will run a compiled subgraph covering several nodes
// (its partition is decided in prepare, and steps keep the node order).
struct Step {
  enum class Kind { kCpuKernel };
  Kind kind = Kind::kCpuKernel;
  int node = 0;
  const OpKernel* kernel = nullptr;
};

struct MemoryReport {
  size_t arena_bytes = 0;        // planned activation arena
  size_t arena_lower_bound = 0;  // peak sum of simultaneously live buffers
  size_t persistent_bytes = 0;   // op state, prepacked weights and constants computed at prepare that
                                 // a running kernel still reads
  size_t constant_bytes = 0;     // model constants (mapped, not copied)
  size_t released_constant_bytes = 0;  // of those, dropped after packing (mapped files only)
  size_t weight_cache_bytes = 0;       // packed weights mapped from the weight cache
  std::string weight_cache_note;       // what the weight cache did ("" without one)
  bool stored_plan_used = false;
  std::string plan_note;         // why a stored plan was not used, if one exists
};

class Interpreter {
 public:
  Interpreter(std::shared_ptr<const Model> model, const OpResolver* resolver, InterpreterOptions options = {});
  ~Interpreter();
  Interpreter(const Interpreter&) = delete;
  Interpreter& operator=(const Interpreter&) = delete;

  // Caller-supplied arena (64-byte aligned, outlives the interpreter). It is
  // used from the next prepare on; prepare fails if it is too small.
  Status UseArena(void* buffer, size_t size);
  // Changes an input's shape; the next Prepare (or Invoke) re-plans once.
  Status ResizeInput(int input_index, const Shape& shape);
  // Shape inference, kernel choice, op state and memory plan. A no-op when
  // nothing changed since the last successful prepare.
  Status Prepare();
  // Runs the plan. Prepares first if needed (the only case in which it allocates).
  Status Invoke();

  int num_inputs() const { return static_cast<int>(model_->inputs().size()); }
  int num_outputs() const { return static_cast<int>(model_->outputs().size()); }
  // Valid after a successful Prepare; data pointers change when it re-plans.
  Tensor* input(int i) { return &tensors_[model_->inputs()[i]]; }
  Tensor* output(int i) { return &tensors_[model_->outputs()[i]]; }
  const Tensor* output(int i) const { return &tensors_[model_->outputs()[i]]; }
  Tensor* tensor(int index) { return &tensors_[index]; }
  int num_tensors() const { return static_cast<int>(tensors_.size()); }

  const Model& model() const { return *model_; }
  const std::vector<Step>& plan() const { return steps_; }
  const MemoryReport& memory() const { return memory_; }
  // Which kernel runs each node, one line per node.
  std::string DescribePlan() const;
  // Per-step timing: when on, Invoke adds each step's wall time (ns) to
  // step_time_ns()[step] (sized at prepare, so invoke still does not allocate).
  void SetProfiling(bool on) { profiling_ = on; }
  const std::vector<uint64_t>& step_time_ns() const { return step_time_ns_; }
  void ResetProfile() { std::fill(step_time_ns_.begin(), step_time_ns_.end(), 0); }
  int num_threads() const { return options_.num_threads; }

 private:
  friend class KernelContext;
  struct NodeState {
    const OpKernel* kernel = nullptr;
    void* state = nullptr;
    uint64_t packed_inputs = 0;  // bit i: MarkInputPacked(i)
    std::vector<size_t> scratch_sizes;
    std::vector<void*> scratch;
    int first_scratch_buffer = 0;
    // Residual ADD fusion (KernelContext::TakeResidualAdd): on a CONV_2D, the
    // ADD node offered (-1: none) and whether the kernel took it; on that
    // ADD, the node that computes it (-1: runs itself).
    int residual_add = -1;
    bool residual_taken = false;
    // With residual_add: the channel PAD whose output is that ADD's other
    // operand (-1: none), offered with it; its fused_into names this node
    // when taken (the convolution reads the PAD's input).
    int residual_pad = -1;
    int fused_into = -1;
    // Activation fusion (KernelContext::TakeActivation): on a convolution, the
    // activation node offered (-1: none) and whether the kernel took it (that
    // node's fused_into then names the convolution).
    int activation_node = -1;
    bool activation_taken = false;
    // Concatenation in place (KernelContext::OfferOutputSlice): on a CONV_2D,
    // the CONCATENATION offered (-1: none), whether the kernel can write its
    // output as a channel slice of that node's output, and, once the
    // concatenation is elided (every input's producer can), the slice's pixel
    // stride and first channel (stride 0: a dense output of its own); on the
    // CONCATENATION, whether it is elided (its inputs are written in place).
    int concat_node = -1;
    bool slice_capable = false;
    size_t out_pixel_stride = 0, out_channel_offset = 0;
    bool concat_elided = false;
    // Rows on demand (KernelContext::OfferRows / TakeRowSource): on a
    // producer, what it offered; on a CONV_2D or DEPTHWISE_CONV_2D, the
    // producer node offered to it (-1: none) and whether its kernel took it
    // (the producer's fused_into
    // then names this node, and its input and scratch live until this
    // node's step).
    KernelContext::RowSource rows_offer;
    bool rows_offered = false;
    int row_source = -1;
    bool row_source_taken = false;
  };

  Status PrepareNodes();
  void OfferResidualAdds();
  void OfferRowSources();
  bool ChannelPad(int node, int* before, int* after, float* value) const;
  void OfferActivations();
  void OfferConcatSlices();
  void ElideConcats();
  Status RunSteps();  // the ops of one invoke, in order
  Status FoldConstantNode(int node, bool* folded);
  Status PlanMemory();
  void ReleasePackedConstants();
  void ResetTensors();
  void* AllocatePersistent(size_t bytes);
  void* AllocatePacked(int node, size_t bytes, uint64_t layout, bool* filled);
  const void* FindPacked(int node, size_t bytes, uint64_t layout);
  void FreePersistent();
  void OpenWeightCache();
  void UpdateWeightCache();

  std::shared_ptr<const Model> model_;
  const OpResolver* resolver_;
  InterpreterOptions options_;
  std::vector<Tensor> tensors_;
  std::vector<Shape> input_shapes_;  // current shape of each subgraph input
  std::vector<NodeState> nodes_;
  std::vector<int> order_;  // the nodes in execution (and prepare) order
  std::vector<KernelContext> contexts_;
  std::vector<Step> steps_;
  // Weight cache: the mapped file, and this prepare's packed blocks in the
  // order the kernels asked for them (mapped from the file or packed).
  WeightCache cache_;
  WeightCache::Identity cache_id_;
  bool cache_id_known_ = false;
  std::vector<WeightCache::Block> packed_blocks_;
  size_t cache_hits_ = 0;
  std::vector<void*> persistent_blocks_;
  size_t persistent_bytes_ = 0;
  // Constants computed at prepare (FoldConstantNode): tensor, its block in
  // persistent_blocks_ and the block's bytes.
  struct FoldedBlock {
    int tensor;
    size_t block, bytes;
  };
  std::vector<FoldedBlock> folded_blocks_;
  ArenaMemory owned_arena_;  // used when the caller gave no arena
  void* user_arena_ = nullptr;
  size_t user_arena_size_ = 0;
  bool prepared_ = false;
  bool profiling_ = false;
  std::vector<uint64_t> step_time_ns_;
  MemoryReport memory_;
  std::unique_ptr<ThreadPool> pool_;  // null with one thread
};

}  // namespace edgert
