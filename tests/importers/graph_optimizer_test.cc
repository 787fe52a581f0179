// The shared graph optimizer (runtime/importers/optimizer): each pass rewrites
// what it should, leaves alone what it must not, and the optimized model
// computes the same outputs as the original.
#include <catch2/catch.hpp>

#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "runtime/builder.h"
#include "runtime/importers/optimizer/graph.h"
#include "runtime/importers/optimizer/optimizer.h"
#include "runtime/interpreter.h"
#include "runtime/model.h"
#include "runtime/op_resolver.h"

namespace edgert {
namespace {

std::vector<float> Ramp(size_t n, float scale) {
  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = scale * (static_cast<float>((i * 7919) % 23) - 11.f);
  return v;
}

// Runs a single-input float model on `x` with the default kernels; returns output `out`.
std::vector<float> Run(const std::vector<uint8_t>& file, const std::vector<float>& x, int out = 0) {
  std::shared_ptr<const Model> m;
  Status s = Model::LoadBuffer(file.data(), file.size(), true, &m);
  INFO(s.message());
  REQUIRE(s.ok());
  OpResolver r;
  AddDefaultKernels(&r);
  Interpreter interp(m, &r);
  s = interp.Prepare();
  INFO(s.message());
  REQUIRE(s.ok());
  REQUIRE(interp.input(0)->bytes == x.size() * sizeof(float));
  std::memcpy(interp.input(0)->data, x.data(), interp.input(0)->bytes);
  s = interp.Invoke();
  INFO(s.message());
  REQUIRE(s.ok());
  const Tensor* t = interp.output(out);
  std::vector<float> y(t->bytes / sizeof(float));
  std::memcpy(y.data(), t->data, t->bytes);
  return y;
}

struct Optimized {
  std::vector<uint8_t> file;
  OptimizeStats stats;
  std::map<std::string, int> ops;
  explicit Optimized(const std::vector<uint8_t>& in, const OptimizeOptions& o = OptimizeOptions()) {
    Status s = OptimizeModel(in, o, &file, &stats);
    INFO(s.message());
    REQUIRE(s.ok());
    std::shared_ptr<const Model> m;
    REQUIRE(Model::LoadBuffer(file.data(), file.size(), true, &m).ok());
    for (const NodeInfo& n : m->nodes()) ++ops[OpTypeName(n.type)];
  }
  int Count(const char* op) const {
    auto it = ops.find(op);
    return it == ops.end() ? 0 : it->second;
  }
  int Total() const {
    int n = 0;
    for (const auto& kv : ops) n += kv.second;
    return n;
  }
};

// x [1,5,5,3] -> CONV_2D 3x3 (4 out) -> mid -> ACT -> y
std::vector<uint8_t> ConvThen(schema::OpType act, bool mid_is_output, bool mid_used_twice) {
  ModelBuilder b;
  const int x = b.AddInput("x", DType::kF32, {1, 5, 5, 3});
  const int w = b.AddConstant("w", DType::kF32, {4, 3, 3, 3}, Ramp(4 * 27, 0.05f));
  const int bias = b.AddConstant("b", DType::kF32, {4}, std::vector<float>{0.1f, -0.2f, 0.3f, -0.4f});
  const int mid = b.AddTensor("mid", DType::kF32, {1, 5, 5, 4});
  const int y = b.AddTensor("y", DType::kF32, {1, 5, 5, 4});
  b.AddOp(schema::OpType_CONV_2D, {x, w, bias}, {mid}, schema::OpOptions_Conv2DOptions,
          schema::CreateConv2DOptions(b.fbb()).Union());
  b.AddOp(act, {mid}, {y});
  b.MarkOutput(y);
  if (mid_used_twice) {
    const int z = b.AddTensor("z", DType::kF32, {1, 5, 5, 4});
    b.AddOp(schema::OpType_TANH, {mid}, {z});
    b.MarkOutput(z);
  }
  if (mid_is_output) b.MarkOutput(mid);
  return b.Finish();
}

TEST_CASE("optimizer: RELU and RELU6 fuse into the producing conv", "[optimizer]") {
  const schema::OpType act = GENERATE(schema::OpType_RELU, schema::OpType_RELU6);
  const std::vector<uint8_t> plain = ConvThen(act, false, false);
  Optimized o(plain);
  CHECK(o.stats.fused_activations == 1);
  CHECK(o.Total() == 1);
  CHECK(o.Count("CONV_2D") == 1);
  const std::vector<float> x = Ramp(75, 1.f);
  const std::vector<float> want = Run(plain, x), got = Run(o.file, x);
  REQUIRE(want == got);  // max(conv, 0) is the same float either way
  bool clamped = false;
  for (float v : got) clamped = clamped || v == 0.f || v == 6.f;
  CHECK(clamped);  // the activation really acts on this input
}

TEST_CASE("optimizer: an activation is not fused when its input is also read elsewhere", "[optimizer]") {
  const bool as_output = GENERATE(false, true);
  const std::vector<uint8_t> plain = ConvThen(schema::OpType_RELU, as_output, !as_output);
  Optimized o(plain);
  CHECK(o.stats.fused_activations == 0);
  CHECK(o.Count("RELU") == 1);
  const std::vector<float> x = Ramp(75, 1.f);
  CHECK(Run(plain, x, 1) == Run(o.file, x, 1));
}

TEST_CASE("optimizer: the off switches leave the graph as it is", "[optimizer]") {
  OptimizeOptions off;
  off.fold_constants = off.simplify_reshapes = off.cancel_transposes = off.fuse_activations = off.fuse_pads = off.remove_dead_ops =
      false;
  Optimized o(ConvThen(schema::OpType_RELU, false, false), off);
  CHECK(o.Count("RELU") == 1);
  CHECK(o.Total() == 2);
}

// x [2,3,4] -> TRANSPOSE p1 -> TRANSPOSE p2 -> TANH -> y
std::vector<uint8_t> TwoTransposes(const std::vector<int32_t>& p1, const std::vector<int32_t>& p2) {
  ModelBuilder b;
  const int x = b.AddInput("x", DType::kF32, {2, 3, 4});
  const int c1 = b.AddConstant("p1", DType::kI32, {3}, p1);
  const int c2 = b.AddConstant("p2", DType::kI32, {3}, p2);
  const int t1 = b.AddTensor("t1", DType::kF32, {});
  const int t2 = b.AddTensor("t2", DType::kF32, {});
  const int y = b.AddTensor("y", DType::kF32, {});
  b.AddOp(schema::OpType_TRANSPOSE, {x, c1}, {t1});
  b.AddOp(schema::OpType_TRANSPOSE, {t1, c2}, {t2});
  b.AddOp(schema::OpType_TANH, {t2}, {y});
  b.MarkOutput(y);
  return b.Finish();
}

TEST_CASE("optimizer: transposes that cancel disappear; others merge into one", "[optimizer]") {
  const std::vector<float> x = Ramp(24, 0.1f);
  SECTION("inverse permutations") {
    const std::vector<uint8_t> plain = TwoTransposes({1, 2, 0}, {2, 0, 1});
    Optimized o(plain);
    CHECK(o.Count("TRANSPOSE") == 0);
    CHECK(o.stats.cancelled_transposes == 1);
    CHECK(Run(plain, x) == Run(o.file, x));
  }
  SECTION("a composed permutation") {
    const std::vector<uint8_t> plain = TwoTransposes({1, 2, 0}, {1, 0, 2});
    Optimized o(plain);
    CHECK(o.Count("TRANSPOSE") == 1);
    CHECK(Run(plain, x) == Run(o.file, x));
  }
}

TEST_CASE("optimizer: reshape chains merge and identity reshapes go", "[optimizer]") {
  ModelBuilder b;
  const int x = b.AddInput("x", DType::kF32, {2, 6});
  const int r1 = b.AddTensor("r1", DType::kF32, {});
  const int r2 = b.AddTensor("r2", DType::kF32, {});
  const int r3 = b.AddTensor("r3", DType::kF32, {});
  const int y = b.AddTensor("y", DType::kF32, {});
  auto reshape = [&](int in, int out, std::vector<int32_t> shape) {
    b.AddOp(schema::OpType_RESHAPE, {in}, {out}, schema::OpOptions_ReshapeOptions,
            schema::CreateReshapeOptionsDirect(b.fbb(), &shape).Union());
  };
  reshape(x, r1, {3, 4});
  reshape(r1, r2, {12});
  reshape(r2, r3, {2, 6});  // back to the input's shape
  b.AddOp(schema::OpType_TANH, {r3}, {y});
  b.MarkOutput(y);
  const std::vector<uint8_t> plain = b.Finish();
  Optimized o(plain);
  CHECK(o.Count("RESHAPE") == 0);
  CHECK(o.Count("TANH") == 1);
  const std::vector<float> xs = Ramp(12, 0.1f);
  CHECK(Run(plain, xs) == Run(o.file, xs));
}

TEST_CASE("optimizer: constant subgraphs fold, DEQUANTIZE and graph outputs stay", "[optimizer]") {
  ModelBuilder b;
  const int x = b.AddInput("x", DType::kF32, {1, 4});
  const int a = b.AddConstant("a", DType::kF32, {1, 4}, std::vector<float>{1, 2, 3, 4});
  const int c = b.AddConstant("c", DType::kF32, {1, 4}, std::vector<float>{0.5f, 0.5f, 0.5f, 0.5f});
  const std::vector<uint16_t> half = {0x3c00, 0x4000, 0x4200, 0x4400};  // 1, 2, 3, 4 in float16
  const int h = b.AddConstant("h", DType::kF16, {1, 4}, half);
  const int ac = b.AddTensor("ac", DType::kF32, {});
  const int hf = b.AddTensor("hf", DType::kF32, {});
  const int t = b.AddTensor("t", DType::kF32, {});
  const int y = b.AddTensor("y", DType::kF32, {});
  const int unused = b.AddTensor("unused", DType::kF32, {});
  b.AddOp(schema::OpType_MUL, {a, c}, {ac}, schema::OpOptions_BinaryOptions,
          schema::CreateBinaryOptions(b.fbb()).Union());
  b.AddOp(schema::OpType_DEQUANTIZE, {h}, {hf});
  b.AddOp(schema::OpType_ADD, {x, ac}, {t}, schema::OpOptions_BinaryOptions,
          schema::CreateBinaryOptions(b.fbb()).Union());
  b.AddOp(schema::OpType_MUL, {t, hf}, {y}, schema::OpOptions_BinaryOptions,
          schema::CreateBinaryOptions(b.fbb()).Union());
  b.AddOp(schema::OpType_EXP, {x}, {unused});  // read by nothing
  b.MarkOutput(y);
  const std::vector<uint8_t> plain = b.Finish();
  Optimized o(plain);
  CHECK(o.stats.folded_constants == 1);
  CHECK(o.stats.removed_dead_ops == 1);
  CHECK(o.Count("DEQUANTIZE") == 1);
  CHECK(o.Count("EXP") == 0);
  CHECK(o.Count("MUL") == 1);
  CHECK(o.Count("ADD") == 1);
  const std::vector<float> xs = {1, -1, 0.25f, 8};
  const std::vector<float> got = Run(o.file, xs);
  CHECK(got == Run(plain, xs));
  CHECK(got == std::vector<float>{1.5f, 0.f, 5.25f, 40.f});
}

TEST_CASE("optimizer: a spatial zero PAD becomes the depthwise conv's explicit padding", "[optimizer]") {
  // x [1,6,7,3] -> PAD (H 1/2, W 0/1, optionally C) -> DEPTHWISE_CONV_2D 3x3 stride 2 VALID -> y
  const bool pad_channels = GENERATE(false, true);
  ModelBuilder b;
  const int x = b.AddInput("x", DType::kF32, {1, 6, 7, 3});
  const std::vector<int32_t> pads = {0, 0, 1, 2, 0, 1, 0, pad_channels ? 1 : 0};
  const int p = b.AddConstant("p", DType::kI32, {4, 2}, pads);
  const int c = pad_channels ? 4 : 3;
  const int w = b.AddConstant("w", DType::kF32, {1, 3, 3, c}, Ramp(static_cast<size_t>(9 * c), 0.1f));
  const int mid = b.AddTensor("mid", DType::kF32, {});
  const int y = b.AddTensor("y", DType::kF32, {});
  b.AddOp(schema::OpType_PAD, {x, p}, {mid}, schema::OpOptions_PadOptions, schema::CreatePadOptions(b.fbb()).Union());
  b.AddOp(schema::OpType_DEPTHWISE_CONV_2D, {mid, w, -1}, {y}, schema::OpOptions_DepthwiseConv2DOptions,
          schema::CreateDepthwiseConv2DOptions(b.fbb(), schema::Padding_VALID, 2, 2).Union());
  b.MarkOutput(y);
  const std::vector<uint8_t> plain = b.Finish();
  Optimized o(plain);
  CHECK(o.Count("PAD") == (pad_channels ? 1 : 0));
  const std::vector<float> xs = Ramp(126, 0.3f);
  CHECK(Run(plain, xs) == Run(o.file, xs));
}

TEST_CASE("optimizer: a quantized conv keeps its separate RELU", "[optimizer]") {
  ModelBuilder b;
  const QuantSpec q = QuantSpec::PerTensor(0.1f, 0);
  const int x = b.AddInput("x", DType::kI8, {1, 3, 3, 2}, q);
  const int w = b.AddConstant("w", DType::kI8, {2, 1, 1, 2}, std::vector<int8_t>{1, -2, 3, -4}, q);
  const int mid = b.AddTensor("mid", DType::kI8, {1, 3, 3, 2}, q);
  const int y = b.AddTensor("y", DType::kI8, {1, 3, 3, 2}, q);
  b.AddOp(schema::OpType_CONV_2D, {x, w, -1}, {mid}, schema::OpOptions_Conv2DOptions,
          schema::CreateConv2DOptions(b.fbb()).Union());
  b.AddOp(schema::OpType_RELU, {mid}, {y});
  b.MarkOutput(y);
  Optimized o(b.Finish());
  CHECK(o.Count("RELU") == 1);
}

TEST_CASE("optimizer: a model with a custom op keeps working without inferred shapes", "[optimizer]") {
  ModelBuilder b;
  const int x = b.AddInput("x", DType::kF32, {2, 2});
  const int m = b.AddTensor("m", DType::kF32, {2, 2});
  const int y = b.AddTensor("y", DType::kF32, {2, 2});
  b.AddCustomOp("MyOp", {x}, {m});
  b.AddOp(schema::OpType_RELU, {m}, {y});
  b.MarkOutput(y);
  Optimized o(b.Finish());
  CHECK(o.Count("RELU") == 1);
  CHECK(o.Count("CUSTOM") == 1);
  CHECK_FALSE(o.stats.shape_note.empty());
}

}  // namespace
}  // namespace edgert
