// The weight cache (runtime/weight_cache.h): a prepare that maps cached packed
// weights computes exactly what a prepare that packs them computes, and a
// cache file that is missing, damaged, or written for something else is
// never used.
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "edgert/edgert.h"
#include "kernels/dispatch.h"
#include "runtime/op_resolver.h"
#include "runtime/builder.h"
#include "runtime/interpreter.h"
#include "runtime/weight_cache.h"
#include "tests/kernels/kernel_variants.h"
#include "tests/kernels/ukernel_test_util.h"

using namespace edgert;

namespace {

// f32: 3x3 conv 16 -> 24 (indirect GEMM), depthwise 3x3, 1x1 conv 24 -> 32,
// fully connected 32 -> 10; int8: 1x1 conv and depthwise on a second input.
// `salt` changes one weight, giving a model of the same structure.
std::vector<uint8_t> BuildModel(float salt) {
  ModelBuilder b;
  const int x = b.AddInput("x", DType::kF32, {1, 8, 8, 16});
  auto values = [](size_t n, int mod, float step) {
    std::vector<float> v(n);
    for (size_t i = 0; i < n; ++i) v[i] = static_cast<float>(static_cast<int>(i % mod) - mod / 2) * step;
    return v;
  };
  std::vector<float> w1 = values(24 * 9 * 16, 11, 0.05f);
  w1[100] += salt;
  const int c1 = b.AddTensor("c1", DType::kF32, {1, 8, 8, 24});
  b.AddOp(schema::OpType_CONV_2D,
          {x, b.AddConstant("w1", DType::kF32, {24, 3, 3, 16}, w1),
           b.AddConstant("b1", DType::kF32, {24}, values(24, 5, 0.1f))},
          {c1}, schema::OpOptions_Conv2DOptions,
          schema::CreateConv2DOptions(b.fbb(), schema::Padding_SAME, 1, 1).Union());
  const int d1 = b.AddTensor("d1", DType::kF32, {1, 8, 8, 24});
  b.AddOp(schema::OpType_DEPTHWISE_CONV_2D,
          {c1, b.AddConstant("wd", DType::kF32, {1, 3, 3, 24}, values(9 * 24, 7, 0.1f)),
           b.AddConstant("bd", DType::kF32, {24}, values(24, 3, 0.2f))},
          {d1}, schema::OpOptions_DepthwiseConv2DOptions,
          schema::CreateDepthwiseConv2DOptions(b.fbb(), schema::Padding_SAME, 1, 1).Union());
  const int p1 = b.AddTensor("p1", DType::kF32, {1, 8, 8, 32});
  b.AddOp(schema::OpType_CONV_2D,
          {d1, b.AddConstant("w2", DType::kF32, {32, 1, 1, 24}, values(32 * 24, 13, 0.03f)),
           b.AddConstant("b2", DType::kF32, {32}, values(32, 4, 0.1f))},
          {p1}, schema::OpOptions_Conv2DOptions,
          schema::CreateConv2DOptions(b.fbb(), schema::Padding_VALID, 1, 1).Union());
  const int r = b.AddTensor("r", DType::kF32, {64, 32});
  b.AddOp(schema::OpType_RESHAPE, {p1, b.AddConstant("shape", DType::kI32, {2}, std::vector<int32_t>{64, 32})}, {r},
          schema::OpOptions_ReshapeOptions, schema::CreateReshapeOptions(b.fbb()).Union());
  const int y = b.AddTensor("y", DType::kF32, {64, 10});
  b.AddOp(schema::OpType_FULLY_CONNECTED,
          {r, b.AddConstant("wf", DType::kF32, {10, 32}, values(10 * 32, 9, 0.05f)),
           b.AddConstant("bf", DType::kF32, {10}, values(10, 3, 0.1f))},
          {y}, schema::OpOptions_FullyConnectedOptions, schema::CreateFullyConnectedOptions(b.fbb()).Union());
  b.MarkOutput(y);

  const QuantSpec in_q = QuantSpec::PerTensor(0.05f, 3), mid_q = QuantSpec::PerTensor(0.08f, -2),
                  out_q = QuantSpec::PerTensor(0.1f, 1);
  const int xq = b.AddInput("xq", DType::kI8, {1, 6, 6, 20}, in_q);
  std::vector<int8_t> wq(20 * 20), wdq(9 * 20);
  for (size_t i = 0; i < wq.size(); ++i) wq[i] = static_cast<int8_t>(static_cast<int>(i * 37 % 255) - 127);
  for (size_t i = 0; i < wdq.size(); ++i) wdq[i] = static_cast<int8_t>(static_cast<int>(i * 53 % 255) - 127);
  std::vector<float> wscale(20);
  for (size_t i = 0; i < wscale.size(); ++i) wscale[i] = 0.002f + 0.0003f * static_cast<float>(i);
  const QuantSpec wq_spec{wscale, std::vector<int64_t>(20, 0), 0}, wdq_spec{wscale, std::vector<int64_t>(20, 0), 3};
  std::vector<float> bias_scale(20);
  for (size_t i = 0; i < 20; ++i) bias_scale[i] = 0.05f * wscale[i];
  std::vector<int32_t> bq(20);
  for (size_t i = 0; i < bq.size(); ++i) bq[i] = static_cast<int32_t>(i * 101) - 900;
  const int cq = b.AddTensor("cq", DType::kI8, {1, 6, 6, 20}, mid_q);
  b.AddOp(schema::OpType_CONV_2D,
          {xq, b.AddConstant("wq", DType::kI8, {20, 1, 1, 20}, wq, wq_spec),
           b.AddConstant("bq", DType::kI32, {20}, bq, QuantSpec{bias_scale, std::vector<int64_t>(20, 0), 0})},
          {cq}, schema::OpOptions_Conv2DOptions,
          schema::CreateConv2DOptions(b.fbb(), schema::Padding_VALID, 1, 1).Union());
  std::vector<float> dbias_scale(20);
  for (size_t i = 0; i < 20; ++i) dbias_scale[i] = 0.08f * wscale[i];
  const int yq = b.AddTensor("yq", DType::kI8, {1, 6, 6, 20}, out_q);
  b.AddOp(schema::OpType_DEPTHWISE_CONV_2D,
          {cq, b.AddConstant("wdq", DType::kI8, {1, 3, 3, 20}, wdq, wdq_spec),
           b.AddConstant("bdq", DType::kI32, {20}, bq, QuantSpec{dbias_scale, std::vector<int64_t>(20, 0), 0})},
          {yq}, schema::OpOptions_DepthwiseConv2DOptions,
          schema::CreateDepthwiseConv2DOptions(b.fbb(), schema::Padding_SAME, 1, 1).Union());
  b.MarkOutput(yq);
  // A 2x2 stride-2 int8 TRANSPOSE_CONV to one channel (the few-column dot
  // path where the level has it: one packed block per filter row).
  std::vector<int8_t> wtq(2 * 2 * 20);
  for (size_t i = 0; i < wtq.size(); ++i) wtq[i] = static_cast<int8_t>(static_cast<int>(i * 41 % 255) - 127);
  const int tq = b.AddTensor("tq", DType::kI8, {1, 12, 12, 1}, QuantSpec::PerTensor(0.3f, -7));
  b.AddOp(schema::OpType_TRANSPOSE_CONV,
          {yq, b.AddConstant("wtq", DType::kI8, {1, 2, 2, 20}, wtq, QuantSpec::PerTensor(0.004f, 0)),
           b.AddConstant("btq", DType::kI32, {1}, std::vector<int32_t>{333}, QuantSpec::PerTensor(0.1f * 0.004f, 0))},
          {tq}, schema::OpOptions_TransposeConvOptions,
          schema::CreateTransposeConvOptions(b.fbb(), schema::Padding_VALID, 2, 2).Union());
  b.MarkOutput(tq);
  return b.Finish();
}

std::shared_ptr<const Model> Load(const std::vector<uint8_t>& file) {
  std::shared_ptr<const Model> model;
  REQUIRE(Model::LoadBuffer(file.data(), file.size(), true, &model).ok());
  return model;
}

struct RunResult {
  std::vector<float> y;
  std::vector<int8_t> yq, tq;
  MemoryReport memory;
};

RunResult Run(const std::shared_ptr<const Model>& model, const std::string& cache_path) {
  OpResolver resolver;
  AddDefaultKernels(&resolver);
  InterpreterOptions options;
  options.weight_cache_path = cache_path;
  Interpreter interp(model, &resolver, options);
  REQUIRE(interp.Prepare().ok());
  float* x = interp.input(0)->data_as<float>();
  for (int i = 0; i < 8 * 8 * 16; ++i) x[i] = static_cast<float>(i % 17 - 8) * 0.25f;
  int8_t* xq = interp.input(1)->data_as<int8_t>();
  for (int i = 0; i < 6 * 6 * 20; ++i) xq[i] = static_cast<int8_t>(i * 29 % 256 - 128);
  REQUIRE(interp.Invoke().ok());
  RunResult r;
  const float* y = interp.output(0)->data_as<float>();
  r.y.assign(y, y + 64 * 10);
  const int8_t* yq = interp.output(1)->data_as<int8_t>();
  r.yq.assign(yq, yq + 6 * 6 * 20);
  const int8_t* tq = interp.output(2)->data_as<int8_t>();
  r.tq.assign(tq, tq + 12 * 12);
  r.memory = interp.memory();
  return r;
}

std::string TempPath(const char* name) { return std::string("edgert_weight_cache_test_") + name + ".cache"; }

std::vector<uint8_t> ReadFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

void WriteFile(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  REQUIRE(f.good());
}

// The reference level and every level with microkernels this CPU runs.
std::vector<IsaLevel> Levels() {
  std::vector<IsaLevel> v = {IsaLevel::kReference};
  for (IsaLevel l : testing::SupportedMicrokernelLevels()) v.push_back(l);
  return v;
}

bool StartsWith(const std::string& s, const std::string& prefix) { return s.compare(0, prefix.size(), prefix) == 0; }

}  // namespace

