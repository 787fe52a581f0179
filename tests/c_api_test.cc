// The C API and the RAII C++ header over it.
#include <catch2/catch.hpp>

#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "edgert/edgert.h"
#include "edgert/edgert.hpp"
#include "runtime/builder.h"
#include "tests/test_models.h"

using edgert::testing::BuildAddReluReshape;

TEST_CASE("C API: load, prepare, invoke, read outputs and memory figures", "[c_api]") {
  const auto f = BuildAddReluReshape();
  char err[256] = {0};
  ert_model* model = nullptr;
  REQUIRE(ert_model_load_buffer(f.data(), f.size(), 1, &model, err, sizeof(err)) == ERT_OK);
  REQUIRE(ert_model_num_inputs(model) == 1);
  REQUIRE(ert_model_num_ops(model) == 3);
  ert_interpreter_options opts{static_cast<int32_t>(sizeof(ert_interpreter_options)), 1, 0, nullptr, 0, 0, 0};
  ert_interpreter* it = nullptr;
  REQUIRE(ert_interpreter_create(model, &opts, &it, err, sizeof(err)) == ERT_OK);
  ert_model_delete(model);  // the interpreter keeps the model alive
  REQUIRE(ert_interpreter_prepare(it) == ERT_OK);
  ert_tensor_info in;
  REQUIRE(ert_interpreter_input(it, 0, &in) == ERT_OK);
  REQUIRE(std::string(in.name) == "x");
  REQUIRE(in.rank == 4);
  REQUIRE(in.bytes == 32 * sizeof(float));
  float* x = static_cast<float*>(in.data);
  for (int i = 0; i < 32; ++i) x[i] = static_cast<float>(i) - 10.f;
  REQUIRE(ert_interpreter_invoke(it) == ERT_OK);
  ert_tensor_info out;
  REQUIRE(ert_interpreter_output(it, 0, &out) == ERT_OK);
  REQUIRE(out.rank == 2);
  REQUIRE(out.dims[1] == 32);
  const float* y = static_cast<const float*>(out.data);
  for (int i = 0; i < 32; ++i) REQUIRE(y[i] == std::max(0.f, x[i] + (i % 2 == 0 ? 0.5f : -1.f)));
  ert_memory_info mem;
  REQUIRE(ert_interpreter_memory(it, &mem) == ERT_OK);
  REQUIRE(mem.arena_bytes >= mem.arena_lower_bound);
  REQUIRE(mem.constant_bytes == 8);

  // Errors carry messages and leave the interpreter usable.
  REQUIRE(ert_interpreter_output(it, 5, &out) == ERT_INVALID_ARGUMENT);
  REQUIRE(std::string(ert_interpreter_error(it)).find("out of range") != std::string::npos);
  const int32_t bad_dims[4] = {1, 4, 4, 3};
  REQUIRE(ert_interpreter_resize_input(it, 0, bad_dims, 4) == ERT_OK);
  REQUIRE(ert_interpreter_invoke(it) == ERT_INVALID_MODEL);
  REQUIRE(std::string(ert_interpreter_error(it)).find("ADD") != std::string::npos);
  const int32_t good_dims[4] = {1, 4, 4, 2};
  REQUIRE(ert_interpreter_resize_input(it, 0, good_dims, 4) == ERT_OK);
  REQUIRE(ert_interpreter_invoke(it) == ERT_OK);
  REQUIRE(std::string(ert_interpreter_error(it)).empty());
  ert_interpreter_delete(it);
  ert_interpreter_delete(nullptr);
  ert_model_delete(nullptr);
}

TEST_CASE("C API: the arena limit option is honoured", "[c_api]") {
  const auto f = BuildAddReluReshape();
  ert_model* model = nullptr;
  REQUIRE(ert_model_load_buffer(f.data(), f.size(), 1, &model, nullptr, 0) == ERT_OK);
  ert_interpreter_options opts{static_cast<int32_t>(sizeof(ert_interpreter_options)), 1, 64, nullptr, 0, 0, 0};
  ert_interpreter* it = nullptr;
  REQUIRE(ert_interpreter_create(model, &opts, &it, nullptr, 0) == ERT_OK);
  REQUIRE(ert_interpreter_prepare(it) == ERT_OUT_OF_MEMORY);
  REQUIRE(std::string(ert_interpreter_error(it)).find("limit") != std::string::npos);
  ert_interpreter_delete(it);
  ert_model_delete(model);
}

