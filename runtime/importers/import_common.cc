#include "runtime/importers/import_common.h"

#include <memory>
#include <new>

#include "runtime/model.h"
#include "runtime/op_resolver.h"

namespace edgert {

namespace {

// The emitted-model fields of `report`, counted on the final model.
void CountModel(const Model& m, ImportReport* report) {
  report->op_counts.clear();
  for (const NodeInfo& n : m.nodes()) {
    const std::string name = n.type == schema::OpType_CUSTOM && n.op->custom_code() != nullptr
                                 ? "CUSTOM:" + n.op->custom_code()->str()
                                 : OpTypeName(n.type);
    ++report->op_counts[name];
  }
  report->num_ops = static_cast<int>(m.nodes().size());
  report->num_tensors = static_cast<int>(m.tensors().size());
  report->num_constants = 0;
  report->constant_bytes = 0;
  for (const TensorInfo& t : m.tensors()) {
    if (!t.is_constant()) continue;
    ++report->num_constants;
    report->constant_bytes += t.const_bytes;
  }
}

}  // namespace

Status FinishImportedModel(ModelBuilder* builder, const ImportCounts& counts, bool verify, bool optimize,
                           ImportReport* report, std::vector<uint8_t>* out) {
  *out = builder->Finish();
  if (counts.op_counts != nullptr) report->op_counts = *counts.op_counts;
  report->num_ops = counts.num_ops;
  report->num_tensors = builder->num_tensors();
  report->num_constants = counts.num_constants;
  report->constant_bytes = counts.constant_bytes;

  if (verify || optimize) {
    std::shared_ptr<const Model> check;
    Status s = Model::LoadBuffer(out->data(), out->size(), /*copy=*/false, &check);
    if (!s.ok()) {
      out->clear();
      return Status(s.code(), "the imported model does not validate: " + s.message());
    }
  }
  if (optimize) {
    std::vector<uint8_t> optimized;
    Status s = OptimizeModel(*out, OptimizeOptions(), &optimized, &report->optimizer);
    if (!s.ok()) {
      out->clear();
      return Status(s.code(), "graph optimizer: " + s.message() + " (--no-optimize skips it)");
    }
    *out = std::move(optimized);
    std::shared_ptr<const Model> m;
    EDGERT_RETURN_IF_ERROR(Model::LoadBuffer(out->data(), out->size(), /*copy=*/false, &m));
    CountModel(*m, report);
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
