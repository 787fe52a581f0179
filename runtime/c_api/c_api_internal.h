// Definitions behind the C API's opaque handles, shared by the C API
// (edgert_c_api.cc) and the importer C API (runtime/importers/c_api_import.cc).
// Not a public header: the layout may change with any build.
#pragma once

#include <memory>

#include "runtime/model.h"

struct ert_model {
  std::shared_ptr<const edgert::Model> model;
};
