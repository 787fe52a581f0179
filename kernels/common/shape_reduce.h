// Shared geometry of the reductions MEAN, SUM, REDUCE_MAX, REDUCE_MIN, REDUCE_PROD:
// inputs data and axes (constant i32/i64; negative axes wrap, duplicates are
// ignored), ReduceOptions.keep_dims.
#pragma once

#include <cstdint>

#include "runtime/kernel_api.h"

namespace edgert {

struct ReduceGeometry {
  Shape in_shape;
  Shape out_shape;
  bool reduced[kMaxRank] = {};
  // For each input dimension, the output element stride it moves (0 along
  // reduced dimensions).
  int64_t out_step[kMaxRank] = {};
  int64_t num_outputs = 0;
  int64_t reduce_count = 0;  // input elements folded into each output
};

// Validates input 0, the axes input 1 and the output; computes and sets the
// output shape. Checks the output dtype equals the input dtype.
Status PrepareReduce(KernelContext* ctx, ReduceGeometry* g);

// Calls f(input_index, output_index) for every input element, in input order.
template <typename F>
void ForEachReduced(const ReduceGeometry& g, F&& f) {
  const int64_t total = g.in_shape.NumElements();
  if (total == 0) return;
  int32_t index[kMaxRank] = {};
  int64_t out = 0;
  const int rank = g.in_shape.rank;
  for (int64_t i = 0; i < total; ++i) {
    f(i, out);
    for (int d = rank - 1; d >= 0; --d) {
      out += g.out_step[d];
      if (++index[d] < g.in_shape.dims[d]) break;
      out -= g.out_step[d] * g.in_shape.dims[d];
      index[d] = 0;
    }
  }
}

// y[o] = fold(...fold(fold(init, x[first]), x[second])...) over the inputs of each output.
template <typename T, typename F>
void ReduceInto(const ReduceGeometry& g, const T* x, T* y, T init, F fold) {
  for (int64_t o = 0; o < g.num_outputs; ++o) y[o] = init;
  ForEachReduced(g, [&](int64_t i, int64_t o) { y[o] = fold(y[o], x[i]); });
}

}  // namespace edgert
