// A loaded, verified, immutable model. Several interpreters (on several
// threads) may share one Model.
//
// Loading treats every file as hostile: the FlatBuffers verifier runs first,
// then semantic validation (indices, sizes with overflow checks, segment
// bounds, op arity and options, topological order). Constant data is used in
// place (zero-copy) from the mapped file or the caller's buffer; block-sparse
// constants are validated and densified once here into memory the Model owns
// (TensorInfo::const_data), and keep their stored form (TensorInfo::sparse)
// for the kernels that run it directly.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "edgert_generated.h"
#include "runtime/status.h"
#include "runtime/tensor.h"

namespace edgert {

// Newest format version this runtime reads. Version 2 added block-sparse f32
// constants (Tensor.sparsity), version 3 block-sparse int8 ones, version 4
// zero-mask constants (Tensor.zero_mask); writers write the oldest version
// that holds the file's contents.
constexpr uint32_t kFormatVersion = 4;
constexpr size_t kSegmentAlignment = 64;

struct TensorInfo {
  std::string name;
  DType dtype = DType::kF32;
  Shape shape;
  std::vector<float> scale;        // quantization; empty when not quantized
  std::vector<int32_t> zero_point;
  int quant_axis = 0;
  const void* const_data = nullptr;  // constant tensors only (dense, also for sparse-stored ones)
  size_t const_bytes = 0;
  BlockSparseView sparse;            // block_size 0: stored dense
  bool zero_mask = false;            // stored with a zero mask (schema ZeroMask), densified
  bool is_constant() const { return const_data != nullptr || segment >= 0; }
  int segment = -1;
};

struct NodeInfo {
  schema::OpType type;
  std::vector<int32_t> inputs;   // -1: omitted optional input
  std::vector<int32_t> outputs;
  const schema::Operator* op;    // options, custom code
  std::string label;             // "CONV_2D 'name'" or "CONV_2D #3", for messages
};

// Model.data_digest of a data area of `bytes` bytes at `data` (never 0, which
// means "no digest").
uint64_t DataAreaDigest(const uint8_t* data, size_t bytes);

class Model {
 public:
  ~Model();
  Model(const Model&) = delete;
  Model& operator=(const Model&) = delete;

  // Maps the file read-only.
  static Status LoadFile(const std::string& path, std::shared_ptr<const Model>* out);
  // copy == false: zero-copy; the caller keeps `data` alive and unchanged for
  // the model's lifetime (a buffer not 64-byte aligned is copied once anyway).
  static Status LoadBuffer(const void* data, size_t size, bool copy, std::shared_ptr<const Model>* out);

  const schema::Model* fb() const { return fb_; }
  const std::vector<TensorInfo>& tensors() const { return tensors_; }
  const std::vector<NodeInfo>& nodes() const { return nodes_; }
  const std::vector<int32_t>& inputs() const { return inputs_; }
  const std::vector<int32_t>& outputs() const { return outputs_; }
  size_t file_size() const { return size_; }
  // The model's bytes (file_size() of them), as loaded.
  const uint8_t* bytes() const { return base_; }
  // The identity the weight cache checks, computed at the first call
  // (thread-safe): HashBytes of every byte, or, when the writer stored the
  // data area's digest (Model.data_digest, schema/README.md), of the bytes
  // before the data area (the FlatBuffer, digest included) and the size, so
  // that a prepare from the cache need not read megabytes of weights.
  uint64_t content_hash() const;
  // Recomputes Model.data_digest over the data area: an error naming both
  // values when they differ (the data was changed by a writer that kept the
  // old digest); Ok when they agree or the file has no digest.
  Status CheckDataDigest() const;
  // Drops the pages wholly inside [data, data + bytes) from this process's
  // memory when they belong to the mapped file (LoadFile): they are read from
  // the file again if touched later. For constants a kernel has copied into
  // its own packed form. Returns the bytes released (0 for buffers).
  size_t ReleaseMappedPages(const void* data, size_t bytes) const;
  // True when the file stores a memory plan with one entry per tensor.
  bool has_memory_plan() const;
  // Metadata value for key, or nullptr.
  const char* metadata(const char* key) const;

 private:
  Model() = default;
  Status Validate();
  Status ValidateTensor(int index, const schema::Tensor* t);
  Status ValidateNode(int index, const schema::Operator* op, std::vector<int>* producer);

  const uint8_t* base_ = nullptr;
  size_t size_ = 0;
  void* mapped_ = nullptr;     // munmap on destruction
  void* owned_ = nullptr;      // free on destruction
  std::vector<void*> densified_;  // dense copies of sparse-stored constants; free on destruction
  uint64_t densified_bytes_ = 0;  // their total (bounded: kMaxDensifiedBytesPerFileByte, kMinDensifiedBytesLimit)
  const schema::Model* fb_ = nullptr;
  std::vector<TensorInfo> tensors_;
  std::vector<NodeInfo> nodes_;
  std::vector<int32_t> inputs_, outputs_;
  mutable std::once_flag hash_once_;
  mutable uint64_t hash_ = 0;
};

}  // namespace edgert
