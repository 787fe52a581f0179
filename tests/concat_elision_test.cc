// CONCATENATION nodes written in place by the convolutions before them
// (InterpreterOptions::elide_concats, KernelContext::OfferOutputSlice): which
// ones are elided, and that elided graphs give the bytes of the plain ones on
// every conv path that writes slices (f32 direct 1x1, indirect, Winograd; int8
// direct and im2col), ISA level and thread count.
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

// x [1,h,w,c] -> CONV_2D 1x1 (c -> a, RELU) and CONV_2D kxk (c -> b) ->
// CONCATENATION along `axis` (-1 or 3: channels) -> y -> RELU -> z (so that y
// is an activation read by a later node). `third`: a third concatenated
// input, RELU(x) (not a convolution's result); `conv_is_output`: the 1x1
// convolution's result is a model output too.
struct Graph {
  int h = 6, w = 7, c = 8, a = 8, b = 12, k = 3, axis = -1;
  bool third = false, conv_is_output = false;
};

std::vector<uint8_t> Build(const Graph& g) {
  ModelBuilder b;
  const int x = b.AddInput("x", DType::kF32, {1, g.h, g.w, g.c});
  const int w1 = b.AddConstant<float>("w1", DType::kF32, {g.a, 1, 1, g.c}, FusionValues(g.a * g.c, 1));
  const int b1 = b.AddConstant<float>("b1", DType::kF32, {g.a}, FusionValues(g.a, 2));
  const int w2 = b.AddConstant<float>("w2", DType::kF32, {g.b, g.k, g.k, g.c}, FusionValues(g.b * g.k * g.k * g.c, 3));
  const int b2 = b.AddConstant<float>("b2", DType::kF32, {g.b}, FusionValues(g.b, 4));
  const int p = b.AddTensor("p", DType::kF32, {1, g.h, g.w, g.a});
  const int q = b.AddTensor("q", DType::kF32, {1, g.h, g.w, g.b});
  b.AddOp(schema::OpType_CONV_2D, {x, w1, b1}, {p}, schema::OpOptions_Conv2DOptions,
          schema::CreateConv2DOptions(b.fbb(), schema::Padding_VALID, 1, 1, 1, 1, schema::Activation_RELU).Union());
  b.AddOp(schema::OpType_CONV_2D, {x, w2, b2}, {q}, schema::OpOptions_Conv2DOptions,
          schema::CreateConv2DOptions(b.fbb(), schema::Padding_SAME, 1, 1).Union());
  std::vector<int> parts = {p, q};
  int channels = g.a + g.b;
  if (g.third) {
    const int r = b.AddTensor("r", DType::kF32, {1, g.h, g.w, g.c});
    b.AddOp(schema::OpType_RELU, {x}, {r});
    parts.push_back(r);
    channels += g.c;
  }
  const int y = b.AddTensor("y", DType::kF32, {1, g.h, g.w, channels});
  b.AddOp(schema::OpType_CONCATENATION, parts, {y}, schema::OpOptions_ConcatenationOptions,
          schema::CreateConcatenationOptions(b.fbb(), g.axis).Union());
  const int z = b.AddTensor("z", DType::kF32, {1, g.h, g.w, channels});
  b.AddOp(schema::OpType_RELU, {y}, {z});
  b.MarkOutput(z);
  if (g.conv_is_output) b.MarkOutput(p);
  return b.Finish();
}

using Run = edgert::testing::FusionRun;

Run Invoke(const std::vector<uint8_t>& file, bool elide, int threads) {
  return edgert::testing::InvokeFusion(file, &InterpreterOptions::elide_concats, elide, threads);
}

bool Elided(const Run& r) {
  return r.plan.find("into CONCATENATION") != std::string::npos &&
         r.plan.find("-> CONCATENATION") == std::string::npos;
}

}  // namespace

