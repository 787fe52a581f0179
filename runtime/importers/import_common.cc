#include "runtime/importers/import_common.h"

#include <memory>
#include <new>

#include "runtime/model.h"

namespace edgert {

Status FinishImportedModel(ModelBuilder* builder, const ImportCounts& counts, bool verify, ImportReport* report,
                           std::vector<uint8_t>* out) {
  *out = builder->Finish();
  if (counts.op_counts != nullptr) report->op_counts = *counts.op_counts;
  report->num_ops = counts.num_ops;
  report->num_tensors = builder->num_tensors();
  report->num_constants = counts.num_constants;
  report->constant_bytes = counts.constant_bytes;

  if (verify) {
    std::shared_ptr<const Model> check;
    Status s = Model::LoadBuffer(out->data(), out->size(), /*copy=*/false, &check);
    if (!s.ok()) {
      out->clear();
      return Status(s.code(), "the imported model does not validate: " + s.message());
    }
  }
  return Status::Ok();
}

Status RunImport(const char* entry, const char* ext, const void* data, size_t size, std::vector<uint8_t>* ert_file,
                 ImportReport* report, const std::function<Status(ImportReport*)>& import) {
  if (ert_file == nullptr) return Status::Error(StatusCode::kInvalidArgument, "%s: ert_file is null", entry);
  ert_file->clear();
  if (data == nullptr || size == 0) return Status::Error(StatusCode::kInvalidArgument, "the %s buffer is empty", ext);
  ImportReport local;
  ImportReport* r = report != nullptr ? report : &local;
  *r = ImportReport();
  try {
    return import(r);
  } catch (const std::bad_alloc&) {
    ert_file->clear();
    return Status::Error(StatusCode::kOutOfMemory, "out of memory while importing the %s model", ext);
  }
}

}  // namespace edgert
