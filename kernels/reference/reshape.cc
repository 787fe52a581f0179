// RESHAPE: same elements, new shape. The shape comes from constant input 1
// (i32/i64, 1-D) when present, else from ReshapeOptions.new_shape; one
// dimension may be -1 (inferred). Output 0 may alias input 0.
#include <cstring>

#include "kernels/common/const_input.h"
#include "kernels/common/shape_util.h"
#include "kernels/reference/reference_kernels.h"

namespace edgert {
namespace ref {
static Status Prepare(KernelContext* ctx) {
  const Tensor* in = nullptr;
  Tensor* out = nullptr;
  EDGERT_RETURN_IF_ERROR(GetPassThroughInputOutput(ctx, "RESHAPE", &in, &out));

  int64_t requested[kMaxRank];
  int count = 0;
  if (ctx->input(1) != nullptr) {
    const Tensor* shape_t = ctx->input(1);
    if (shape_t->shape.rank > 1)
      return ctx->InvalidModel("shape input '%s' must be 1-D, but has shape %s", shape_t->name,
                               ShapeToString(shape_t->shape).text);
    EDGERT_RETURN_IF_ERROR(ReadConstInts(ctx, 1, "shape", requested, kMaxRank, &count));
  } else {
    const auto* opts = ctx->options<schema::ReshapeOptions>();
    if (opts == nullptr || opts->new_shape() == nullptr)
      return ctx->InvalidModel("no target shape: neither a shape input nor ReshapeOptions.new_shape is given");
    const auto* ns = opts->new_shape();
    if (ns->size() > static_cast<flatbuffers::uoffset_t>(kMaxRank))
      return ctx->InvalidModel("new_shape has %u dimensions; at most %d are supported", ns->size(), kMaxRank);
    count = static_cast<int>(ns->size());
    for (int i = 0; i < count; ++i) requested[i] = ns->Get(static_cast<flatbuffers::uoffset_t>(i));
  }

  Shape shape;
  shape.rank = count;
  int infer = -1;
  int64_t known = 1;
  for (int i = 0; i < count; ++i) {
    const int64_t v = requested[i];
    if (v == -1) {
      if (infer >= 0)
        return ctx->InvalidModel("target shape has more than one -1 (dimensions %d and %d)", infer, i);
      infer = i;
      shape.dims[i] = 1;
      continue;
    }
    if (v < 0 || v > INT32_MAX)
      return ctx->InvalidModel("target shape dimension %d is %lld; must be >= 0 or -1", i, static_cast<long long>(v));
    shape.dims[i] = static_cast<int32_t>(v);
    if (v > 0 && known > (int64_t{1} << 48) / v) return ctx->InvalidModel("target shape element count overflows");
    known *= v;
  }
  const int64_t n = in->NumElements();
  if (infer >= 0) {
    if (known == 0 || n % known != 0 || n / known > INT32_MAX)
      return ctx->InvalidModel("cannot infer the -1 dimension: input '%s' %s has %lld elements, not a multiple of %lld",
                               in->name, ShapeToString(in->shape).text, static_cast<long long>(n),
                               static_cast<long long>(known));
    shape.dims[infer] = static_cast<int32_t>(n / known);
  } else if (known != n) {
    return ctx->InvalidModel("target shape %s has %lld elements, but input '%s' %s has %lld",
                             ShapeToString(shape).text, static_cast<long long>(known), in->name,
                             ShapeToString(in->shape).text, static_cast<long long>(n));
  }
  return ctx->SetOutputShape(0, shape);
}

static Status Eval(KernelContext* ctx) {
  const Tensor* in = ctx->input(0);
  Tensor* out = ctx->output(0);
  if (out->data == in->data) return Status::Ok();  // aliased by the planner
  const size_t bytes = static_cast<size_t>(in->NumElements()) * DTypeSize(in->dtype);
  if (bytes > 0) std::memcpy(out->data, in->data, bytes);
  return Status::Ok();
}

const OpKernel* Register_RESHAPE() {
  static const OpKernel kernel = {"RESHAPE/reference", Prepare, Eval, kOutputMayAliasInput0};
  return &kernel;
}

}  // namespace ref
}  // namespace edgert
