// 1x1 convolutions computed inside the depthwise convolution after them
// (InterpreterOptions::fuse_depthwise_pointwise, KernelContext::OfferRows /
// TakeRowSource, the other way round from depthwise_pointwise_fusion_test.cc):
// which pairs fuse, and that fused graphs give the bytes of unfused ones for
// strides 1 and 2, dilation, 5x5 and VALID windows, batches, rows wider than
// the row buffer (one-row steps keeping rows from step to step), the 1x1
// convolution's fused activation and the depthwise convolution's residual
// ADD, at every ISA level and on 1 to 3 threads; the chain 1x1 -> depthwise
// -> 1x1; and the size from which they fuse.
#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <vector>

#include "kernels/dispatch.h"
#include "kernels/optimized/optimized_kernels.h"
#include "runtime/builder.h"
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

// x [n,h,w,c] -> CONV_2D 1x1 (c -> e, RELU6) -> t [-> HARD_SWISH -> s] ->
// DEPTHWISE_CONV_2D k x k (stride, dilation, padding; RELU) -> y [-> ADD x
// (needs stride 1, e == c) | -> CONV_2D 1x1 (e -> 8) -> z]. `t_output`: t
// is a model output too.
struct Graph {
  int n = 1, h = 13, w = 11, c = 12, e = 24, stride = 1, dilation = 1, k = 3;
  schema::Padding padding = schema::Padding_SAME;
  bool hard_swish = false, residual = false, pointwise_after = false, t_output = false;
};

std::vector<uint8_t> Build(const Graph& g) {
  ModelBuilder b;
  const int x = b.AddInput("x", DType::kF32, {g.n, g.h, g.w, g.c});
  const int pw_w = b.AddConstant<float>("pw_w", DType::kF32, {g.e, 1, 1, g.c}, FusionValues(g.e * g.c, 3));
  const int pw_b = b.AddConstant<float>("pw_b", DType::kF32, {g.e}, FusionValues(g.e, 4));
  const int t = b.AddTensor("t", DType::kF32, {g.n, g.h, g.w, g.e});
  b.AddOp(schema::OpType_CONV_2D, {x, pw_w, pw_b}, {t}, schema::OpOptions_Conv2DOptions,
          schema::CreateConv2DOptions(b.fbb(), schema::Padding_VALID, 1, 1, 1, 1, schema::Activation_RELU6).Union());
  int dw_in = t;
  if (g.hard_swish) {
    dw_in = b.AddTensor("s", DType::kF32, {g.n, g.h, g.w, g.e});
    b.AddOp(schema::OpType_HARD_SWISH, {t}, {dw_in});
  }
  const int span = (g.k - 1) * g.dilation + 1;
  const int oh = g.padding == schema::Padding_SAME ? (g.h + g.stride - 1) / g.stride : (g.h - span) / g.stride + 1;
  const int ow = g.padding == schema::Padding_SAME ? (g.w + g.stride - 1) / g.stride : (g.w - span) / g.stride + 1;
  const int dw_w = b.AddConstant<float>("dw_w", DType::kF32, {1, g.k, g.k, g.e}, FusionValues(g.k * g.k * g.e, 1));
  const int dw_b = b.AddConstant<float>("dw_b", DType::kF32, {g.e}, FusionValues(g.e, 2));
  const int y = b.AddTensor("y", DType::kF32, {g.n, oh, ow, g.e});
  b.AddOp(schema::OpType_DEPTHWISE_CONV_2D, {dw_in, dw_w, dw_b}, {y}, schema::OpOptions_DepthwiseConv2DOptions,
          schema::CreateDepthwiseConv2DOptions(b.fbb(), g.padding, g.stride, g.stride, g.dilation, g.dilation,
                                               schema::Activation_RELU)
              .Union());
  if (g.residual) {
    const int z = b.AddTensor("z", DType::kF32, {g.n, oh, ow, g.e});
    b.AddOp(schema::OpType_ADD, {y, x}, {z}, schema::OpOptions_BinaryOptions,
            schema::CreateBinaryOptions(b.fbb(), schema::Activation_NONE).Union());
    b.MarkOutput(z);
  } else if (g.pointwise_after) {
    const int p2_w = b.AddConstant<float>("p2_w", DType::kF32, {8, 1, 1, g.e}, FusionValues(8 * g.e, 5));
    const int z = b.AddTensor("z", DType::kF32, {g.n, oh, ow, 8});
    b.AddOp(schema::OpType_CONV_2D, {y, p2_w, -1}, {z}, schema::OpOptions_Conv2DOptions,
            schema::CreateConv2DOptions(b.fbb(), schema::Padding_VALID, 1, 1, 1, 1, schema::Activation_NONE).Union());
    b.MarkOutput(z);
  } else {
    b.MarkOutput(y);
  }
  if (g.t_output) b.MarkOutput(t);
  return b.Finish();
}

using Run = edgert::testing::FusionRun;

Run Invoke(const std::vector<uint8_t>& file, bool fuse, int threads) {
  return edgert::testing::InvokeFusion(file, &InterpreterOptions::fuse_depthwise_pointwise, fuse, threads);
}