TEST_CASE("HashBytes sees a change of any byte, at every length and alignment", "[weight_cache]") {
  std::vector<uint8_t> data(200);
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(i * 7 + 1);
  for (size_t len = 0; len <= 140; ++len) {
    const uint64_t h = HashBytes(data.data() + 1, len);
    CHECK(HashBytes(data.data() + 1, len, 1) != h);  // the seed counts
    if (len > 0) CHECK(HashBytes(data.data() + 1, len - 1) != h);  // so does the length
    for (size_t i = 0; i < len; ++i) {
      data[1 + i] ^= 0x10;
      const uint64_t changed = HashBytes(data.data() + 1, len);
      data[1 + i] ^= 0x10;
      if (changed == h) FAIL("length " << len << ": flipping byte " << i << " leaves the hash unchanged");
    }
  }
  CHECK(PackedLayoutKey("f32-gemm-b", {16, 3}) != PackedLayoutKey("f32-gemm-b", {16, 4}));
  CHECK(PackedLayoutKey("f32-gemm-b", {16, 3}) != PackedLayoutKey("f32-dwconv", {16, 3}));
}

TEST_CASE("A prepare from the weight cache computes what packing computes, at every ISA level", "[weight_cache]") {
  const std::vector<uint8_t> file = BuildModel(0.f);
  const auto model = Load(file);
  for (IsaLevel level : Levels()) {
    variant_test::ScopedIsa isa(level);
    INFO("ISA level " << GetKernelIsa().name);
    const std::string path = TempPath("roundtrip");
    std::remove(path.c_str());
    const RunResult plain = Run(model, "");
    CHECK(plain.memory.weight_cache_note.empty());
    const RunResult first = Run(model, path);
    INFO("first: " << first.memory.weight_cache_note);
    CHECK(StartsWith(first.memory.weight_cache_note, "not used: no cache file yet; written"));
    CHECK(first.memory.weight_cache_bytes == 0);
    const RunResult second = Run(model, path);
    INFO("second: " << second.memory.weight_cache_note);
    CHECK(plain.y == first.y);
    CHECK(plain.yq == first.yq);
    CHECK(plain.y == second.y);
    CHECK(plain.yq == second.yq);
    CHECK(plain.tq == first.tq);
    CHECK(plain.tq == second.tq);
    if (level != IsaLevel::kReference) {
      // Every packed block (the two f32 convolutions, the depthwise, the FC and
      // the three int8 layers) comes from the cache.
      CHECK(StartsWith(second.memory.weight_cache_note, "used: "));
      CHECK(second.memory.weight_cache_bytes > 0);
      CHECK(second.memory.persistent_bytes + second.memory.weight_cache_bytes >= first.memory.persistent_bytes);
      CHECK(second.memory.persistent_bytes < first.memory.persistent_bytes);
    }
    std::remove(path.c_str());
  }
}

