#include "runtime/interpreter.h"

#include <algorithm>
#include <chrono>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <map>

#include "edgert/edgert.h"

namespace edgert {

// ---------------------------------------------------------------- KernelContext

int KernelContext::num_inputs() const { return static_cast<int>(interp_->model_->nodes()[node_].inputs.size()); }
int KernelContext::num_outputs() const { return static_cast<int>(interp_->model_->nodes()[node_].outputs.size()); }

const Tensor* KernelContext::input(int i) const {
  const auto& in = interp_->model_->nodes()[node_].inputs;
  if (i < 0 || i >= static_cast<int>(in.size()) || in[i] < 0) return nullptr;
  return &interp_->tensors_[in[i]];
}

Tensor* KernelContext::output(int i) {
  const auto& out = interp_->model_->nodes()[node_].outputs;
  if (i < 0 || i >= static_cast<int>(out.size())) return nullptr;
  return &interp_->tensors_[out[i]];
}

const schema::Operator* KernelContext::op() const { return interp_->model_->nodes()[node_].op; }
const char* KernelContext::node_label() const { return interp_->model_->nodes()[node_].label.c_str(); }

Status KernelContext::SetOutputShape(int i, const Shape& shape) {
  Tensor* t = output(i);
  if (t == nullptr) return InvalidModel("kernel set the shape of output %d, which does not exist", i);
  if (shape.rank < 0 || shape.rank > kMaxRank) return InvalidModel("output %d rank %d is out of range", i, shape.rank);
  uint64_t elements = 1;
  for (int d = 0; d < shape.rank; ++d) {
    if (shape.dims[d] < 0) return InvalidModel("output %d '%s' would have negative dimension %d", i, t->name, shape.dims[d]);
    if (shape.dims[d] != 0 && elements > (uint64_t{1} << 40) / static_cast<uint64_t>(shape.dims[d]))
      return InvalidModel("output %d '%s' would be larger than 1 TiB", i, t->name);
    elements *= static_cast<uint64_t>(shape.dims[d]);
  }
  t->shape = shape;
  t->bytes = static_cast<size_t>(elements * DTypeSize(t->dtype));
  return Status::Ok();
}

void* KernelContext::AllocatePersistent(size_t bytes) { return interp_->AllocatePersistent(bytes); }

void* KernelContext::AllocatePacked(size_t bytes, uint64_t layout, bool* filled) {
  return interp_->AllocatePacked(node_, bytes, layout, filled);
}

const void* KernelContext::FindPacked(size_t bytes, uint64_t layout) {
  return interp_->FindPacked(node_, bytes, layout);
}

Status KernelContext::RequestScratch(size_t bytes, int* index) {
  auto& ns = interp_->nodes_[node_];
  ns.scratch_sizes.push_back(bytes);
  *index = static_cast<int>(ns.scratch_sizes.size()) - 1;
  return Status::Ok();
}

void KernelContext::MarkInputPacked(int i) {
  if (i >= 0 && i < 64) interp_->nodes_[node_].packed_inputs |= uint64_t{1} << i;
}

bool KernelContext::TakeResidualAdd(ResidualOperand* residual, schema::Activation* activation) {
  auto& ns = interp_->nodes_[node_];
  if (ns.residual_add < 0 || ns.residual_taken) return false;
  const auto& nodes = interp_->model_->nodes();
  const NodeInfo& add = nodes[static_cast<size_t>(ns.residual_add)];
  const int32_t t = nodes[node_].outputs[0];
  const int32_t r = add.inputs[0] == t ? add.inputs[1] : add.inputs[0];
  const Tensor& out = interp_->tensors_[t];
  const Tensor& res = interp_->tensors_[r];
  Tensor& sum = interp_->tensors_[add.outputs[0]];
  if (out.dtype != DType::kF32 || res.dtype != DType::kF32 || sum.dtype != DType::kF32 || !(res.shape == out.shape))
    return false;
  ResidualOperand operand;
  operand.tensor = &res;
  if (ns.residual_pad >= 0) {  // the PAD's input, when its shape is r's but for the padded channels
    const NodeInfo& pad = nodes[static_cast<size_t>(ns.residual_pad)];
    const Tensor& x = interp_->tensors_[pad.inputs[0]];
    int before = 0, after = 0;
    float value = 0.f;
    const int rank = out.shape.rank;
    bool ok = x.dtype == DType::kF32 && x.shape.rank == rank && rank >= 1 &&
              interp_->ChannelPad(ns.residual_pad, &before, &after, &value) &&
              x.shape.dims[rank - 1] + before + after == out.shape.dims[rank - 1];
    for (int d = 0; ok && d + 1 < rank; ++d) ok = x.shape.dims[d] == out.shape.dims[d];
    if (ok) {
      operand.tensor = &x;
      operand.pad_before = before;
      operand.pad_value = value;
      interp_->nodes_[static_cast<size_t>(ns.residual_pad)].fused_into = node_;
    } else {
      ns.residual_pad = -1;  // the PAD runs; its output is the operand
    }
  }
  const auto* opts = add.op->options_as<schema::BinaryOptions>();
  *activation = opts != nullptr ? opts->activation() : schema::Activation_NONE;
  *residual = operand;
  sum.shape = out.shape;
  sum.bytes = out.bytes;
  ns.residual_taken = true;
  interp_->nodes_[static_cast<size_t>(ns.residual_add)].fused_into = node_;
  return true;
}

bool KernelContext::OfferedActivation(schema::OpType* type, const OpKernel** kernel) const {
  const auto& ns = interp_->nodes_[node_];
  if (ns.activation_node < 0 || ns.activation_taken) return false;
  *type = interp_->model_->nodes()[static_cast<size_t>(ns.activation_node)].type;
  *kernel = interp_->nodes_[static_cast<size_t>(ns.activation_node)].kernel;
  return true;
}

bool KernelContext::TakeActivation() {
  auto& ns = interp_->nodes_[node_];
  if (ns.activation_node < 0 || ns.activation_taken) return false;
  const auto& nodes = interp_->model_->nodes();
  const NodeInfo& act = nodes[static_cast<size_t>(ns.activation_node)];
  const Tensor& out = interp_->tensors_[nodes[node_].outputs[0]];
  Tensor& y = interp_->tensors_[act.outputs[0]];
  if (out.dtype != DType::kF32 || y.dtype != DType::kF32) return false;
  y.shape = out.shape;
  y.bytes = out.bytes;
  ns.activation_taken = true;
  interp_->nodes_[static_cast<size_t>(ns.activation_node)].fused_into = node_;
  return true;
}

bool KernelContext::OfferOutputSlice() {
  auto& ns = interp_->nodes_[node_];
  if (ns.concat_node < 0 || ns.residual_taken) return false;
  ns.slice_capable = true;
  return true;
}

void KernelContext::OfferRows(const RowSource& source) {
  auto& ns = interp_->nodes_[node_];
  if (source.rows == nullptr || source.begin == nullptr || source.end == nullptr) return;
  ns.rows_offer = source;
  ns.rows_offered = true;
}

bool KernelContext::RowsWanted() const {
  for (const auto& ns : interp_->nodes_)
    if (ns.row_source == node_) return true;
  return false;
}

bool KernelContext::TakeRowSource(RowSource* source) {
  auto& ns = interp_->nodes_[node_];
  if (ns.row_source < 0 || ns.row_source_taken) return false;
  auto& producer = interp_->nodes_[static_cast<size_t>(ns.row_source)];
  // With an activation offered to the producer, the consumer reads that
  // activation's output: only when the producer computes it too.
  if (!producer.rows_offered || producer.fused_into >= 0 || producer.residual_taken ||
      producer.activation_taken != (producer.activation_node >= 0) || producer.out_pixel_stride != 0)
    return false;
  const Tensor& t = interp_->tensors_[interp_->model_->nodes()[node_].inputs[0]];
  if (t.dtype != DType::kF32) return false;
  *source = producer.rows_offer;
  ns.row_source_taken = true;
  producer.fused_into = node_;
  return true;
}

size_t KernelContext::output_pixel_stride() const { return interp_->nodes_[node_].out_pixel_stride; }

void* KernelContext::scratch(int index) const { return interp_->nodes_[node_].scratch[index]; }

int KernelContext::num_threads() const { return interp_->options_.num_threads; }
bool KernelContext::f16_arithmetic_allowed() const { return interp_->options_.f16_arithmetic; }

void KernelContext::ParallelFor(size_t range, size_t tile, ParallelTask1D task, void* arg) {
  ParallelFor1D(interp_->pool_.get(), range, tile, task, arg);
}

void KernelContext::ParallelFor2D(size_t range_i, size_t range_j, size_t tile_i, size_t tile_j, ParallelTask2D task,
                                  void* arg) {
  edgert::ParallelFor2D(interp_->pool_.get(), range_i, range_j, tile_i, tile_j, task, arg);
}

// "op N LABEL: message" with the code given.
#define EDGERT_NODE_ERROR(code)                                                               \
  va_list ap;                                                                                 \
  va_start(ap, fmt);                                                                          \
  std::string msg = FormatV(fmt, ap);                                                         \
  va_end(ap);                                                                                 \
  return Status(code, "op " + std::to_string(node_) + " " + node_label() + ": " + msg)

Status KernelContext::Error(StatusCode code, const char* fmt, ...) const { EDGERT_NODE_ERROR(code); }
Status KernelContext::InvalidModel(const char* fmt, ...) const { EDGERT_NODE_ERROR(StatusCode::kInvalidModel); }
Status KernelContext::Unsupported(const char* fmt, ...) const { EDGERT_NODE_ERROR(StatusCode::kUnsupported); }
#undef EDGERT_NODE_ERROR

// ---------------------------------------------------------------- Interpreter

Interpreter::Interpreter(std::shared_ptr<const Model> model, const OpResolver* resolver, InterpreterOptions options)
    : model_(std::move(model)), resolver_(resolver), options_(options) {
  if (options_.num_threads < 1) options_.num_threads = 1;
  for (int32_t t : model_->inputs()) input_shapes_.push_back(model_->tensors()[t].shape);
  tensors_.resize(model_->tensors().size());
  ResetTensors();
}

Interpreter::~Interpreter() {
  pool_.reset();
  FreePersistent();
}

// Zeroed by calloc, which skips the memset for memory fresh from the system
// (the packed weights of a large model: megabytes that the packing writes
// anyway; a memset first would fault every page in and write it twice). The
// block is over-allocated by the alignment and the aligned address returned.
void* Interpreter::AllocatePersistent(size_t bytes) {
  const size_t n = AlignUp(bytes == 0 ? 1 : bytes, kArenaAlignment);
  void* raw = std::calloc(1, n + kArenaAlignment - 1);
  if (raw == nullptr) return nullptr;
  persistent_blocks_.push_back(raw);
  persistent_bytes_ += n;
  return reinterpret_cast<void*>(AlignUp(reinterpret_cast<uintptr_t>(raw), kArenaAlignment));
}

void Interpreter::FreePersistent() {
  for (void* p : persistent_blocks_) std::free(p);
  persistent_blocks_.clear();
  persistent_bytes_ = 0;
  folded_blocks_.clear();
  packed_blocks_.clear();
  cache_hits_ = 0;
}

// The k-th packed block of a prepare is the cache's k-th block when node,
// layout and size match; otherwise it is packed into persistent memory.
const void* Interpreter::FindPacked(int node, size_t bytes, uint64_t layout) {
  const size_t k = packed_blocks_.size();
  if (!cache_.is_open() || k >= cache_.blocks().size()) return nullptr;
  const WeightCache::Block& b = cache_.blocks()[k];
  if (b.node != node || b.layout != layout || b.bytes != bytes) return nullptr;
  packed_blocks_.push_back(b);
  ++cache_hits_;
  memory_.weight_cache_bytes += bytes;
  return b.data;
}

void* Interpreter::AllocatePacked(int node, size_t bytes, uint64_t layout, bool* filled) {
  if (const void* cached = FindPacked(node, bytes, layout)) {
    *filled = true;
    return const_cast<void*>(cached);
  }
  *filled = false;
  void* p = AllocatePersistent(bytes);
  if (p != nullptr) packed_blocks_.push_back(WeightCache::Block{node, layout, bytes, p});
  return p;
}

// Maps the weight cache for this prepare (the model's hash is computed once
// per model, Model::content_hash).
void Interpreter::OpenWeightCache() {
  cache_.Close();
  if (options_.weight_cache_path.empty()) return;
  if (!cache_id_known_) {
    cache_id_.model_hash = model_->content_hash();
    cache_id_.model_bytes = model_->file_size();
    const std::string build = std::string("edgert ") + ERT_VERSION + " weight cache, " +
                              std::to_string(sizeof(void*) * 8) + "-bit";
    cache_id_.build_hash = HashBytes(build.data(), build.size());
    cache_id_known_ = true;
  }
  std::string why;
  if (!cache_.Open(options_.weight_cache_path, cache_id_, &why)) memory_.weight_cache_note = "not used: " + why;
}

// After a successful prepare: says what the cache gave, and writes the file
// when any block was packed here (or the packing asked for fewer blocks).
void Interpreter::UpdateWeightCache() {
  if (options_.weight_cache_path.empty()) return;
  const bool complete = cache_.is_open() && cache_hits_ == packed_blocks_.size() &&
                        cache_hits_ == cache_.blocks().size();
  if (complete) {
    memory_.weight_cache_note = "used: " + std::to_string(cache_hits_) + " packed blocks mapped";
    return;
  }
  std::string before = memory_.weight_cache_note;
  if (cache_.is_open()) before = "not used: it holds other packed blocks (other shapes or kernels)";
  const Status s = WeightCache::Write(options_.weight_cache_path, cache_id_, packed_blocks_);
  memory_.weight_cache_note = before + (s.ok() ? "; written (" + std::to_string(packed_blocks_.size()) + " blocks)"
                                               : "; not written: " + s.message());
}

Status Interpreter::UseArena(void* buffer, size_t size) {
  if (buffer == nullptr) return Status::Error(StatusCode::kInvalidArgument, "arena buffer is null");
  if (reinterpret_cast<uintptr_t>(buffer) % kArenaAlignment != 0)
    return Status::Error(StatusCode::kInvalidArgument, "arena buffer must be %zu-byte aligned", kArenaAlignment);
  user_arena_ = buffer;
  user_arena_size_ = size;
  prepared_ = false;
  return Status::Ok();
}

Status Interpreter::ResizeInput(int input_index, const Shape& shape) {
  if (input_index < 0 || input_index >= num_inputs())
    return Status::Error(StatusCode::kInvalidArgument, "input index %d is out of range (model has %d inputs)",
                         input_index, num_inputs());
  if (shape.rank < 0 || shape.rank > kMaxRank)
    return Status::Error(StatusCode::kInvalidArgument, "rank %d is out of range (at most %d)", shape.rank, kMaxRank);
  uint64_t elements = 1;
  for (int d = 0; d < shape.rank; ++d) {
    if (shape.dims[d] < 0)
      return Status::Error(StatusCode::kInvalidArgument, "dimension %d of input %d is negative (%d)", d, input_index,
                           shape.dims[d]);
    if (shape.dims[d] != 0 && elements > (uint64_t{1} << 40) / static_cast<uint64_t>(shape.dims[d]))
      return Status::Error(StatusCode::kInvalidArgument, "input %d shape is too large", input_index);
    elements *= static_cast<uint64_t>(shape.dims[d]);
  }
  if (input_shapes_[input_index] == shape) return Status::Ok();
  input_shapes_[input_index] = shape;
  prepared_ = false;
  return Status::Ok();
}

void Interpreter::ResetTensors() {
  const auto& infos = model_->tensors();
  for (size_t i = 0; i < infos.size(); ++i) {
    const TensorInfo& info = infos[i];
    Tensor& t = tensors_[i];
    t.dtype = info.dtype;
    t.shape = info.shape;
    t.name = info.name.c_str();
    t.is_constant = info.is_constant();
    t.data = const_cast<void*>(info.const_data);
    t.sparse = info.sparse.block_size > 0 ? &info.sparse : nullptr;
    t.quant = QuantParams();
    if (!info.scale.empty()) {
      t.quant.scale = info.scale.data();
      t.quant.zero_point = info.zero_point.data();
      t.quant.count = static_cast<int>(info.scale.size());
      t.quant.axis = info.quant_axis;
    }
    t.bytes = static_cast<size_t>(t.shape.NumElements()) * DTypeSize(t.dtype);
  }
  for (size_t i = 0; i < input_shapes_.size(); ++i) {
    Tensor& t = tensors_[model_->inputs()[i]];
    t.shape = input_shapes_[i];
    t.bytes = static_cast<size_t>(t.shape.NumElements()) * DTypeSize(t.dtype);
  }
}

Status Interpreter::Prepare() {
  if (prepared_) return Status::Ok();
  if (options_.num_threads > ThreadPool::kMaxThreads)
    return Status::Error(StatusCode::kInvalidArgument, "num_threads %d is above the limit of %d",
                         options_.num_threads, ThreadPool::kMaxThreads);
  if (options_.num_threads > 1 && pool_ == nullptr) EDGERT_RETURN_IF_ERROR(ThreadPool::Create(options_.num_threads, &pool_));
  ResetTensors();
  memory_ = MemoryReport();
  OpenWeightCache();
  Status s = PrepareNodes();
  if (s.ok()) s = PlanMemory();
  if (pool_ != nullptr) pool_->Park();  // after the prepare-time loops (packing)
  if (!s.ok()) {
    // Leave the interpreter usable: a later Prepare (e.g. after fixing the input
    // shape) starts again from the model.
    FreePersistent();
    cache_.Close();
    steps_.clear();
    return s;
  }
  ReleasePackedConstants();
  UpdateWeightCache();
  prepared_ = true;
  return Status::Ok();
}

// Constants that no running kernel reads but to pack them are dropped from
// memory: the model's own when they live in a mapped file (read only by
// packing kernels or by nodes folded at prepare), and those computed at
// prepare (e.g. f16 weights widened to f32 by a folded DEQUANTIZE) are freed.
void Interpreter::ReleasePackedConstants() {
  const auto& nodes = model_->nodes();
  const auto& infos = model_->tensors();
  std::vector<int> readers(infos.size(), 0), packed(infos.size(), 0), folded_readers(infos.size(), 0);
  std::vector<bool> runs(nodes.size(), false);
  for (const Step& st : steps_) runs[static_cast<size_t>(st.node)] = true;
  for (size_t n = 0; n < nodes.size(); ++n) {
    for (size_t k = 0; k < nodes[n].inputs.size(); ++k) {
      const int32_t t = nodes[n].inputs[k];
      if (t < 0) continue;
      if (!runs[n]) {  // folded: ran once at prepare
        ++folded_readers[static_cast<size_t>(t)];
        continue;
      }
      ++readers[static_cast<size_t>(t)];
      if (k < 64 && (nodes_[n].packed_inputs >> k & 1) != 0) ++packed[static_cast<size_t>(t)];
    }
  }
  // Model outputs that are constants are read by the caller; a fused residual
  // (maybe a constant computed at prepare) by its convolution.
  for (int32_t t : model_->outputs()) readers[static_cast<size_t>(t)] += 1 << 20;
  for (size_t n = 0; n < nodes.size(); ++n) {
    if (!nodes_[n].residual_taken) continue;
    const NodeInfo& add = nodes[static_cast<size_t>(nodes_[n].residual_add)];
    readers[static_cast<size_t>(add.inputs[0] == nodes[n].outputs[0] ? add.inputs[1] : add.inputs[0])] += 1 << 20;
    if (nodes_[n].residual_pad >= 0)  // the PAD's input, read through it
      readers[static_cast<size_t>(nodes[static_cast<size_t>(nodes_[n].residual_pad)].inputs[0])] += 1 << 20;
  }
  size_t released = 0;
  for (size_t t = 0; t < infos.size(); ++t)
    if (infos[t].const_data != nullptr && readers[t] + folded_readers[t] > 0 && packed[t] == readers[t])
      released += model_->ReleaseMappedPages(infos[t].const_data, infos[t].const_bytes);
  memory_.released_constant_bytes = released;
  for (const FoldedBlock& f : folded_blocks_) {
    const size_t t = static_cast<size_t>(f.tensor);
    if (packed[t] != readers[t] || persistent_blocks_[f.block] == nullptr) continue;
    std::free(persistent_blocks_[f.block]);
    persistent_blocks_[f.block] = nullptr;
    persistent_bytes_ -= f.bytes;
    tensors_[t].data = nullptr;
  }
  folded_blocks_.clear();
  memory_.persistent_bytes = persistent_bytes_;
}

namespace {

// Per tensor: the node that writes it (-1: none) and how many node inputs
// read it, plus 2 for a model output (read by the caller).
void ProducersAndReaders(const Model& model, std::vector<int>* producer, std::vector<int>* readers) {
  const auto& nodes = model.nodes();
  producer->assign(model.tensors().size(), -1);
  readers->assign(model.tensors().size(), 0);
  for (size_t n = 0; n < nodes.size(); ++n) {
    for (int32_t t : nodes[n].outputs) (*producer)[static_cast<size_t>(t)] = static_cast<int>(n);
    for (int32_t t : nodes[n].inputs)
      if (t >= 0) ++(*readers)[static_cast<size_t>(t)];
  }
  for (int32_t t : model.outputs()) (*readers)[static_cast<size_t>(t)] += 2;
}

}  // namespace

Status Interpreter::PrepareNodes() {
  FreePersistent();
  const auto& nodes = model_->nodes();
  nodes_.assign(nodes.size(), NodeState());
  contexts_.clear();
  contexts_.reserve(nodes.size());
  steps_.clear();

  // Resolve every node first so the error lists all missing ops at once.
  std::map<std::string, int> missing;
  for (size_t i = 0; i < nodes.size(); ++i) {
    const NodeInfo& n = nodes[i];
    const char* custom = n.op->custom_code() ? n.op->custom_code()->c_str() : nullptr;
    nodes_[i].kernel = resolver_->Find(n.type, custom);
    if (nodes_[i].kernel == nullptr) {
      std::string name = n.type == schema::OpType_CUSTOM ? std::string("CUSTOM:") + (custom ? custom : "?")
                                                         : OpTypeName(n.type);
      ++missing[name];
    }
  }
  if (!missing.empty()) {
    std::string list;
    for (const auto& kv : missing) {
      if (!list.empty()) list += ", ";
      list += kv.first + " x" + std::to_string(kv.second);
    }
    return Status(StatusCode::kUnsupported, "no kernel for " + std::to_string(missing.size()) +
                                                " op type(s) used by the model: " + list);
  }

  for (size_t i = 0; i < nodes.size(); ++i) contexts_.push_back(KernelContext(this, static_cast<int>(i)));
  order_.resize(nodes.size());
  for (size_t i = 0; i < nodes.size(); ++i) order_[i] = static_cast<int>(i);
  if (options_.fuse_residual_adds) OfferResidualAdds();
  if (options_.fuse_activations) OfferActivations();
  if (options_.elide_concats) OfferConcatSlices();
  if (options_.fuse_depthwise_pointwise) OfferRowSources();
  for (const int node : order_) {
    const size_t i = static_cast<size_t>(node);
    KernelContext& ctx = contexts_[i];
    if (nodes_[i].fused_into >= 0) continue;  // an ADD or activation computed by the convolution before it
    EDGERT_RETURN_IF_ERROR(nodes_[i].kernel->prepare(&ctx));
    nodes_[i].state = ctx.state_;
    bool folded = false;
    EDGERT_RETURN_IF_ERROR(FoldConstantNode(static_cast<int>(i), &folded));
    if (folded) continue;
    steps_.push_back(Step{Step::Kind::kCpuKernel, static_cast<int>(i), nodes_[i].kernel});
  }
  // A channel PAD read through by a convolution's fused residual ADD, and a
  // depthwise convolution whose rows a 1x1 convolution computes, ran their
  // prepare before that convolution took them: they do not run either.
  steps_.erase(std::remove_if(steps_.begin(), steps_.end(),
                              [&](const Step& st) { return nodes_[static_cast<size_t>(st.node)].fused_into >= 0; }),
               steps_.end());
  if (options_.elide_concats) ElideConcats();
  step_time_ns_.assign(steps_.size(), 0);
  return Status::Ok();
}

// The CONCATENATION nodes offered to the convolutions that write their inputs
// (KernelContext::OfferOutputSlice): every input is the single output of a
// CONV_2D, read by this node alone, not a model output, and not offered a
// residual ADD. Shapes, dtypes and the axis are checked in ElideConcats.
void Interpreter::OfferConcatSlices() {
  const auto& nodes = model_->nodes();
  std::vector<int> producer, readers;
  ProducersAndReaders(*model_, &producer, &readers);
  for (size_t n = 0; n < nodes.size(); ++n) {
    const NodeInfo& cat = nodes[n];
    if (cat.type != schema::OpType_CONCATENATION || cat.inputs.size() < 2 || cat.outputs.size() != 1) continue;
    bool ok = true;
    for (int32_t t : cat.inputs) {
      const int c = t >= 0 ? producer[static_cast<size_t>(t)] : -1;
      if (c < 0 || readers[static_cast<size_t>(t)] != 1) {
        ok = false;
        break;
      }
      const NodeInfo& conv = nodes[static_cast<size_t>(c)];
      const NodeState& cs = nodes_[static_cast<size_t>(c)];
      ok = ok && conv.type == schema::OpType_CONV_2D && conv.outputs.size() == 1 && cs.residual_add < 0 &&
           cs.concat_node < 0;
    }
    if (!ok) continue;
    for (int32_t t : cat.inputs)
      nodes_[static_cast<size_t>(producer[static_cast<size_t>(t)])].concat_node = static_cast<int>(n);
  }
}

// After every prepare: a CONCATENATION offered to its producers is elided when
// each of them accepted (and runs at invoke, not folded at prepare), it joins
// NHWC tensors of equal N, H and W along the channels without an activation,
// all float32, or all int8 quantized exactly as the output (per tensor). Each
// convolution then writes its channel slice of the output.
void Interpreter::ElideConcats() {
  const auto& nodes = model_->nodes();
  std::vector<int> producer, readers;
  ProducersAndReaders(*model_, &producer, &readers);
  std::vector<bool> runs(nodes.size(), false);
  for (const Step& st : steps_) runs[static_cast<size_t>(st.node)] = true;
  bool any = false;
  for (size_t n = 0; n < nodes.size(); ++n) {
    const NodeInfo& cat = nodes[n];
    if (cat.type != schema::OpType_CONCATENATION || !runs[n]) continue;
    const Tensor& y = tensors_[static_cast<size_t>(cat.outputs[0])];
    const auto* opts = cat.op->options_as<schema::ConcatenationOptions>();
    // float32, or int8 with one scale and zero point shared by every input and
    // the output (the concatenation then copies bytes unchanged).
    const bool int8 = y.dtype == DType::kI8 && y.quant.count == 1;
    if (opts == nullptr || opts->activation() != schema::Activation_NONE || (y.dtype != DType::kF32 && !int8) ||
        y.shape.rank < 2)
      continue;
    const int rank = y.shape.rank;
    if (opts->axis() != rank - 1 && opts->axis() != -1) continue;
    bool ok = true;
    int64_t channels = 0;
    for (int32_t t : cat.inputs) {
      // Offered: written by a CONV_2D whose offer is this node.
      const int c = t >= 0 ? producer[static_cast<size_t>(t)] : -1;
      if (c < 0 || nodes_[static_cast<size_t>(c)].concat_node != static_cast<int>(n)) {
        ok = false;
        break;
      }
      const Tensor& x = tensors_[static_cast<size_t>(t)];
      ok = ok && nodes_[static_cast<size_t>(c)].slice_capable && runs[static_cast<size_t>(c)] && x.dtype == y.dtype &&
           x.shape.rank == rank;
      if (ok && int8)
        ok = x.quant.count == 1 && x.quant.scale[0] == y.quant.scale[0] &&
             x.quant.zero_point[0] == y.quant.zero_point[0];
      for (int d = 0; ok && d < rank - 1; ++d) ok = x.shape.dims[d] == y.shape.dims[d];
      if (ok) channels += x.shape.dims[rank - 1];
    }
    if (!ok || channels != y.shape.dims[rank - 1]) continue;
    size_t offset = 0;
    for (int32_t t : cat.inputs) {
      NodeState& conv = nodes_[static_cast<size_t>(producer[static_cast<size_t>(t)])];
      conv.out_pixel_stride = static_cast<size_t>(channels);
      conv.out_channel_offset = offset;
      offset += static_cast<size_t>(tensors_[static_cast<size_t>(t)].shape.dims[rank - 1]);
    }
    nodes_[n].concat_elided = true;
    any = true;
  }
  if (!any) return;
  steps_.erase(std::remove_if(steps_.begin(), steps_.end(),
                              [&](const Step& st) { return nodes_[static_cast<size_t>(st.node)].concat_elided; }),
               steps_.end());
}

// The residual ADDs offered to CONV_2D and DEPTHWISE_CONV_2D nodes
// (KernelContext::TakeResidualAdd):
// the convolution's input and output are activations, its output is read by
// the ADD alone and is not a model output, and the ADD's other operand is an
// activation (or a model input) ready when the convolution runs: written
// before it, or by a node between the two whose own inputs all are (the pad
// or pooling of a block's shortcut); that node then moves to just before the
// convolution in order_ (a valid order: nothing it reads comes later). Shapes
// and dtypes are checked when the kernel takes the offer.
void Interpreter::OfferResidualAdds() {
  const auto& nodes = model_->nodes();
  const auto& infos = model_->tensors();
  std::vector<int> producer, readers;
  ProducersAndReaders(*model_, &producer, &readers);
  for (size_t a = 0; a < nodes.size(); ++a) {
    const NodeInfo& add = nodes[a];
    if (add.type != schema::OpType_ADD || add.inputs.size() != 2 || add.outputs.size() != 1) continue;
    for (int k = 0; k < 2; ++k) {
      const int32_t t = add.inputs[static_cast<size_t>(k)], r = add.inputs[static_cast<size_t>(1 - k)];
      if (t < 0 || r < 0 || t == r || readers[static_cast<size_t>(t)] != 1) continue;
      const int c = producer[static_cast<size_t>(t)];
      if (c < 0 ||
          (nodes[static_cast<size_t>(c)].type != schema::OpType_CONV_2D &&
           nodes[static_cast<size_t>(c)].type != schema::OpType_DEPTHWISE_CONV_2D) ||
          nodes[static_cast<size_t>(c)].outputs.size() != 1 || nodes_[static_cast<size_t>(c)].residual_add >= 0)
        continue;
      const int32_t x = nodes[static_cast<size_t>(c)].inputs.empty() ? -1 : nodes[static_cast<size_t>(c)].inputs[0];
      if (x < 0 || infos[static_cast<size_t>(x)].is_constant() || infos[static_cast<size_t>(r)].is_constant())
        continue;
      const int p = producer[static_cast<size_t>(r)];
      if (p > c) {  // written between the convolution and the ADD: movable when all it reads is ready
        const NodeInfo& pn = nodes[static_cast<size_t>(p)];
        bool ready = pn.outputs.size() == 1 && pn.type != schema::OpType_CONV_2D &&
                     pn.type != schema::OpType_DEPTHWISE_CONV_2D && pn.type != schema::OpType_ADD &&
                     pn.type != schema::OpType_CUSTOM;
        for (int32_t in : pn.inputs)
          if (ready && in >= 0 && producer[static_cast<size_t>(in)] >= c) ready = false;
        if (!ready) continue;
        const auto at = std::find(order_.begin(), order_.end(), p);
        order_.erase(at);
        order_.insert(std::find(order_.begin(), order_.end(), c), p);
      }
      nodes_[static_cast<size_t>(c)].residual_add = static_cast<int>(a);
      int before, after;
      float value;
      if (p >= 0 && readers[static_cast<size_t>(r)] == 1 && ChannelPad(p, &before, &after, &value))  // (outputs count 2)
        nodes_[static_cast<size_t>(c)].residual_pad = p;
      break;
    }
  }
}

// Whether node p is a PAD of the kind a residual ADD's convolution can read
// through (KernelContext::TakeResidualAdd): CONSTANT mode, one float32
// activation input, constant paddings that are zero but for the last
// dimension's (*before, *after >= 0), and a constant f32 scalar value or
// none (*value 0).
bool Interpreter::ChannelPad(int p, int* before, int* after, float* value) const {
  const NodeInfo& pad = model_->nodes()[static_cast<size_t>(p)];
  const auto& infos = model_->tensors();
  if (pad.type != schema::OpType_PAD || pad.inputs.size() < 2 || pad.outputs.size() != 1 || pad.inputs[0] < 0 ||
      pad.inputs[1] < 0)
    return false;
  const auto* opts = pad.op->options_as<schema::PadOptions>();
  if (opts != nullptr && opts->mode() != schema::PadMode_CONSTANT) return false;
  const TensorInfo& x = infos[static_cast<size_t>(pad.inputs[0])];
  const TensorInfo& pads = infos[static_cast<size_t>(pad.inputs[1])];
  const int rank = x.shape.rank;
  if (x.dtype != DType::kF32 || x.is_constant() || rank < 1 || pads.const_data == nullptr ||
      pads.sparse.block_size != 0 || pads.shape.NumElements() != 2 * rank)
    return false;
  std::vector<int64_t> v(static_cast<size_t>(2 * rank));
  for (int i = 0; i < 2 * rank; ++i) {
    if (pads.dtype == DType::kI32 && pads.const_bytes >= static_cast<size_t>(2 * rank) * 4)
      v[static_cast<size_t>(i)] = static_cast<const int32_t*>(pads.const_data)[i];
    else if (pads.dtype == DType::kI64 && pads.const_bytes >= static_cast<size_t>(2 * rank) * 8)
      v[static_cast<size_t>(i)] = static_cast<const int64_t*>(pads.const_data)[i];
    else
      return false;
  }
  for (int i = 0; i + 2 < 2 * rank; ++i)
    if (v[static_cast<size_t>(i)] != 0) return false;
  const int64_t b = v[static_cast<size_t>(2 * rank - 2)], a = v[static_cast<size_t>(2 * rank - 1)];
  if (b < 0 || a < 0 || b > (1 << 20) || a > (1 << 20)) return false;
  *before = static_cast<int>(b);
  *after = static_cast<int>(a);
  *value = 0.f;
  if (pad.inputs.size() >= 3 && pad.inputs[2] >= 0) {
    const TensorInfo& c = infos[static_cast<size_t>(pad.inputs[2])];
    if (c.dtype != DType::kF32 || c.const_data == nullptr || c.sparse.block_size != 0 || c.shape.NumElements() != 1 ||
        c.const_bytes < sizeof(float) || !c.scale.empty())
      return false;
    std::memcpy(value, c.const_data, sizeof(float));
  }
  return true;
}

// The activations offered to convolutions (KernelContext::TakeActivation): a
// HARD_SWISH, LOGISTIC or TANH with one input and one output, whose input is
// the single output of a CONV_2D or DEPTHWISE_CONV_2D with an activation
// input, read by it alone and not a model output. Dtypes are checked when the
// kernel takes the offer.
void Interpreter::OfferActivations() {
  const auto& nodes = model_->nodes();
  const auto& infos = model_->tensors();
  std::vector<int> producer, readers;
  ProducersAndReaders(*model_, &producer, &readers);
  for (size_t u = 0; u < nodes.size(); ++u) {
    const NodeInfo& act = nodes[u];
    if ((act.type != schema::OpType_HARD_SWISH && act.type != schema::OpType_LOGISTIC &&
         act.type != schema::OpType_TANH) ||
        act.inputs.size() != 1 || act.outputs.size() != 1 || act.inputs[0] < 0)
      continue;
    const int32_t t = act.inputs[0];
    if (readers[static_cast<size_t>(t)] != 1) continue;
    const int c = producer[static_cast<size_t>(t)];
    if (c < 0) continue;
    const NodeInfo& conv = nodes[static_cast<size_t>(c)];
    if ((conv.type != schema::OpType_CONV_2D && conv.type != schema::OpType_DEPTHWISE_CONV_2D) ||
        conv.outputs.size() != 1 || conv.inputs.empty() || conv.inputs[0] < 0 ||
        infos[static_cast<size_t>(conv.inputs[0])].is_constant() || nodes_[static_cast<size_t>(c)].residual_add >= 0)
      continue;
    nodes_[static_cast<size_t>(c)].activation_node = static_cast<int>(u);
  }
}

// Producers offered to the convolutions after them (KernelContext::
// TakeRowSource): a depthwise convolution to the CONV_2D after it, and a
// CONV_2D to the DEPTHWISE_CONV_2D after it. The consumer's input 0 must be
// read by it alone, not be a model output, and be the single output of the
// producer, which has an activation input and was offered no residual ADD or
// concatenation, or the output of the activation offered to such a producer
// (OfferActivations runs first; the producer's kernel must then take it).
// Whether the CONV_2D is 1x1 with stride 1 and whether the producer's kernel
// can compute rows on demand are decided by the kernels in prepare.
void Interpreter::OfferRowSources() {
  const auto& nodes = model_->nodes();
  const auto& infos = model_->tensors();
  std::vector<int> producer, readers;
  ProducersAndReaders(*model_, &producer, &readers);
  for (size_t c = 0; c < nodes.size(); ++c) {
    const NodeInfo& consumer = nodes[c];
    schema::OpType wanted;
    if (consumer.type == schema::OpType_CONV_2D)
      wanted = schema::OpType_DEPTHWISE_CONV_2D;
    else if (consumer.type == schema::OpType_DEPTHWISE_CONV_2D)
      wanted = schema::OpType_CONV_2D;
    else
      continue;
    if (consumer.inputs.empty() || consumer.inputs[0] < 0) continue;
    const int32_t t = consumer.inputs[0];
    if (readers[static_cast<size_t>(t)] != 1) continue;
    int d = producer[static_cast<size_t>(t)];
    if (d < 0) continue;
    const NodeInfo& p = nodes[static_cast<size_t>(d)];
    if (p.type != wanted) {  // an activation offered to the producer before it?
      const int before = p.inputs.size() == 1 && p.inputs[0] >= 0 ? producer[static_cast<size_t>(p.inputs[0])] : -1;
      if (before < 0 || nodes_[static_cast<size_t>(before)].activation_node != d) continue;
      d = before;
    }
    const NodeInfo& src = nodes[static_cast<size_t>(d)];
    const NodeState& ds = nodes_[static_cast<size_t>(d)];
    if (src.type != wanted || src.outputs.size() != 1 || src.inputs.empty() || src.inputs[0] < 0 ||
        infos[static_cast<size_t>(src.inputs[0])].is_constant() || ds.residual_add >= 0 || ds.concat_node >= 0)
      continue;
    nodes_[c].row_source = d;
  }
}

// A node whose inputs are all constants (e.g. DEQUANTIZE of float16 weights)
// runs once, here: its outputs become constants in persistent memory, so the
// nodes after it see constant inputs (and can pack them) and invoke skips it.
// Nodes that ask for scratch, alias their input, or write a model output run
// at invoke as usual.
Status Interpreter::FoldConstantNode(int i, bool* folded) {
  *folded = false;
  const NodeInfo& n = model_->nodes()[static_cast<size_t>(i)];
  // A convolution that computes a residual ADD reads that operand at invoke
  // and writes the ADD's output, which a fold would leave uncomputed (so with
  // a fused activation).
  if (nodes_[static_cast<size_t>(i)].residual_taken || nodes_[static_cast<size_t>(i)].activation_taken)
    return Status::Ok();
  if (n.type == schema::OpType_CUSTOM || !nodes_[static_cast<size_t>(i)].scratch_sizes.empty() ||
      (nodes_[static_cast<size_t>(i)].kernel->flags & kOutputMayAliasInput0) != 0)
    return Status::Ok();
  bool any_input = false;
  for (int32_t t : n.inputs) {
    if (t < 0) continue;
    if (!tensors_[static_cast<size_t>(t)].is_constant) return Status::Ok();
    any_input = true;
  }
  if (!any_input || n.outputs.empty()) return Status::Ok();
  for (int32_t t : n.outputs)
    for (int32_t o : model_->outputs())
      if (t == o) return Status::Ok();
  for (int32_t t : n.outputs) {
    Tensor& out = tensors_[static_cast<size_t>(t)];
    out.data = AllocatePersistent(out.bytes > 0 ? out.bytes : 1);
    if (out.data == nullptr) return Status(StatusCode::kOutOfMemory, "out of memory for a constant computed at prepare");
    folded_blocks_.push_back(
        FoldedBlock{t, persistent_blocks_.size() - 1, AlignUp(out.bytes > 0 ? out.bytes : 1, kArenaAlignment)});
  }
  EDGERT_RETURN_IF_ERROR(nodes_[static_cast<size_t>(i)].kernel->eval(&contexts_[static_cast<size_t>(i)]));
  const bool from_f16 = n.type == schema::OpType_DEQUANTIZE && !n.inputs.empty() && n.inputs[0] >= 0 &&
                       tensors_[static_cast<size_t>(n.inputs[0])].dtype == DType::kF16;
  for (int32_t t : n.outputs) {
    tensors_[static_cast<size_t>(t)].is_constant = true;
    tensors_[static_cast<size_t>(t)].stored_as_f16 = from_f16;
  }
  *folded = true;
  return Status::Ok();
}

Status Interpreter::PlanMemory() {
  const auto& nodes = model_->nodes();
  const int num_nodes = static_cast<int>(nodes.size());
  const int last_step = num_nodes > 0 ? num_nodes - 1 : 0;
  const size_t nt = tensors_.size();

  // Lifetimes of activation tensors. Subgraph inputs and outputs stay live for
  // the whole invoke, so inputs can be re-read and outputs read after it.
  std::vector<int> first(nt, std::numeric_limits<int>::max()), last(nt, -1);
  auto touch = [&](int t, int step) {
    first[t] = std::min(first[t], step);
    last[t] = std::max(last[t], step);
  };
  // Times are positions in the execution order (order_), not node indices.
  std::vector<int> when(static_cast<size_t>(num_nodes));
  for (int k = 0; k < num_nodes; ++k) when[static_cast<size_t>(order_[static_cast<size_t>(k)])] = k;
  for (int32_t t : model_->inputs()) {
    touch(t, 0);
    touch(t, last_step);
  }
  for (int32_t t : model_->outputs()) {
    if (!tensors_[t].is_constant) touch(t, last_step);
  }
  // The result of a depthwise convolution whose rows a 1x1 convolution
  // computes (and of the activation fused into it) is never written: it gets
  // no memory (its data stays null).
  std::vector<uint8_t> unwritten(nt, 0);
  for (int i = 0; i < num_nodes; ++i) {
    if (!nodes_[i].row_source_taken) continue;
    const int d = nodes_[i].row_source;
    for (int32_t t : nodes[static_cast<size_t>(d)].outputs) unwritten[static_cast<size_t>(t)] = 1;
    if (nodes_[static_cast<size_t>(d)].activation_taken)
      for (int32_t t : nodes[static_cast<size_t>(nodes_[static_cast<size_t>(d)].activation_node)].outputs)
        unwritten[static_cast<size_t>(t)] = 1;
  }
  auto planned = [&](int32_t t) { return t >= 0 && !tensors_[t].is_constant && !unwritten[static_cast<size_t>(t)]; };
  for (int i = 0; i < num_nodes; ++i) {
    for (int32_t t : nodes[i].inputs)
      if (planned(t)) touch(t, when[static_cast<size_t>(i)]);
    for (int32_t t : nodes[i].outputs)
      if (planned(t)) touch(t, when[static_cast<size_t>(i)]);  // those computed at prepare are constants
  }

  // A depthwise convolution whose rows a 1x1 convolution computes reads its
  // input at that convolution's step.
  for (int i = 0; i < num_nodes; ++i)
    if (nodes_[i].row_source_taken)
      touch(nodes[static_cast<size_t>(nodes_[i].row_source)].inputs[0], when[static_cast<size_t>(i)]);

  // Reshape-like outputs share their input's memory (or point at its constant data).
  std::vector<int> alias(nt, -1);
  auto root = [&](int t) {
    while (alias[t] >= 0) t = alias[t];
    return t;
  };
  // A convolution reading a channel PAD's input in place of the PAD's output
  // reads it at its own step.
  for (int i = 0; i < num_nodes; ++i)
    if (nodes_[i].residual_taken && nodes_[i].residual_pad >= 0)
      touch(nodes[static_cast<size_t>(nodes_[i].residual_pad)].inputs[0], when[static_cast<size_t>(i)]);
  // A CONV_2D that computes the residual ADD after it writes the ADD's output:
  // its own output is that memory, live from the convolution on.
  // Likewise with a fused activation: the activation's output.
  for (int i = 0; i < num_nodes; ++i) {
    if (!nodes_[i].residual_taken && !nodes_[i].activation_taken) continue;
    const int node = nodes_[i].residual_taken ? nodes_[i].residual_add : nodes_[i].activation_node;
    const int t = nodes[i].outputs[0], y = nodes[static_cast<size_t>(node)].outputs[0];
    alias[t] = y;
    first[y] = std::min(first[y], first[t]);
    last[y] = std::max(last[y], last[t]);
  }
  // A CONV_2D writing its channel slice of an elided CONCATENATION: its output
  // is that memory (at its first channel), live from the convolution on.
  std::vector<size_t> alias_offset(nt, 0);
  for (int i = 0; i < num_nodes; ++i) {
    if (nodes_[i].out_pixel_stride == 0) continue;
    const int t = nodes[i].outputs[0], y = nodes[static_cast<size_t>(nodes_[i].concat_node)].outputs[0];
    alias[t] = y;
    alias_offset[t] = nodes_[i].out_channel_offset * DTypeSize(tensors_[y].dtype);
    first[y] = std::min(first[y], first[t]);
    last[y] = std::max(last[y], last[t]);
  }
  for (int i = 0; i < num_nodes; ++i) {
    if (!(nodes_[i].kernel->flags & kOutputMayAliasInput0) || nodes[i].inputs.empty() || nodes[i].inputs[0] < 0) continue;
    const int in = nodes[i].inputs[0], out = nodes[i].outputs[0];
    if (tensors_[in].bytes != tensors_[out].bytes) continue;
    if (tensors_[in].is_constant) {
      alias[out] = in;
      continue;
    }
    const int r = root(in);
    alias[out] = r;
    first[r] = std::min(first[r], first[out]);
    last[r] = std::max(last[r], last[out]);
  }

  GreedyBySizePlanner planner;
  std::vector<int> buffer_of(nt, -1);

  // An ahead-of-time plan from the file is used when it is valid for these shapes.
  bool use_stored = false;
  if (options_.use_stored_plan && model_->has_memory_plan()) {
    const auto* plan = model_->fb()->memory_plan();
    std::vector<PlannedBuffer> check;
    std::string why;
    bool ok = true;
    for (size_t t = 0; t < nt && ok; ++t) {
      if (last[t] < 0 || tensors_[t].is_constant || alias[t] >= 0) continue;
      const int64_t off = plan->offsets()->Get(static_cast<flatbuffers::uoffset_t>(t));
      if (off < 0) {
        ok = false;
        why = "tensor '" + std::string(tensors_[t].name) + "' has no offset";
        break;
      }
      check.push_back(PlannedBuffer{tensors_[t].bytes, first[t], last[t], off});
    }
    if (ok && !PlanIsValid(check, static_cast<size_t>(plan->arena_size()), &why)) ok = false;
    if (ok) {
      use_stored = true;
      for (size_t t = 0; t < nt; ++t) {
        if (last[t] < 0 || tensors_[t].is_constant || alias[t] >= 0) continue;
        buffer_of[t] = planner.AddFixedBuffer(tensors_[t].bytes, first[t], last[t],
                                              static_cast<size_t>(plan->offsets()->Get(static_cast<flatbuffers::uoffset_t>(t))));
      }
    } else {
      memory_.plan_note = "stored memory plan not used: " + why;
    }
  }
  if (!use_stored) {
    for (size_t t = 0; t < nt; ++t) {
      if (last[t] < 0 || tensors_[t].is_constant || alias[t] >= 0) continue;
      buffer_of[t] = planner.AddBuffer(tensors_[t].bytes, first[t], last[t]);
    }
  }
  for (int i = 0; i < num_nodes; ++i) {
    nodes_[i].first_scratch_buffer = -1;
    // (A producer computed on demand uses its scratch at its consumer's step.)
    const int runs_at = nodes_[i].rows_offered && nodes_[i].fused_into >= 0 ? nodes_[i].fused_into : i;
    for (size_t k = 0; k < nodes_[i].scratch_sizes.size(); ++k) {
      const int at = when[static_cast<size_t>(runs_at)];
      const int id = planner.AddBuffer(nodes_[i].scratch_sizes[k], at, at);
      if (k == 0) nodes_[i].first_scratch_buffer = id;
    }
  }
  EDGERT_RETURN_IF_ERROR(planner.Plan());
  const size_t needed = planner.arena_size();
  if (options_.max_arena_bytes > 0 && needed > options_.max_arena_bytes)
    return Status::Error(StatusCode::kOutOfMemory,
                         "the model needs a %zu-byte activation arena, above the limit of %zu bytes", needed,
                         options_.max_arena_bytes);

  uint8_t* arena;
  if (user_arena_ != nullptr) {
    if (user_arena_size_ < needed)
      return Status::Error(StatusCode::kInvalidArgument, "the caller's arena is %zu bytes; this model needs %zu",
                           user_arena_size_, needed);
    arena = static_cast<uint8_t*>(user_arena_);
  } else {
    if (!owned_arena_.Reserve(std::max<size_t>(needed, kArenaAlignment), options_.prefault_arena))
      return Status::Error(StatusCode::kOutOfMemory, "cannot allocate a %zu-byte arena", needed);
    arena = static_cast<uint8_t*>(owned_arena_.data());
  }

  for (size_t t = 0; t < nt; ++t)
    if (buffer_of[t] >= 0) tensors_[t].data = arena + planner.offset(buffer_of[t]);
  for (size_t t = 0; t < nt; ++t)
    if (alias[t] >= 0)
      tensors_[t].data = static_cast<uint8_t*>(tensors_[root(static_cast<int>(t))].data) + alias_offset[t];
  for (int i = 0; i < num_nodes; ++i) {
    auto& ns = nodes_[i];
    ns.scratch.resize(ns.scratch_sizes.size());
    for (size_t k = 0; k < ns.scratch_sizes.size(); ++k)
      ns.scratch[k] = arena + planner.offset(ns.first_scratch_buffer + static_cast<int>(k));
  }

  memory_.arena_bytes = needed;
  memory_.arena_lower_bound = ArenaLowerBound(planner.buffers());
  memory_.persistent_bytes = persistent_bytes_;
  memory_.stored_plan_used = use_stored;
  for (const auto& info : model_->tensors()) memory_.constant_bytes += info.const_bytes;
  return Status::Ok();
}

Status Interpreter::Invoke() {
  if (!prepared_) EDGERT_RETURN_IF_ERROR(Prepare());
  if (pool_ == nullptr) return RunSteps();
  // The ops run in one region of the pool: its threads spin between the ops'
  // parallel loops and sleep after the last op.
  return pool_->RunRegion([](void* self) { return static_cast<Interpreter*>(self)->RunSteps(); }, this);
}

Status Interpreter::RunSteps() {
  if (profiling_) {
    for (size_t i = 0; i < steps_.size(); ++i) {
      const auto start = std::chrono::steady_clock::now();
      Status s = steps_[i].kernel->eval(&contexts_[steps_[i].node]);
      step_time_ns_[i] += static_cast<uint64_t>(
          std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start).count());
      if (!s.ok()) return s;
    }
    return Status::Ok();
  }
  for (const Step& step : steps_) {
    KernelContext& ctx = contexts_[step.node];
    Status s = step.kernel->eval(&ctx);
    if (!s.ok()) return s;
  }
  return Status::Ok();
}

