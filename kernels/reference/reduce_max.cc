// REDUCE_MAX: the largest element over constant axes (i32/i64; negative wrap,
// duplicates ignored), keep_dims. f32, i32, i64, i16, i8, u8; quantized input
// and output must share their quantization (values are compared raw, as in
// TFLite). An empty reduction gives numeric_limits<T>::lowest() (TFLite's init
// value); NaN inputs are skipped by the comparison, as in TFLite.
#include <limits>

#include "kernels/common/shape_reduce.h"
#include "kernels/reference/reference_kernels.h"

namespace edgert {
namespace ref {
namespace {

struct Largest {
  template <typename T> static T Init() { return std::numeric_limits<T>::lowest(); }
  template <typename T> static T Fold(T acc, T v) { return v > acc ? v : acc; }
};

}  // namespace

static Status Prepare(KernelContext* ctx) { return PrepareMinMaxReduce(ctx, "REDUCE_MAX"); }

static Status Eval(KernelContext* ctx) { return EvalMinMaxReduce<Largest>(ctx); }

const OpKernel* Register_REDUCE_MAX() {
  static const OpKernel kernel = {"REDUCE_MAX/reference", Prepare, Eval, kNoFlags};
  return &kernel;
}

}  // namespace ref
}  // namespace edgert
