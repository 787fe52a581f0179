// Loader: verification and semantic validation with messages that name the problem.
#include <catch2/catch.hpp>

#include <cstdio>
#include <cstring>
#include <string>

#include "runtime/builder.h"
#include "runtime/model.h"
#include "tests/test_models.h"

using namespace edgert;
using edgert::testing::BuildAddReluReshape;

static Status Load(const std::vector<uint8_t>& f) {
  std::shared_ptr<const Model> m;
  return Model::LoadBuffer(f.data(), f.size(), true, &m);
}

static bool Contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

TEST_CASE("a valid model loads with its tensors, nodes and constant data", "[model]") {
  const auto f = BuildAddReluReshape();
  std::shared_ptr<const Model> m;
  REQUIRE(Model::LoadBuffer(f.data(), f.size(), true, &m).ok());
  REQUIRE(m->tensors().size() == 5);
  REQUIRE(m->nodes().size() == 3);
  REQUIRE(m->inputs() == std::vector<int32_t>{0});
  REQUIRE(m->outputs() == std::vector<int32_t>{4});
  const TensorInfo& c = m->tensors()[1];
  REQUIRE(c.is_constant());
  REQUIRE(c.const_bytes == 8);
  REQUIRE(reinterpret_cast<uintptr_t>(c.const_data) % kSegmentAlignment == 0);
  REQUIRE(static_cast<const float*>(c.const_data)[0] == 0.5f);
  REQUIRE(static_cast<const float*>(c.const_data)[1] == -1.f);
  REQUIRE(m->nodes()[0].label == "ADD 'add'");
}

TEST_CASE("zero-copy loading uses the caller's aligned buffer in place", "[model]") {
  const auto f = BuildAddReluReshape();
  void* buf = std::aligned_alloc(64, (f.size() + 63) / 64 * 64);
  std::memcpy(buf, f.data(), f.size());
  {
    std::shared_ptr<const Model> m;
    REQUIRE(Model::LoadBuffer(buf, f.size(), false, &m).ok());
    const uint8_t* c = static_cast<const uint8_t*>(m->tensors()[1].const_data);
    REQUIRE(c >= static_cast<uint8_t*>(buf));
    REQUIRE(c < static_cast<uint8_t*>(buf) + f.size());
  }
  std::free(buf);
}

TEST_CASE("loading from a file maps it", "[model]") {
  const auto f = BuildAddReluReshape();
  const std::string path = "model_test_tmp.ert";
  FILE* fp = std::fopen(path.c_str(), "wb");
  REQUIRE(fp != nullptr);
  REQUIRE(std::fwrite(f.data(), 1, f.size(), fp) == f.size());
  std::fclose(fp);
  std::shared_ptr<const Model> m;
  REQUIRE(Model::LoadFile(path, &m).ok());
  REQUIRE(m->file_size() == f.size());
  std::remove(path.c_str());
  Status s = Model::LoadFile("does/not/exist.ert", &m);
  REQUIRE(s.code() == StatusCode::kIoError);
  REQUIRE(Contains(s.message(), "does/not/exist.ert"));
}

TEST_CASE("truncated, foreign and empty files are rejected with a reason", "[model]") {
  auto f = BuildAddReluReshape();
  Status s = Load(std::vector<uint8_t>(f.begin(), f.begin() + 6));
  REQUIRE(s.code() == StatusCode::kInvalidModel);
  REQUIRE(Contains(s.message(), "too small"));
  s = Load(std::vector<uint8_t>(f.begin(), f.end() - 60));
  REQUIRE(!s.ok());
  REQUIRE(Contains(s.message(), "truncated"));
  auto g = f;
  g[8] = 'X';  // file identifier lives at bytes 8..11 of a size-prefixed buffer
  s = Load(g);
  REQUIRE(Contains(s.message(), "file identifier"));
  std::shared_ptr<const Model> m;
  REQUIRE(Model::LoadBuffer(nullptr, 0, true, &m).code() == StatusCode::kInvalidArgument);
}

