// Interpreter: prepare/invoke, re-planning on resize, arenas, stored plans,
// sharing a model across threads, error recovery, and random-graph planning.
#include <catch2/catch.hpp>

#include <sys/mman.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <random>
#include <thread>

#include "kernels/dispatch.h"
#include "kernels/optimized/optimized_kernels.h"
#include "kernels/reference/reference_kernels.h"
#include "tests/kernels/kernel_variants.h"
#include "runtime/builder.h"
#include "runtime/interpreter.h"
#include "runtime/op_resolver.h"
#include "tests/op_test.h"
#include "tests/test_models.h"

using namespace edgert;
using edgert::testing::BuildAddReluReshape;

namespace {

std::shared_ptr<const Model> LoadModel(const std::vector<uint8_t>& f) {
  std::shared_ptr<const Model> m;
  Status s = Model::LoadBuffer(f.data(), f.size(), true, &m);
  INFO(s.message());
  REQUIRE(s.ok());
  return m;
}

void AddBasic(OpResolver* r) {
  r->Add(schema::OpType_ADD, ref::Register_ADD());
  r->Add(schema::OpType_SUB, ref::Register_SUB());
  r->Add(schema::OpType_RELU, ref::Register_RELU());
  r->Add(schema::OpType_RESHAPE, ref::Register_RESHAPE());
}

void Fill(Tensor* t, float start) {
  for (int64_t i = 0; i < t->NumElements(); ++i) t->data_as<float>()[i] = start + 0.25f * static_cast<float>(i % 13) - 1.f;
}

float Expected(float x, int channel) { return std::max(0.f, x + (channel == 0 ? 0.5f : -1.f)); }

// A custom op that copies its input and counts prepares.
int g_prepare_count = 0;
Status CountingPrepare(KernelContext* ctx) {
  ++g_prepare_count;
  return ctx->SetOutputShape(0, ctx->input(0)->shape);
}
Status CopyEval(KernelContext* ctx) {
  std::memcpy(ctx->output(0)->data, ctx->input(0)->data, ctx->input(0)->bytes);
  return Status::Ok();
}
const OpKernel kCounting = {"COUNTING_COPY", CountingPrepare, CopyEval, kNoFlags};

}  // namespace

TEST_CASE("prepare and invoke compute the graph; reshape aliases its input", "[interpreter]") {
  auto model = LoadModel(BuildAddReluReshape());
  OpResolver r;
  AddBasic(&r);
  Interpreter it(model, &r);
  REQUIRE(it.Prepare().ok());
  Fill(it.input(0), 0.f);
  REQUIRE(it.Invoke().ok());
  const Tensor* y = it.output(0);
  REQUIRE(y->shape == Shape({1, 32}));
  for (int i = 0; i < 32; ++i) REQUIRE(y->data_as<float>()[i] == Expected(it.input(0)->data_as<float>()[i], i % 2));
  REQUIRE(it.tensor(3)->data == it.tensor(4)->data);  // relu output and reshape output share memory
  REQUIRE(it.memory().arena_bytes >= it.memory().arena_lower_bound);
  REQUIRE(it.memory().arena_lower_bound > 0);
  REQUIRE(it.DescribePlan().find("ADD 'add' -> ADD/reference") != std::string::npos);
}

TEST_CASE("resizing an input re-plans once; unchanged shapes cost nothing", "[interpreter]") {
  ModelBuilder b;
  const int x = b.AddInput("x", DType::kF32, {2, 3});
  const int y = b.AddTensor("y", DType::kF32, {2, 3});
  b.AddCustomOp("COUNTING_COPY", {x}, {y});
  b.MarkOutput(y);
  auto model = LoadModel(b.Finish());
  OpResolver r;
  r.AddCustom("COUNTING_COPY", &kCounting);
  Interpreter it(model, &r);
  g_prepare_count = 0;
  REQUIRE(it.Invoke().ok());
  REQUIRE(it.Invoke().ok());
  REQUIRE(g_prepare_count == 1);
  REQUIRE(it.ResizeInput(0, Shape({2, 3})).ok());
  REQUIRE(it.Invoke().ok());
  REQUIRE(g_prepare_count == 1);
  REQUIRE(it.ResizeInput(0, Shape({5, 7})).ok());
  REQUIRE(it.ResizeInput(0, Shape({4, 7})).ok());
  REQUIRE(it.Invoke().ok());
  REQUIRE(it.Invoke().ok());
  REQUIRE(g_prepare_count == 2);
  REQUIRE(it.output(0)->shape == Shape({4, 7}));
  REQUIRE(it.output(0)->bytes == 4 * 7 * 4);
  REQUIRE_FALSE(it.ResizeInput(3, Shape({1})).ok());
  REQUIRE_FALSE(it.ResizeInput(0, Shape({-1})).ok());
}

