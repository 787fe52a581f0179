// Output size and padding of sliding-window ops (conv, pool), TFLite/ONNX rules.
#pragma once

#include "edgert_generated.h"

namespace edgert {

struct WindowGeometry {
  int out = 0;         // output size along the axis
  int pad_before = 0;  // padding before the first element
};

// SAME: out = ceil(in / stride), padding split with the smaller half before.
// VALID: out = ceil((in - effective_filter + 1) / stride).
// EXPLICIT: out = (in + before + after - effective_filter) / stride + 1.
// effective_filter = (filter - 1) * dilation + 1. Returns false when out < 1 or arguments are invalid.
bool ComputeWindow(schema::Padding padding, int in, int filter, int stride, int dilation, int explicit_before,
                   int explicit_after, WindowGeometry* g);

}  // namespace edgert
