// The reference op set, derived from runtime/op_table.def.
#include "kernels/reference/reference_kernels.h"
#include "runtime/op_resolver.h"

namespace edgert {

void AddReferenceKernels(OpResolver* resolver) {
#define OP(type, ...) resolver->Add(schema::OpType_##type, ref::Register_##type());
#include "runtime/op_table.def"
#undef OP
}

void AddDefaultKernels(OpResolver* resolver) {
  // Optimized implementations are chosen inside each op's prepare from the
  // CPU's features, so the default set registers one kernel per op.
  AddReferenceKernels(resolver);
}

}  // namespace edgert