TEST_CASE("semantic validation names the offending tensor or op", "[model]") {
  SECTION("constant data size must equal shape x dtype") {
    ModelBuilder b;
    const int x = b.AddInput("x", DType::kF32, {2});
    const int c = b.AddConstant<float>("bad_const", DType::kF32, {3}, std::vector<float>{1, 2});
    const int y = b.AddTensor("y", DType::kF32, {2});
    b.AddOp(schema::OpType_ADD, {x, c}, {y}, schema::OpOptions_BinaryOptions, schema::CreateBinaryOptions(b.fbb()).Union());
    b.MarkOutput(y);
    Status s = Load(b.Finish());
    REQUIRE(s.code() == StatusCode::kInvalidModel);
    REQUIRE(Contains(s.message(), "bad_const"));
    REQUIRE(Contains(s.message(), "8 bytes"));
  }
  SECTION("tensor index out of range") {
    ModelBuilder b;
    const int x = b.AddInput("x", DType::kF32, {2});
    const int y = b.AddTensor("y", DType::kF32, {2});
    b.AddOp(schema::OpType_RELU, {x + 7}, {y});
    b.MarkOutput(y);
    Status s = Load(b.Finish());
    REQUIRE(Contains(s.message(), "names tensor 7"));
    REQUIRE(Contains(s.message(), "RELU"));
  }
  SECTION("ops must be topologically ordered (no cycles)") {
    ModelBuilder b;
    const int x = b.AddInput("x", DType::kF32, {2});
    const int a = b.AddTensor("a", DType::kF32, {2});
    const int y = b.AddTensor("y", DType::kF32, {2});
    b.AddOp(schema::OpType_RELU, {a}, {y}, schema::OpOptions_NONE, 0, "first");
    b.AddOp(schema::OpType_RELU, {y}, {a}, schema::OpOptions_NONE, 0, "second");
    (void)x;
    b.MarkOutput(y);
    Status s = Load(b.Finish());
    REQUIRE(Contains(s.message(), "before any op produces it"));
    REQUIRE(Contains(s.message(), "'first'"));
  }
  SECTION("a tensor written twice") {
    ModelBuilder b;
    const int x = b.AddInput("x", DType::kF32, {2});
    const int y = b.AddTensor("y", DType::kF32, {2});
    b.AddOp(schema::OpType_RELU, {x}, {y});
    b.AddOp(schema::OpType_RELU6, {x}, {y});
    b.MarkOutput(y);
    REQUIRE(Contains(Load(b.Finish()).message(), "already written by op 0"));
  }
  SECTION("wrong arity") {
    ModelBuilder b;
    const int x = b.AddInput("x", DType::kF32, {2});
    const int y = b.AddTensor("y", DType::kF32, {2});
    b.AddOp(schema::OpType_ADD, {x}, {y}, schema::OpOptions_BinaryOptions, schema::CreateBinaryOptions(b.fbb()).Union());
    b.MarkOutput(y);
    REQUIRE(Contains(Load(b.Finish()).message(), "has 1 inputs; expected 2..2"));
  }
  SECTION("missing or mismatched options table") {
    ModelBuilder b;
    const int x = b.AddInput("x", DType::kF32, {1, 4, 4, 1});
    const int w = b.AddConstant<float>("w", DType::kF32, {1, 1, 1, 1}, std::vector<float>{1});
    const int y = b.AddTensor("y", DType::kF32, {1, 4, 4, 1});
    b.AddOp(schema::OpType_CONV_2D, {x, w}, {y}, schema::OpOptions_Pool2DOptions,
            schema::CreatePool2DOptions(b.fbb()).Union());
    b.MarkOutput(y);
    REQUIRE(Contains(Load(b.Finish()).message(), "needs options of type Conv2DOptions, found Pool2DOptions"));
  }
  SECTION("unknown op type from a newer format") {
    ModelBuilder b;
    const int x = b.AddInput("x", DType::kF32, {2});
    const int y = b.AddTensor("y", DType::kF32, {2});
    b.AddOp(static_cast<schema::OpType>(9999), {x}, {y});
    b.MarkOutput(y);
    Status s = Load(b.Finish());
    REQUIRE(s.code() == StatusCode::kUnsupported);
    REQUIRE(Contains(s.message(), "unknown op type 9999"));
  }
  SECTION("bad quantization parameters") {
    ModelBuilder b;
    const int x = b.AddInput("qx", DType::kI8, {2, 3}, QuantSpec{{0.5f, 0.25f}, {0, 0}, 1});
    const int y = b.AddTensor("y", DType::kI8, {2, 3});
    b.AddOp(schema::OpType_RELU, {x}, {y});
    b.MarkOutput(y);
    Status s = Load(b.Finish());
    REQUIRE(Contains(s.message(), "'qx'"));
    REQUIRE(Contains(s.message(), "per-channel scales"));
    ModelBuilder b2;
    const int x2 = b2.AddInput("neg_scale", DType::kI8, {2}, QuantSpec::PerTensor(-1.f, 0));
    const int y2 = b2.AddTensor("y", DType::kI8, {2});
    b2.AddOp(schema::OpType_RELU, {x2}, {y2});
    b2.MarkOutput(y2);
    REQUIRE(Contains(Load(b2.Finish()).message(), "positive and finite"));
  }
  SECTION("an output nobody produces, a constant input, a rank over 8") {
    ModelBuilder b;
    b.AddInput("x", DType::kF32, {2});
    const int y = b.AddTensor("orphan", DType::kF32, {2});
    b.MarkOutput(y);
    REQUIRE(Contains(Load(b.Finish()).message(), "'orphan' is never produced"));
    ModelBuilder b2;
    const int c = b2.AddConstant<float>("c", DType::kF32, {1}, std::vector<float>{1});
    b2.MarkInput(c);
    b2.MarkOutput(c);
    REQUIRE(Contains(Load(b2.Finish()).message(), "is a constant"));
    ModelBuilder b3;
    const int x3 = b3.AddInput("deep", DType::kF32, {1, 1, 1, 1, 1, 1, 1, 1, 1});
    b3.MarkOutput(x3);
    REQUIRE(Contains(Load(b3.Finish()).message(), "rank 9"));
  }
  SECTION("element count overflow") {
    ModelBuilder b;
    const int x = b.AddInput("huge", DType::kF32, {1 << 30, 1 << 30, 1 << 30});
    b.MarkOutput(x);
    REQUIRE(Contains(Load(b.Finish()).message(), "overflows"));
  }
}

