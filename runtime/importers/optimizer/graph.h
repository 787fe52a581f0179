// An editable copy of a .ert model's main subgraph, for the graph optimizer
// (and later the quantizer): tensors and ops in plain vectors, constant data
// owned, op options in FlatBuffers' object form so passes can change them.
//
// Passes edit ops in place and mark removed ones dead; Serialize() drops dead
// ops and every tensor nothing refers to any more, and writes a new .ert file.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "edgert_generated.h"
#include "runtime/builder.h"
#include "runtime/dtype.h"
#include "runtime/model.h"
#include "runtime/status.h"

namespace edgert {
namespace graph {

struct GTensor {
  std::string name;
  DType dtype = DType::kF32;
  std::vector<int32_t> shape;  // inferred shape when InferShapes succeeded, else the stored hint
  QuantSpec quant;
  bool is_constant = false;
  std::vector<uint8_t> data;   // constants only (dense)
  int sparse_block = 0;        // > 0: an f32 or int8 constant written block-sparse with this block size
  // A constant written with a zero mask (schema ZeroMask) when that still
  // saves kZeroMaskMinSaving of its bytes (and it is not block-sparse).
  bool zero_mask = false;
};

struct GOp {
  schema::OpType type = schema::OpType_CUSTOM;
  std::vector<int32_t> inputs;  // -1: omitted optional input
  std::vector<int32_t> outputs;
  schema::OpOptionsUnion options;
  std::string name, custom_code;
  std::vector<uint8_t> custom_options;
  bool dead = false;
};

class Graph {
 public:
  // Copies subgraph 0 of a loaded (validated) model.
  static Status FromModel(const Model& model, Graph* out);
  // Loads and validates `data` first.
  static Status FromBuffer(const void* data, size_t size, Graph* out);

  // Writes a new .ert file without dead ops and unreferenced tensors; the
  // result is loaded back and validated.
  // `index_map`, when given, receives the new index of every tensor (-1: dropped).
  Status Serialize(std::vector<uint8_t>* out, std::vector<int>* index_map = nullptr) const;

  // Replaces every tensor shape by the one a reference-kernel prepare infers.
  // Fails (leaving shapes as they were) when the graph cannot be prepared, e.g.
  // it has custom ops.
  Status InferShapes();
  bool shapes_inferred() const { return shapes_inferred_; }

  // --- queries (recomputed on demand; passes call Refresh() after edits) ---
  void Refresh();
  // The live op writing tensor t, or -1 (inputs, constants).
  int Producer(int t) const { return producer_[static_cast<size_t>(t)]; }
  // Live ops reading tensor t (an op reading it twice appears twice).
  const std::vector<int>& Consumers(int t) const { return consumers_[static_cast<size_t>(t)]; }
  bool IsGraphOutput(int t) const;
  bool IsGraphInput(int t) const;
  // Every use of tensor `from` by a live op now reads `to`.
  void ReplaceUses(int from, int to);
  int AddConstant(const std::string& name, DType dtype, const std::vector<int32_t>& shape, std::vector<uint8_t> data,
                  const QuantSpec& quant = {});
  // The values of a constant int32/int64 tensor; false for anything else.
  bool ConstInts(int t, std::vector<int64_t>* values) const;

  std::vector<GTensor> tensors;
  std::vector<GOp> ops;
  std::vector<int32_t> inputs, outputs;
  std::vector<std::pair<std::string, std::string>> metadata;
  std::string description;

 private:
  std::vector<int> producer_;
  std::vector<std::vector<int>> consumers_;
  bool shapes_inferred_ = false;
};

}  // namespace graph
}  // namespace edgert