TEST_CASE("A damaged or foreign weight cache is not used, and prepare still succeeds", "[weight_cache]") {
  variant_test::ScopedIsa isa(DetectedIsaLevel());
  if (GetKernelIsa().f32_gemm.fn == nullptr) return;  // nothing is packed at this level
  const std::vector<uint8_t> file = BuildModel(0.f);
  const auto model = Load(file);
  const RunResult plain = Run(model, "");
  const std::string path = TempPath("damaged");
  std::remove(path.c_str());
  Run(model, path);
  const std::vector<uint8_t> good = ReadFile(path);
  REQUIRE(good.size() > 256);

  // Each damaged file is rejected with the reason, the outputs are those of
  // packing, and the file is written again (then used by the next prepare).
  auto check_rejected = [&](const std::vector<uint8_t>& bytes, const std::string& reason) {
    WriteFile(path, bytes);
    const RunResult r = Run(model, path);
    INFO("note: " << r.memory.weight_cache_note);
    CHECK(StartsWith(r.memory.weight_cache_note, "not used: " + reason));
    CHECK(r.memory.weight_cache_bytes == 0);
    CHECK(r.y == plain.y);
    CHECK(r.yq == plain.yq);
    const RunResult again = Run(model, path);
    CHECK(StartsWith(again.memory.weight_cache_note, "used: "));
  };
  SECTION("empty") { check_rejected({}, "shorter than its header"); }
  SECTION("not a cache") { check_rejected(std::vector<uint8_t>(4096, 'x'), "not a weight cache file"); }
  SECTION("header byte changed") {
    std::vector<uint8_t> bad = good;
    bad[20] ^= 1;  // inside the model hash
    check_rejected(bad, "its header is corrupted");
  }
  SECTION("cut short") {
    std::vector<uint8_t> bad(good.begin(), good.end() - 100);
    check_rejected(bad, "its size is not the size it was written with");
  }
  SECTION("block table changed") {
    std::vector<uint8_t> bad = good;
    bad[64 + 8] ^= 4;  // the first block's layout key
    check_rejected(bad, "its block table is corrupted");
  }
  SECTION("written for a model of the same structure with another weight") {
    const auto other = Load(BuildModel(0.5f));
    std::remove(path.c_str());
    Run(other, path);
    check_rejected(ReadFile(path), "written for another model");
  }
  std::remove(path.c_str());
}

