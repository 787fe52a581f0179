#include "kernels/common/window.h"

#include <cstdint>

namespace edgert {

bool ComputeWindow(schema::Padding padding, int in, int filter, int stride, int dilation, int explicit_before,
                   int explicit_after, WindowGeometry* g) {
  if (in < 0 || filter < 1 || stride < 1 || dilation < 1 || explicit_before < 0 || explicit_after < 0) return false;
  const int64_t eff = static_cast<int64_t>(filter - 1) * dilation + 1;
  int64_t out = 0, before = 0;
  switch (padding) {
    case schema::Padding_SAME: {
      out = (static_cast<int64_t>(in) + stride - 1) / stride;
      int64_t total = (out - 1) * stride + eff - in;
      if (total < 0) total = 0;
      before = total / 2;
      break;
    }
    case schema::Padding_VALID:
      out = (in - eff + stride) / stride;
      if (in - eff < 0) out = 0;
      break;
    case schema::Padding_EXPLICIT: {
      const int64_t span = static_cast<int64_t>(in) + explicit_before + explicit_after - eff;
      out = span < 0 ? 0 : span / stride + 1;
      before = explicit_before;
      break;
    }
    default: return false;
  }
  if (out < 1 || out > (1 << 30)) return false;
  g->out = static_cast<int>(out);
  g->pad_before = static_cast<int>(before);
  return true;
}

}  // namespace edgert
