// Numpy-style broadcasting helpers.
#pragma once

#include <cstdint>

#include "runtime/tensor.h"

namespace edgert {

// out = broadcast(a, b); false when incompatible.
bool BroadcastShapes(const Shape& a, const Shape& b, Shape* out);
// Element strides of `in` laid against `out` (rank of out, right-aligned),
// 0 along broadcast dimensions.
void BroadcastStrides(const Shape& in, const Shape& out, int64_t strides[kMaxRank]);

// Walks the elements of `out` in order, tracking the offset into one input.
// Usage: for (i...) { use it.offset(); it.Next(); }
class BroadcastIterator {
 public:
  BroadcastIterator(const Shape& in, const Shape& out);
  int64_t offset() const { return offset_; }
  void Next();

 private:
  Shape out_;
  int64_t strides_[kMaxRank];
  int32_t index_[kMaxRank] = {};
  int64_t offset_ = 0;
};

}  // namespace edgert