TEST_CASE("a failed prepare leaves the interpreter usable", "[interpreter]") {
  auto model = LoadModel(BuildAddReluReshape());
  OpResolver r;
  AddBasic(&r);
  Interpreter it(model, &r);
  REQUIRE(it.ResizeInput(0, Shape({1, 4, 4, 3})).ok());  // [.,3] does not broadcast with the constant [2]
  Status s = it.Invoke();
  REQUIRE_FALSE(s.ok());
  REQUIRE(s.message().find("ADD 'add'") != std::string::npos);
  REQUIRE(it.ResizeInput(0, Shape({2, 4, 4, 2})).ok());
  REQUIRE(it.Prepare().ok());
  Fill(it.input(0), 1.f);
  REQUIRE(it.Invoke().ok());
  REQUIRE(it.output(0)->shape == Shape({1, 64}));
  REQUIRE(it.output(0)->data_as<float>()[63] == Expected(it.input(0)->data_as<float>()[63], 1));
}

TEST_CASE("missing kernels are listed with counts", "[interpreter]") {
  auto model = LoadModel(BuildAddReluReshape());
  OpResolver r;
  r.Add(schema::OpType_RESHAPE, ref::Register_RESHAPE());
  Interpreter it(model, &r);
  Status s = it.Prepare();
  REQUIRE(s.code() == StatusCode::kUnsupported);
  REQUIRE(s.message().find("ADD x1") != std::string::npos);
  REQUIRE(s.message().find("RELU x1") != std::string::npos);
}

TEST_CASE("a caller-supplied arena is used, and a small one is refused", "[interpreter]") {
  auto model = LoadModel(BuildAddReluReshape());
  OpResolver r;
  AddBasic(&r);
  Interpreter it(model, &r);
  alignas(64) static uint8_t small[64];
  REQUIRE(it.UseArena(small, sizeof(small)).ok());
  Status s = it.Prepare();
  REQUIRE(s.code() == StatusCode::kInvalidArgument);
  REQUIRE(s.message().find("needs") != std::string::npos);
  alignas(64) static uint8_t big[4096];
  REQUIRE(it.UseArena(big, sizeof(big)).ok());
  REQUIRE(it.Prepare().ok());
  const uint8_t* p = static_cast<const uint8_t*>(it.input(0)->data);
  REQUIRE(p >= big);
  REQUIRE(p < big + sizeof(big));
  Fill(it.input(0), 0.f);
  REQUIRE(it.Invoke().ok());
  REQUIRE(it.output(0)->data_as<float>()[5] == Expected(it.input(0)->data_as<float>()[5], 1));
  REQUIRE_FALSE(it.UseArena(big + 1, 100).ok());  // misaligned
}

// Pages of [data, data + bytes) that are resident (mincore).
size_t ResidentPages(const void* data, size_t bytes, size_t* total) {
  const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  const uintptr_t first = reinterpret_cast<uintptr_t>(data) / page * page;
  const uintptr_t last = (reinterpret_cast<uintptr_t>(data) + bytes + page - 1) / page * page;
  std::vector<unsigned char> v((last - first) / page);
  REQUIRE(mincore(reinterpret_cast<void*>(first), last - first, v.data()) == 0);
  *total = v.size();
  size_t n = 0;
  for (unsigned char c : v) n += c & 1;
  return n;
}

std::shared_ptr<const Model> CopyModel(int32_t rows) {  // y = x, [1, rows, 512, 1] floats
  ModelBuilder b;
  const int x = b.AddInput("x", DType::kF32, {1, rows, 512, 1});
  const int y = b.AddTensor("y", DType::kF32, {1, rows, 512, 1});
  b.AddCustomOp("COUNTING_COPY", {x}, {y});
  b.MarkOutput(y);
  return LoadModel(b.Finish());
}

