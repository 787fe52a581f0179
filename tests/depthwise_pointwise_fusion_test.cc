// Depthwise convolutions computed inside the 1x1 convolution after them
// (InterpreterOptions::fuse_depthwise_pointwise, KernelContext::OfferRows /
// TakeRowSource): which pairs fuse, and that fused graphs give the bytes of
// unfused ones for strides 1 and 2, batches, odd sizes, channel counts on
// both sides of the cached row pointers (64), rows wider than the row buffer,
// with the 1x1 convolution's own fused residual ADD and activation, at every
// ISA level and on 1 to 3 threads; and the size from which they fuse.
#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <vector>

#include "kernels/dispatch.h"
#include "kernels/optimized/optimized_kernels.h"
#include "runtime/builder.h"
#include "runtime/cpu_features.h"
#include "runtime/interpreter.h"
#include "runtime/op_resolver.h"
#include "tests/fusion_test_util.h"
#include "tests/kernels/kernel_test_util.h"
#include "tests/kernels/ukernel_test_util.h"

using namespace edgert;
using edgert::testing::FusionValues;
using edgert::testing::ScopedIsaLevel;
using edgert::testing::SupportedMicrokernelLevels;

namespace {

// x [n,h,w,c] -> DEPTHWISE_CONV_2D 3x3 (stride, RELU6) -> t -> [HARD_SWISH ->]
// CONV_2D 1x1 (c -> o, RELU) -> y [-> ADD x -> z] (the output). `residual`
// needs stride 1 and o == c. `t_output`: t is a model output too;
// `s_output`: so is the HARD_SWISH's result.
struct Graph {
  int n = 1, h = 13, w = 11, c = 24, o = 40, stride = 1;
  bool residual = false, hard_swish = false, t_output = false, s_output = false;
};

std::vector<uint8_t> Build(const Graph& g) {
  ModelBuilder b;
  const int x = b.AddInput("x", DType::kF32, {g.n, g.h, g.w, g.c});
  const int oh = (g.h + g.stride - 1) / g.stride, ow = (g.w + g.stride - 1) / g.stride;
  const int dw_w = b.AddConstant<float>("dw_w", DType::kF32, {1, 3, 3, g.c}, FusionValues(9 * g.c, 1));
  const int dw_b = b.AddConstant<float>("dw_b", DType::kF32, {g.c}, FusionValues(g.c, 2));
  const int t = b.AddTensor("t", DType::kF32, {g.n, oh, ow, g.c});
  b.AddOp(schema::OpType_DEPTHWISE_CONV_2D, {x, dw_w, dw_b}, {t}, schema::OpOptions_DepthwiseConv2DOptions,
          schema::CreateDepthwiseConv2DOptions(b.fbb(), schema::Padding_SAME, g.stride, g.stride, 1, 1,
                                               schema::Activation_RELU6)
              .Union());
  int pw_in = t;
  if (g.hard_swish) {
    pw_in = b.AddTensor("s", DType::kF32, {g.n, oh, ow, g.c});
    b.AddOp(schema::OpType_HARD_SWISH, {t}, {pw_in});
  }
  const int pw_w = b.AddConstant<float>("pw_w", DType::kF32, {g.o, 1, 1, g.c}, FusionValues(g.o * g.c, 3));
  const int pw_b = b.AddConstant<float>("pw_b", DType::kF32, {g.o}, FusionValues(g.o, 4));
  const int y = b.AddTensor("y", DType::kF32, {g.n, oh, ow, g.o});
  b.AddOp(schema::OpType_CONV_2D, {pw_in, pw_w, pw_b}, {y}, schema::OpOptions_Conv2DOptions,
          schema::CreateConv2DOptions(b.fbb(), schema::Padding_VALID, 1, 1, 1, 1, schema::Activation_RELU).Union());
  if (g.residual) {
    const int z = b.AddTensor("z", DType::kF32, {g.n, oh, ow, g.o});
    b.AddOp(schema::OpType_ADD, {y, x}, {z}, schema::OpOptions_BinaryOptions,
            schema::CreateBinaryOptions(b.fbb(), schema::Activation_NONE).Union());
    b.MarkOutput(z);
  } else {
    b.MarkOutput(y);
  }
  if (g.t_output) b.MarkOutput(t);
  if (g.s_output && g.hard_swish) b.MarkOutput(pw_in);
  return b.Finish();
}

using Run = edgert::testing::FusionRun;

Run Invoke(const std::vector<uint8_t>& file, bool fuse, int threads) {
  return edgert::testing::InvokeFusion(file, &InterpreterOptions::fuse_depthwise_pointwise, fuse, threads);
}

bool Fused(const Run& r) { return r.plan.find("computed inside") != std::string::npos; }

using AnySize = edgert::testing::AnyRowSourceSize;

}  // namespace

