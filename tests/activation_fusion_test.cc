// Activations computed inside the convolution before them
// (InterpreterOptions::fuse_activations, KernelContext::TakeActivation): which
// pairs fuse, and that fused graphs give the bytes of unfused ones for
// HARD_SWISH, LOGISTIC and TANH after every f32 CONV_2D path (direct 1x1 in
// groups of rows, indirect, Winograd and its whole-output pass) and after
// DEPTHWISE_CONV_2D, at every ISA level and on 1 and 2 threads.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "kernels/dispatch.h"
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

// x [1,h,w,c] -> CONV_2D kxk (RELU6), or DEPTHWISE_CONV_2D kxk -> t -> act -> y
// (the output). `second_reader`: t is a model output too; `two_readers`: t is
// also read by a RELU whose result is a second output.
struct Graph {
  int h = 6, w = 7, c = 8, k = 1;
  bool depthwise = false;
  schema::OpType act = schema::OpType_HARD_SWISH;
  bool second_reader = false, two_readers = false;
};

std::vector<uint8_t> Build(const Graph& g) {
  ModelBuilder b;
  const int x = b.AddInput("x", DType::kF32, {1, g.h, g.w, g.c});
  const int wn = g.depthwise ? g.k * g.k * g.c : g.c * g.k * g.k * g.c;
  const std::vector<int32_t> wshape =
      g.depthwise ? std::vector<int32_t>{1, g.k, g.k, g.c} : std::vector<int32_t>{g.c, g.k, g.k, g.c};
  // Weights scaled so that results spread over the activations' curved parts.
  std::vector<float> wv = FusionValues(static_cast<size_t>(wn), 1);
  for (float& v : wv) v *= 4.f / static_cast<float>(g.k);
  const int w = b.AddConstant<float>("w", DType::kF32, wshape, wv);
  const int bias = b.AddConstant<float>("b", DType::kF32, {g.c}, FusionValues(g.c, 2));
  const int t = b.AddTensor("t", DType::kF32, {1, g.h, g.w, g.c});
  const int y = b.AddTensor("y", DType::kF32, {1, g.h, g.w, g.c});
  const schema::Padding pad = g.k == 1 ? schema::Padding_VALID : schema::Padding_SAME;
  if (g.depthwise) {
    b.AddOp(schema::OpType_DEPTHWISE_CONV_2D, {x, w, bias}, {t}, schema::OpOptions_DepthwiseConv2DOptions,
            schema::CreateDepthwiseConv2DOptions(b.fbb(), pad).Union());
  } else {
    b.AddOp(schema::OpType_CONV_2D, {x, w, bias}, {t}, schema::OpOptions_Conv2DOptions,
            schema::CreateConv2DOptions(b.fbb(), pad, 1, 1, 1, 1, schema::Activation_RELU6).Union());
  }
  b.AddOp(g.act, {t}, {y});
  b.MarkOutput(y);
  if (g.second_reader) b.MarkOutput(t);
  if (g.two_readers) {
    const int r = b.AddTensor("r", DType::kF32, {1, g.h, g.w, g.c});
    b.AddOp(schema::OpType_RELU, {t}, {r});
    b.MarkOutput(r);
  }
  return b.Finish();
}

using Run = edgert::testing::FusionRun;

Run Invoke(const std::vector<uint8_t>& file, bool fuse, int threads) {
  return edgert::testing::InvokeFusion(file, &InterpreterOptions::fuse_activations, fuse, threads);
}

bool Fused(const Run& r) {
  return r.plan.find("(+ HARD_SWISH") != std::string::npos || r.plan.find("(+ LOGISTIC") != std::string::npos ||
         r.plan.find("(+ TANH") != std::string::npos;
}

}  // namespace

TEST_CASE("an activation runs inside the convolution before it, with the unfused values", "[interpreter][fusion]") {
  // CONV_2D 1x1 (direct GEMM, in groups of rows), 3x3 on 8 channels
  // (indirect), 3x3 on 16 channels and 24 x 24 pixels (Winograd, applied after
  // the whole output), DEPTHWISE_CONV_2D 3x3 (per row).
  std::vector<Graph> graphs;
  for (schema::OpType act : {schema::OpType_HARD_SWISH, schema::OpType_LOGISTIC, schema::OpType_TANH}) {
    for (Graph g : {Graph{6, 7, 8, 1}, Graph{6, 7, 8, 3}, Graph{24, 24, 16, 3}, Graph{31, 5, 20, 1},
                    Graph{9, 11, 19, 3, true}}) {
      g.act = act;
      graphs.push_back(g);
    }
  }
  for (IsaLevel level : SupportedMicrokernelLevels()) {
    ScopedIsaLevel scope(level);
    for (const Graph& g : graphs) {
      INFO("ISA " << GetKernelIsa().name << ", " << g.h << "x" << g.w << "x" << g.c << " kernel " << g.k
                  << (g.depthwise ? " depthwise" : "") << ", op " << schema::EnumNameOpType(g.act));
      const std::vector<uint8_t> file = Build(g);
      const Run plain = Invoke(file, false, 1);
      CHECK_FALSE(Fused(plain));
      CHECK(plain.steps == 2);
      for (int threads : {1, 2}) {
        const Run fused = Invoke(file, true, threads);
        INFO(fused.plan);
        CHECK(Fused(fused));
        CHECK(fused.steps == 1);
        REQUIRE(fused.outputs.size() == 1);
        CHECK(fused.outputs[0] == plain.outputs[0]);  // bit for bit
      }
    }
  }
}

TEST_CASE("activations stay separate when the convolution's result is read elsewhere or by a reference kernel",
          "[interpreter][fusion]") {
  Graph output;
  output.second_reader = true;  // the convolution's output is a model output too
  Graph shared;
  shared.two_readers = true;  // and read by another node
  for (const Graph& g : {output, shared}) {
    const std::vector<uint8_t> file = Build(g);
    const Run plain = Invoke(file, false, 1);
    const Run fused = Invoke(file, true, 2);
    INFO(fused.plan);
    CHECK_FALSE(Fused(fused));
    CHECK(fused.steps == plain.steps);
    CHECK(fused.outputs == plain.outputs);
  }
  // At the reference level the activation's kernel runs its reference
  // arithmetic, which the convolution does not have: no fusion.
  ScopedIsaLevel scope(IsaLevel::kReference);
  const std::vector<uint8_t> file = Build(Graph{});
  const Run fused = Invoke(file, true, 1);
  INFO(fused.plan);
  CHECK_FALSE(Fused(fused));
  CHECK(fused.outputs == Invoke(file, false, 1).outputs);
}
