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

// Input 0 and output 0 of `op`; InvalidModel "<op> needs a data input and an
// output" when either is missing.
Status GetDataInputOutput(KernelContext* ctx, const char* op, const Tensor** in, Tensor** out);

// GetDataInputOutput, then CheckPassThrough(in, out).
Status GetPassThroughInputOutput(KernelContext* ctx, const char* op, const Tensor** in, Tensor** out);

// `t` must be 4-D (NHWC): InvalidModel naming its shape otherwise.
Status CheckNhwc(const KernelContext* ctx, const Tensor* t);

// The checks DEPTH_TO_SPACE and SPACE_TO_DEPTH share: a data input and an
// output of the same dtype and quantization, SpaceDepthOptions, a 4-D NHWC
// input and block_size in [1, 65535].
Status CheckSpaceDepth(KernelContext* ctx, const char* op, const Tensor** in, int* block_size);

// Reads the constant `size` input 1 of the RESIZE_* ops: two positive
// values (new_height, new_width) that fit in int32.
Status ReadResizeSize(const KernelContext* ctx, int32_t* new_height, int32_t* new_width);

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

// A view with the given counts and steps (arrays of `rank` entries).
StridedView MakeStridedView(int rank, const int64_t* count, const int64_t* step, int64_t in_offset);

// Copies the view into `out` (NumElements() elements of `element_size` bytes).
// element_size must be 1, 2, 4 or 8. Does not allocate.
void StridedCopy(const void* in, void* out, size_t element_size, const StridedView& view);

// Eval of the ops that are one StridedView of input 0 (slice, strided_slice,
// transpose, depth/space): copies the view into output 0. Does not allocate.
Status EvalStridedCopy(KernelContext* ctx, const StridedView& view);

// Row-major element strides of a shape.
void ElementStrides(const Shape& s, int64_t strides[kMaxRank]);

}  // namespace edgert
