// Proves that Invoke performs no heap allocation. This binary replaces the
// global allocation functions with counting versions (C++ new/delete and the
// C allocator), then runs a model that exercises many op types.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

#include <atomic>
#include <cstdlib>
#include <new>
#include <vector>

#include "runtime/builder.h"
#include "runtime/interpreter.h"
#include "runtime/op_resolver.h"
#include "tools/demo_model.h"
#include "tools/inputs.h"

extern "C" {
void* __libc_malloc(size_t);
void* __libc_calloc(size_t, size_t);
void* __libc_realloc(void*, size_t);
void* __libc_memalign(size_t, size_t);
void __libc_free(void*);
}

static std::atomic<long> g_allocs{0};

extern "C" {
void* malloc(size_t n) {
  ++g_allocs;
  return __libc_malloc(n);
}
void* calloc(size_t a, size_t b) {
  ++g_allocs;
  return __libc_calloc(a, b);
}
void* realloc(void* p, size_t n) {
  ++g_allocs;
  return __libc_realloc(p, n);
}
void* aligned_alloc(size_t a, size_t n) {
  ++g_allocs;
  return __libc_memalign(a, n);
}
int posix_memalign(void** out, size_t a, size_t n) {
  ++g_allocs;
  *out = __libc_memalign(a, n);
  return *out ? 0 : 12;
}
void free(void* p) { __libc_free(p); }
}