TEST_CASE("a depthwise convolution runs inside the 1x1 convolution after it, with the unfused values",
          "[interpreter][fusion]") {
  const AnySize any_size;
  std::vector<Graph> graphs;
  graphs.push_back(Graph{});
  graphs.push_back(Graph{2, 17, 9, 16, 8, 2});       // stride 2, two images
  graphs.push_back(Graph{1, 7, 5, 96, 33, 1});       // more than 64 channels: row pointers per worker
  graphs.push_back(Graph{1, 4, 220, 64, 16, 1});     // a row of 55 KB: one row per tile
  graphs.push_back(Graph{1, 9, 1, 8, 12, 1});        // one pixel per row
  Graph residual{1, 10, 12, 32, 32, 1};
  residual.residual = true;  // the 1x1 convolution also takes the ADD after it
  graphs.push_back(residual);
  Graph activation{1, 8, 15, 20, 24, 2};
  activation.hard_swish = true;  // the depthwise takes the HARD_SWISH after it, and computes it in its rows
  graphs.push_back(activation);
  for (IsaLevel level : SupportedMicrokernelLevels()) {
    ScopedIsaLevel scope(level);
    const bool optimized = GetKernelIsa().f32_dwconv.fn != nullptr && GetKernelIsa().f32_gemm.fn != nullptr;
    for (const Graph& g : graphs) {
      INFO("ISA " << GetKernelIsa().name << ", " << g.n << "x" << g.h << "x" << g.w << "x" << g.c << " -> " << g.o
                  << " stride " << g.stride << (g.residual ? " + residual" : ""));
      const std::vector<uint8_t> file = Build(g);
      const Run plain = Invoke(file, false, 1);
      CHECK_FALSE(Fused(plain));
      for (int threads : {1, 2, 3}) {
        INFO("threads " << threads);
        const Run fused = Invoke(file, true, threads);
        INFO(fused.plan);
        CHECK(Fused(fused) == optimized);
        CHECK(fused.steps == plain.steps - (optimized ? 1 : 0));
        REQUIRE(fused.outputs.size() == 1);
        CHECK(fused.outputs[0] == plain.outputs[0]);  // bit for bit
        if (g.residual && optimized) CHECK(fused.plan.find("(+ ADD") != std::string::npos);
      }
    }
  }
}

