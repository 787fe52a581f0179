// Densification of sparse TFLite constants.
//
// The format (TFLite's SparsityParameters, a variant of TACO): an n-dimensional
// dense tensor, optionally with a k-dimensional block, is viewed as n + k
// "expanded" dimensions: original dimension d has size dense[d] / block_size
// when it is blocked (block_map names it), and each block dimension n + j has
// the block size. traversal_order is a permutation of the n + k expanded
// dimensions; dim_metadata[l] describes level l of the traversal:
//   DENSE:      dense_size coordinates, all stored; the position in the level is
//               parent_position * dense_size + coordinate
//   SPARSE_CSR: the coordinates stored for parent position p are
//               array_indices[array_segments[p] .. array_segments[p + 1]), and the
//               position in the level is the index into array_indices
// Stored values are consumed in traversal order, one per leaf. The dense
// coordinate of original dimension d is outer * block_size + inner.
#include <cstring>
#include <string>

#include "runtime/importers/tflite/tflite_import_internal.h"

namespace edgert {
namespace tflite_import {

namespace {

// One index vector of a sparse level (int32, uint16 or uint8 elements).
struct IndexVector {
  const uint8_t* data = nullptr;
  size_t size = 0;
  int width = 0;  // bytes per element
  int64_t operator[](size_t i) const {
    switch (width) {
      case 4: {
        int32_t v;
        std::memcpy(&v, data + i * 4, 4);
        return v;
      }
      case 2: {
        uint16_t v;
        std::memcpy(&v, data + i * 2, 2);
        return v;
      }
      default: return data[i];
    }
  }
};

bool ReadIndexVector(tfl::SparseIndexVector type, const void* table, IndexVector* out) {
  if (table == nullptr) return false;
  switch (type) {
    case tfl::SparseIndexVector_Int32Vector: {
      const auto* v = static_cast<const tfl::Int32Vector*>(table)->values();
      if (v == nullptr) return false;
      *out = IndexVector{reinterpret_cast<const uint8_t*>(v->data()), v->size(), 4};
      return true;
    }
    case tfl::SparseIndexVector_Uint16Vector: {
      const auto* v = static_cast<const tfl::Uint16Vector*>(table)->values();
      if (v == nullptr) return false;
      *out = IndexVector{reinterpret_cast<const uint8_t*>(v->data()), v->size(), 2};
      return true;
    }
    case tfl::SparseIndexVector_Uint8Vector: {
      const auto* v = static_cast<const tfl::Uint8Vector*>(table)->values();
      if (v == nullptr) return false;
      *out = IndexVector{v->data(), v->size(), 1};
      return true;
    }
    default: return false;
  }
}

Status Bad(const std::string& why) { return Status(StatusCode::kInvalidModel, "sparse tensor: " + why); }

struct Level {
  bool dense = true;
  int64_t size = 0;  // dense: dense_size; sparse: the expanded dimension's size (bound for indices)
  IndexVector segments, indices;
};

class Densifier {
 public:
  Densifier(int n, int k, std::vector<int> order, std::vector<int> block_map, std::vector<int64_t> block_size,
            std::vector<Level> levels, const std::vector<int32_t>& dense_shape, size_t elem_size,
            const uint8_t* values, size_t num_values, uint8_t* out)
      : n_(n), k_(k), order_(std::move(order)), block_map_(std::move(block_map)),
        block_size_(std::move(block_size)), levels_(std::move(levels)), dense_shape_(dense_shape),
        elem_(elem_size), values_(values), num_values_(num_values), out_(out), coord_(static_cast<size_t>(n + k), 0) {}

  // A valid structure visits at most (levels + 1) * elements nodes; a hostile one
  // (overlapping segment ranges) could revisit subtrees exponentially often.
  void set_visit_limit(uint64_t limit) { visit_limit_ = limit; }

