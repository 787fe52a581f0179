// Helpers shared by the data-movement kernels (pad, concatenation, split,
// slice, strided_slice, reshape, transpose, gather, resize, depth/space).
#pragma once

#include <cstddef>
#include <cstdint>

#include "runtime/kernel_api.h"

namespace edgert {

// A shape rendered for messages: ShapeToString(s).text == "[1,7,5,3]".
struct ShapeText {
  char text[112];
};
ShapeText ShapeToString(const Shape& s);

// True when both tensors carry the same quantization (both none, or equal
// scales, zero points and axis).
bool SameQuantization(const Tensor& a, const Tensor& b);

// For ops that move elements without changing them: `out` must have the dtype
// of `in` and the same quantization. Errors name both tensors.
Status CheckPassThrough(const KernelContext* ctx, const Tensor* in, const Tensor* out);

// A strided view of an input, walked in row-major order of `count`:
// element k = (k0..k{rank-1}) is read at in_offset + sum(k_d * step_d) (in
// elements) and written contiguously to the output. Steps may be negative.
struct StridedView {
  int rank = 0;
  int64_t count[kMaxRank] = {};
  int64_t step[kMaxRank] = {};
  int64_t in_offset = 0;
  int64_t NumElements() const {
    int64_t n = 1;
    for (int i = 0; i < rank; ++i) n *= count[i];
    return n;
  }
};

// Copies the view into `out` (NumElements() elements of `element_size` bytes).
// element_size must be 1, 2, 4 or 8. Does not allocate.
void StridedCopy(const void* in, void* out, size_t element_size, const StridedView& view);

// Row-major element strides of a shape.
void ElementStrides(const Shape& s, int64_t strides[kMaxRank]);

}  // namespace edgert
