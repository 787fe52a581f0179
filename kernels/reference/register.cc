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
}

}  // namespace edgert
