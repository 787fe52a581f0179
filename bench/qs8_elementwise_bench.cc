// Google Benchmark: int8 ADD / SUB / MUL with the broadcast patterns of CNNs
// (same shape, per-channel, scalar), reference kernel vs the optimized kernel
// (best ISA of this CPU, kernels/dispatch.h), one op through the interpreter.
// Counters: elements/s of output.
// Build: cmake --build build --target edgert_microbench
// Run:   build/bin/edgert_microbench --benchmark_filter=qs8_elementwise
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "bench/op_bench.h"
#include "kernels/dispatch.h"
#include "kernels/optimized/optimized_kernels.h"
#include "kernels/reference/reference_kernels.h"
#include "runtime/builder.h"
#include "runtime/interpreter.h"

using namespace edgert;

namespace {

struct OpCase {
  schema::OpType type;
  const char* name;
  const OpKernel* (*ref)();
  const OpKernel* (*opt)();
};

// range(0) indexes these.
const OpCase kOps[] = {
    {schema::OpType_ADD, "ADD", ref::Register_ADD, opt::Register_ADD},
    {schema::OpType_SUB, "SUB", ref::Register_SUB, opt::Register_SUB},
    {schema::OpType_MUL, "MUL", ref::Register_MUL, opt::Register_MUL},
};

// kSameUneven: same shapes, with scales of no simple ratio (as calibration
// gives; the simple ratios of the others make the int8 ADD keep its
// fixed-point kernel, kernels/optimized/qs8_add_f64.h).
enum Pattern { kSame = 0, kPerChannel = 1, kScalar = 2, kSameUneven = 3 };

std::vector<uint8_t> BuildModel(const OpCase& op, int hw, int c, Pattern pattern) {
  ModelBuilder b;
  const std::vector<int32_t> shape = {1, hw, hw, c};
  std::vector<int32_t> ws = shape;
  if (pattern == kPerChannel) ws = {1, 1, 1, c};
  if (pattern == kScalar) ws = {1};
  const bool uneven = pattern == kSameUneven;
  const int x = b.AddInput("x", DType::kI8, shape, QuantSpec::PerTensor(uneven ? 0.0473f : 0.05f, -3));
  const int w = b.AddInput("w", DType::kI8, ws, QuantSpec::PerTensor(uneven ? 0.0219f : 0.02f, 7));
  const float out_scale = op.type == schema::OpType_MUL ? 0.06f : 0.1f;
  const int y = b.AddTensor("y", DType::kI8, shape, QuantSpec::PerTensor(uneven ? out_scale * 0.913f : out_scale, 2));
  b.AddOp(op.type, {x, w}, {y}, schema::OpOptions_BinaryOptions,
          schema::CreateBinaryOptions(b.fbb(), schema::Activation_NONE).Union());
  b.MarkOutput(y);
  return b.Finish();
}

// range(0): op index; range(1): 0 reference, 1 optimized; range(2): pattern;
// range(3): hw; range(4): channels.
void BM_qs8_elementwise(benchmark::State& state) {
  const OpCase& op = kOps[state.range(0)];
  const bool optimized = state.range(1) != 0;
  const Pattern pattern = static_cast<Pattern>(state.range(2));
  const int hw = static_cast<int>(state.range(3)), c = static_cast<int>(state.range(4));
  const std::vector<uint8_t> file = BuildModel(op, hw, c, pattern);
  OpResolver resolver;
  AddReferenceKernels(&resolver);
  if (optimized) resolver.Add(op.type, op.opt());
  bench::PreparedModel prepared(state, file, &resolver);
  if (!prepared.ok()) return;
  Interpreter& interp = prepared.interp();
  for (auto _ : state) benchmark::DoNotOptimize(interp.Invoke());
  const double n = static_cast<double>(hw) * hw * c;
  state.counters["elem/s"] = benchmark::Counter(n, benchmark::Counter::kIsIterationInvariantRate);
  std::string label = std::string(op.name) + (optimized ? " optimized/" : " reference/") +
                      (optimized ? IsaLevelName(DetectedIsaLevel()) : "portable");
  const char* const kPatternNames[] = {" same-shape", " per-channel", " scalar", " same-shape uneven scales"};
  label += kPatternNames[pattern];
  state.SetLabel(label);
}

void Args(benchmark::internal::Benchmark* b) {
  b->ArgNames({"op", "opt", "bcast", "hw", "c"});
  for (int op = 0; op < static_cast<int>(sizeof(kOps) / sizeof(kOps[0])); ++op)
    for (int pattern : {kSame, kPerChannel, kScalar, kSameUneven})
      for (int opt : {0, 1}) b->Args({op, opt, pattern, 128, 16});  // 256 KB per tensor, 16-channel rows
}
BENCHMARK(BM_qs8_elementwise)->Apply(Args)->Unit(benchmark::kMicrosecond);

}  // namespace