TEST_CASE("a channel CONCATENATION of convolution results is written in place, with the plain values",
          "[interpreter][fusion]") {
  // 1x1 (direct GEMM) with 3x3 on 8 channels (indirect GEMM); on 16 channels
  // and 24 x 24 pixels the 3x3 takes Winograd; odd sizes; axis 3 and -1.
  Graph shapes[4];
  shapes[1].h = 24, shapes[1].w = 24, shapes[1].c = 16, shapes[1].a = 16, shapes[1].b = 24;
  shapes[2].h = 5, shapes[2].w = 31, shapes[2].c = 20, shapes[2].a = 7, shapes[2].b = 33, shapes[2].axis = 3;
  shapes[3].h = 1, shapes[3].w = 1, shapes[3].c = 5, shapes[3].a = 3, shapes[3].b = 17, shapes[3].k = 1;
  for (IsaLevel level : SupportedMicrokernelLevels()) {
    ScopedIsaLevel scope(level);
    for (const Graph& g : shapes) {
      INFO("ISA " << GetKernelIsa().name << ", " << g.h << "x" << g.w << "x" << g.c << " -> " << g.a << " + "
                  << g.b << " kernel " << g.k);
      const std::vector<uint8_t> file = Build(g);
      const Run plain = Invoke(file, false, 1);
      CHECK_FALSE(Elided(plain));
      CHECK(plain.steps == 4);
      for (int threads : {1, 2, 3}) {
        const Run elided = Invoke(file, true, threads);
        INFO(elided.plan);
        CHECK(Elided(elided));
        CHECK(elided.steps == 3);
        CHECK(elided.plan.find("at channel " + std::to_string(g.a)) != std::string::npos);
        REQUIRE(elided.outputs.size() == 1);
        CHECK(elided.outputs[0] == plain.outputs[0]);  // bit for bit
      }
    }
  }
}

TEST_CASE("CONCATENATIONs stay when an input is not a convolution's alone, or along another axis",
          "[interpreter][fusion]") {
  Graph third, output, axis1;
  third.third = true;
  output.conv_is_output = true;
  axis1.axis = 1;
  axis1.b = axis1.a;  // same channels: concatenate along H
  std::vector<IsaLevel> levels = SupportedMicrokernelLevels();
  levels.push_back(IsaLevel::kReference);  // the reference convolution writes dense outputs only
  for (IsaLevel level : levels) {
    ScopedIsaLevel scope(level);
    for (const Graph* g : {&third, &output, &axis1}) {
      std::vector<uint8_t> file;
      if (g == &axis1) {
        // [1,h,w,a] ++ [1,h,w,a] along H: y is [1,2h,w,a].
        ModelBuilder b;
        const int x = b.AddInput("x", DType::kF32, {1, g->h, g->w, g->c});
        const int w1 = b.AddConstant<float>("w1", DType::kF32, {g->a, 1, 1, g->c}, FusionValues(g->a * g->c, 1));
        const int w2 = b.AddConstant<float>("w2", DType::kF32, {g->a, 1, 1, g->c}, FusionValues(g->a * g->c, 2));
        const int p = b.AddTensor("p", DType::kF32, {1, g->h, g->w, g->a});
        const int q = b.AddTensor("q", DType::kF32, {1, g->h, g->w, g->a});
        b.AddOp(schema::OpType_CONV_2D, {x, w1, -1}, {p}, schema::OpOptions_Conv2DOptions,
                schema::CreateConv2DOptions(b.fbb(), schema::Padding_VALID, 1, 1).Union());
        b.AddOp(schema::OpType_CONV_2D, {x, w2, -1}, {q}, schema::OpOptions_Conv2DOptions,
                schema::CreateConv2DOptions(b.fbb(), schema::Padding_VALID, 1, 1).Union());
        const int y = b.AddTensor("y", DType::kF32, {1, 2 * g->h, g->w, g->a});
        b.AddOp(schema::OpType_CONCATENATION, {p, q}, {y}, schema::OpOptions_ConcatenationOptions,
                schema::CreateConcatenationOptions(b.fbb(), 1).Union());
        b.MarkOutput(y);
        file = b.Finish();
      } else {
        file = Build(*g);
      }
      INFO("ISA " << GetKernelIsa().name << ", case "
                  << (g == &third ? "third input" : g == &output ? "conv output" : "axis 1"));
      const Run plain = Invoke(file, false, 1);
      const Run kept = Invoke(file, true, 2);
      INFO(kept.plan);
      CHECK_FALSE(Elided(kept));
      CHECK(kept.plan.find("-> CONCATENATION") != std::string::npos);
      CHECK(kept.steps == plain.steps);
      CHECK(kept.outputs == plain.outputs);
    }
  }
}

