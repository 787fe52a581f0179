// libFuzzer entry point for the importers: every input is imported as .tflite
// or .onnx (chosen by its content); results that import are loaded, prepared
// and invoked. Any crash, hang or sanitizer report is a bug.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "runtime/importers/onnx/onnx_importer.h"
#include "runtime/importers/tflite/tflite_importer.h"
#include "runtime/interpreter.h"
#include "runtime/model.h"
#include "runtime/op_resolver.h"
#include "tools/inputs.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<uint8_t> ert;
  edgert::ImportReport report;
  edgert::Status s;
  if (edgert::IsTfliteBuffer(data, size)) {
    edgert::TfliteImportOptions options;
    options.max_dense_bytes = 16u << 20;
    s = edgert::ImportTflite(data, size, options, &ert, &report);
  } else {
    s = edgert::ImportOnnx(data, size, edgert::OnnxImportOptions(), &ert, &report);
  }
  if (!s.ok()) return 0;
  std::shared_ptr<const edgert::Model> model;
  if (!edgert::Model::LoadBuffer(ert.data(), ert.size(), /*copy=*/false, &model).ok()) return 0;
  edgert::OpResolver resolver;
  edgert::AddDefaultKernels(&resolver);
  edgert::InterpreterOptions options;
  options.max_arena_bytes = 64u << 20;
  edgert::Interpreter interp(model, &resolver, options);
  if (!interp.Prepare().ok()) return 0;
  edgert::FeedInputs(interp, {});
  (void)interp.Invoke();
  return 0;
}
