#include "runtime/model.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>

#include "runtime/op_resolver.h"
#include "runtime/sparse_weights.h"
#include "runtime/weight_cache.h"

namespace edgert {

namespace {

constexpr uint64_t kMaxTensorBytes = uint64_t{1} << 40;  // 1 TiB: anything above is corrupt
// Sparse-stored constants are densified at load. A block-sparse form can claim
// any shape for a few bytes (blocks of zero columns store nothing), so their
// dense bytes together may be at most this many times the file's size, or
// kMinDensifiedBytesLimit when that is more: face_detection_full_range_sparse
// densifies 2 MB from a 0.86 MB file; a hostile 4 KB file had asked for 4 GB.
constexpr uint64_t kMaxDensifiedBytesPerFileByte = 64;
constexpr uint64_t kMinDensifiedBytesLimit = uint64_t{64} << 20;

Status Invalid(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
Status Invalid(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  std::string msg = FormatV(fmt, ap);
  va_end(ap);
  return Status(StatusCode::kInvalidModel, std::move(msg));
}

std::string TensorLabel(int index, const schema::Tensor* t) {
  std::string s = "tensor " + std::to_string(index);
  if (t != nullptr && t->name() != nullptr && t->name()->size() > 0) s += " '" + t->name()->str() + "'";
  return s;
}

// The FlatBuffers verifier checks a vector's length field for 4-byte alignment
// only; vectors of 8-byte elements must also start 8-byte aligned, or reading
// them is undefined behaviour (and faults on strict-alignment CPUs).
template <typename V>
bool ElementsAligned(const V* v, size_t alignment) {
  return v == nullptr || v->size() == 0 || reinterpret_cast<uintptr_t>(v->Data()) % alignment == 0;
}

bool CheckedMul(uint64_t a, uint64_t b, uint64_t* out) {
  if (a != 0 && b > std::numeric_limits<uint64_t>::max() / a) return false;
  *out = a * b;
  return true;
}

}  // namespace

Model::~Model() {
  if (mapped_ != nullptr) munmap(mapped_, size_);
  std::free(owned_);
  for (void* p : densified_) std::free(p);
}

uint64_t DataAreaDigest(const uint8_t* data, size_t bytes) {
  const uint64_t h = HashBytes(data, bytes, 0xda7a);
  return h != 0 ? h : 1;
}

namespace {

// The data area [data_offset, size) when the file has segments and a digest
// (load validated data_offset); false otherwise.
bool DigestedDataArea(const schema::Model* fb, size_t size, uint64_t* data_offset) {
  if (fb->data_digest() == 0 || fb->segments() == nullptr || fb->segments()->size() == 0) return false;
  *data_offset = fb->data_offset();
  return *data_offset <= size;
}

}  // namespace

uint64_t Model::content_hash() const {
  std::call_once(hash_once_, [this] {
    uint64_t data_offset = 0;
    hash_ = DigestedDataArea(fb_, size_, &data_offset) ? HashBytes(base_, static_cast<size_t>(data_offset), size_)
                                                        : HashBytes(base_, size_);
  });
  return hash_;
}

Status Model::CheckDataDigest() const {
  uint64_t data_offset = 0;
  if (!DigestedDataArea(fb_, size_, &data_offset)) return Status::Ok();
  const uint64_t actual = DataAreaDigest(base_ + data_offset, size_ - static_cast<size_t>(data_offset));
  if (actual == fb_->data_digest()) return Status::Ok();
  return Status::Error(StatusCode::kInvalidModel,
                       "the data area's digest is %016llx, the file says %016llx: its weights were changed "
                       "without rewriting Model.data_digest",
                       (unsigned long long)actual, (unsigned long long)fb_->data_digest());
}

size_t Model::ReleaseMappedPages(const void* data, size_t bytes) const {
  if (mapped_ == nullptr || data == nullptr || bytes == 0) return 0;
  const uintptr_t begin = reinterpret_cast<uintptr_t>(mapped_), end = begin + size_;
  const uintptr_t p = reinterpret_cast<uintptr_t>(data);
  if (p < begin || p >= end || bytes > end - p) return 0;
  const long page_size = sysconf(_SC_PAGESIZE);
  if (page_size <= 0) return 0;
  const uintptr_t page = static_cast<uintptr_t>(page_size);
  const uintptr_t first = (p + page - 1) / page * page, last = (p + bytes) / page * page;
  if (last <= first) return 0;
  // A private read-only file mapping: the pages are dropped and refilled from
  // the file on the next access, so other users of the model are unaffected.
  if (madvise(reinterpret_cast<void*>(first), last - first, MADV_DONTNEED) != 0) return 0;
  return last - first;
}

Status Model::LoadFile(const std::string& path, std::shared_ptr<const Model>* out) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::Error(StatusCode::kIoError, "cannot open '%s': %s", path.c_str(), std::strerror(errno));
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return Status::Error(StatusCode::kIoError, "'%s' is not a regular file", path.c_str());
  }
  const size_t size = static_cast<size_t>(st.st_size);
  if (size == 0) {
    ::close(fd);
    return Status::Error(StatusCode::kInvalidModel, "'%s' is empty", path.c_str());
  }
  void* p = mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  ::close(fd);
  if (p == MAP_FAILED) return Status::Error(StatusCode::kIoError, "cannot map '%s': %s", path.c_str(), std::strerror(errno));
  std::shared_ptr<Model> m(new Model());
  m->mapped_ = p;
  m->base_ = static_cast<const uint8_t*>(p);
  m->size_ = size;
  Status s = m->Validate();
  if (!s.ok()) return Status(s.code(), path + ": " + s.message());
  *out = std::move(m);
  return Status::Ok();
}

