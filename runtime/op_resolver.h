// Maps operator types (and custom op names) to kernels. Nothing registers
// itself: an application adds exactly the kernels it wants, or calls
// AddReferenceKernels / AddAllKernels for the full set.
#pragma once

#include <string>
#include <unordered_map>

#include "edgert_generated.h"
#include "runtime/kernel_api.h"

namespace edgert {

struct OpSpec {
  schema::OpType type;
  int min_inputs, max_inputs, min_outputs, max_outputs;  // max -1: unbounded
  schema::OpOptions options;
};

// Arity and options of a builtin op; nullptr for an unknown type or CUSTOM.
const OpSpec* FindOpSpec(int type);
const char* OpTypeName(int type);

class OpResolver {
 public:
  // Later calls override earlier ones, so an app can replace one kernel.
  void Add(schema::OpType type, const OpKernel* kernel);
  void AddCustom(const std::string& name, const OpKernel* kernel);
  // nullptr if nothing was added for this op.
  const OpKernel* Find(schema::OpType type, const char* custom_code) const;

 private:
  const OpKernel* builtin_[schema::OpType_MAX + 1] = {};
  std::unordered_map<std::string, const OpKernel*> custom_;
};

// Every portable reference kernel (kernels/reference).
void AddReferenceKernels(OpResolver* resolver);
// The default set an application gets from the C API: the best kernel for every op.
void AddDefaultKernels(OpResolver* resolver);

}  // namespace edgert
