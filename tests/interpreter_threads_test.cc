// Interpreter threads: InterpreterOptions::num_threads reaches the kernels
// (KernelContext::num_threads, ParallelFor with per-worker scratch), a whole
// model gives bit-identical outputs on 1, 2 and 3 threads, and thread counts
// out of range are handled.
#include <catch2/catch.hpp>

#include <cstring>
#include <string>
#include <vector>

#include "kernels/dispatch.h"
#include "kernels/reference/reference_kernels.h"
#include "runtime/builder.h"
#include "runtime/interpreter.h"
#include "tests/test_models.h"
#include "tools/demo_model.h"
#include "tools/inputs.h"

using namespace edgert;

namespace {

std::shared_ptr<const Model> LoadModel(const std::vector<uint8_t>& f) {
  std::shared_ptr<const Model> m;
  Status s = Model::LoadBuffer(f.data(), f.size(), true, &m);
  INFO(s.message());
  REQUIRE(s.ok());
  return m;
}

// A custom op y = 2 * x + worker-independent offset that splits its elements
// with ParallelFor in tiles of 7, staging each tile in its worker's slice of a
// scratch buffer of num_threads() slices; eval checks that every worker index
// is below num_threads().
struct ScaleState {
  int threads = 0;
  int scratch = -1;
};
int g_bad_workers = 0;
int g_prepared_threads = 0;
constexpr size_t kScaleTile = 7;

Status ScalePrepare(KernelContext* ctx) {
  auto* s = ctx->NewState<ScaleState>();
  if (s == nullptr) return ctx->Error(StatusCode::kOutOfMemory, "no state");
  s->threads = ctx->num_threads();
  g_prepared_threads = s->threads;
  EDGERT_RETURN_IF_ERROR(ctx->RequestScratch(kScaleTile * sizeof(float) * static_cast<size_t>(s->threads), &s->scratch));
  return ctx->SetOutputShape(0, ctx->input(0)->shape);
}

Status ScaleEval(KernelContext* ctx) {
  const ScaleState& s = *ctx->state<ScaleState>();
  const float* x = ctx->input(0)->data_as<float>();
  float* y = ctx->output(0)->data_as<float>();
  float* scratch = static_cast<float*>(ctx->scratch(s.scratch));
  ctx->ParallelFor(static_cast<size_t>(ctx->input(0)->NumElements()), kScaleTile,
                   [&](int worker, size_t start, size_t count) {
                     if (worker < 0 || worker >= s.threads) {
                       ++g_bad_workers;  // not expected; the count is only read after the loop
                       return;
                     }
                     float* slice = scratch + static_cast<size_t>(worker) * kScaleTile;
                     for (size_t i = 0; i < count; ++i) slice[i] = 2.f * x[start + i];
                     for (size_t i = 0; i < count; ++i) y[start + i] = slice[i] + 1.f;
                   });
  return Status::Ok();
}
const OpKernel kScale = {"PARALLEL_SCALE", ScalePrepare, ScaleEval, kNoFlags};

std::vector<uint8_t> BuildScaleModel(int elements) {
  ModelBuilder b;
  const int x = b.AddInput("x", DType::kF32, {1, elements});
  const int y = b.AddTensor("y", DType::kF32, {1, elements});
  b.AddCustomOp("PARALLEL_SCALE", {x}, {y});
  b.MarkOutput(y);
  return b.Finish();
}

std::vector<float> RunDemo(const std::shared_ptr<const Model>& model, int threads, std::string* plan) {
  OpResolver resolver;
  AddDefaultKernels(&resolver);
  InterpreterOptions options;
  options.num_threads = threads;
  Interpreter it(model, &resolver, options);
  const Status s = it.Prepare();
  INFO(s.message());
  REQUIRE(s.ok());
  REQUIRE(it.num_threads() == threads);
  FeedInputs(it, {});
  REQUIRE(it.Invoke().ok());
  REQUIRE(it.Invoke().ok());  // a second invoke reuses the pool
  *plan = it.DescribePlan();
  const Tensor* out = it.output(0);
  std::vector<float> v(static_cast<size_t>(out->NumElements()));
  std::memcpy(v.data(), out->data, out->bytes);
  return v;
}

}  // namespace

TEST_CASE("num_threads reaches kernels: per-worker scratch and ParallelFor", "[interpreter][threads]") {
  auto model = LoadModel(BuildScaleModel(1001));
  OpResolver r;
  r.AddCustom("PARALLEL_SCALE", &kScale);
  for (int threads : {1, 2, 3}) {
    INFO("threads " << threads);
    InterpreterOptions options;
    options.num_threads = threads;
    Interpreter it(model, &r, options);
    g_bad_workers = 0;
    REQUIRE(it.Prepare().ok());
    CHECK(g_prepared_threads == threads);
    float* x = it.input(0)->data_as<float>();
    for (int i = 0; i < 1001; ++i) x[i] = static_cast<float>(i) * 0.5f - 3.f;
    REQUIRE(it.Invoke().ok());
    CHECK(g_bad_workers == 0);
    const float* y = it.output(0)->data_as<float>();
    int wrong = 0;
    for (int i = 0; i < 1001; ++i) wrong += y[i] != 2.f * (static_cast<float>(i) * 0.5f - 3.f) + 1.f;
    CHECK(wrong == 0);
  }
}

TEST_CASE("a model gives bit-identical outputs on 1, 2 and 3 threads", "[interpreter][threads]") {
  // The optimized conv kernels run with the CPU's best ISA; on a CPU without
  // one they fall back to the reference kernels and the check still holds.
  const IsaLevel previous = SetKernelIsaLevelForTesting(DetectedIsaLevel());
  auto model = LoadModel(BuildDemoMobileNet(128, 10));  // large enough for split convs
  std::string plan;
  const std::vector<float> one = RunDemo(model, 1, &plan);
  if (GetKernelIsa().f32_gemm.fn != nullptr) CHECK(plan.find("CONV_2D/optimized") != std::string::npos);
  if (GetKernelIsa().f32_dwconv.fn != nullptr)  // alone, or computed inside the 1x1 convolution after it
    CHECK((plan.find("DEPTHWISE_CONV_2D/optimized") != std::string::npos ||
           plan.find("computed inside") != std::string::npos));
  for (int threads : {2, 3}) {
    INFO("threads " << threads);
    const std::vector<float> many = RunDemo(model, threads, &plan);
    REQUIRE(many.size() == one.size());
    CHECK(std::memcmp(many.data(), one.data(), one.size() * sizeof(float)) == 0);
  }
  SetKernelIsaLevelForTesting(previous);
}

TEST_CASE("thread counts below 1 run on one thread; above the limit prepare fails clearly",
          "[interpreter][threads]") {
  auto model = LoadModel(testing::BuildAddReluReshape());
  OpResolver r;
  r.Add(schema::OpType_ADD, ref::Register_ADD());
  r.Add(schema::OpType_RELU, ref::Register_RELU());
  r.Add(schema::OpType_RESHAPE, ref::Register_RESHAPE());
  for (int n : {0, -4}) {
    InterpreterOptions options;
    options.num_threads = n;
    Interpreter it(model, &r, options);
    CHECK(it.num_threads() == 1);
    CHECK(it.Prepare().ok());
  }
  InterpreterOptions options;
  options.num_threads = ThreadPool::kMaxThreads + 1;
  Interpreter it(model, &r, options);
  const Status s = it.Prepare();
  CHECK(s.code() == StatusCode::kInvalidArgument);
  CHECK(s.message().find("num_threads 65") != std::string::npos);
  CHECK(it.Invoke().code() == StatusCode::kInvalidArgument);
}
