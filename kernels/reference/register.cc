// The reference op set, derived from runtime/op_table.def.
#include "kernels/optimized/optimized_kernels.h"
#include "kernels/reference/reference_kernels.h"
#include "runtime/op_resolver.h"

namespace edgert {

void AddReferenceKernels(OpResolver* resolver) {
#define OP(type, ...) resolver->Add(schema::OpType_##type, ref::Register_##type());
#include "runtime/op_table.def"
#undef OP
}

void AddDefaultKernels(OpResolver* resolver) {
  // The reference set, then the optimized kernels over it. Each optimized
  // kernel picks its microkernels in prepare from the ISA table
  // (kernels/dispatch.h) and runs the reference kernel on nodes it does not cover.
  AddReferenceKernels(resolver);
  resolver->Add(schema::OpType_CONV_2D, opt::Register_CONV_2D());
  resolver->Add(schema::OpType_DEPTHWISE_CONV_2D, opt::Register_DEPTHWISE_CONV_2D());
  resolver->Add(schema::OpType_FULLY_CONNECTED, opt::Register_FULLY_CONNECTED());
  resolver->Add(schema::OpType_BATCH_MATMUL, opt::Register_BATCH_MATMUL());
  resolver->Add(schema::OpType_ADD, opt::Register_ADD());
  resolver->Add(schema::OpType_SUB, opt::Register_SUB());
  resolver->Add(schema::OpType_MUL, opt::Register_MUL());
  resolver->Add(schema::OpType_DIV, opt::Register_DIV());
  resolver->Add(schema::OpType_MAXIMUM, opt::Register_MAXIMUM());
  resolver->Add(schema::OpType_MINIMUM, opt::Register_MINIMUM());
  resolver->Add(schema::OpType_RELU, opt::Register_RELU());
  resolver->Add(schema::OpType_RELU6, opt::Register_RELU6());
  resolver->Add(schema::OpType_LEAKY_RELU, opt::Register_LEAKY_RELU());
  resolver->Add(schema::OpType_HARD_SWISH, opt::Register_HARD_SWISH());
  resolver->Add(schema::OpType_LOGISTIC, opt::Register_LOGISTIC());
  resolver->Add(schema::OpType_TANH, opt::Register_TANH());
  resolver->Add(schema::OpType_EXP, opt::Register_EXP());
  resolver->Add(schema::OpType_GELU, opt::Register_GELU());
  resolver->Add(schema::OpType_PAD, opt::Register_PAD());
  resolver->Add(schema::OpType_MAX_POOL_2D, opt::Register_MAX_POOL_2D());
  resolver->Add(schema::OpType_AVERAGE_POOL_2D, opt::Register_AVERAGE_POOL_2D());
  resolver->Add(schema::OpType_MEAN, opt::Register_MEAN());
  resolver->Add(schema::OpType_RESIZE_BILINEAR, opt::Register_RESIZE_BILINEAR());
  resolver->Add(schema::OpType_TRANSPOSE, opt::Register_TRANSPOSE());
  resolver->Add(schema::OpType_TRANSPOSE_CONV, opt::Register_TRANSPOSE_CONV());
  resolver->Add(schema::OpType_SOFTMAX, opt::Register_SOFTMAX());
  resolver->Add(schema::OpType_LAYER_NORM, opt::Register_LAYER_NORM());
  resolver->Add(schema::OpType_CONCATENATION, opt::Register_CONCATENATION());
  resolver->Add(schema::OpType_QUANTIZE, opt::Register_QUANTIZE());
  resolver->Add(schema::OpType_DEQUANTIZE, opt::Register_DEQUANTIZE());
}

}  // namespace edgert
