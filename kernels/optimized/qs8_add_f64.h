// The double-precision int8 ADD / SUB (QS8VAddF64UkernelFn) for a node, used
// only where it is exact: its parameters are derived from the node's
// fixed-point ones (QS8AddParams), and both microkernels are run on all 65536
// (a, b) pairs at prepare; the double kernel is chosen only when every result
// is equal. The fixed-point arithmetic rounds twice (each input term, then the
// sum), so it differs from the correctly rounded value only for sums within
// about 2^-19 of a rounding boundary, which few scale combinations meet among
// the 65536 pairs; those nodes keep the fixed-point kernel.
#pragma once

#include "kernels/dispatch.h"

namespace edgert {
namespace opt {

// True, with *out filled, when `fast` reproduces `exact` with parameters q on
// every input pair. Runs both kernels on 65536 values (tens of microseconds).
bool MakeExactQS8AddF64(const QS8AddParams& q, QS8VAddUkernelFn exact, QS8VAddF64UkernelFn fast,
                        QS8AddF64Params* out);
// The same for the single-precision kernel (QS8VAddF32UkernelFn), which the
// optimized ADD tries first: it is faster, and exact on fewer nodes.
bool MakeExactQS8AddF32(const QS8AddParams& q, QS8VAddUkernelFn exact, QS8VAddF32UkernelFn fast,
                        QS8AddF32Params* out);

}  // namespace opt
}  // namespace edgert
