// libFuzzer entry point: every input is loaded as a model; valid ones are
// prepared and invoked. Any crash, hang or sanitizer report is a bug.
#include <cstddef>
#include <cstdint>

#include "runtime/interpreter.h"
#include "runtime/model.h"
#include "runtime/op_resolver.h"
#include "tools/inputs.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::shared_ptr<const edgert::Model> model;
  if (!edgert::Model::LoadBuffer(data, size, /*copy=*/true, &model).ok()) return 0;
  edgert::OpResolver resolver;
  edgert::AddDefaultKernels(&resolver);
  edgert::InterpreterOptions options;
  options.max_arena_bytes = 64u << 20;  // explore structure, not memory
  edgert::Interpreter interp(model, &resolver, options);
  if (!interp.Prepare().ok()) return 0;
  edgert::FeedInputs(interp, {});
  (void)interp.Invoke();
  return 0;
}
