#include "runtime/op_resolver.h"

namespace edgert {

namespace {
const OpSpec kSpecs[] = {
#define OP(type, min_in, max_in, min_out, max_out, options) \
  {schema::OpType_##type, min_in, max_in, min_out, max_out, schema::OpOptions_##options},
#include "runtime/op_table.def"
#undef OP
};
}  // namespace

const OpSpec* FindOpSpec(int type) {
  for (const OpSpec& s : kSpecs)
    if (s.type == type) return &s;
  return nullptr;
}

const char* OpTypeName(int type) {
  if (type < schema::OpType_MIN || type > schema::OpType_MAX) return "UNKNOWN_OP";
  const char* n = schema::EnumNameOpType(static_cast<schema::OpType>(type));
  return (n && *n) ? n : "UNKNOWN_OP";
}

void OpResolver::Add(schema::OpType type, const OpKernel* kernel) {
  if (type >= schema::OpType_MIN && type <= schema::OpType_MAX) builtin_[type] = kernel;
}

void OpResolver::AddCustom(const std::string& name, const OpKernel* kernel) { custom_[name] = kernel; }

const OpKernel* OpResolver::Find(schema::OpType type, const char* custom_code) const {
  if (type == schema::OpType_CUSTOM) {
    if (custom_code == nullptr) return nullptr;
    auto it = custom_.find(custom_code);
    return it == custom_.end() ? nullptr : it->second;
  }
  if (type < schema::OpType_MIN || type > schema::OpType_MAX) return nullptr;
  return builtin_[type];
}

}  // namespace edgert
