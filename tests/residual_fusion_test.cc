// Residual ADDs computed inside the CONV_2D before them
// (InterpreterOptions::fuse_residual_adds, KernelContext::TakeResidualAdd):
// which pairs fuse, and that fused graphs give the bytes of unfused ones on
// every conv path (direct 1x1, indirect, Winograd, reference fallback), ISA
// level and thread count.
#include <catch2/catch.hpp>

#include <cstring>
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
using edgert::testing::ScopedIsaLevel;
using edgert::testing::SupportedMicrokernelLevels;
using edgert::testing::FusionValues;

namespace {

flatbuffers::Offset<void> Conv(ModelBuilder* b, int k, schema::Activation act) {
  return schema::CreateConv2DOptions(b->fbb(), k == 1 ? schema::Padding_VALID : schema::Padding_SAME, 1, 1, 1, 1,
                                     act)
      .Union();
}

flatbuffers::Offset<void> Add(ModelBuilder* b, schema::Activation act) {
  return schema::CreateBinaryOptions(b->fbb(), act).Union();
}

// x [1,h,w,c] -> CONV_2D 1x1 (RELU) -> h1 -> CONV_2D kxk -> t; y = ADD(t, x)
// with RELU6; y is the output. `residual_late`: the ADD's other operand is
// RELU(x) written after the second conv instead (movable before it);
// `residual_chain`: RELU(RELU(x)), both after it (the second is not movable);
// `second_reader`: t is a model output too; `broadcast`: the ADD's other
// operand is a [c] constant.
struct Graph {
  int h = 6, w = 7, c = 8, k = 3;
  bool residual_late = false, residual_chain = false, second_reader = false, broadcast = false;
  bool depthwise = false;  // the second op is a DEPTHWISE_CONV_2D kxk
};

std::vector<uint8_t> Build(const Graph& g) {
  ModelBuilder b;
  const int x = b.AddInput("x", DType::kF32, {1, g.h, g.w, g.c});
  const int w1 = b.AddConstant<float>("w1", DType::kF32, {g.c, 1, 1, g.c}, FusionValues(g.c * g.c, 1));
  const int b1 = b.AddConstant<float>("b1", DType::kF32, {g.c}, FusionValues(g.c, 2));
  const int w2 = g.depthwise
                     ? b.AddConstant<float>("w2", DType::kF32, {1, g.k, g.k, g.c}, FusionValues(g.k * g.k * g.c, 3))
                     : b.AddConstant<float>("w2", DType::kF32, {g.c, g.k, g.k, g.c},
                                            FusionValues(g.c * g.k * g.k * g.c, 3));
  const int b2 = b.AddConstant<float>("b2", DType::kF32, {g.c}, FusionValues(g.c, 4));
  const int h1 = b.AddTensor("h1", DType::kF32, {1, g.h, g.w, g.c});
  const int t = b.AddTensor("t", DType::kF32, {1, g.h, g.w, g.c});
  const int y = b.AddTensor("y", DType::kF32, {1, g.h, g.w, g.c});
  b.AddOp(schema::OpType_CONV_2D, {x, w1, b1}, {h1}, schema::OpOptions_Conv2DOptions,
          Conv(&b, 1, schema::Activation_RELU));
  if (g.depthwise)
    b.AddOp(schema::OpType_DEPTHWISE_CONV_2D, {h1, w2, b2}, {t}, schema::OpOptions_DepthwiseConv2DOptions,
            schema::CreateDepthwiseConv2DOptions(b.fbb(), schema::Padding_SAME).Union());
  else
    b.AddOp(schema::OpType_CONV_2D, {h1, w2, b2}, {t}, schema::OpOptions_Conv2DOptions,
            Conv(&b, g.k, schema::Activation_NONE));
  int r = x;
  if (g.residual_late || g.residual_chain) {
    r = b.AddTensor("r", DType::kF32, {1, g.h, g.w, g.c});
    b.AddOp(schema::OpType_RELU, {x}, {r});
  }
  if (g.residual_chain) {
    const int r2 = b.AddTensor("r2", DType::kF32, {1, g.h, g.w, g.c});
    b.AddOp(schema::OpType_RELU, {r}, {r2});
    r = r2;
  } else if (g.broadcast) {
    r = b.AddConstant<float>("r", DType::kF32, {g.c}, FusionValues(g.c, 5));
  }
  b.AddOp(schema::OpType_ADD, {t, r}, {y}, schema::OpOptions_BinaryOptions, Add(&b, schema::Activation_RELU6));
  b.MarkOutput(y);
  if (g.second_reader) b.MarkOutput(t);
  return b.Finish();
}

using Run = edgert::testing::FusionRun;

Run Invoke(const std::vector<uint8_t>& file, bool fuse, int threads) {
  return edgert::testing::InvokeFusion(file, &InterpreterOptions::fuse_residual_adds, fuse, threads);
}

bool Fused(const Run& r) { return r.plan.find("(+ ADD") != std::string::npos; }

}  // namespace