// Whether the depthwise convolution computes the 1x1 convolution's rows.
bool Fused(const Run& r) { return r.plan.find("(rows of CONV_2D") != std::string::npos; }

using AnySize = edgert::testing::AnyRowSourceSize;

bool Optimized() { return GetKernelIsa().f32_dwconv.fn != nullptr && GetKernelIsa().f32_gemm.fn != nullptr; }

}  // namespace

TEST_CASE("a 1x1 convolution runs inside the depthwise convolution after it, with the unfused values",
          "[interpreter][fusion]") {
  const AnySize any_size;
  std::vector<Graph> graphs;
  graphs.push_back(Graph{});
  Graph strided{2, 17, 9, 16, 8, 2};  // stride 2, two images (steps never span them)
  graphs.push_back(strided);
  Graph dilated{1, 12, 10, 4, 20, 1, 2};  // dilation 2: 5 input rows per output row
  graphs.push_back(dilated);
  Graph valid{1, 11, 14, 8, 16, 2, 1, 5};  // 5x5 VALID, stride 2
  valid.padding = schema::Padding_VALID;
  graphs.push_back(valid);
  // Rows of 200 x 64 floats (51 KB): steps of one output row, each keeping
  // the rows the step before computed.
  graphs.push_back(Graph{1, 9, 200, 8, 64, 1});
  graphs.push_back(Graph{1, 9, 200, 8, 64, 2});
  Graph activation{1, 8, 15, 20, 24, 2};
  activation.hard_swish = true;  // the 1x1 takes the HARD_SWISH after it and computes it in its rows
  graphs.push_back(activation);
  Graph residual{1, 10, 12, 16, 16, 1};
  residual.residual = true;  // the depthwise takes the ADD after it (and offers no rows)
  graphs.push_back(residual);
  graphs.push_back(Graph{1, 1, 7, 8, 16, 1});  // one row
  for (IsaLevel level : SupportedMicrokernelLevels()) {
    ScopedIsaLevel scope(level);
    const bool optimized = Optimized();
    for (const Graph& g : graphs) {
      INFO("ISA " << GetKernelIsa().name << ", " << g.n << "x" << g.h << "x" << g.w << "x" << g.c << " -> " << g.e
                  << " " << g.k << "x" << g.k << " stride " << g.stride << " dilation " << g.dilation);
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
        if (g.hard_swish && optimized) CHECK(fused.plan.find("+ HARD_SWISH") != std::string::npos);
      }
    }
  }
}

TEST_CASE("in a 1x1 -> depthwise -> 1x1 chain the depthwise takes the side that saves more",
          "[interpreter][fusion]") {
  const AnySize any_size;
  ScopedIsaLevel scope(DetectedIsaLevel());
  if (!Optimized()) return;
  // Stride 1 (input and output the same size): the depthwise rows go into the
  // second 1x1 convolution; stride 2 (the input is 4x the output): the first
  // 1x1 convolution's rows go into the depthwise.
  for (int stride : {1, 2}) {
    Graph g{1, 12, 16, 8, 32, stride};
    g.pointwise_after = true;
    INFO("stride " << stride);
    const std::vector<uint8_t> file = Build(g);
    const Run fused = Invoke(file, true, 2);
    INFO(fused.plan);
    CHECK(Fused(fused) == (stride == 2));
    CHECK((fused.plan.find("(rows of DEPTHWISE_CONV_2D") != std::string::npos) == (stride == 1));
    CHECK(fused.outputs == Invoke(file, false, 1).outputs);
  }
}

TEST_CASE("a 1x1 convolution stays separate when its result is read elsewhere or small", "[interpreter][fusion]") {
  {
    // By default from 2 * DepthwiseRowsMinBytes() of 1x1 result: 64 channels
    // x 16 rows are 4 KB per column.
    ScopedIsaLevel scope(DetectedIsaLevel());
    if (Optimized()) {
      const size_t least = 2 * opt::DepthwiseRowsMinBytes();
      const size_t column = size_t{64} * 16 * sizeof(float);
      const int above = static_cast<int>(least / column) + 1, below = static_cast<int>((least - 1) / column);
      INFO("least " << least << " bytes");
      if (above <= 4096) {
        CHECK(Fused(Invoke(Build(Graph{1, 16, above, 8, 64, 2}), true, 1)));
        if (below >= 1) CHECK_FALSE(Fused(Invoke(Build(Graph{1, 16, below, 8, 64, 2}), true, 1)));
      }
    }
  }
  const AnySize any_size;
  Graph output;
  output.t_output = true;  // the 1x1 result is a model output too
  for (IsaLevel level : {DetectedIsaLevel(), IsaLevel::kReference}) {
    ScopedIsaLevel scope(level);
    // The model output, and at the reference level (no optimized 1x1 kernel
    // offers rows) any pair.
    for (const Graph& g : {output, Graph{}}) {
      if (level != IsaLevel::kReference && !g.t_output) continue;
      const std::vector<uint8_t> file = Build(g);
      const Run fused = Invoke(file, true, 2);
      INFO(fused.plan);
      CHECK_FALSE(Fused(fused));
      CHECK(fused.outputs == Invoke(file, false, 1).outputs);
    }
  }
}
