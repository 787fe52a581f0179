#include "runtime/builder.h"

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "runtime/model.h"
#include "runtime/sparse_weights.h"

namespace edgert {

ModelBuilder::ModelBuilder() : fbb_(4096) {}

int ModelBuilder::AddTensor(const std::string& name, DType dtype, const std::vector<int32_t>& shape,
                            const QuantSpec& quant) {
  tensors_.push_back(TensorRec{name, dtype, shape, quant, -1, 0, {}, {}, false, {}});
  return static_cast<int>(tensors_.size()) - 1;
}

int ModelBuilder::AddInput(const std::string& name, DType dtype, const std::vector<int32_t>& shape,
                           const QuantSpec& quant) {
  const int t = AddTensor(name, dtype, shape, quant);
  MarkInput(t);
  return t;
}

int ModelBuilder::AddConstant(const std::string& name, DType dtype, const std::vector<int32_t>& shape,
                              const void* data, size_t bytes, const QuantSpec& quant) {
  const int t = AddTensor(name, dtype, shape, quant);
  const uint8_t* p = static_cast<const uint8_t*>(data);
  segments_.emplace_back(p, p + bytes);
  tensors_[t].segment = static_cast<int>(segments_.size()) - 1;
  return t;
}

int ModelBuilder::AddSparseConstant(const std::string& name, DType dtype, const std::vector<int32_t>& shape,
                                    const void* dense, int block_size, const QuantSpec& quant) {
  int64_t rows = shape.empty() ? 1 : shape[0], columns = 1;
  for (size_t i = 1; i < shape.size(); ++i) columns *= shape[i];
  BlockSparseData d = EncodeBlockSparse(dense, dtype, rows, columns, block_size);
  const int t = AddConstant(name, dtype, shape, d.values.data(), d.values.size(), quant);
  tensors_[t].sparse_block = block_size;
  tensors_[t].block_ptr = std::move(d.block_ptr);
  tensors_[t].column_indices = std::move(d.column_indices);
  return t;
}

int ModelBuilder::AddZeroMaskConstant(const std::string& name, DType dtype, const std::vector<int32_t>& shape,
                                      const void* dense, size_t bytes, const QuantSpec& quant) {
  const size_t element_bytes = DTypeSize(dtype);
  ZeroMaskData d = EncodeZeroMask(dense, bytes / element_bytes, element_bytes);
  const int t = AddConstant(name, dtype, shape, d.values.data(), d.values.size(), quant);
  tensors_[t].masked = true;
  tensors_[t].mask = std::move(d.mask);
  return t;
}

int ModelBuilder::AddOp(schema::OpType type, const std::vector<int32_t>& inputs, const std::vector<int32_t>& outputs,
                        schema::OpOptions options_type, flatbuffers::Offset<void> options, const std::string& name) {
  ops_.push_back(OpRec{type, inputs, outputs, options_type, options, name, "", {}});
  return static_cast<int>(ops_.size()) - 1;
}

int ModelBuilder::AddCustomOp(const std::string& custom_code, const std::vector<int32_t>& inputs,
                              const std::vector<int32_t>& outputs, const std::vector<uint8_t>& custom_options,
                              const std::string& name) {
  ops_.push_back(OpRec{schema::OpType_CUSTOM, inputs, outputs, schema::OpOptions_NONE, 0, name, custom_code,
                       custom_options});
  return static_cast<int>(ops_.size()) - 1;
}

void ModelBuilder::MarkInput(int tensor) { inputs_.push_back(tensor); }
void ModelBuilder::MarkOutput(int tensor) { outputs_.push_back(tensor); }
void ModelBuilder::AddMetadata(const std::string& key, const std::string& value) { metadata_.emplace_back(key, value); }

void ModelBuilder::SetMemoryPlan(uint64_t arena_size, const std::vector<int64_t>& offsets) {
  has_plan_ = true;
  plan_arena_ = arena_size;
  plan_offsets_ = offsets;
}

std::vector<uint8_t> ModelBuilder::Finish() {
  auto& b = fbb_;
  std::vector<flatbuffers::Offset<schema::Tensor>> tensors;
  uint32_t version = 1;  // the oldest version that holds everything written
  for (const TensorRec& t : tensors_) {
    flatbuffers::Offset<schema::Quantization> q = 0;
    if (!t.quant.scale.empty()) {
      // Zero points that are all zero (symmetric weights, one per channel) are
      // omitted: readers treat a missing vector as zeros, and 8 bytes per
      // channel would otherwise be a large part of a small int8 model.
      const bool all_zero = t.quant.zero_point.size() == t.quant.scale.size() &&
                            std::all_of(t.quant.zero_point.begin(), t.quant.zero_point.end(),
                                        [](int64_t z) { return z == 0; });
      q = schema::CreateQuantization(b, b.CreateVector(t.quant.scale),
                                     all_zero ? 0 : b.CreateVector(t.quant.zero_point), t.quant.axis);
    }
    flatbuffers::Offset<schema::BlockSparsity> sparsity = 0;
    if (t.sparse_block > 0) {
      sparsity = schema::CreateBlockSparsity(b, t.sparse_block, b.CreateVector(t.block_ptr),
                                             b.CreateVector(t.column_indices));
      version = std::max<uint32_t>(version, t.dtype == DType::kI8 ? 3 : 2);
    }
    flatbuffers::Offset<schema::ZeroMask> zero_mask = 0;
    if (t.masked) {
      zero_mask = schema::CreateZeroMask(b, b.CreateVector(t.mask));
      version = std::max<uint32_t>(version, 4);
    }
    tensors.push_back(schema::CreateTensor(b, b.CreateString(t.name), static_cast<schema::DType>(t.dtype),
                                           b.CreateVector(t.shape), q, t.segment, sparsity, zero_mask));
  }
  std::vector<flatbuffers::Offset<schema::Operator>> ops;
  for (const OpRec& o : ops_) {
    ops.push_back(schema::CreateOperator(
        b, o.type, b.CreateVector(o.inputs), b.CreateVector(o.outputs), o.options_type, o.options,
        o.custom_code.empty() ? 0 : b.CreateString(o.custom_code),
        o.custom_options.empty() ? 0 : b.CreateVector(o.custom_options), o.name.empty() ? 0 : b.CreateString(o.name)));
  }
  auto subgraph = schema::CreateSubGraph(b, b.CreateString("main"), b.CreateVector(tensors), b.CreateVector(inputs_),
                                         b.CreateVector(outputs_), b.CreateVector(ops));
  std::vector<flatbuffers::Offset<schema::SubGraph>> subgraphs{subgraph};

  std::vector<schema::Segment> segs;
  uint64_t cursor = 0;
  for (const auto& s : segments_) {
    segs.emplace_back(cursor, s.size());
    cursor += (s.size() + kSegmentAlignment - 1) / kSegmentAlignment * kSegmentAlignment;
  }
  const uint64_t data_bytes = cursor;

  std::vector<flatbuffers::Offset<schema::Metadata>> meta;
  for (const auto& kv : metadata_)
    meta.push_back(schema::CreateMetadata(b, b.CreateString(kv.first), b.CreateString(kv.second)));
  flatbuffers::Offset<schema::MemoryPlan> plan = 0;
  if (has_plan_) plan = schema::CreateMemoryPlan(b, plan_arena_, b.CreateVector(plan_offsets_));

  // data_offset depends on the FlatBuffer's own size: write the field explicitly
  // (ForceDefaults) so it can be patched in place once the size is known.
  b.ForceDefaults(true);
  auto model = schema::CreateModel(b, version, b.CreateString("edgert ModelBuilder"),
                                   description_.empty() ? 0 : b.CreateString(description_), b.CreateVector(subgraphs),
                                   b.CreateVectorOfStructs(segs), /*data_offset=*/0, b.CreateVector(meta), plan,
                                   /*data_digest=*/0);
  schema::FinishSizePrefixedModelBuffer(b, model);
  b.ForceDefaults(false);
  const size_t fb_size = b.GetSize();
  const uint64_t data_offset = segments_.empty() ? 0 : (fb_size + kSegmentAlignment - 1) / kSegmentAlignment * kSegmentAlignment;

  std::vector<uint8_t> file(segments_.empty() ? fb_size : data_offset + data_bytes, 0);
  std::memcpy(file.data(), b.GetBufferPointer(), fb_size);
  if (!segments_.empty()) {
    schema::Model* m = schema::GetMutableSizePrefixedModel(file.data());
    m->mutate_data_offset(data_offset);
    for (size_t i = 0; i < segments_.size(); ++i)
      if (!segments_[i].empty())
        std::memcpy(file.data() + data_offset + segs[i].offset(), segments_[i].data(), segments_[i].size());
    m->mutate_data_digest(DataAreaDigest(file.data() + data_offset, static_cast<size_t>(data_bytes)));
  }
  return file;
}

Status ModelBuilder::WriteFile(const std::string& path) {
  const std::vector<uint8_t> data = Finish();
  FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return Status::Error(StatusCode::kIoError, "cannot write '%s'", path.c_str());
  const size_t n = std::fwrite(data.data(), 1, data.size(), f);
  const bool ok = std::fclose(f) == 0 && n == data.size();
  if (!ok) return Status::Error(StatusCode::kIoError, "short write to '%s'", path.c_str());
  return Status::Ok();
}

}  // namespace edgert
