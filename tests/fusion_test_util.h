// Shared by the graph-fusion tests (residual_fusion_test.cc,
// concat_elision_test.cc, activation_fusion_test.cc): deterministic values,
// and one prepare + invoke of a model with given interpreter options,
// returning its outputs and plan.
#pragma once

#include <catch2/catch.hpp>

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "kernels/optimized/optimized_kernels.h"
#include "runtime/interpreter.h"
#include "runtime/op_resolver.h"

namespace edgert {
namespace testing {

// n values in [-1, 1] in steps of 1/1000 from an LCG seeded with `seed`.
inline std::vector<float> FusionValues(size_t n, uint32_t seed) {
  std::vector<float> v(n);
  uint32_t s = seed;
  for (float& x : v) {
    s = s * 1664525u + 1013904223u;
    x = static_cast<float>(static_cast<int32_t>(s >> 9) % 2001 - 1000) / 1000.f;
  }
  return v;
}

struct FusionRun {
  std::vector<std::vector<float>> outputs;
  std::string plan;   // Interpreter::DescribePlan
  size_t steps = 0;   // steps invoke runs
};

// Prepares `file` with `options`, feeds input 0 with FusionValues(.., 9),
// invokes, and returns every (float) output.
inline FusionRun InvokeWith(const std::vector<uint8_t>& file, const InterpreterOptions& options) {
  std::shared_ptr<const Model> m;
  REQUIRE(Model::LoadBuffer(file.data(), file.size(), true, &m).ok());
  OpResolver resolver;
  AddDefaultKernels(&resolver);
  Interpreter interp(m, &resolver, options);
  const Status s = interp.Prepare();
  INFO(s.message());
  REQUIRE(s.ok());
  Tensor* x = interp.input(0);
  const std::vector<float> xs = FusionValues(static_cast<size_t>(x->NumElements()), 9);
  std::memcpy(x->data, xs.data(), x->bytes);
  REQUIRE(interp.Invoke().ok());
  FusionRun r;
  for (int i = 0; i < interp.num_outputs(); ++i) {
    const Tensor* o = interp.output(i);
    r.outputs.emplace_back(o->data_as<float>(), o->data_as<float>() + o->NumElements());
  }
  r.plan = interp.DescribePlan();
  r.steps = interp.plan().size();
  return r;
}

// InvokeWith on `threads` threads with one fusion option (`flag`, e.g.
// &InterpreterOptions::fuse_activations) set to `on` and the others at their
// defaults.
inline FusionRun InvokeFusion(const std::vector<uint8_t>& file, bool InterpreterOptions::*flag, bool on,
                              int threads) {
  InterpreterOptions options;
  options.*flag = on;
  options.num_threads = threads;
  return InvokeWith(file, options);
}

// Row sources of any size offered to the optimized convolutions (their
// default leaves results below opt::DepthwiseRowsMinBytes() separate), for
// this scope.
struct AnyRowSourceSize {
  AnyRowSourceSize() : previous(opt::SetDepthwiseRowsMinBytesForTesting(0)) {}
  ~AnyRowSourceSize() { opt::SetDepthwiseRowsMinBytesForTesting(previous); }
  AnyRowSourceSize(const AnyRowSourceSize&) = delete;
  AnyRowSourceSize& operator=(const AnyRowSourceSize&) = delete;
  size_t previous;
};

}  // namespace testing
}  // namespace edgert