std::string Interpreter::DescribePlan() const {
  std::string out;
  for (const Step& s : steps_) {
    out += "step " + std::to_string(&s - steps_.data()) + ": " + model_->nodes()[s.node].label + " -> " +
           s.kernel->name;
    const NodeState& ns = nodes_[static_cast<size_t>(s.node)];
    if (ns.residual_taken && ns.residual_pad >= 0)
      out += " (+ " + model_->nodes()[static_cast<size_t>(ns.residual_pad)].label + ")";
    if (ns.residual_taken) out += " (+ " + model_->nodes()[static_cast<size_t>(ns.residual_add)].label + ")";
    if (ns.activation_taken) out += " (+ " + model_->nodes()[static_cast<size_t>(ns.activation_node)].label + ")";
    if (ns.row_source_taken) {
      const NodeState& ds = nodes_[static_cast<size_t>(ns.row_source)];
      out += " (rows of " + model_->nodes()[static_cast<size_t>(ns.row_source)].label;
      if (ds.activation_taken) out += " + " + model_->nodes()[static_cast<size_t>(ds.activation_node)].label;
      out += " computed inside)";
    }
    if (ns.out_pixel_stride != 0)
      out += " (into " + model_->nodes()[static_cast<size_t>(ns.concat_node)].label + " at channel " +
             std::to_string(ns.out_channel_offset) + ")";
    out += "\n";
  }
  return out;
}

}  // namespace edgert
