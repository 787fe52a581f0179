// Optimized kernels (kernels/optimized/<op>.cc): each runs the reference
// kernel's prepare (validation, shape inference), then picks a microkernel from
// the ISA table (kernels/dispatch.h) and packs constant weights once; nodes it
// does not cover run the reference kernel's eval. They pass the same tests as
// the reference kernels (tests/kernels/).
#pragma once

#include "runtime/kernel_api.h"

namespace edgert {
namespace opt {

const OpKernel* Register_CONV_2D();
const OpKernel* Register_DEPTHWISE_CONV_2D();

}  // namespace opt
}  // namespace edgert