Status Model::LoadBuffer(const void* data, size_t size, bool copy, std::shared_ptr<const Model>* out) {
  if (data == nullptr || size == 0) return Status::Error(StatusCode::kInvalidArgument, "model buffer is empty");
  std::shared_ptr<Model> m(new Model());
  if (copy || reinterpret_cast<uintptr_t>(data) % kSegmentAlignment != 0) {
    void* p = std::aligned_alloc(kSegmentAlignment, (size + kSegmentAlignment - 1) / kSegmentAlignment * kSegmentAlignment);
    if (p == nullptr) return Status::Error(StatusCode::kOutOfMemory, "cannot allocate %zu bytes for the model", size);
    std::memcpy(p, data, size);
    m->owned_ = p;
    m->base_ = static_cast<const uint8_t*>(p);
  } else {
    m->base_ = static_cast<const uint8_t*>(data);
  }
  m->size_ = size;
  EDGERT_RETURN_IF_ERROR(m->Validate());
  *out = std::move(m);
  return Status::Ok();
}

bool Model::has_memory_plan() const {
  const auto* plan = fb_->memory_plan();
  return plan != nullptr && plan->offsets() != nullptr && plan->offsets()->size() == tensors_.size();
}

const char* Model::metadata(const char* key) const {
  if (fb_->metadata() == nullptr) return nullptr;
  for (const auto* m : *fb_->metadata()) {
    if (m != nullptr && m->key() != nullptr && m->value() != nullptr && std::strcmp(m->key()->c_str(), key) == 0)
      return m->value()->c_str();
  }
  return nullptr;
}

