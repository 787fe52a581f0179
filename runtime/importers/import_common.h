// Steps shared by the importers (TFLite, ONNX) once they have built a model.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "runtime/builder.h"
#include "runtime/importers/import_report.h"
#include "runtime/status.h"

namespace edgert {

// What an importer counted while emitting the .ert model.
struct ImportCounts {
  const std::map<std::string, int>* op_counts = nullptr;  // emitted edgert op name -> count
  int num_ops = 0;
  int num_constants = 0;
  uint64_t constant_bytes = 0;
};

// Finishes `builder` into `out`, fills the emitted-model fields of `report`
// (op_counts, num_ops, num_tensors, num_constants, constant_bytes) and, when
// `verify` is set, loads the result back: a model that does not validate is
// cleared from `out` and reported as "the imported model does not validate: ...".
// With `optimize`, the graph optimizer (runtime/importers/optimizer) runs on the
// result (it validates its output itself), report->optimizer says what it did
// and the emitted-model fields describe the optimized model.
Status FinishImportedModel(ModelBuilder* builder, const ImportCounts& counts, bool verify, bool optimize,
                           ImportReport* report, std::vector<uint8_t>* out);

// The frame of a public entry point (ImportTflite, ImportOnnx): rejects a null
// `ert_file` ("<entry>: ert_file is null") and an empty buffer ("the <ext>
// buffer is empty"), clears `ert_file`, resets `*report` (a local report when it
// is null) and runs `import` on it; std::bad_alloc becomes kOutOfMemory ("out of
// memory while importing the <ext> model") with `ert_file` cleared.
Status RunImport(const char* entry, const char* ext, const void* data, size_t size, std::vector<uint8_t>* ert_file,
                 ImportReport* report, const std::function<Status(ImportReport*)>& import);

}  // namespace edgert