TEST_CASE("C API: lazy_arena leaves the arena's pages to the first invoke", "[c_api]") {
  edgert::ModelBuilder b;  // y = x + 1 on a 1 MB input
  const int x = b.AddInput("x", edgert::DType::kF32, {1, 512, 512, 1});
  const int c = b.AddConstant<float>("c", edgert::DType::kF32, {1}, std::vector<float>{1.f});
  const int y = b.AddTensor("y", edgert::DType::kF32, {1, 512, 512, 1});
  b.AddOp(edgert::schema::OpType_ADD, {x, c}, {y}, edgert::schema::OpOptions_BinaryOptions,
          edgert::schema::CreateBinaryOptions(b.fbb()).Union());
  b.MarkOutput(y);
  const std::vector<uint8_t> f = b.Finish();
  ert_model* model = nullptr;
  REQUIRE(ert_model_load_buffer(f.data(), f.size(), 1, &model, nullptr, 0) == ERT_OK);
  const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  // {struct_size, lazy_arena, pages expected resident after prepare: all?}
  struct Case {
    int32_t struct_size, lazy;
    bool all_resident;
  };
  const Case cases[] = {{static_cast<int32_t>(sizeof(ert_interpreter_options)), 0, true},
                        {static_cast<int32_t>(sizeof(ert_interpreter_options)), 1, false},
                        // a struct from before the field: the default (resident), the field unread
                        {static_cast<int32_t>(offsetof(ert_interpreter_options, lazy_arena)), 1, true}};
  for (const Case& k : cases) {
    ert_interpreter_options opts{k.struct_size, 1, 0, nullptr, k.lazy, 0, 0};
    ert_interpreter* it = nullptr;
    REQUIRE(ert_interpreter_create(model, &opts, &it, nullptr, 0) == ERT_OK);
    REQUIRE(ert_interpreter_prepare(it) == ERT_OK);
    ert_tensor_info in;
    REQUIRE(ert_interpreter_input(it, 0, &in) == ERT_OK);
    const uintptr_t first = (reinterpret_cast<uintptr_t>(in.data) + page - 1) / page * page;
    const uintptr_t last = (reinterpret_cast<uintptr_t>(in.data) + in.bytes) / page * page;
    std::vector<unsigned char> v((last - first) / page);
    REQUIRE(v.size() >= 200);
    REQUIRE(mincore(reinterpret_cast<void*>(first), last - first, v.data()) == 0);
    size_t resident = 0;
    for (unsigned char r : v) resident += r & 1;
    INFO("struct_size " << k.struct_size << ", lazy_arena " << k.lazy << ": " << resident << " of " << v.size());
    if (k.all_resident)
      CHECK(resident == v.size());
    else
      CHECK(resident < v.size());
    float* xs = static_cast<float*>(in.data);
    for (size_t i = 0; i < in.bytes / sizeof(float); ++i) xs[i] = static_cast<float>(i % 7);
    REQUIRE(ert_interpreter_invoke(it) == ERT_OK);
    ert_tensor_info out;
    REQUIRE(ert_interpreter_output(it, 0, &out) == ERT_OK);
    const float* ys = static_cast<const float*>(out.data);
    CHECK(ys[12345] == static_cast<float>(12345 % 7) + 1.f);
    ert_interpreter_delete(it);
  }
  ert_model_delete(model);
}

