// Reading small constant integer inputs (axes, paddings, shapes) in prepare.
#pragma once

#include <cstdint>

#include "runtime/kernel_api.h"

namespace edgert {

// Copies the values of a constant i32 or i64 tensor into `out` (at most max_count).
// Errors name the node and say what is wrong (not constant, wrong type, too many values).
Status ReadConstInts(const KernelContext* ctx, int input_index, const char* what, int64_t* out, int max_count,
                     int* count);

// Normalizes a possibly negative axis against rank; false when out of range.
inline bool NormalizeAxis(int64_t axis, int rank, int* out) {
  if (axis < 0) axis += rank;
  if (axis < 0 || axis >= rank) return false;
  *out = static_cast<int>(axis);
  return true;
}

}  // namespace edgert