TEST_CASE("a residual ADD runs inside the CONV_2D before it, with the unfused values", "[interpreter][fusion]") {
  // 1x1 (the direct GEMM path, in groups of rows), 3x3 on 8 channels (the
  // indirect path), 3x3 on 16 channels and 24 x 24 pixels (Winograd, added
  // after), a 3x3 DEPTHWISE_CONV_2D (added per row; the reference level
  // declines it), at the reference level (reference kernel) and every
  // microkernel level.
  Graph dw{9, 11, 19, 3};
  dw.depthwise = true;
  const Graph shapes[] = {{6, 7, 8, 1}, {6, 7, 8, 3}, {24, 24, 16, 3}, {31, 5, 20, 1}, dw};
  std::vector<IsaLevel> levels = SupportedMicrokernelLevels();
  levels.push_back(IsaLevel::kReference);
  for (IsaLevel level : levels) {
    ScopedIsaLevel scope(level);
    for (const Graph& g : shapes) {
      INFO("ISA " << GetKernelIsa().name << ", " << g.h << "x" << g.w << "x" << g.c << " kernel " << g.k);
      const std::vector<uint8_t> file = Build(g);
      const Run plain = Invoke(file, false, 1);
      CHECK_FALSE(Fused(plain));
      CHECK(plain.steps == 3);
      // The reference DEPTHWISE_CONV_2D kernel does not take the ADD.
      const bool fuses = !(g.depthwise && level == IsaLevel::kReference);
      for (int threads : {1, 2}) {
        const Run fused = Invoke(file, true, threads);
        INFO(fused.plan);
        CHECK(Fused(fused) == fuses);
        CHECK(fused.steps == (fuses ? 2u : 3u));
        REQUIRE(fused.outputs.size() == 1);
        CHECK(fused.outputs[0] == plain.outputs[0]);  // bit for bit
      }
    }
  }
}

TEST_CASE("a residual written after the CONV_2D from earlier tensors runs before it, and the ADD fuses",
          "[interpreter][fusion]") {
  Graph late;
  late.residual_late = true;
  const std::vector<uint8_t> file = Build(late);
  const Run plain = Invoke(file, false, 1);
  CHECK(plain.plan.find("step 1: CONV_2D #1") != std::string::npos);
  for (int threads : {1, 2}) {
    const Run fused = Invoke(file, true, threads);
    INFO(fused.plan);
    CHECK(Fused(fused));
    CHECK(fused.plan.find("step 1: RELU #2") != std::string::npos);  // moved before the convolution
    CHECK(fused.steps == 3);
    CHECK(fused.outputs == plain.outputs);
  }
}

TEST_CASE("residual ADDs stay separate when their operand is not ready, shared or of another shape",
          "[interpreter][fusion]") {
  Graph late;
  late.residual_chain = true;  // written after the convolution from a tensor written after it
  Graph shared;
  shared.second_reader = true;  // the convolution's output is a model output too
  Graph broadcast;
  broadcast.broadcast = true;  // [c] against [1,h,w,c]: offered, declined by the kernel
  for (const Graph& g : {late, shared, broadcast}) {
    const std::vector<uint8_t> file = Build(g);
    const Run plain = Invoke(file, false, 1);
    const Run fused = Invoke(file, true, 2);
    INFO(fused.plan);
    CHECK_FALSE(Fused(fused));
    CHECK(fused.steps == plain.steps);
    CHECK(fused.outputs == plain.outputs);
  }
}