TEST_CASE("prepare makes the arena resident unless prefault_arena is false", "[interpreter]") {
  auto model = CopyModel(512);  // 1 MB per tensor
  OpResolver r;
  r.AddCustom("COUNTING_COPY", &kCounting);
  {
    // Arenas above 64 MB are left to the first invoke (a corrupt model asking
    // for gigabytes must not get them resident at prepare).
    Interpreter big(CopyModel(20000), &r);  // 2 x 41 MB
    REQUIRE(big.Prepare().ok());
    size_t total = 0;
    CHECK(ResidentPages(big.input(0)->data, big.input(0)->bytes, &total) < total);
  }
  for (bool prefault : {true, false}) {
    InterpreterOptions options;
    options.prefault_arena = prefault;
    Interpreter it(model, &r, options);
    REQUIRE(it.Prepare().ok());
    size_t total = 0;
    const size_t resident = ResidentPages(it.input(0)->data, it.input(0)->bytes, &total);
    INFO("prefault " << prefault << ": " << resident << " of " << total << " input pages resident");
    REQUIRE(total >= 256);
    if (prefault)
      CHECK(resident == total);
    else
      CHECK(resident < total);  // untouched anonymous pages are not resident before the first invoke
    Fill(it.input(0), 1.f);
    REQUIRE(it.Invoke().ok());
    CHECK(std::memcmp(it.output(0)->data, it.input(0)->data, it.input(0)->bytes) == 0);
  }
}

TEST_CASE("an arena above the configured limit is refused before allocation", "[interpreter]") {
  auto model = LoadModel(BuildAddReluReshape());
  OpResolver r;
  AddBasic(&r);
  InterpreterOptions options;
  options.max_arena_bytes = 100;
  Interpreter it(model, &r, options);
  Status s = it.Prepare();
  REQUIRE(s.code() == StatusCode::kOutOfMemory);
  REQUIRE(s.message().find("above the limit of 100 bytes") != std::string::npos);
  options.max_arena_bytes = 1 << 20;
  Interpreter ok(model, &r, options);
  REQUIRE(ok.Prepare().ok());
}

TEST_CASE("a stored memory plan is used when valid and recomputed when not", "[interpreter]") {
  OpResolver r;
  AddBasic(&r);
  {
    auto model = LoadModel(BuildAddReluReshape(/*with_plan=*/true));
    Interpreter it(model, &r);
    REQUIRE(it.Prepare().ok());
    REQUIRE(it.memory().stored_plan_used);
    Fill(it.input(0), 0.f);
    REQUIRE(it.Invoke().ok());
    REQUIRE(it.output(0)->data_as<float>()[7] == Expected(it.input(0)->data_as<float>()[7], 1));
  }
  {
    // The plan no longer fits once the input grows: it must be recomputed, not trusted.
    auto model = LoadModel(BuildAddReluReshape(/*with_plan=*/true));
    Interpreter it(model, &r);
    REQUIRE(it.ResizeInput(0, Shape({3, 4, 4, 2})).ok());
    REQUIRE(it.Prepare().ok());
    REQUIRE_FALSE(it.memory().stored_plan_used);
    REQUIRE(it.memory().plan_note.find("not used") != std::string::npos);
  }
  {
    ModelBuilder b;  // overlapping offsets for x and sum, which are live together
    const int x = b.AddInput("x", DType::kF32, {4});
    const int c = b.AddConstant<float>("c", DType::kF32, {4}, std::vector<float>{1, 2, 3, 4});
    const int s = b.AddTensor("s", DType::kF32, {4});
    b.AddOp(schema::OpType_ADD, {x, c}, {s}, schema::OpOptions_BinaryOptions, schema::CreateBinaryOptions(b.fbb()).Union());
    b.MarkOutput(s);
    b.SetMemoryPlan(64, {0, -1, 0});
    auto model = LoadModel(b.Finish());
    Interpreter it(model, &r);
    REQUIRE(it.Prepare().ok());
    REQUIRE_FALSE(it.memory().stored_plan_used);
    REQUIRE(it.input(0)->data != it.output(0)->data);
  }
}