  Status Visit(int level, int64_t position) {
    if (++visits_ > visit_limit_) return Bad("the index structure revisits elements (overlapping array_segments)");
    if (level == n_ + k_) return Leaf();
    const Level& L = levels_[static_cast<size_t>(level)];
    if (L.dense) {
      for (int64_t i = 0; i < L.size; ++i) {
        coord_[static_cast<size_t>(order_[static_cast<size_t>(level)])] = i;
        EDGERT_RETURN_IF_ERROR(Visit(level + 1, position * L.size + i));
      }
      return Status::Ok();
    }
    if (position < 0 || static_cast<uint64_t>(position) + 1 >= L.segments.size)
      return Bad("level " + std::to_string(level) + ": array_segments has no entry for position " +
                 std::to_string(position));
    const int64_t begin = L.segments[static_cast<size_t>(position)];
    const int64_t end = L.segments[static_cast<size_t>(position) + 1];
    if (begin < 0 || end < begin || static_cast<uint64_t>(end) > L.indices.size)
      return Bad("level " + std::to_string(level) + ": array_segments [" + std::to_string(begin) + ", " +
                 std::to_string(end) + ") is not a valid range of array_indices (" +
                 std::to_string(L.indices.size) + " entries)");
    for (int64_t j = begin; j < end; ++j) {
      const int64_t c = L.indices[static_cast<size_t>(j)];
      if (c < 0 || c >= L.size)
        return Bad("level " + std::to_string(level) + ": index " + std::to_string(c) + " is outside [0, " +
                   std::to_string(L.size) + ")");
      coord_[static_cast<size_t>(order_[static_cast<size_t>(level)])] = c;
      EDGERT_RETURN_IF_ERROR(Visit(level + 1, j));
    }
    return Status::Ok();
  }

  size_t consumed() const { return next_; }

 private:
  Status Leaf() {
    if (next_ >= num_values_) return Bad("the index structure addresses more values than are stored");
    int64_t flat = 0;
    for (int d = 0; d < n_; ++d) {
      int64_t c = coord_[static_cast<size_t>(d)];
      for (int j = 0; j < k_; ++j)
        if (block_map_[static_cast<size_t>(j)] == d)
          c = c * block_size_[static_cast<size_t>(j)] + coord_[static_cast<size_t>(n_ + j)];
      if (c < 0 || c >= dense_shape_[static_cast<size_t>(d)]) return Bad("a coordinate is outside the dense shape");
      flat = flat * dense_shape_[static_cast<size_t>(d)] + c;
    }
    std::memcpy(out_ + static_cast<size_t>(flat) * elem_, values_ + next_ * elem_, elem_);
    ++next_;
    return Status::Ok();
  }

