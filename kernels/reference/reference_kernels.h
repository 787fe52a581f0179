// Portable reference kernels: one op per file (kernels/reference/<op>.cc),
// each exporting its registration. The list is derived from runtime/op_table.def.
#pragma once

#include "runtime/kernel_api.h"

namespace edgert {
namespace ref {
#define OP(type, ...) const OpKernel* Register_##type();
#include "runtime/op_table.def"
#undef OP
}  // namespace ref
}  // namespace edgert