TEST_CASE("interpreters on several threads share one model", "[interpreter]") {
  auto model = LoadModel(BuildAddReluReshape());
  OpResolver r;
  AddBasic(&r);
  std::vector<int> ok(4, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      Interpreter it(model, &r);
      if (!it.Prepare().ok()) return;
      bool good = true;
      for (int rep = 0; rep < 200 && good; ++rep) {
        Fill(it.input(0), static_cast<float>(t + rep));
        if (!it.Invoke().ok()) good = false;
        for (int i = 0; i < 32 && good; ++i)
          good = it.output(0)->data_as<float>()[i] == Expected(it.input(0)->data_as<float>()[i], i % 2);
      }
      ok[t] = good ? 1 : 0;
    });
  }
  for (auto& th : threads) th.join();
  REQUIRE(ok == std::vector<int>{1, 1, 1, 1});
}

TEST_CASE("random graphs: planned tensors never overlap while live, and results match a naive evaluation",
          "[interpreter][planner]") {
  std::mt19937 rng(7);
  OpResolver r;
  AddBasic(&r);
  for (int trial = 0; trial < 60; ++trial) {
    ModelBuilder b;
    const int n = 1 + static_cast<int>(rng() % 50);  // elements per tensor
    const int num_inputs = 1 + static_cast<int>(rng() % 3);
    std::vector<int> avail;  // tensors usable as inputs
    std::vector<std::vector<float>> value;  // naive values per tensor id
    std::vector<int> tensor_ids;
    auto push = [&](int id, std::vector<float> v) {
      if (static_cast<int>(value.size()) <= id) value.resize(id + 1);
      value[id] = std::move(v);
      avail.push_back(id);
    };
    std::vector<std::vector<float>> feeds;
    for (int i = 0; i < num_inputs; ++i) {
      const int id = b.AddInput("in" + std::to_string(i), DType::kF32, {n});
      std::vector<float> v(n);
      for (float& f : v) f = static_cast<float>(static_cast<int>(rng() % 200) - 100) / 8.f;
      feeds.push_back(v);
      push(id, v);
    }
    const int num_ops = 1 + static_cast<int>(rng() % 25);
    std::vector<int> consumed(1000, 0);
    for (int k = 0; k < num_ops; ++k) {
      const int a = avail[rng() % avail.size()], c = avail[rng() % avail.size()];
      const int y = b.AddTensor("t" + std::to_string(k), DType::kF32, {n});
      std::vector<float> v(n);
      switch (rng() % 4) {
        case 0:
          b.AddOp(schema::OpType_ADD, {a, c}, {y}, schema::OpOptions_BinaryOptions, schema::CreateBinaryOptions(b.fbb()).Union());
          for (int i = 0; i < n; ++i) v[i] = value[a][i] + value[c][i];
          break;
        case 1:
          b.AddOp(schema::OpType_SUB, {a, c}, {y}, schema::OpOptions_BinaryOptions, schema::CreateBinaryOptions(b.fbb()).Union());
          for (int i = 0; i < n; ++i) v[i] = value[a][i] - value[c][i];
          break;
        case 2:
          b.AddOp(schema::OpType_RELU, {a}, {y});
          for (int i = 0; i < n; ++i) v[i] = std::max(0.f, value[a][i]);
          break;
        default:
          b.AddOp(schema::OpType_RESHAPE, {a}, {y}, schema::OpOptions_ReshapeOptions,
                  schema::CreateReshapeOptions(b.fbb(), b.fbb().CreateVector(std::vector<int32_t>{n})).Union());
          v = value[a];
      }
      push(y, v);
    }
    // Outputs: the last tensor plus a random earlier one.
    const int out1 = avail.back();
    const int out2 = avail[rng() % avail.size()];
    b.MarkOutput(out1);
    if (out2 != out1) b.MarkOutput(out2);
    auto model = LoadModel(b.Finish());
    Interpreter it(model, &r);
    REQUIRE(it.Prepare().ok());

    // Every pair of activation tensors whose lifetimes overlap occupies disjoint memory
    // unless one is a reshape alias of the other.
    const auto& nodes = model->nodes();
    const int nt = it.num_tensors();
    std::vector<int> first(nt, 1 << 30), last(nt, -1);
    for (int t : model->inputs()) { first[t] = 0; last[t] = static_cast<int>(nodes.size()) - 1; }
    for (int t : model->outputs()) last[t] = static_cast<int>(nodes.size()) - 1;
    std::vector<int> alias_root(nt);
    for (int t = 0; t < nt; ++t) alias_root[t] = t;
    for (size_t i = 0; i < nodes.size(); ++i) {
      for (int t : nodes[i].inputs) { first[t] = std::min(first[t], static_cast<int>(i)); last[t] = std::max(last[t], static_cast<int>(i)); }
      for (int t : nodes[i].outputs) { first[t] = std::min(first[t], static_cast<int>(i)); last[t] = std::max(last[t], static_cast<int>(i)); }
      if (nodes[i].type == schema::OpType_RESHAPE) alias_root[nodes[i].outputs[0]] = alias_root[nodes[i].inputs[0]];
    }
    for (int a = 0; a < nt; ++a) {
      for (int c = a + 1; c < nt; ++c) {
        if (last[a] < 0 || last[c] < 0 || alias_root[a] == alias_root[c]) continue;
        if (first[a] > last[c] || first[c] > last[a]) continue;
        const uint8_t* pa = static_cast<const uint8_t*>(it.tensor(a)->data);
        const uint8_t* pc = static_cast<const uint8_t*>(it.tensor(c)->data);
        const bool disjoint = pa + it.tensor(a)->bytes <= pc || pc + it.tensor(c)->bytes <= pa;
        INFO("trial " << trial << " tensors " << a << " and " << c);
        REQUIRE(disjoint);
      }
    }
    for (int i = 0; i < num_inputs; ++i) std::memcpy(it.input(i)->data, feeds[i].data(), n * sizeof(float));
    REQUIRE(it.Invoke().ok());
    REQUIRE(it.Invoke().ok());  // a second run on the same inputs gives the same result
    for (int o = 0; o < it.num_outputs(); ++o) {
      const int id = model->outputs()[o];
      for (int i = 0; i < n; ++i) REQUIRE(it.output(o)->data_as<float>()[i] == value[id][i]);
    }
    REQUIRE(it.memory().arena_bytes >= it.memory().arena_lower_bound);
  }
}