TEST_CASE("C API: num_threads is passed to the interpreter and checked at prepare", "[c_api]") {
  const auto f = BuildAddReluReshape();
  ert_model* model = nullptr;
  REQUIRE(ert_model_load_buffer(f.data(), f.size(), 1, &model, nullptr, 0) == ERT_OK);
  ert_interpreter_options opts{static_cast<int32_t>(sizeof(ert_interpreter_options)), 2, 0, nullptr, 0, 0, 0};
  ert_interpreter* it = nullptr;
  REQUIRE(ert_interpreter_create(model, &opts, &it, nullptr, 0) == ERT_OK);
  REQUIRE(ert_interpreter_prepare(it) == ERT_OK);
  REQUIRE(ert_interpreter_invoke(it) == ERT_OK);
  ert_interpreter_delete(it);
  opts.num_threads = 1000;
  REQUIRE(ert_interpreter_create(model, &opts, &it, nullptr, 0) == ERT_OK);
  REQUIRE(ert_interpreter_prepare(it) == ERT_INVALID_ARGUMENT);
  REQUIRE(std::string(ert_interpreter_error(it)).find("num_threads 1000") != std::string::npos);
  ert_interpreter_delete(it);
  ert_model_delete(model);
}

TEST_CASE("C API: load failures report a message and no handle", "[c_api]") {
  char err[256] = {0};
  ert_model* model = reinterpret_cast<ert_model*>(0x1);
  REQUIRE(ert_model_load_file("/nonexistent/model.ert", &model, err, sizeof(err)) == ERT_IO_ERROR);
  REQUIRE(model == nullptr);
  REQUIRE(std::string(err).find("/nonexistent/model.ert") != std::string::npos);
  const char junk[64] = "this is not a model at all, just some bytes..";
  REQUIRE(ert_model_load_buffer(junk, sizeof(junk), 0, &model, err, sizeof(err)) == ERT_INVALID_MODEL);
  REQUIRE(model == nullptr);
  REQUIRE(std::string(err).size() > 10);
  REQUIRE(ert_model_load_buffer(junk, sizeof(junk), 0, nullptr, nullptr, 0) == ERT_INVALID_ARGUMENT);
  REQUIRE(std::string(ert_status_name(ERT_UNSUPPORTED)) == "unsupported");
  REQUIRE(std::string(ert_dtype_name(ERT_I8)) == "i8");
  REQUIRE(ert_abi_version() == ERT_ABI_VERSION);
}

TEST_CASE("C++ header: RAII handles over the C API", "[c_api]") {
  const auto f = BuildAddReluReshape();
  ert::Model model;
  REQUIRE(ert::Model::LoadBuffer(f.data(), f.size(), true, &model).ok());
  ert::Interpreter it;
  REQUIRE(ert::Interpreter::Create(model, 1, &it).ok());
  REQUIRE(it.ResizeInput(0, {2, 4, 4, 2}).ok());
  ert_tensor_info in;
  REQUIRE(it.Input(0, &in).ok());
  REQUIRE(in.bytes == 64 * sizeof(float));
  std::memset(in.data, 0, in.bytes);
  REQUIRE(it.Invoke().ok());
  ert_tensor_info out;
  REQUIRE(it.Output(0, &out).ok());
  REQUIRE(out.dims[1] == 64);
  REQUIRE(static_cast<const float*>(out.data)[0] == 0.5f);
  ert::Result r = it.ResizeInput(0, {1, 4, 4, 5});
  REQUIRE(r.ok());
  r = it.Invoke();
  REQUIRE_FALSE(r.ok());
  REQUIRE(r.message.find("ADD") != std::string::npos);
  ert::Model bad;
  r = ert::Model::LoadFile("/nonexistent.ert", &bad);
  REQUIRE(r.status == ERT_IO_ERROR);
  REQUIRE_FALSE(static_cast<bool>(bad));
}

