// Shared by the op benchmarks: a model built in memory (runtime/builder.h),
// loaded and prepared through the interpreter at the CPU's own ISA level, with
// deterministic inputs fed, ready for Invoke() in the timed loop.
#pragma once

#include <benchmark/benchmark.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "kernels/dispatch.h"
#include "runtime/interpreter.h"
#include "tools/inputs.h"

namespace edgert {
namespace bench {

class PreparedModel {
 public:
  // Loads `file` and prepares it with `resolver` (which must outlive this
  // object) and `options`, the kernels choosing their microkernels for the
  // detected ISA level (a level forced by an earlier benchmark does not
  // leak in). On failure the benchmark is marked skipped with the reason and
  // ok() is false.
  PreparedModel(benchmark::State& state, const std::vector<uint8_t>& file, OpResolver* resolver,
                const InterpreterOptions& options = InterpreterOptions()) {
    if (!Model::LoadBuffer(file.data(), file.size(), true, &model_).ok()) {
      state.SkipWithError("load failed");
      return;
    }
    const IsaLevel previous = SetKernelIsaLevelForTesting(DetectedIsaLevel());
    interp_.reset(new Interpreter(model_, resolver, options));
    const bool prepared = interp_->Prepare().ok();
    SetKernelIsaLevelForTesting(previous);
    if (!prepared) {
      state.SkipWithError("prepare failed");
      interp_.reset();
      return;
    }
    FeedInputs(*interp_, {});
  }

  bool ok() const { return interp_ != nullptr; }
  Interpreter& interp() { return *interp_; }

 private:
  std::shared_ptr<const Model> model_;
  std::unique_ptr<Interpreter> interp_;
};

}  // namespace bench
}  // namespace edgert