TEST_CASE("profiling records a time for every step", "[interpreter]") {
  auto model = LoadModel(BuildAddReluReshape());
  OpResolver r;
  AddBasic(&r);
  Interpreter it(model, &r);
  REQUIRE(it.Prepare().ok());
  REQUIRE(it.step_time_ns().size() == it.plan().size());
  REQUIRE(it.Invoke().ok());
  uint64_t sum = 0;
  for (uint64_t t : it.step_time_ns()) sum += t;
  REQUIRE(sum == 0);  // off by default
  it.SetProfiling(true);
  REQUIRE(it.Invoke().ok());
  REQUIRE(it.Invoke().ok());
  for (uint64_t t : it.step_time_ns()) REQUIRE(t > 0);
  it.ResetProfile();
  for (uint64_t t : it.step_time_ns()) REQUIRE(t == 0);
}

TEST_CASE("nodes on constants run once at prepare; the nodes after them see constant inputs", "[interpreter]") {
  // x [1,4,4,2] -> CONV_2D 1x1 with float16 weights behind DEQUANTIZE -> y
  ModelBuilder b;
  const int x = b.AddInput("x", DType::kF32, {1, 4, 4, 2});
  const std::vector<uint16_t> half = {0x3c00, 0xc000, 0x3800, 0x4200};  // 1, -2, 0.5, 3
  const int wh = b.AddConstant("w_f16", DType::kF16, {2, 1, 1, 2}, half);
  const int w = b.AddTensor("w", DType::kF32, {2, 1, 1, 2});
  const int y = b.AddTensor("y", DType::kF32, {1, 4, 4, 2});
  b.AddOp(schema::OpType_DEQUANTIZE, {wh}, {w});
  b.AddOp(schema::OpType_CONV_2D, {x, w, -1}, {y}, schema::OpOptions_Conv2DOptions,
          schema::CreateConv2DOptions(b.fbb(), schema::Padding_VALID).Union());
  b.MarkOutput(y);
  const std::vector<uint8_t> file = b.Finish();
  std::shared_ptr<const Model> m;
  REQUIRE(Model::LoadBuffer(file.data(), file.size(), true, &m).ok());
  OpResolver r;
  AddDefaultKernels(&r);
  Interpreter interp(m, &r);
  REQUIRE(interp.Prepare().ok());
  REQUIRE(interp.plan().size() == 1);  // only the conv runs at invoke
  CHECK(interp.tensor(w)->is_constant);
  float* xs = interp.input(0)->data_as<float>();
  for (int i = 0; i < 32; ++i) xs[i] = static_cast<float>(i % 5) - 2.f;
  REQUIRE(interp.Invoke().ok());
  const float* ys = interp.output(0)->data_as<float>();
  for (int p = 0; p < 16; ++p) {
    CHECK(ys[2 * p] == xs[2 * p] * 1.f + xs[2 * p + 1] * -2.f);
    CHECK(ys[2 * p + 1] == xs[2 * p] * 0.5f + xs[2 * p + 1] * 3.f);
  }
  // A resize re-prepares and folds again.
  REQUIRE(interp.ResizeInput(0, Shape{1, 2, 2, 2}).ok());
  REQUIRE(interp.Prepare().ok());
  CHECK(interp.plan().size() == 1);
}