namespace {

// x [1,4,5,8] -> CONV_2D 1x1 -> t; y = ADD(t, x): a residual ADD the
// interpreter runs inside the convolution unless told not to.
std::vector<uint8_t> BuildConvResidual() {
  edgert::ModelBuilder b;
  const int c = 8;
  std::vector<float> w(c * c), bias(c);
  for (size_t i = 0; i < w.size(); ++i) w[i] = static_cast<float>(static_cast<int>(i * 7 % 13) - 6) / 8.f;
  for (int i = 0; i < c; ++i) bias[static_cast<size_t>(i)] = 0.25f * static_cast<float>(i - 3);
  const int x = b.AddInput("x", edgert::DType::kF32, {1, 4, 5, c});
  const int wt = b.AddConstant<float>("w", edgert::DType::kF32, {c, 1, 1, c}, w);
  const int bt = b.AddConstant<float>("b", edgert::DType::kF32, {c}, bias);
  const int t = b.AddTensor("t", edgert::DType::kF32, {1, 4, 5, c});
  const int y = b.AddTensor("y", edgert::DType::kF32, {1, 4, 5, c});
  b.AddOp(edgert::schema::OpType_CONV_2D, {x, wt, bt}, {t}, edgert::schema::OpOptions_Conv2DOptions,
          edgert::schema::CreateConv2DOptions(b.fbb(), edgert::schema::Padding_VALID, 1, 1).Union());
  b.AddOp(edgert::schema::OpType_ADD, {t, x}, {y}, edgert::schema::OpOptions_BinaryOptions,
          edgert::schema::CreateBinaryOptions(b.fbb(), edgert::schema::Activation_NONE).Union());
  b.MarkOutput(y);
  return b.Finish();
}

// Runs the model with the given no_fusion option (in options of struct_size
// bytes); returns the plan text and fills `out` with the output.
std::string RunConvResidual(const std::vector<uint8_t>& f, int32_t no_fusion, std::vector<float>* out,
                            size_t struct_size = sizeof(ert_interpreter_options)) {
  char err[256] = {0};
  ert_model* model = nullptr;
  REQUIRE(ert_model_load_buffer(f.data(), f.size(), 1, &model, err, sizeof(err)) == ERT_OK);
  ert_interpreter_options opts{static_cast<int32_t>(struct_size), 1, 0, nullptr, 0, 0, no_fusion};
  ert_interpreter* it = nullptr;
  REQUIRE(ert_interpreter_create(model, &opts, &it, err, sizeof(err)) == ERT_OK);
  ert_model_delete(model);
  REQUIRE(std::string(ert_interpreter_plan(it)).empty());  // not prepared yet
  REQUIRE(ert_interpreter_prepare(it) == ERT_OK);
  ert_tensor_info in, o;
  REQUIRE(ert_interpreter_input(it, 0, &in) == ERT_OK);
  float* x = static_cast<float*>(in.data);
  for (size_t i = 0; i < in.bytes / sizeof(float); ++i) x[i] = static_cast<float>(static_cast<int>(i % 11) - 5) / 4.f;
  REQUIRE(ert_interpreter_invoke(it) == ERT_OK);
  REQUIRE(ert_interpreter_output(it, 0, &o) == ERT_OK);
  const float* y = static_cast<const float*>(o.data);
  out->assign(y, y + o.bytes / sizeof(float));
  const std::string plan = ert_interpreter_plan(it);
  ert_interpreter_delete(it);
  return plan;
}

}  // namespace

TEST_CASE("C API: no_fusion keeps a residual ADD a separate step; the plan shows it", "[c_api]") {
  const auto f = BuildConvResidual();
  std::vector<float> fused, plain;
  const std::string fused_plan = RunConvResidual(f, 0, &fused);
  const std::string plain_plan = RunConvResidual(f, 1, &plain);
  INFO("fused plan:\n" << fused_plan << "plain plan:\n" << plain_plan);
  CHECK(fused_plan.find("CONV_2D") != std::string::npos);
  CHECK(fused_plan.find("(+ ADD") != std::string::npos);
  CHECK(fused_plan.find("step 1") == std::string::npos);  // one step
  CHECK(plain_plan.find("(+ ADD") == std::string::npos);
  CHECK(plain_plan.find("step 1: ADD") != std::string::npos);
  REQUIRE(fused.size() == 160);
  CHECK(std::memcmp(fused.data(), plain.data(), fused.size() * sizeof(float)) == 0);
  // Options from before the field existed keep the default (fused).
  std::vector<float> old;
  CHECK(RunConvResidual(f, 1, &old, offsetof(ert_interpreter_options, no_fusion)).find("(+ ADD") !=
        std::string::npos);
  CHECK(old == plain);
  // The same through the C++ header.
  ert::Model model;
  REQUIRE(ert::Model::LoadBuffer(f.data(), f.size(), true, &model).ok());
  ert::Interpreter it;
  REQUIRE(ert::Interpreter::Create(model, 1, &it, std::string(), false, true).ok());
  REQUIRE(it.Invoke().ok());
  CHECK(it.Plan().find("(+ ADD") == std::string::npos);
}
