// STRIDED_SLICE with TFLite/TensorFlow semantics: inputs data, begin, end and
// optional strides (constant i32/i64, one entry per slice spec). Masks:
//   begin_mask / end_mask   bit i: ignore begin[i] / end[i] (use the full range)
//   ellipsis_mask           bit i: spec i stands for as many full dimensions as
//                           needed (at most one ellipsis)
//   new_axis_mask           bit i: spec i inserts a dimension of size 1
//   shrink_axis_mask        bit i: take the single element begin[i] and drop the dimension
//   offset                  end[i] is relative to the resolved begin[i]
// Specs after the last one cover the remaining dimensions fully.
// Indices are clamped the way TFLite's StridedSliceStartForAxis /
// StridedSliceEndForAxis do; a shrunk index must be inside the dimension.
#include <algorithm>

#include "kernels/common/const_input.h"
#include "kernels/common/shape_util.h"
#include "kernels/reference/reference_kernels.h"

namespace edgert {
namespace ref {
namespace {

constexpr int kMaxSpecs = 32;

int64_t Clamp(int64_t v, int64_t lo, int64_t hi) { return v < lo ? lo : (v > hi ? hi : v); }

}  // namespace

// State: the StridedView of the input that is the output.
static Status Prepare(KernelContext* ctx) {
  const Tensor* in = nullptr;
  Tensor* out = nullptr;
  EDGERT_RETURN_IF_ERROR(GetPassThroughInputOutput(ctx, "STRIDED_SLICE", &in, &out));
  const auto* opts = ctx->options<schema::StridedSliceOptions>();
  if (opts == nullptr) return ctx->InvalidModel("missing StridedSliceOptions");
  const int rank = in->shape.rank;

  int64_t begin[kMaxSpecs], end[kMaxSpecs], strides[kMaxSpecs];
  int nb = 0, ne = 0, ns = 0;
  EDGERT_RETURN_IF_ERROR(ReadConstInts(ctx, 1, "begin", begin, kMaxSpecs, &nb));
  EDGERT_RETURN_IF_ERROR(ReadConstInts(ctx, 2, "end", end, kMaxSpecs, &ne));
  if (ctx->input(3) != nullptr) {
    EDGERT_RETURN_IF_ERROR(ReadConstInts(ctx, 3, "strides", strides, kMaxSpecs, &ns));
  } else {
    ns = nb;
    for (int i = 0; i < nb; ++i) strides[i] = 1;
  }
  if (nb != ne || nb != ns)
    return ctx->InvalidModel("begin, end and strides must have the same length, got %d, %d and %d", nb, ne, ns);
  const int num_specs = nb;
  // Dimensions are < 2^31, so clamping huge indices changes nothing but keeps the arithmetic in range.
  constexpr int64_t kBig = int64_t{1} << 40;
  for (int i = 0; i < num_specs; ++i) {
    begin[i] = Clamp(begin[i], -kBig, kBig);
    end[i] = Clamp(end[i], -kBig, kBig);
    strides[i] = Clamp(strides[i], -kBig, kBig);
  }

  const uint32_t begin_mask = static_cast<uint32_t>(opts->begin_mask());
  const uint32_t end_mask = static_cast<uint32_t>(opts->end_mask());
  const uint32_t ellipsis_mask = static_cast<uint32_t>(opts->ellipsis_mask());
  const uint32_t new_axis_mask = static_cast<uint32_t>(opts->new_axis_mask());
  const uint32_t shrink_mask = static_cast<uint32_t>(opts->shrink_axis_mask());
  const bool offset = opts->offset();
  auto bit = [](uint32_t mask, int i) { return i < 32 && ((mask >> i) & 1u) != 0; };

  // Count specs that consume input dimensions.
  int num_ellipsis = 0, num_new = 0;
  for (int i = 0; i < num_specs; ++i) {
    if (bit(ellipsis_mask, i)) {
      ++num_ellipsis;
    } else if (bit(new_axis_mask, i)) {
      ++num_new;
    }
  }
  if (num_ellipsis > 1) return ctx->InvalidModel("ellipsis_mask has %d bits set; at most one ellipsis", num_ellipsis);
  const int consuming = num_specs - num_new - num_ellipsis;
  if (consuming > rank)
    return ctx->InvalidModel("%d slice specs index dimensions, but input '%s' %s has rank %d", consuming, in->name,
                             ShapeToString(in->shape).text, rank);
  const int ellipsis_dims = rank - consuming;  // dimensions an ellipsis (or the implicit tail) covers
  if (rank + num_new > kMaxRank)
    return ctx->InvalidModel("the slice has %d dimensions including new axes; at most %d are supported",
                             rank + num_new, kMaxRank);

  int64_t in_strides[kMaxRank];
  ElementStrides(in->shape, in_strides);
  auto* view = ctx->NewState<StridedView>();
  if (view == nullptr) return ctx->Error(StatusCode::kOutOfMemory, "out of memory for op state");
  StridedView& v = *view;
  v.rank = 0;
  v.in_offset = 0;
  Shape out_shape;
  int in_dim = 0;

  auto add_full = [&]() {  // a whole input dimension, stride 1
    v.count[v.rank] = in->shape.dims[in_dim];
    v.step[v.rank] = in_strides[in_dim];
    out_shape.dims[out_shape.rank++] = in->shape.dims[in_dim];
    ++v.rank;
    ++in_dim;
  };

  for (int i = 0; i < num_specs; ++i) {
    if (bit(ellipsis_mask, i)) {
      for (int k = 0; k < ellipsis_dims; ++k) add_full();
      continue;
    }
    if (bit(new_axis_mask, i)) {  // a new dimension of size 1; begin/end/shrink are ignored
      v.count[v.rank] = 1;
      v.step[v.rank] = 0;
      ++v.rank;
      out_shape.dims[out_shape.rank++] = 1;
      continue;
    }
    const int64_t dim = in->shape.dims[in_dim];
    const int64_t stride = strides[i];
    if (stride == 0) return ctx->InvalidModel("strides[%d] is 0; strides must be non-zero", i);
    int64_t b = 0, e = 0, count = 0;
    if (bit(shrink_mask, i)) {
      b = begin[i] < 0 ? begin[i] + dim : begin[i];
      if (b < 0 || b >= dim)
        return ctx->InvalidModel("shrink_axis index begin[%d] = %lld is out of range for dimension %d of size %lld",
                                 i, static_cast<long long>(begin[i]), in_dim, static_cast<long long>(dim));
      count = 1;
    } else if (dim > 0) {
      // Start (TFLite StridedSliceStartForAxis).
      b = begin[i] < 0 ? begin[i] + dim : begin[i];
      b = stride > 0 ? Clamp(b, 0, dim) : Clamp(b, -1, dim - 1);
      if (bit(begin_mask, i)) b = stride > 0 ? 0 : dim - 1;
      // End (TFLite StridedSliceEndForAxis).
      e = offset ? end[i] + b : end[i];
      if (e < 0) e += dim;
      e = stride > 0 ? Clamp(e, 0, dim) : Clamp(e, -1, dim - 1);
      if (bit(end_mask, i)) e = stride > 0 ? dim : -1;
      if (stride > 0) {
        count = e > b ? (e - b + stride - 1) / stride : 0;
      } else {
        count = b > e ? (b - e + (-stride) - 1) / (-stride) : 0;
      }
    }
    if (count > 0) v.in_offset += b * in_strides[in_dim];
    v.count[v.rank] = count;
    // With two or more elements |stride| < dim, so the step stays within the tensor.
    v.step[v.rank] = count > 1 ? stride * in_strides[in_dim] : 0;
    ++v.rank;
    if (!bit(shrink_mask, i)) out_shape.dims[out_shape.rank++] = static_cast<int32_t>(count);
    ++in_dim;
  }
  if (num_ellipsis == 0) {
    while (in_dim < rank) add_full();
  }
  // An empty result never reads: keep the offset in range.
  if (v.NumElements() == 0) v.in_offset = 0;
  return ctx->SetOutputShape(0, out_shape);
}

static Status Eval(KernelContext* ctx) { return EvalStridedCopy(ctx, *ctx->state<StridedView>()); }

const OpKernel* Register_STRIDED_SLICE() {
  static const OpKernel kernel = {"STRIDED_SLICE/reference", Prepare, Eval, kNoFlags};
  return &kernel;
}

}  // namespace ref
}  // namespace edgert