TEST_CASE("a depthwise convolution stays separate when its result is read elsewhere or transformed",
          "[interpreter][fusion]") {
  {
    // By default only results of at least DepthwiseRowsMinBytes() (a quarter
    // of the L2, else 512 KB): 24 x w x 256 floats are 24 KB per column w.
    const IsaLevel level = DetectedIsaLevel();
    ScopedIsaLevel scope(level);
    const size_t least = opt::DepthwiseRowsMinBytes();
    INFO("least " << least << " bytes, L2 " << GetCpuFeatures().l2_bytes_per_processor);
    CHECK(least == (GetCpuFeatures().l2_bytes_per_processor > 0 ? GetCpuFeatures().l2_bytes_per_processor / 4
                                                                 : size_t{512} << 10));
    const size_t column = size_t{24} * 256 * sizeof(float);
    const int above = static_cast<int>(least / column) + 1, below = static_cast<int>((least - 1) / column);
    if (GetKernelIsa().f32_dwconv.fn != nullptr && GetKernelIsa().f32_gemm.fn != nullptr && above <= 512) {
      CHECK(Fused(Invoke(Build(Graph{1, 24, above, 256, 16, 1}), true, 1)));
      if (below >= 1) CHECK_FALSE(Fused(Invoke(Build(Graph{1, 24, below, 256, 16, 1}), true, 1)));
    }
  }
  const AnySize any_size;
  Graph output;
  output.t_output = true;  // the depthwise result is a model output too
  Graph activation_output;  // the fused activation's result is a model output too
  activation_output.hard_swish = true;
  activation_output.s_output = true;
  Graph strided_pointwise;  // (fuses at the optimized levels, tested above)
  strided_pointwise.stride = 2;
  for (const Graph& g : {output, activation_output}) {
    const std::vector<uint8_t> file = Build(g);
    const Run plain = Invoke(file, false, 1);
    const Run fused = Invoke(file, true, 2);
    INFO(fused.plan);
    CHECK_FALSE(Fused(fused));
    CHECK(fused.outputs == plain.outputs);
  }
  // A HARD_SWISH between that is not fused into the depthwise (activation
  // fusion off): it runs, so the depthwise runs too.
  Graph activation;
  activation.hard_swish = true;
  const std::vector<uint8_t> act_file = Build(activation);
  InterpreterOptions no_activations;
  no_activations.fuse_activations = false;
  no_activations.num_threads = 2;
  const Run separate = edgert::testing::InvokeWith(act_file, no_activations);
  INFO(separate.plan);
  CHECK_FALSE(Fused(separate));
  CHECK(separate.outputs == Invoke(act_file, false, 1).outputs);
  // Off at the reference level (no optimized depthwise kernel offers rows).
  ScopedIsaLevel scope(IsaLevel::kReference);
  const std::vector<uint8_t> file = Build(strided_pointwise);
  const Run fused = Invoke(file, true, 2);
  INFO(fused.plan);
  CHECK_FALSE(Fused(fused));
  CHECK(fused.outputs == Invoke(file, false, 1).outputs);
}

TEST_CASE("a depthwise result computed inside the 1x1 convolution gets no arena space", "[interpreter][fusion]") {
  // x [1,24,24,256] -> depthwise -> t (576 KB) -> 1x1 -> y [1,24,24,16]: t
  // and x are live together unfused; fused, only x (and the 1x1's output).
  ScopedIsaLevel scope(DetectedIsaLevel());
  if (GetKernelIsa().f32_dwconv.fn == nullptr || GetKernelIsa().f32_gemm.fn == nullptr) return;
  const AnySize any_size;  // whatever this CPU's L2
  const std::vector<uint8_t> file = Build(Graph{1, 24, 24, 256, 16, 1});
  std::shared_ptr<const Model> m;
  REQUIRE(Model::LoadBuffer(file.data(), file.size(), true, &m).ok());
  OpResolver resolver;
  AddDefaultKernels(&resolver);
  size_t arena[2] = {0, 0};
  for (int fuse = 0; fuse < 2; ++fuse) {
    InterpreterOptions options;
    options.fuse_depthwise_pointwise = fuse != 0;
    Interpreter interp(m, &resolver, options);
    REQUIRE(interp.Prepare().ok());
    INFO(interp.DescribePlan());
    CHECK((interp.DescribePlan().find("computed inside") != std::string::npos) == (fuse != 0));
    arena[fuse] = interp.memory().arena_bytes;
  }
  const size_t t_bytes = size_t{24} * 24 * 256 * sizeof(float);
  CHECK(arena[1] + t_bytes / 2 < arena[0]);  // (the fused 1x1 asks for its row buffers)
}
