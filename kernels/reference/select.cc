// SELECT (ONNX Where): out = condition ? x : y, element-wise with numpy
// broadcasting of all three inputs. condition is bool (a nonzero byte counts
// as true); x, y and the output share one dtype (any; elements are moved by
// size, so quantized x and y must share the output's quantization).
#include <cstring>

#include "kernels/common/broadcast.h"
#include "kernels/common/shape_util.h"
#include "kernels/reference/reference_kernels.h"

namespace edgert {
namespace ref {

static Status Prepare(KernelContext* ctx) {
  if (ctx->num_inputs() != 3 || ctx->num_outputs() != 1)
    return ctx->InvalidModel("SELECT needs inputs condition, x, y and one output");
  const Tensor* cond = ctx->input(0);
  const Tensor* x = ctx->input(1);
  const Tensor* y = ctx->input(2);
  Tensor* out = ctx->output(0);
  if (cond == nullptr || x == nullptr || y == nullptr || out == nullptr)
    return ctx->InvalidModel("SELECT needs inputs condition, x, y and one output");
  if (cond->dtype != DType::kBool)
    return ctx->InvalidModel("condition '%s' must be bool, not %s", cond->name, DTypeName(cond->dtype));
  EDGERT_RETURN_IF_ERROR(CheckPassThrough(ctx, x, out));
  EDGERT_RETURN_IF_ERROR(CheckPassThrough(ctx, y, out));
  Shape xy, shape;
  if (!BroadcastShapes(x->shape, y->shape, &xy) || !BroadcastShapes(cond->shape, xy, &shape))
    return ctx->InvalidModel("shapes of condition '%s' %s, x '%s' %s and y '%s' %s do not broadcast", cond->name,
                             ShapeToString(cond->shape).text, x->name, ShapeToString(x->shape).text, y->name,
                             ShapeToString(y->shape).text);
  return ctx->SetOutputShape(0, shape);
}

template <typename T>
static void SelectTyped(const Tensor* cond, const Tensor* x, const Tensor* y, Tensor* out) {
  const uint8_t* c = static_cast<const uint8_t*>(cond->data);
  const T* xd = static_cast<const T*>(x->data);
  const T* yd = static_cast<const T*>(y->data);
  T* o = static_cast<T*>(out->data);
  BroadcastIterator ci(cond->shape, out->shape), xi(x->shape, out->shape), yi(y->shape, out->shape);
  const int64_t n = out->shape.NumElements();
  for (int64_t i = 0; i < n; ++i) {
    o[i] = c[ci.offset()] != 0 ? xd[xi.offset()] : yd[yi.offset()];
    ci.Next();
    xi.Next();
    yi.Next();
  }
}

static Status Eval(KernelContext* ctx) {
  const Tensor* cond = ctx->input(0);
  const Tensor* x = ctx->input(1);
  const Tensor* y = ctx->input(2);
  Tensor* out = ctx->output(0);
  switch (DTypeSize(out->dtype)) {
    case 1: SelectTyped<uint8_t>(cond, x, y, out); break;
    case 2: SelectTyped<uint16_t>(cond, x, y, out); break;
    case 4: SelectTyped<uint32_t>(cond, x, y, out); break;
    case 8: SelectTyped<uint64_t>(cond, x, y, out); break;
    default: return ctx->Unsupported("dtype %s", DTypeName(out->dtype));
  }
  return Status::Ok();
}

const OpKernel* Register_SELECT() {
  static const OpKernel kernel = {"SELECT/reference", Prepare, Eval, kNoFlags};
  return &kernel;
}

}  // namespace ref
}  // namespace edgert