TEST_CASE("weights the kernels packed are dropped from a mapped model; results stay right", "[interpreter]") {
  // x [1,4,4,64] -> CONV_2D 1x1 (w [64,1,1,64] = 16 KiB, bias) -> y: the optimized
  // kernel packs w and bias, so their pages of the mapped file are released.
  ModelBuilder b;
  const int x = b.AddInput("x", DType::kF32, {1, 4, 4, 64});
  std::vector<float> wv(64 * 64), bv(64);
  for (size_t i = 0; i < wv.size(); ++i) wv[i] = static_cast<float>(static_cast<int>(i % 13) - 6) * 0.125f;
  for (size_t i = 0; i < bv.size(); ++i) bv[i] = static_cast<float>(i) * 0.5f;
  const int w = b.AddConstant("w", DType::kF32, {64, 1, 1, 64}, wv);
  const int bias = b.AddConstant("b", DType::kF32, {64}, bv);
  const int y = b.AddTensor("y", DType::kF32, {1, 4, 4, 64});
  b.AddOp(schema::OpType_CONV_2D, {x, w, bias}, {y}, schema::OpOptions_Conv2DOptions,
          schema::CreateConv2DOptions(b.fbb(), schema::Padding_VALID, 1, 1).Union());
  b.MarkOutput(y);
  const std::vector<uint8_t> file = b.Finish();
  const std::string path = "edgert_release_test.ert";
  FILE* f = std::fopen(path.c_str(), "wb");
  REQUIRE(f != nullptr);
  REQUIRE(std::fwrite(file.data(), 1, file.size(), f) == file.size());
  REQUIRE(std::fclose(f) == 0);
  std::shared_ptr<const Model> model;
  REQUIRE(Model::LoadFile(path, &model).ok());
  std::remove(path.c_str());  // the mapping stays valid

  std::vector<float> xv(16 * 64);
  for (size_t i = 0; i < xv.size(); ++i) xv[i] = static_cast<float>(static_cast<int>(i % 7) - 3);
  auto run = [&](const OpResolver& r, MemoryReport* mem) {
    Interpreter interp(model, &r);
    REQUIRE(interp.Prepare().ok());
    std::memcpy(interp.input(0)->data, xv.data(), xv.size() * sizeof(float));
    REQUIRE(interp.Invoke().ok());
    if (mem != nullptr) *mem = interp.memory();
    const float* out = interp.output(0)->data_as<float>();
    return std::vector<float>(out, out + 16 * 64);
  };
  OpResolver optimized, reference;
  AddDefaultKernels(&optimized);
  AddReferenceKernels(&reference);
  variant_test::ScopedIsa isa(DetectedIsaLevel());
  MemoryReport mem;
  const std::vector<float> got = run(optimized, &mem);
  if (GetKernelIsa().f32_gemm.fn != nullptr) {
    // 16 KiB of weights at a 64-byte offset: at least 2 whole 4 KiB pages.
    CHECK(mem.released_constant_bytes >= 8192);
  }
  // A reference interpreter on the same model reads the weights again (the
  // pages come back from the file) and gets the same results.
  MemoryReport ref_mem;
  const std::vector<float> want = run(reference, &ref_mem);
  CHECK(ref_mem.released_constant_bytes == 0);
  for (size_t i = 0; i < want.size(); ++i) REQUIRE(got[i] == Approx(want[i]).epsilon(1e-5).margin(1e-4));
  // A buffer-loaded model is never released (its memory belongs to the caller).
  std::shared_ptr<const Model> in_memory;
  REQUIRE(Model::LoadBuffer(file.data(), file.size(), false, &in_memory).ok());
  Interpreter interp(in_memory, &optimized);
  REQUIRE(interp.Prepare().ok());
  CHECK(interp.memory().released_constant_bytes == 0);
}

