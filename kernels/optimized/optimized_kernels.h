// Optimized kernels (kernels/optimized/<op>.cc): each runs the reference
// kernel's prepare (validation, shape inference), then picks a microkernel from
// the ISA table (kernels/dispatch.h) and packs constant weights once; nodes it
// does not cover run the reference kernel's eval. The elementwise ones share
// kernels/optimized/elementwise.h. They pass the same tests as
// the reference kernels (tests/kernels/).
#pragma once

#include "runtime/kernel_api.h"

namespace edgert {
namespace opt {

const OpKernel* Register_CONV_2D();
// The least bytes of a depthwise result that a 1x1 CONV_2D computes itself
// (a quarter of the core's L2, else 512 KB; conv_2d.cc); twice that for a 1x1
// result that a DEPTHWISE_CONV_2D computes itself. The setter replaces
// it for nodes prepared from now on and returns the previous value (SIZE_MAX:
// back to the default). For tests.
size_t DepthwiseRowsMinBytes();
size_t SetDepthwiseRowsMinBytesForTesting(size_t bytes);
const OpKernel* Register_DEPTHWISE_CONV_2D();
const OpKernel* Register_FULLY_CONNECTED();
const OpKernel* Register_BATCH_MATMUL();
const OpKernel* Register_ADD();
const OpKernel* Register_SUB();
const OpKernel* Register_MUL();
const OpKernel* Register_DIV();
const OpKernel* Register_MAXIMUM();
const OpKernel* Register_MINIMUM();
const OpKernel* Register_RELU();
const OpKernel* Register_RELU6();
const OpKernel* Register_LEAKY_RELU();
const OpKernel* Register_HARD_SWISH();
const OpKernel* Register_LOGISTIC();
const OpKernel* Register_TANH();
const OpKernel* Register_EXP();
const OpKernel* Register_GELU();
const OpKernel* Register_PAD();
const OpKernel* Register_MAX_POOL_2D();
const OpKernel* Register_AVERAGE_POOL_2D();
const OpKernel* Register_MEAN();
const OpKernel* Register_RESIZE_BILINEAR();
const OpKernel* Register_TRANSPOSE();
const OpKernel* Register_TRANSPOSE_CONV();
const OpKernel* Register_SOFTMAX();
const OpKernel* Register_LAYER_NORM();
// Quantized data movement and conversions (kernels/optimized/{concatenation,quantize,dequantize}.cc).
const OpKernel* Register_CONCATENATION();
const OpKernel* Register_QUANTIZE();
const OpKernel* Register_DEQUANTIZE();

}  // namespace opt
}  // namespace edgert