TEST_CASE("a convolution of constants that takes a residual ADD runs at invoke, not at prepare",
          "[interpreter][fusion]") {
  // t = CONV_2D(DEQUANTIZE(f16 constant)), y = ADD(t, x): every input of the
  // convolution is constant after prepare, but its result needs x.
  ModelBuilder b;
  const int x = b.AddInput("x", DType::kF32, {1, 4, 4, 2});
  const std::vector<uint16_t> half = {0x3c00, 0xc000, 0x3800, 0x4200, 0x3c00, 0x3c00, 0xbc00, 0x4000,
                                      0x3800, 0x3800, 0x4000, 0xc200, 0x3c00, 0x0000, 0x4200, 0xb800,
                                      0x3c00, 0xc000, 0x3800, 0x4200, 0x3c00, 0x3c00, 0xbc00, 0x4000,
                                      0x3800, 0x3800, 0x4000, 0xc200, 0x3c00, 0x0000, 0x4200, 0xb800};
  const int ch = b.AddConstant("c_f16", DType::kF16, {1, 4, 4, 2}, half);
  const int c = b.AddTensor("c", DType::kF32, {1, 4, 4, 2});
  const int w = b.AddConstant<float>("w", DType::kF32, {2, 1, 1, 2}, std::vector<float>{1, -2, 0.5f, 3});
  const int t = b.AddTensor("t", DType::kF32, {1, 4, 4, 2});
  const int y = b.AddTensor("y", DType::kF32, {1, 4, 4, 2});
  b.AddOp(schema::OpType_DEQUANTIZE, {ch}, {c});
  b.AddOp(schema::OpType_CONV_2D, {c, w, -1}, {t}, schema::OpOptions_Conv2DOptions,
          Conv(&b, 1, schema::Activation_NONE));
  b.AddOp(schema::OpType_ADD, {t, x}, {y}, schema::OpOptions_BinaryOptions, Add(&b, schema::Activation_NONE));
  b.MarkOutput(y);
  const std::vector<uint8_t> file = b.Finish();
  const Run plain = Invoke(file, false, 1);
  const Run fused = Invoke(file, true, 1);
  INFO(fused.plan);
  CHECK(Fused(fused));
  CHECK(fused.outputs == plain.outputs);
}

namespace {

// a [1,h,w,c] -> RELU -> x; r = PAD(x) of the channels only ([before, after],
// value `value` as a third input when nonzero); x -> CONV_2D 1x1 -> h1 ->
// CONV_2D kxk to c + before + after channels -> t; y = ADD(t, r) with RELU6.
// The PAD comes right after the RELU (x is then read last by the first
// convolution, unless the fused ADD keeps it) or, `pad_late`, after the
// second convolution. `pad_output`: r is a model output too; `spatial`: the
// PAD pads the width instead (then t is as wide as x); `reflect`: REFLECT mode.
struct PadGraph {
  int h = 6, w = 7, c = 8, k = 3, before = 0, after = 4;
  float value = 0.f;
  bool pad_late = false, pad_output = false, spatial = false, reflect = false;
};

std::vector<uint8_t> BuildPadded(const PadGraph& g) {
  ModelBuilder b;
  const int cw = g.spatial ? g.c : g.c + g.before + g.after, ww = g.spatial ? g.w + g.before + g.after : g.w;
  const int a = b.AddInput("a", DType::kF32, {1, g.h, g.w, g.c});
  const int x = b.AddTensor("x", DType::kF32, {1, g.h, g.w, g.c});
  const int w1 = b.AddConstant<float>("w1", DType::kF32, {g.c, 1, 1, g.c}, FusionValues(g.c * g.c, 1));
  const int b1 = b.AddConstant<float>("b1", DType::kF32, {g.c}, FusionValues(g.c, 2));
  const int w2 = b.AddConstant<float>("w2", DType::kF32, {cw, g.k, g.k, g.c}, FusionValues(cw * g.k * g.k * g.c, 3));
  const int b2 = b.AddConstant<float>("b2", DType::kF32, {cw}, FusionValues(cw, 4));
  std::vector<int32_t> pads(8, 0);
  pads[g.spatial ? 4 : 6] = g.before;
  pads[g.spatial ? 5 : 7] = g.after;
  const int p = b.AddConstant<int32_t>("pads", DType::kI32, {4, 2}, pads);
  const int h1 = b.AddTensor("h1", DType::kF32, {1, g.h, g.w, g.c});
  const int t = b.AddTensor("t", DType::kF32, {1, g.h, ww, cw});
  const int r = b.AddTensor("r", DType::kF32, {1, g.h, ww, cw});
  const int y = b.AddTensor("y", DType::kF32, {1, g.h, ww, cw});
  b.AddOp(schema::OpType_RELU, {a}, {x});
  auto pad = [&] {
    std::vector<int> in = {x, p};
    if (g.value != 0.f) in.push_back(b.AddConstant<float>("value", DType::kF32, {}, std::vector<float>{g.value}));
    b.AddOp(schema::OpType_PAD, in, {r}, schema::OpOptions_PadOptions,
            schema::CreatePadOptions(b.fbb(), g.reflect ? schema::PadMode_REFLECT : schema::PadMode_CONSTANT)
                .Union());
  };
  if (!g.pad_late) pad();
  b.AddOp(schema::OpType_CONV_2D, {x, w1, b1}, {h1}, schema::OpOptions_Conv2DOptions,
          Conv(&b, 1, schema::Activation_RELU));
  if (g.spatial) {  // t as wide as r: a conv over a width-padded copy of h1 would not be a residual; pad h1 too
    const int hp = b.AddTensor("hp", DType::kF32, {1, g.h, ww, g.c});
    b.AddOp(schema::OpType_PAD, {h1, p}, {hp}, schema::OpOptions_PadOptions,
            schema::CreatePadOptions(b.fbb(), schema::PadMode_CONSTANT).Union());
    b.AddOp(schema::OpType_CONV_2D, {hp, w2, b2}, {t}, schema::OpOptions_Conv2DOptions,
            Conv(&b, g.k, schema::Activation_NONE));
  } else {
    b.AddOp(schema::OpType_CONV_2D, {h1, w2, b2}, {t}, schema::OpOptions_Conv2DOptions,
            Conv(&b, g.k, schema::Activation_NONE));
  }
  if (g.pad_late) pad();
  b.AddOp(schema::OpType_ADD, {t, r}, {y}, schema::OpOptions_BinaryOptions, Add(&b, schema::Activation_RELU6));
  b.MarkOutput(y);
  if (g.pad_output) b.MarkOutput(r);
  return b.Finish();
}

bool PadFused(const Run& r) { return r.plan.find("(+ PAD") != std::string::npos; }

}  // namespace