Status Model::Validate() {
  // 1. Structural verification of the FlatBuffer (bounds of every offset and vector).
  if (size_ < 8) return Invalid("file is %zu bytes, too small to be an .ert model", size_);
  uint32_t fb_size;
  std::memcpy(&fb_size, base_, 4);
  if (static_cast<uint64_t>(fb_size) + 4 > size_)
    return Invalid("FlatBuffer size prefix (%u bytes) exceeds the file size (%zu bytes): truncated file?", fb_size, size_);
  if (!flatbuffers::BufferHasIdentifier(base_ + 4, schema::ModelIdentifier()))
    return Invalid("not an .ert model (file identifier is not '%s')", schema::ModelIdentifier());
  flatbuffers::Verifier verifier(base_, fb_size + size_t{4}, /*max_depth=*/64, /*max_tables=*/10000000);
  if (!schema::VerifySizePrefixedModelBuffer(verifier))
    return Invalid("FlatBuffer verification failed: the model structure is corrupt");
  fb_ = schema::GetSizePrefixedModel(base_);

  // 2. Semantic validation.
  if (fb_->version() > kFormatVersion)
    return Status::Error(StatusCode::kUnsupported, "model format version %u is newer than this runtime supports (%u)",
                         fb_->version(), kFormatVersion);
  if (fb_->subgraphs() == nullptr || fb_->subgraphs()->size() == 0) return Invalid("model has no subgraph");
  const schema::SubGraph* g = fb_->subgraphs()->Get(0);
  if (g == nullptr) return Invalid("subgraph 0 is missing");

  if (!ElementsAligned(fb_->segments(), alignof(schema::Segment)))
    return Invalid("the segment table is not 8-byte aligned");
  if (fb_->memory_plan() != nullptr && !ElementsAligned(fb_->memory_plan()->offsets(), sizeof(int64_t)))
    return Invalid("the memory plan's offsets are not 8-byte aligned");
  const uint64_t data_offset = fb_->data_offset();
  const size_t num_segments = fb_->segments() ? fb_->segments()->size() : 0;
  if (num_segments > 0) {
    if (data_offset % kSegmentAlignment != 0) return Invalid("data_offset %llu is not a multiple of 64", (unsigned long long)data_offset);
    if (data_offset < uint64_t{fb_size} + 4 || data_offset > size_)
      return Invalid("data_offset %llu lies outside the data area [%llu, %zu]", (unsigned long long)data_offset,
                     (unsigned long long)(uint64_t{fb_size} + 4), size_);
    for (size_t i = 0; i < num_segments; ++i) {
      const schema::Segment* s = fb_->segments()->Get(static_cast<flatbuffers::uoffset_t>(i));
      if (s->offset() % kSegmentAlignment != 0) return Invalid("segment %zu offset %llu is not a multiple of 64", i, (unsigned long long)s->offset());
      const uint64_t avail = size_ - data_offset;
      if (s->offset() > avail || s->size() > avail - s->offset())
        return Invalid("segment %zu [offset %llu, size %llu] extends past the end of the file (%llu bytes of data): truncated file?",
                       i, (unsigned long long)s->offset(), (unsigned long long)s->size(), (unsigned long long)avail);
    }
  }

  const size_t num_tensors = g->tensors() ? g->tensors()->size() : 0;
  if (num_tensors > (1u << 24)) return Invalid("subgraph has %zu tensors, more than supported", num_tensors);
  tensors_.resize(num_tensors);
  for (size_t i = 0; i < num_tensors; ++i)
    EDGERT_RETURN_IF_ERROR(ValidateTensor(static_cast<int>(i), g->tensors()->Get(static_cast<flatbuffers::uoffset_t>(i))));

  auto check_io = [&](const flatbuffers::Vector<int32_t>* v, const char* what, std::vector<int32_t>* out) -> Status {
    if (v == nullptr) return Status::Ok();
    for (int32_t t : *v) {
      if (t < 0 || static_cast<size_t>(t) >= num_tensors)
        return Invalid("subgraph %s list names tensor %d, but there are %zu tensors", what, t, num_tensors);
      for (int32_t prev : *out)
        if (prev == t) return Invalid("tensor %d '%s' is listed twice as a subgraph %s", t, tensors_[t].name.c_str(), what);
      out->push_back(t);
    }
    return Status::Ok();
  };
  EDGERT_RETURN_IF_ERROR(check_io(g->inputs(), "input", &inputs_));
  EDGERT_RETURN_IF_ERROR(check_io(g->outputs(), "output", &outputs_));
  for (int32_t t : inputs_)
    if (tensors_[t].is_constant()) return Invalid("subgraph input tensor %d '%s' is a constant", t, tensors_[t].name.c_str());

  // producer[t]: -2 constant, -1 subgraph input, >= 0 the node writing it, -3 nobody (yet).
  std::vector<int> producer(num_tensors, -3);
  for (size_t i = 0; i < num_tensors; ++i)
    if (tensors_[i].is_constant()) producer[i] = -2;
  for (int32_t t : inputs_) producer[t] = -1;

  const size_t num_ops = g->operators() ? g->operators()->size() : 0;
  nodes_.reserve(num_ops);
  for (size_t i = 0; i < num_ops; ++i)
    EDGERT_RETURN_IF_ERROR(ValidateNode(static_cast<int>(i), g->operators()->Get(static_cast<flatbuffers::uoffset_t>(i)), &producer));

  for (int32_t t : outputs_)
    if (producer[t] == -3)
      return Invalid("subgraph output tensor %d '%s' is never produced by any op", t, tensors_[t].name.c_str());

  const auto* plan = fb_->memory_plan();
  if (plan != nullptr && plan->offsets() != nullptr && plan->offsets()->size() != num_tensors)
    return Invalid("memory plan has %u offsets for %zu tensors", plan->offsets()->size(), num_tensors);
  return Status::Ok();
}