TEST_CASE("a model from a newer format version is refused", "[model]") {
  auto f = BuildAddReluReshape();
  auto* m = schema::GetMutableSizePrefixedModel(f.data());
  REQUIRE(m->mutate_version(kFormatVersion + 1));
  Status s = Load(f);
  REQUIRE(s.code() == StatusCode::kUnsupported);
  REQUIRE(Contains(s.message(), "newer"));
}

TEST_CASE("metadata is readable", "[model]") {
  ModelBuilder b;
  const int x = b.AddInput("x", DType::kF32, {2});
  b.MarkOutput(x);
  b.AddMetadata("labels", "cat,dog");
  const auto f = b.Finish();
  std::shared_ptr<const Model> m;
  REQUIRE(Model::LoadBuffer(f.data(), f.size(), true, &m).ok());
  REQUIRE(std::string(m->metadata("labels")) == "cat,dog");
  REQUIRE(m->metadata("missing") == nullptr);
}

TEST_CASE("all-zero zero points are omitted from the file and read back as zeros", "[model]") {
  ModelBuilder b;
  const int x = b.AddInput("sym", DType::kI8, {2, 3}, QuantSpec{{0.5f, 0.25f, 2.f}, {0, 0, 0}, 1});
  const int z = b.AddInput("asym", DType::kI8, {2, 3}, QuantSpec{{0.5f, 0.25f, 2.f}, {0, -3, 0}, 1});
  const int y = b.AddTensor("y", DType::kI8, {2, 3}, QuantSpec::PerTensor(1.f, 0));
  b.AddOp(schema::OpType_RELU, {x}, {y});
  b.MarkOutput(y);
  b.MarkOutput(z);
  const auto f = b.Finish();
  const auto* fm = schema::GetSizePrefixedModel(f.data());
  const auto* tensors = fm->subgraphs()->Get(0)->tensors();
  REQUIRE(tensors->Get(x)->quantization()->zero_point() == nullptr);
  REQUIRE(tensors->Get(y)->quantization()->zero_point() == nullptr);
  REQUIRE(tensors->Get(z)->quantization()->zero_point()->size() == 3);
  std::shared_ptr<const Model> m;
  REQUIRE(Model::LoadBuffer(f.data(), f.size(), true, &m).ok());
  REQUIRE(m->tensors()[x].zero_point == std::vector<int32_t>{0, 0, 0});
  REQUIRE(m->tensors()[x].scale == std::vector<float>{0.5f, 0.25f, 2.f});
  REQUIRE(m->tensors()[z].zero_point == std::vector<int32_t>{0, -3, 0});
}