void* operator new(size_t n) {
  void* p = malloc(n == 0 ? 1 : n);
  if (!p) throw std::bad_alloc();
  return p;
}
void* operator new[](size_t n) { return operator new(n); }
void* operator new(size_t n, std::align_val_t a) {
  void* p = aligned_alloc(static_cast<size_t>(a), (n + static_cast<size_t>(a) - 1) / static_cast<size_t>(a) * static_cast<size_t>(a));
  if (!p) throw std::bad_alloc();
  return p;
}
void* operator new[](size_t n, std::align_val_t a) { return operator new(n, a); }
void operator delete(void* p) noexcept { free(p); }
void operator delete[](void* p) noexcept { free(p); }
void operator delete(void* p, size_t) noexcept { free(p); }
void operator delete[](void* p, size_t) noexcept { free(p); }
void operator delete(void* p, std::align_val_t) noexcept { free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { free(p); }
void operator delete(void* p, size_t, std::align_val_t) noexcept { free(p); }
void operator delete[](void* p, size_t, std::align_val_t) noexcept { free(p); }

using namespace edgert;

static long AllocationsDuring(Interpreter& interp) {
  const long before = g_allocs.load();
  Status s = interp.Invoke();
  const long after = g_allocs.load();
  REQUIRE(s.ok());
  return after - before;
}

TEST_CASE("the allocation counter sees allocations", "[alloc]") {
  const long before = g_allocs.load();
  std::vector<int>* v = new std::vector<int>(100);
  delete v;
  void* p = std::malloc(10);
  std::free(p);
  REQUIRE(g_allocs.load() - before >= 3);
}

TEST_CASE("invoke of the demo MobileNet performs zero heap allocations", "[alloc]") {
  const std::vector<uint8_t> file = BuildDemoMobileNet(64, 10);
  std::shared_ptr<const Model> model;
  REQUIRE(Model::LoadBuffer(file.data(), file.size(), true, &model).ok());
  OpResolver resolver;
  AddDefaultKernels(&resolver);
  Interpreter interp(model, &resolver);
  const long before_prepare = g_allocs.load();
  REQUIRE(interp.Prepare().ok());
  REQUIRE(g_allocs.load() > before_prepare);  // prepare allocates; invoke must not
  FeedInputs(interp, {});
  REQUIRE(AllocationsDuring(interp) == 0);
  REQUIRE(AllocationsDuring(interp) == 0);
  interp.SetProfiling(true);  // per-step timing must not allocate either
  REQUIRE(AllocationsDuring(interp) == 0);
}

TEST_CASE("invoke on 2 and 3 threads performs zero heap allocations", "[alloc]") {
  const std::vector<uint8_t> file = BuildDemoMobileNet(128, 10);  // convs large enough to be split
  std::shared_ptr<const Model> model;
  REQUIRE(Model::LoadBuffer(file.data(), file.size(), true, &model).ok());
  OpResolver resolver;
  AddDefaultKernels(&resolver);
  for (int threads : {2, 3}) {
    INFO("threads " << threads);
    InterpreterOptions options;
    options.num_threads = threads;
    Interpreter interp(model, &resolver, options);
    REQUIRE(interp.Prepare().ok());  // starts the pool's threads
    FeedInputs(interp, {});
    REQUIRE(AllocationsDuring(interp) == 0);
    REQUIRE(AllocationsDuring(interp) == 0);
  }
}

TEST_CASE("invoke of attention matmuls and a fully connected layer performs zero heap allocations", "[alloc]") {
  // x [1, 2, 37, 64]: s = x x^T (BATCH_MATMUL adj_y), a = s x, y = FULLY_CONNECTED(a) keeping dims;
  // plus a single-row FULLY_CONNECTED (the 1-row kernel).
  ModelBuilder b;
  const int x = b.AddInput("x", DType::kF32, {1, 2, 37, 64});
  const int s = b.AddTensor("s", DType::kF32, {1, 2, 37, 37});
  const int a = b.AddTensor("a", DType::kF32, {1, 2, 37, 64});
  const int y = b.AddTensor("y", DType::kF32, {1, 2, 37, 100});
  const int v = b.AddInput("v", DType::kF32, {1, 300});
  const int z = b.AddTensor("z", DType::kF32, {1, 1000});
  b.AddOp(schema::OpType_BATCH_MATMUL, {x, x}, {s}, schema::OpOptions_BatchMatMulOptions,
          schema::CreateBatchMatMulOptions(b.fbb(), false, true).Union());
  b.AddOp(schema::OpType_BATCH_MATMUL, {s, x}, {a}, schema::OpOptions_BatchMatMulOptions,
          schema::CreateBatchMatMulOptions(b.fbb(), false, false).Union());
  const int w = b.AddConstant("w", DType::kF32, {100, 64}, std::vector<float>(100 * 64, 0.01f));
  const int bias = b.AddConstant("bias", DType::kF32, {100}, std::vector<float>(100, 0.5f));
  b.AddOp(schema::OpType_FULLY_CONNECTED, {a, w, bias}, {y}, schema::OpOptions_FullyConnectedOptions,
          schema::CreateFullyConnectedOptions(b.fbb(), schema::Activation_RELU, true).Union());
  const int w2 = b.AddConstant("w2", DType::kF32, {1000, 300}, std::vector<float>(1000 * 300, 0.01f));
  b.AddOp(schema::OpType_FULLY_CONNECTED, {v, w2, -1}, {z}, schema::OpOptions_FullyConnectedOptions,
          schema::CreateFullyConnectedOptions(b.fbb()).Union());
  b.MarkOutput(y);
  b.MarkOutput(z);
  const std::vector<uint8_t> file = b.Finish();
  std::shared_ptr<const Model> model;
  REQUIRE(Model::LoadBuffer(file.data(), file.size(), true, &model).ok());
  OpResolver resolver;
  AddDefaultKernels(&resolver);
  for (int threads : {1, 2, 3}) {
    INFO("threads " << threads);
    InterpreterOptions options;
    options.num_threads = threads;
    Interpreter interp(model, &resolver, options);
    REQUIRE(interp.Prepare().ok());
    FeedInputs(interp, {});
    REQUIRE(AllocationsDuring(interp) == 0);
    REQUIRE(AllocationsDuring(interp) == 0);
  }
}

TEST_CASE("invoke with block-sparse 1x1 CONV_2D and FULLY_CONNECTED weights performs zero heap allocations",
          "[alloc]") {
  // x [1, 9, 7, 40] -> 1x1 conv (sparse [35,1,1,40]) -> y; v [3, 64] -> FULLY_CONNECTED (sparse [50, 64]) -> z.
  auto sparse_weights = [](int rows, int cols) {
    std::vector<float> w(static_cast<size_t>(rows) * cols, 0.f);
    for (int r = 0; r < rows; ++r)
      for (int c = 0; c < cols; ++c)
        if ((c * 7 + r / 16) % 3 == 0) w[static_cast<size_t>(r) * cols + c] = 0.01f * static_cast<float>(r - c);
    return w;
  };
  ModelBuilder b;
  const int x = b.AddInput("x", DType::kF32, {1, 9, 7, 40});
  const int y = b.AddTensor("y", DType::kF32, {1, 9, 7, 35});
  const std::vector<float> w = sparse_weights(35, 40);
  const int wt = b.AddSparseConstant("w", {35, 1, 1, 40}, w.data(), 16);
  b.AddOp(schema::OpType_CONV_2D, {x, wt, -1}, {y}, schema::OpOptions_Conv2DOptions,
          schema::CreateConv2DOptions(b.fbb(), schema::Padding_SAME, 1, 1, 1, 1, schema::Activation_RELU).Union());
  const int v = b.AddInput("v", DType::kF32, {3, 64});
  const int z = b.AddTensor("z", DType::kF32, {3, 50});
  const std::vector<float> w2 = sparse_weights(50, 64);
  const int w2t = b.AddSparseConstant("w2", {50, 64}, w2.data(), 16);
  const int bias = b.AddConstant("bias", DType::kF32, {50}, std::vector<float>(50, 0.5f));
  b.AddOp(schema::OpType_FULLY_CONNECTED, {v, w2t, bias}, {z}, schema::OpOptions_FullyConnectedOptions,
          schema::CreateFullyConnectedOptions(b.fbb()).Union());
  b.MarkOutput(y);
  b.MarkOutput(z);
  const std::vector<uint8_t> file = b.Finish();
  std::shared_ptr<const Model> model;
  REQUIRE(Model::LoadBuffer(file.data(), file.size(), true, &model).ok());
  REQUIRE(model->tensors()[static_cast<size_t>(wt)].sparse.block_size == 16);
  OpResolver resolver;
  AddDefaultKernels(&resolver);
  for (int threads : {1, 2, 3}) {
    INFO("threads " << threads);
    InterpreterOptions options;
    options.num_threads = threads;
    Interpreter interp(model, &resolver, options);
    REQUIRE(interp.Prepare().ok());
    FeedInputs(interp, {});
    REQUIRE(AllocationsDuring(interp) == 0);
    REQUIRE(AllocationsDuring(interp) == 0);
  }
}
