// Builds .ert models in memory: used by tests, tools and importers.
//
//   ModelBuilder b;
//   int x = b.AddInput("x", DType::kF32, {1, 8, 8, 3});
//   int w = b.AddConstant("w", DType::kF32, {4, 3, 3, 3}, weights.data(), weights.size() * 4);
//   int y = b.AddTensor("y", DType::kF32, {1, 8, 8, 4});
//   b.AddOp(schema::OpType_CONV_2D, {x, w, -1}, {y}, schema::OpOptions_Conv2DOptions,
//           schema::CreateConv2DOptions(b.fbb()).Union());
//   b.MarkOutput(y);
//   std::vector<uint8_t> file = b.Finish();
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "edgert_generated.h"
#include "runtime/dtype.h"
#include "runtime/status.h"

namespace edgert {

struct QuantSpec {
  std::vector<float> scale;        // empty: not quantized
  std::vector<int64_t> zero_point;  // same length as scale
  int axis = 0;
  static QuantSpec PerTensor(float s, int64_t zp) { return QuantSpec{{s}, {zp}, 0}; }
};

class ModelBuilder {
 public:
  ModelBuilder();

  // An activation tensor (its shape is a hint; prepare infers it).
  int AddTensor(const std::string& name, DType dtype, const std::vector<int32_t>& shape,
                const QuantSpec& quant = {});
  // An activation tensor that is also a subgraph input.
  int AddInput(const std::string& name, DType dtype, const std::vector<int32_t>& shape,
               const QuantSpec& quant = {});
  // A constant tensor; `bytes` bytes are copied into a 64-byte aligned segment.
  int AddConstant(const std::string& name, DType dtype, const std::vector<int32_t>& shape, const void* data,
                  size_t bytes, const QuantSpec& quant = {});
  template <typename T>
  int AddConstant(const std::string& name, DType dtype, const std::vector<int32_t>& shape,
                  const std::vector<T>& values, const QuantSpec& quant = {}) {
    return AddConstant(name, dtype, shape, values.data(), values.size() * sizeof(T), quant);
  }

  // An f32 or int8 constant stored block-sparse (schema BlockSparsity) with
  // blocks of block_size (8 or 16) rows of the dense [shape[0], rest] tensor
  // `dense`. The file then has format version 2.
  int AddSparseConstant(const std::string& name, const std::vector<int32_t>& shape, const float* dense,
                        int block_size) {
    return AddSparseConstant(name, DType::kF32, shape, dense, block_size);
  }
  int AddSparseConstant(const std::string& name, DType dtype, const std::vector<int32_t>& shape, const void* dense,
                        int block_size, const QuantSpec& quant = {});

  // A constant of any dtype stored with a zero mask (schema ZeroMask): only the
  // elements of `dense` (`bytes` bytes) that are not all zero bytes are stored.
  // The file then has format version 4.
  int AddZeroMaskConstant(const std::string& name, DType dtype, const std::vector<int32_t>& shape, const void* dense,
                          size_t bytes, const QuantSpec& quant = {});

  // Options are built with fbb() before this call; pass OpOptions_NONE and 0 for none.
  int AddOp(schema::OpType type, const std::vector<int32_t>& inputs, const std::vector<int32_t>& outputs,
            schema::OpOptions options_type = schema::OpOptions_NONE,
            flatbuffers::Offset<void> options = 0, const std::string& name = "");
  int AddCustomOp(const std::string& custom_code, const std::vector<int32_t>& inputs,
                  const std::vector<int32_t>& outputs, const std::vector<uint8_t>& custom_options = {},
                  const std::string& name = "");

  void MarkInput(int tensor);
  void MarkOutput(int tensor);
  void AddMetadata(const std::string& key, const std::string& value);
  void SetDescription(const std::string& d) { description_ = d; }
  // Stores an ahead-of-time memory plan (one offset per tensor, -1 outside the arena).
  void SetMemoryPlan(uint64_t arena_size, const std::vector<int64_t>& offsets);

  flatbuffers::FlatBufferBuilder& fbb() { return fbb_; }
  int num_tensors() const { return static_cast<int>(tensors_.size()); }
  const std::string& tensor_name(int tensor) const { return tensors_[static_cast<size_t>(tensor)].name; }
  void RenameTensor(int tensor, const std::string& name) { tensors_[static_cast<size_t>(tensor)].name = name; }

  // The complete file: size-prefixed FlatBuffer, then 64-byte aligned data segments.
  std::vector<uint8_t> Finish();
  Status WriteFile(const std::string& path);

 private:
  struct TensorRec {
    std::string name;
    DType dtype;
    std::vector<int32_t> shape;
    QuantSpec quant;
    int segment = -1;
    int sparse_block = 0;  // > 0: stored block-sparse
    std::vector<int32_t> block_ptr, column_indices;
    bool masked = false;  // stored with a zero mask
    std::vector<uint8_t> mask;
  };
  struct OpRec {
    schema::OpType type;
    std::vector<int32_t> inputs, outputs;
    schema::OpOptions options_type;
    flatbuffers::Offset<void> options;
    std::string name, custom_code;
    std::vector<uint8_t> custom_options;
  };
  flatbuffers::FlatBufferBuilder fbb_;
  std::vector<TensorRec> tensors_;
  std::vector<OpRec> ops_;
  std::vector<std::vector<uint8_t>> segments_;
  std::vector<int32_t> inputs_, outputs_;
  std::vector<std::pair<std::string, std::string>> metadata_;
  std::string description_;
  bool has_plan_ = false;
  uint64_t plan_arena_ = 0;
  std::vector<int64_t> plan_offsets_;
};

}  // namespace edgert