namespace edgert {
namespace {

// f16 weights [8, 1, 1, 64] and bias feeding DEQUANTIZE nodes, then CONV_2D:
// prepare folds the DEQUANTIZEs into f32 constants (2 KB of weights). Where
// the conv kernel packs them (the optimized kernel on a level with a GEMM),
// the f32 copies are freed after prepare; where it reads them at eval (the
// reference kernel), they stay. Either way the results are the same.
// stored_f16 false: the same values as f32 constants (nothing folded).
std::vector<float> RunF16WeightConv(const OpKernel* conv, bool stored_f16, size_t* persistent,
                                    const float** folded_weights) {
  testing::OpTest t(schema::OpType_CONV_2D);
  std::vector<float> x(2 * 3 * 64), w(8 * 64), b(8);
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i % 13) * 0.25f - 1.5f;
  for (size_t i = 0; i < w.size(); ++i) w[i] = static_cast<float>(i % 7) * 0.125f - 0.375f;
  for (size_t i = 0; i < b.size(); ++i) b[i] = static_cast<float>(i) * 0.5f;
  t.Input<float>({1, 2, 3, 64}, x);
  const int wt = stored_f16 ? t.ConstF16({8, 1, 1, 64}, w) : t.Const<float>({8, 1, 1, 64}, w);
  if (stored_f16)
    t.ConstF16({8}, b);
  else
    t.Const<float>({8}, b);
  t.SetOptions(schema::OpOptions_Conv2DOptions, schema::CreateConv2DOptions(t.fbb(), schema::Padding_VALID).Union());
  t.Output(DType::kF32);
  t.SetF16Arithmetic(false);
  REQUIRE(t.Run(conv).ok());
  *persistent = t.interpreter().memory().persistent_bytes;
  *folded_weights = t.interpreter().tensor(wt)->data_as<float>();
  return t.OutputData<float>(0);
}

TEST_CASE("constants computed at prepare that only packing kernels read are freed", "[interpreter]") {
  size_t ref_persistent = 0, opt_persistent = 0, f32_persistent = 0;
  const float* ref_weights = nullptr;
  const float* opt_weights = nullptr;
  const float* f32_weights = nullptr;
  const std::vector<float> want = RunF16WeightConv(ref::Register_CONV_2D(), true, &ref_persistent, &ref_weights);
  const std::vector<float> got = RunF16WeightConv(opt::Register_CONV_2D(), true, &opt_persistent, &opt_weights);
  const std::vector<float> f32 = RunF16WeightConv(opt::Register_CONV_2D(), false, &f32_persistent, &f32_weights);
  REQUIRE(got == want);  // the values are exact in f32 (multiples of 1/32)
  REQUIRE(f32 == want);
  REQUIRE(ref_weights != nullptr);  // read at eval: kept
  if (GetKernelIsa().f32_gemm.fn == nullptr) {
    WARN("no f32 GEMM at this ISA level: the optimized kernel falls back and nothing is packed");
    REQUIRE(opt_weights != nullptr);
    return;
  }
  REQUIRE(opt_weights == nullptr);  // packed: the f32 copy was freed
  // What stays is what the same node with f32 constants holds (its packed
  // weights and state) and the DEQUANTIZE nodes' state, less than the 2 KB
  // f32 copy of the weights.
  REQUIRE(opt_persistent >= f32_persistent);
  REQUIRE(opt_persistent - f32_persistent < 8 * 64 * sizeof(float));
}

}  // namespace
}  // namespace edgert