namespace {

// int8: xq [1,h,w,c] -> CONV_2D 1x1 (c -> a) and CONV_2D 3x3 (c -> b), both
// per-channel int8 weights, -> CONCATENATION (channels) -> yq, every
// activation per-tensor quantized. `other_scale`: the 3x3 result has its own
// scale (the concatenation must then requantize it and stays).
std::vector<uint8_t> BuildInt8(int h, int w, int c, int a, int bch, bool other_scale) {
  ModelBuilder b;
  const QuantSpec in_q = QuantSpec::PerTensor(0.05f, 3), out_q = QuantSpec::PerTensor(0.1f, -5),
                  q_other = QuantSpec::PerTensor(0.07f, 2);
  const int x = b.AddInput("xq", DType::kI8, {1, h, w, c}, in_q);
  auto conv = [&](const char* name, int out, int k, const QuantSpec& q) {
    std::vector<int8_t> wv(static_cast<size_t>(out * k * k * c));
    for (size_t i = 0; i < wv.size(); ++i) wv[i] = static_cast<int8_t>(static_cast<int>((i * 37 + out) % 255) - 127);
    std::vector<float> ws(static_cast<size_t>(out)), bs(static_cast<size_t>(out));
    std::vector<int32_t> bv(static_cast<size_t>(out));
    for (int i = 0; i < out; ++i) {
      ws[static_cast<size_t>(i)] = 0.002f + 0.0003f * static_cast<float>(i);
      bs[static_cast<size_t>(i)] = 0.05f * ws[static_cast<size_t>(i)];
      bv[static_cast<size_t>(i)] = i * 101 - 900;
    }
    const int t = b.AddTensor(name, DType::kI8, {1, h, w, out}, q);
    b.AddOp(schema::OpType_CONV_2D,
            {x, b.AddConstant(std::string(name) + "_w", DType::kI8, {out, k, k, c}, wv,
                              QuantSpec{ws, std::vector<int64_t>(static_cast<size_t>(out), 0), 0}),
             b.AddConstant(std::string(name) + "_b", DType::kI32, {out}, bv,
                           QuantSpec{bs, std::vector<int64_t>(static_cast<size_t>(out), 0), 0})},
            {t}, schema::OpOptions_Conv2DOptions,
            schema::CreateConv2DOptions(b.fbb(), k == 1 ? schema::Padding_VALID : schema::Padding_SAME, 1, 1).Union());
    return t;
  };
  const int p = conv("p", a, 1, out_q);
  const int q = conv("q", bch, 3, other_scale ? q_other : out_q);
  const int y = b.AddTensor("yq", DType::kI8, {1, h, w, a + bch}, out_q);
  b.AddOp(schema::OpType_CONCATENATION, {p, q}, {y}, schema::OpOptions_ConcatenationOptions,
          schema::CreateConcatenationOptions(b.fbb(), 3).Union());
  b.MarkOutput(y);
  return b.Finish();
}

struct Int8Run {
  std::vector<int8_t> output;
  std::string plan;
};

Int8Run InvokeInt8(const std::vector<uint8_t>& file, bool elide, int threads) {
  std::shared_ptr<const Model> m;
  REQUIRE(Model::LoadBuffer(file.data(), file.size(), true, &m).ok());
  OpResolver resolver;
  AddDefaultKernels(&resolver);
  InterpreterOptions options;
  options.elide_concats = elide;
  options.num_threads = threads;
  Interpreter interp(m, &resolver, options);
  REQUIRE(interp.Prepare().ok());
  Tensor* x = interp.input(0);
  int8_t* xd = static_cast<int8_t*>(x->data);
  for (size_t i = 0; i < x->bytes; ++i) xd[i] = static_cast<int8_t>(static_cast<int>(i * 29 % 251) - 125);
  REQUIRE(interp.Invoke().ok());
  const Tensor* o = interp.output(0);
  Int8Run r;
  r.output.assign(static_cast<const int8_t*>(o->data), static_cast<const int8_t*>(o->data) + o->bytes);
  r.plan = interp.DescribePlan();
  return r;
}

}  // namespace

TEST_CASE("an int8 CONCATENATION whose inputs share its quantization is written in place, byte for byte",
          "[interpreter][fusion]") {
  for (IsaLevel level : SupportedMicrokernelLevels()) {
    ScopedIsaLevel scope(level);
    for (const bool other_scale : {false, true}) {
      INFO("ISA " << GetKernelIsa().name << (other_scale ? ", inputs of another scale" : ", one scale"));
      const std::vector<uint8_t> file = BuildInt8(7, 9, 24, 16, 40, other_scale);
      const Int8Run plain = InvokeInt8(file, false, 1);
      for (int threads : {1, 2}) {
        const Int8Run run = InvokeInt8(file, true, threads);
        INFO(run.plan);
        if (other_scale) {
          CHECK(run.plan.find("into CONCATENATION") == std::string::npos);
          CHECK(run.plan.find("-> CONCATENATION") != std::string::npos);
        } else {
          CHECK(run.plan.find("into CONCATENATION") != std::string::npos);
          CHECK(run.plan.find("-> CONCATENATION") == std::string::npos);
        }
        CHECK(run.output == plain.output);
      }
    }
  }
}