TEST_CASE("a channel PAD before a residual ADD runs inside the convolution with it, with the unfused values",
          "[interpreter][fusion]") {
  // Tail padding (the MediaPipe detectors' shortcut), padding on both sides
  // with a value, the PAD after the convolution; the direct 1x1, indirect 3x3
  // and Winograd paths; every microkernel level and the reference level
  // (there the CONV_2D kernel runs the reference arithmetic and adds after).
  PadGraph tail;
  PadGraph both;
  both.before = 2, both.after = 3, both.value = 0.25f;
  PadGraph late;
  late.pad_late = true, late.before = 1, late.after = 0;
  PadGraph direct;
  direct.k = 1, direct.c = 24, direct.after = 8;
  PadGraph winograd;
  winograd.h = 24, winograd.w = 24, winograd.c = 16, winograd.after = 16;
  std::vector<IsaLevel> levels = SupportedMicrokernelLevels();
  levels.push_back(IsaLevel::kReference);
  for (IsaLevel level : levels) {
    ScopedIsaLevel scope(level);
    for (const PadGraph& g : {tail, both, late, direct, winograd}) {
      INFO("ISA " << GetKernelIsa().name << ", " << g.h << "x" << g.w << "x" << g.c << " kernel " << g.k << " pad "
                  << g.before << "+" << g.after << " value " << g.value << (g.pad_late ? " late" : ""));
      const std::vector<uint8_t> file = BuildPadded(g);
      const Run plain = Invoke(file, false, 1);
      CHECK_FALSE(PadFused(plain));
      CHECK(plain.steps == 5);
      for (int threads : {1, 2}) {
        const Run fused = Invoke(file, true, threads);
        INFO(fused.plan);
        CHECK(PadFused(fused));
        CHECK(fused.steps == 3);
        REQUIRE(fused.outputs.size() == 1);
        CHECK(fused.outputs[0] == plain.outputs[0]);  // bit for bit
      }
    }
  }
}

TEST_CASE("PADs stay separate when their output is shared, or they pad more than channels or do not pad constants",
          "[interpreter][fusion]") {
  PadGraph shared;
  shared.pad_output = true;
  PadGraph spatial;
  spatial.spatial = true;
  PadGraph reflect;
  reflect.reflect = true, reflect.after = 3;
  for (const PadGraph& g : {shared, spatial, reflect}) {
    const std::vector<uint8_t> file = BuildPadded(g);
    const Run plain = Invoke(file, false, 1);
    const Run fused = Invoke(file, true, 2);
    INFO(fused.plan);
    CHECK_FALSE(PadFused(fused));
    CHECK(Fused(fused));  // the ADD alone fuses, reading the PAD's output
    CHECK(fused.outputs == plain.outputs);
  }
}