  int n_, k_;
  std::vector<int> order_, block_map_;
  std::vector<int64_t> block_size_;
  std::vector<Level> levels_;
  const std::vector<int32_t>& dense_shape_;
  size_t elem_;
  const uint8_t* values_;
  size_t num_values_;
  uint8_t* out_;
  std::vector<int64_t> coord_;  // per expanded dimension
  size_t next_ = 0;
  uint64_t visits_ = 0, visit_limit_ = 0;
};

}  // namespace

Status Densify(const tfl::SparsityParameters* sp, const std::vector<int32_t>& dense_shape, size_t elem_size,
               const uint8_t* values, size_t value_bytes, uint64_t max_dense_bytes, std::vector<uint8_t>* dense) {
  if (sp == nullptr) return Bad("no sparsity parameters");
  if (elem_size == 0 || value_bytes % elem_size != 0)
    return Bad("stored data (" + std::to_string(value_bytes) + " bytes) is not a whole number of elements");
  const int n = static_cast<int>(dense_shape.size());
  if (n < 1) return Bad("a scalar cannot be sparse");
  const int k = sp->block_map() ? static_cast<int>(sp->block_map()->size()) : 0;
  if (k > n) return Bad("block_map has more entries than the tensor has dimensions");
  const int levels = n + k;
  if (sp->traversal_order() == nullptr || static_cast<int>(sp->traversal_order()->size()) != levels)
    return Bad("traversal_order must have " + std::to_string(levels) + " entries");
  if (sp->dim_metadata() == nullptr || static_cast<int>(sp->dim_metadata()->size()) != levels)
    return Bad("dim_metadata must have " + std::to_string(levels) + " entries");

  uint64_t total = 1;
  for (int32_t d : dense_shape) {
    if (d < 0) return Bad("negative dimension");
    if (d != 0 && total > max_dense_bytes / static_cast<uint64_t>(d)) return Bad("the dense tensor is too large");
    total *= static_cast<uint64_t>(d);
  }
  if (total > max_dense_bytes / elem_size)
    return Bad("the dense tensor (" + std::to_string(total) + " elements) exceeds the import limit of " +
               std::to_string(max_dense_bytes) + " bytes");

  std::vector<int> order(static_cast<size_t>(levels));
  std::vector<bool> seen(static_cast<size_t>(levels), false);
  for (int l = 0; l < levels; ++l) {
    const int e = sp->traversal_order()->Get(static_cast<flatbuffers::uoffset_t>(l));
    if (e < 0 || e >= levels || seen[static_cast<size_t>(e)])
      return Bad("traversal_order is not a permutation of the " + std::to_string(levels) + " dimensions");
    seen[static_cast<size_t>(e)] = true;
    order[static_cast<size_t>(l)] = e;
  }
  std::vector<int> block_map(static_cast<size_t>(k));
  for (int j = 0; j < k; ++j) {
    const int d = sp->block_map()->Get(static_cast<flatbuffers::uoffset_t>(j));
    if (d < 0 || d >= n) return Bad("block_map entry " + std::to_string(d) + " is not a dimension");
    for (int i = 0; i < j; ++i)
      if (block_map[static_cast<size_t>(i)] == d) return Bad("block_map names a dimension twice");
    block_map[static_cast<size_t>(j)] = d;
  }

  std::vector<Level> lv(static_cast<size_t>(levels));
  std::vector<int> level_of(static_cast<size_t>(levels));
  for (int l = 0; l < levels; ++l) {
    const tfl::DimensionMetadata* m = sp->dim_metadata()->Get(static_cast<flatbuffers::uoffset_t>(l));
    if (m == nullptr) return Bad("dim_metadata entry missing");
    level_of[static_cast<size_t>(order[static_cast<size_t>(l)])] = l;
    Level& L = lv[static_cast<size_t>(l)];
    if (m->format() == tfl::DimensionType_DENSE) {
      L.dense = true;
      L.size = m->dense_size();
      if (L.size < 0) return Bad("negative dense_size");
    } else if (m->format() == tfl::DimensionType_SPARSE_CSR) {
      L.dense = false;
      if (!ReadIndexVector(m->array_segments_type(), m->array_segments(), &L.segments) ||
          !ReadIndexVector(m->array_indices_type(), m->array_indices(), &L.indices))
        return Bad("level " + std::to_string(l) + " is SPARSE_CSR without array_segments / array_indices");
    } else {
      return Bad("unknown dimension format " + std::to_string(static_cast<int>(m->format())));
    }
  }
  // Block sizes come from the (dense) levels of the block dimensions.
  std::vector<int64_t> block_size(static_cast<size_t>(k));
  for (int j = 0; j < k; ++j) {
    const Level& L = lv[static_cast<size_t>(level_of[static_cast<size_t>(n + j)])];
    if (!L.dense || L.size < 1) return Bad("block dimension " + std::to_string(j) + " must be DENSE with size >= 1");
    const int32_t d = dense_shape[static_cast<size_t>(block_map[static_cast<size_t>(j)])];
    if (d % L.size != 0) return Bad("block size does not divide dimension " + std::to_string(block_map[static_cast<size_t>(j)]));
    block_size[static_cast<size_t>(j)] = L.size;
  }
  // Every level's extent must be its expanded dimension's size.
  for (int l = 0; l < levels; ++l) {
    const int e = order[static_cast<size_t>(l)];
    int64_t extent;
    if (e < n) {
      extent = dense_shape[static_cast<size_t>(e)];
      for (int j = 0; j < k; ++j)
        if (block_map[static_cast<size_t>(j)] == e) extent /= block_size[static_cast<size_t>(j)];
    } else {
      extent = block_size[static_cast<size_t>(e - n)];
    }
    Level& L = lv[static_cast<size_t>(l)];
    if (L.dense && L.size != extent)
      return Bad("level " + std::to_string(l) + " has dense_size " + std::to_string(L.size) + "; its dimension has " +
                 std::to_string(extent));
    L.size = extent;
  }

  dense->assign(static_cast<size_t>(total) * elem_size, 0);
  Densifier d(n, k, order, block_map, block_size, lv, dense_shape, elem_size, values, value_bytes / elem_size,
              dense->data());
  d.set_visit_limit((static_cast<uint64_t>(levels) + 2) * (total + 1));
  EDGERT_RETURN_IF_ERROR(d.Visit(0, 0));
  if (d.consumed() != value_bytes / elem_size)
    return Bad("stores " + std::to_string(value_bytes / elem_size) + " values but its index structure uses " +
               std::to_string(d.consumed()));
  return Status::Ok();
}

}  // namespace tflite_import
}  // namespace edgert