Status Model::ValidateTensor(int index, const schema::Tensor* t) {
  TensorInfo& info = tensors_[index];
  if (t == nullptr) return Invalid("tensor %d is missing", index);
  info.name = (t->name() != nullptr && t->name()->size() > 0) ? t->name()->str() : "#" + std::to_string(index);
  const std::string label = TensorLabel(index, t);
  if (!IsValidDType(t->dtype())) return Invalid("%s has unknown dtype %d", label.c_str(), static_cast<int>(t->dtype()));
  info.dtype = static_cast<DType>(t->dtype());
  const auto* shape = t->shape();
  const int rank = shape ? static_cast<int>(shape->size()) : 0;
  if (rank > kMaxRank) return Invalid("%s has rank %d; at most %d is supported", label.c_str(), rank, kMaxRank);
  info.shape.rank = rank;
  uint64_t elements = 1;
  for (int d = 0; d < rank; ++d) {
    const int32_t v = shape->Get(d);
    if (v < 0) return Invalid("%s has negative dimension %d at axis %d", label.c_str(), v, d);
    info.shape.dims[d] = v;
    if (!CheckedMul(elements, static_cast<uint64_t>(v), &elements) || elements > kMaxTensorBytes)
      return Invalid("%s: element count overflows", label.c_str());
  }
  uint64_t bytes;
  if (!CheckedMul(elements, DTypeSize(info.dtype), &bytes) || bytes > kMaxTensorBytes)
    return Invalid("%s: byte size overflows", label.c_str());

  if (t->segment() >= 0) {
    const auto* segs = fb_->segments();
    if (segs == nullptr || static_cast<size_t>(t->segment()) >= segs->size())
      return Invalid("%s refers to data segment %d, but the model has %u", label.c_str(), t->segment(),
                     segs ? segs->size() : 0);
    const schema::Segment* s = segs->Get(static_cast<flatbuffers::uoffset_t>(t->segment()));
    if (t->sparsity() != nullptr && t->zero_mask() != nullptr)
      return Invalid("%s has both block-sparse and zero-mask storage", label.c_str());
    // A stored form densified into memory the model owns: the tensor's data.
    auto densified = [&](void** dense) {
      const uint64_t limit = std::max<uint64_t>(kMinDensifiedBytesLimit, kMaxDensifiedBytesPerFileByte * size_);
      if (bytes > limit || densified_bytes_ + bytes > limit)
        return Invalid("%s: densifying its %llu bytes would take the model's densified constants past %llu bytes "
                       "(%llu times the file's size, at least 64 MB): corrupt shape?",
                       label.c_str(), (unsigned long long)bytes, (unsigned long long)limit,
                       (unsigned long long)kMaxDensifiedBytesPerFileByte);
      densified_bytes_ += bytes;
      *dense = std::aligned_alloc(kSegmentAlignment, (bytes / kSegmentAlignment + 1) * kSegmentAlignment);
      if (*dense == nullptr)
        return Status::Error(StatusCode::kOutOfMemory, "%s: cannot allocate %llu bytes to densify it", label.c_str(),
                             (unsigned long long)bytes);
      densified_.push_back(*dense);
      info.segment = t->segment();
      info.const_data = *dense;
      info.const_bytes = static_cast<size_t>(bytes);
      return Status::Ok();
    };
    if (const schema::ZeroMask* zm = t->zero_mask()) {
      if (fb_->version() < 4)
        return Invalid("%s is stored with a zero mask, which needs format version 4 (the file says %u)", label.c_str(),
                       fb_->version());
      const size_t element_bytes = DTypeSize(info.dtype);
      const size_t elements = static_cast<size_t>(bytes) / element_bytes;
      EDGERT_RETURN_IF_ERROR(ValidateZeroMask(label, elements, element_bytes, zm->mask() ? zm->mask()->data() : nullptr,
                                              zm->mask() ? zm->mask()->size() : 0, s->size()));
      void* dense = nullptr;
      EDGERT_RETURN_IF_ERROR(densified(&dense));
      DensifyZeroMask(zm->mask() ? zm->mask()->data() : nullptr, elements, element_bytes,
                      base_ + fb_->data_offset() + s->offset(), dense);
      info.zero_mask = true;
    } else if (const schema::BlockSparsity* sp = t->sparsity()) {
      if (!IsSparseStorableDType(info.dtype))
        return Invalid("%s: block-sparse storage is only defined for f32 and int8 constants, not %s", label.c_str(),
                       DTypeName(info.dtype));
      const uint32_t needed = info.dtype == DType::kI8 ? 3 : 2;
      if (fb_->version() < needed)
        return Invalid("%s is stored block-sparse as %s, which needs format version %u (the file says %u)",
                       label.c_str(), DTypeName(info.dtype), needed, fb_->version());
      const void* values = base_ + fb_->data_offset() + s->offset();
      EDGERT_RETURN_IF_ERROR(ValidateBlockSparse(
          label, info.shape, info.dtype, sp->block_size(), sp->block_ptr() ? sp->block_ptr()->data() : nullptr,
          sp->block_ptr() ? sp->block_ptr()->size() : 0, sp->column_indices() ? sp->column_indices()->data() : nullptr,
          sp->column_indices() ? sp->column_indices()->size() : 0, values, s->size(), &info.sparse));
      void* dense = nullptr;
      EDGERT_RETURN_IF_ERROR(densified(&dense));
      DensifyBlockSparse(info.sparse, dense);
    } else if (s->size() != bytes) {
      return Invalid("%s: constant data is %llu bytes, but shape x %s needs %llu", label.c_str(),
                     (unsigned long long)s->size(), DTypeName(info.dtype), (unsigned long long)bytes);
    } else {
      info.segment = t->segment();
      info.const_data = base_ + fb_->data_offset() + s->offset();
      info.const_bytes = static_cast<size_t>(bytes);
    }
  } else if (t->segment() != -1) {
    return Invalid("%s has invalid segment index %d", label.c_str(), t->segment());
  }

  if (const auto* q = t->quantization()) {
    if (!ElementsAligned(q->zero_point(), sizeof(int64_t)))
      return Invalid("%s: quantization zero points are not 8-byte aligned", label.c_str());
    const size_t ns = q->scale() ? q->scale()->size() : 0;
    const size_t nz = q->zero_point() ? q->zero_point()->size() : 0;
    if (ns != nz && nz != 0)
      return Invalid("%s: quantization has %zu scales but %zu zero points", label.c_str(), ns, nz);
    if (ns > 0) {
      if (ns > 1) {
        if (q->axis() < 0 || q->axis() >= rank)
          return Invalid("%s: per-channel quantization axis %d is out of range for rank %d", label.c_str(), q->axis(), rank);
        if (static_cast<size_t>(info.shape.dims[q->axis()]) != ns)
          return Invalid("%s: %zu per-channel scales but dimension %d has %d elements", label.c_str(), ns, q->axis(),
                         info.shape.dims[q->axis()]);
      }
      info.quant_axis = q->axis();
      info.scale.resize(ns);
      info.zero_point.assign(ns, 0);
      for (size_t i = 0; i < ns; ++i) {
        const float s = q->scale()->Get(static_cast<flatbuffers::uoffset_t>(i));
        if (!(s > 0.f) || !std::isfinite(s))
          return Invalid("%s: quantization scale %zu is %g; scales must be positive and finite", label.c_str(), i, s);
        info.scale[i] = s;
        if (nz) {
          const int64_t z = q->zero_point()->Get(static_cast<flatbuffers::uoffset_t>(i));
          if (z < std::numeric_limits<int32_t>::min() || z > std::numeric_limits<int32_t>::max())
            return Invalid("%s: zero point %lld does not fit in 32 bits", label.c_str(), (long long)z);
          info.zero_point[i] = static_cast<int32_t>(z);
        }
      }
    }
  }
  return Status::Ok();
}