TEST_CASE("A weight cache that cannot be written leaves prepare working", "[weight_cache]") {
  const auto model = Load(BuildModel(0.f));
  const RunResult plain = Run(model, "");
  const RunResult r = Run(model, "no_such_directory_for_edgert/cache.bin");
  INFO("note: " << r.memory.weight_cache_note);
  CHECK(r.memory.weight_cache_note.find("not written: cannot create") != std::string::npos);
  CHECK(r.y == plain.y);
  CHECK(r.yq == plain.yq);
}

TEST_CASE("A cache written at another ISA level is replaced, not misused", "[weight_cache]") {
  const auto model = Load(BuildModel(0.f));
  const std::string path = TempPath("levels");
  std::remove(path.c_str());
  const std::vector<IsaLevel> levels = Levels();
  for (IsaLevel writer : levels)
    for (IsaLevel reader : levels) {
      RunResult plain;
      {
        variant_test::ScopedIsa isa(reader);
        plain = Run(model, "");
      }
      {
        variant_test::ScopedIsa isa(writer);
        Run(model, path);
      }
      variant_test::ScopedIsa isa(reader);
      const RunResult r = Run(model, path);
      INFO("written at " << IsaLevelName(writer) << ", read at " << IsaLevelName(reader) << ": "
                         << r.memory.weight_cache_note);
      CHECK(r.y == plain.y);
      CHECK(r.yq == plain.yq);
    }
  std::remove(path.c_str());
}

