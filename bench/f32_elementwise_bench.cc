// Google Benchmark: f32 elementwise ops (activations and binary ops with the
// broadcast patterns of CNNs), reference kernel vs the optimized kernel (best
// ISA of this CPU, kernels/dispatch.h), one op through the interpreter.
// Counters: elements/s of output and GB/s of input + output traffic.
// Build: cmake --build build --target edgert_microbench
// Run:   build/bin/edgert_microbench --benchmark_filter=f32_elementwise
#include <benchmark/benchmark.h>

#include "bench/bench_util.h"

#include <random>
#include <string>

#include "bench/op_bench.h"
#include "kernels/dispatch.h"
#include "kernels/optimized/optimized_kernels.h"
#include "kernels/reference/reference_kernels.h"
#include "runtime/builder.h"
#include "runtime/interpreter.h"

using namespace edgert;

namespace {

// Inputs in [-4, 4).
std::vector<float> Random(size_t n, uint32_t seed) { return bench::Random(n, seed, -4.f, 4.f); }

struct OpCase {
  schema::OpType type;
  const char* name;
  const OpKernel* (*ref)();
  const OpKernel* (*opt)();
};

// range(0) indexes these.
const OpCase kOps[] = {
    {schema::OpType_RELU, "RELU", ref::Register_RELU, opt::Register_RELU},
    {schema::OpType_HARD_SWISH, "HARD_SWISH", ref::Register_HARD_SWISH, opt::Register_HARD_SWISH},
    {schema::OpType_LOGISTIC, "LOGISTIC", ref::Register_LOGISTIC, opt::Register_LOGISTIC},
    {schema::OpType_TANH, "TANH", ref::Register_TANH, opt::Register_TANH},
    {schema::OpType_EXP, "EXP", ref::Register_EXP, opt::Register_EXP},
    {schema::OpType_GELU, "GELU", ref::Register_GELU, opt::Register_GELU},
    {schema::OpType_ADD, "ADD", ref::Register_ADD, opt::Register_ADD},
    {schema::OpType_MUL, "MUL", ref::Register_MUL, opt::Register_MUL},
};
constexpr int kFirstBinary = 6;

// Broadcast shape of the second operand for binary ops (range(2)).
enum Pattern { kSame = 0, kPerChannel = 1, kScalar = 2 };

std::vector<uint8_t> BuildModel(const OpCase& op, int hw, int c, Pattern pattern) {
  ModelBuilder b;
  const std::vector<int32_t> shape = {1, hw, hw, c};
  const int x = b.AddInput("x", DType::kF32, shape);
  const int y = b.AddTensor("y", DType::kF32, shape);
  const bool binary = op.type == schema::OpType_ADD || op.type == schema::OpType_MUL;
  if (binary) {
    std::vector<int32_t> bs = shape;
    if (pattern == kPerChannel) bs = {1, 1, 1, c};
    if (pattern == kScalar) bs = {1};
    const int w = b.AddInput("w", DType::kF32, bs);
    b.AddOp(op.type, {x, w}, {y}, schema::OpOptions_BinaryOptions,
            schema::CreateBinaryOptions(b.fbb(), schema::Activation_NONE).Union());
  } else if (op.type == schema::OpType_GELU) {
    b.AddOp(op.type, {x}, {y}, schema::OpOptions_GeluOptions, schema::CreateGeluOptions(b.fbb(), false).Union());
  } else {
    b.AddOp(op.type, {x}, {y});
  }
  b.MarkOutput(y);
  return b.Finish();
}

// range(0): op index; range(1): 0 reference, 1 optimized; range(2): pattern
// (binary ops); range(3): hw; range(4): channels.
void BM_f32_elementwise(benchmark::State& state) {
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
  const bool binary = state.range(0) >= kFirstBinary;
  const double bytes = n * sizeof(float) * (binary && pattern == kSame ? 3 : 2);
  state.counters["elem/s"] = benchmark::Counter(n, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["GB/s"] = benchmark::Counter(bytes * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
  std::string label = std::string(op.name) + (optimized ? " optimized/" : " reference/") +
                      (optimized ? IsaLevelName(DetectedIsaLevel()) : "portable");
  if (binary) label += pattern == kSame ? " same-shape" : (pattern == kPerChannel ? " per-channel" : " scalar");
  state.SetLabel(label);
}

void Args(benchmark::internal::Benchmark* b) {
  b->ArgNames({"op", "opt", "bcast", "hw", "c"});
  for (int op = 0; op < static_cast<int>(sizeof(kOps) / sizeof(kOps[0])); ++op)
    for (int pattern : op >= kFirstBinary ? std::vector<int>{kSame, kPerChannel, kScalar} : std::vector<int>{kSame})
      for (int opt : {0, 1}) b->Args({op, opt, pattern, 64, 32});  // 128K floats: 512 KB per tensor
}
BENCHMARK(BM_f32_elementwise)->Apply(Args)->Unit(benchmark::kMicrosecond);

}  // namespace