Status Model::ValidateNode(int index, const schema::Operator* op, std::vector<int>* producer) {
  if (op == nullptr) return Invalid("op %d is missing", index);
  const int type = static_cast<int>(op->type());
  NodeInfo node;
  node.type = op->type();
  node.op = op;
  const char* type_name = OpTypeName(type);
  std::string label = type == schema::OpType_CUSTOM && op->custom_code() ? std::string("CUSTOM(") + op->custom_code()->str() + ")" : type_name;
  if (op->name() != nullptr && op->name()->size() > 0)
    label += " '" + op->name()->str() + "'";
  else
    label += " #" + std::to_string(index);
  node.label = label;
  const char* L = node.label.c_str();

  const int n_in = op->inputs() ? static_cast<int>(op->inputs()->size()) : 0;
  const int n_out = op->outputs() ? static_cast<int>(op->outputs()->size()) : 0;
  if (type == schema::OpType_CUSTOM) {
    if (op->custom_code() == nullptr || op->custom_code()->size() == 0)
      return Invalid("op %d: CUSTOM op without a custom_code name", index);
    if (n_out < 1) return Invalid("op %d %s has no outputs", index, L);
  } else {
    const OpSpec* spec = FindOpSpec(type);
    if (spec == nullptr)
      return Status::Error(StatusCode::kUnsupported, "op %d has unknown op type %d (model from a newer format?)", index, type);
    if (n_in < spec->min_inputs || (spec->max_inputs >= 0 && n_in > spec->max_inputs))
      return Invalid("op %d %s has %d inputs; expected %d..%d", index, L, n_in, spec->min_inputs, spec->max_inputs);
    if (n_out < spec->min_outputs || (spec->max_outputs >= 0 && n_out > spec->max_outputs))
      return Invalid("op %d %s has %d outputs; expected %d..%d", index, L, n_out, spec->min_outputs, spec->max_outputs);
    if (spec->options != schema::OpOptions_NONE && op->options_type() != spec->options)
      return Invalid("op %d %s needs options of type %s, found %s", index, L, schema::EnumNameOpOptions(spec->options),
                     op->options_type() <= schema::OpOptions_MAX ? schema::EnumNameOpOptions(op->options_type()) : "unknown");
  }
  const int num_tensors = static_cast<int>(tensors_.size());
  for (int i = 0; i < n_in; ++i) {
    const int32_t t = op->inputs()->Get(i);
    if (t == -1) {
      node.inputs.push_back(-1);
      continue;
    }
    if (t < 0 || t >= num_tensors) return Invalid("op %d %s input %d names tensor %d, but there are %d tensors", index, L, i, t, num_tensors);
    if ((*producer)[t] == -3)
      return Invalid("op %d %s reads tensor %d '%s' before any op produces it (ops must be in topological order; cycles are not allowed)",
                     index, L, t, tensors_[t].name.c_str());
    node.inputs.push_back(t);
  }
  for (int i = 0; i < n_out; ++i) {
    const int32_t t = op->outputs()->Get(i);
    if (t < 0 || t >= num_tensors) return Invalid("op %d %s output %d names tensor %d, but there are %d tensors", index, L, i, t, num_tensors);
    const int p = (*producer)[t];
    if (p == -2) return Invalid("op %d %s writes constant tensor %d '%s'", index, L, t, tensors_[t].name.c_str());
    if (p == -1) return Invalid("op %d %s writes subgraph input tensor %d '%s'", index, L, t, tensors_[t].name.c_str());
    if (p >= 0) return Invalid("op %d %s writes tensor %d '%s', already written by op %d", index, L, t, tensors_[t].name.c_str(), p);
    (*producer)[t] = index;
    node.outputs.push_back(t);
  }
  nodes_.push_back(std::move(node));
  return Status::Ok();
}

}  // namespace edgert