TEST_CASE("C API: ert_interpreter_options.weight_cache_path", "[weight_cache][c_api]") {
  const std::vector<uint8_t> file = BuildModel(0.f);
  const std::string path = TempPath("c_api");
  std::remove(path.c_str());
  ert_model* model = nullptr;
  REQUIRE(ert_model_load_buffer(file.data(), file.size(), 1, &model, nullptr, 0) == ERT_OK);
  for (int round = 0; round < 2; ++round) {
    ert_interpreter_options opts;
    std::memset(&opts, 0, sizeof(opts));
    opts.struct_size = sizeof(opts);
    opts.weight_cache_path = path.c_str();
    ert_interpreter* interp = nullptr;
    REQUIRE(ert_interpreter_create(model, &opts, &interp, nullptr, 0) == ERT_OK);
    REQUIRE(ert_interpreter_prepare(interp) == ERT_OK);
    const std::string note = ert_interpreter_weight_cache_note(interp);
    INFO("round " << round << ": " << note);
    variant_test::ScopedIsa isa(DetectedIsaLevel());
    if (GetKernelIsa().f32_gemm.fn != nullptr) CHECK(StartsWith(note, round == 0 ? "not used: no cache file" : "used: "));
    ert_interpreter_delete(interp);
  }
  // Options from before the field existed (a smaller struct_size) have no cache.
  ert_interpreter_options old;
  std::memset(&old, 0, sizeof(old));
  old.struct_size = static_cast<int32_t>(offsetof(ert_interpreter_options, weight_cache_path));
  old.weight_cache_path = "must_not_be_read";
  ert_interpreter* interp = nullptr;
  REQUIRE(ert_interpreter_create(model, &old, &interp, nullptr, 0) == ERT_OK);
  REQUIRE(ert_interpreter_prepare(interp) == ERT_OK);
  CHECK(std::string(ert_interpreter_weight_cache_note(interp)).empty());
  ert_interpreter_delete(interp);
  ert_model_delete(model);
  std::remove(path.c_str());
}

TEST_CASE("The data digest: written by the builder, checked on request, the cache identity of the weights",
          "[weight_cache]") {
  const std::vector<uint8_t> file = BuildModel(0.f);
  const auto model = Load(file);
  const uint64_t data_offset = model->fb()->data_offset();
  REQUIRE(data_offset > 0);
  REQUIRE(data_offset < file.size());
  CHECK(model->fb()->data_digest() == DataAreaDigest(file.data() + data_offset, file.size() - data_offset));
  CHECK(model->CheckDataDigest().ok());

  // A weight changed by a writer that kept the old digest: the check names it.
  // The cache identity does not read the data area, so it is unchanged (the
  // documented trade: a cache lookup need not read megabytes of weights).
  std::vector<uint8_t> stale = file;
  stale[static_cast<size_t>(data_offset) + 5] ^= 0x40;
  const auto stale_model = Load(stale);
  const Status check = stale_model->CheckDataDigest();
  CHECK_FALSE(check.ok());
  CHECK(check.message().find("data_digest") != std::string::npos);
  CHECK(stale_model->content_hash() == model->content_hash());

  // A model written with that weight changed (a fresh digest) is another model.
  std::vector<uint8_t> other = BuildModel(0.5f);
  CHECK(Load(other)->content_hash() != model->content_hash());

  // Without a digest every byte counts, the data area's too.
  std::vector<uint8_t> plain = file;
  REQUIRE(schema::GetMutableSizePrefixedModel(plain.data())->mutate_data_digest(0));
  std::vector<uint8_t> plain_changed = plain;
  plain_changed[static_cast<size_t>(data_offset) + 5] ^= 0x40;
  const auto plain_model = Load(plain);
  CHECK(plain_model->CheckDataDigest().ok());  // nothing to check
  CHECK(plain_model->content_hash() == HashBytes(plain.data(), plain.size()));
  CHECK(Load(plain_changed)->content_hash() != plain_model->content_hash());
}
