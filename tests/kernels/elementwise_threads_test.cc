// The optimized elementwise ops split large same-shape operands across the
// interpreter's threads (kernels/optimized/elementwise.cc, SplitElements):
// on 2 and 3 threads, on sizes around the split points, the outputs equal
// the reference kernel's bit for bit (f32 ADD, int8 ADD and MUL, int8
// LOGISTIC's table), and f32 LOGISTIC, whose microkernel approximates,
// equals its own single-threaded output.
#include <catch2/catch.hpp>

#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include "kernels/dispatch.h"
#include "kernels/optimized/optimized_kernels.h"
#include "kernels/reference/reference_kernels.h"
#include "tests/kernels/kernel_variants.h"
#include "tests/op_test.h"

namespace edgert {
namespace {

template <typename T>
std::vector<T> RandomValues(size_t n, std::mt19937* rng) {
  std::vector<T> v(n);
  if (sizeof(T) == 1) {
    std::uniform_int_distribution<int> d(-128, 127);
    for (auto& x : v) x = static_cast<T>(d(*rng));
  } else {
    std::uniform_real_distribution<float> d(-4.f, 4.f);
    for (auto& x : v) x = static_cast<T>(d(*rng));
  }
  return v;
}

// Runs `kernel` on one or two inputs of n values with `threads` threads.
template <typename T>
std::vector<T> RunOp(schema::OpType type, const OpKernel* kernel, int threads, const std::vector<T>& a,
                     const std::vector<T>* b, const QuantSpec& q_in, const QuantSpec& q_out) {
  testing::OpTest t(type);
  const int32_t n = static_cast<int32_t>(a.size());
  t.Input<T>({1, n}, a, q_in);
  if (b != nullptr) t.Input<T>({1, n}, *b, q_in);
  t.Output(sizeof(T) == 1 ? DType::kI8 : DType::kF32, q_out);
  if (b != nullptr)
    t.SetOptions(schema::OpOptions_BinaryOptions, schema::CreateBinaryOptions(t.fbb(), schema::Activation_NONE).Union());
  t.SetNumThreads(threads);
  const Status s = t.Run(kernel);
  INFO(kernel->name << ": " << s.message());
  REQUIRE(s.ok());
  return t.OutputData<T>(0);
}

TEST_CASE("Optimized elementwise ops split across threads equal the reference kernel", "[kernels][optimized][threads]") {
  variant_test::ScopedIsa isa(DetectedIsaLevel());
  std::mt19937 rng(5);
  const QuantSpec none{}, qa = QuantSpec::PerTensor(0.05f, 3), qy = QuantSpec::PerTensor(0.08f, -7);
  for (size_t n : {size_t{1000}, size_t{16383}, size_t{16384}, size_t{40001}, size_t{131072 + 77}}) {
    INFO("n " << n);
    const std::vector<float> fa = RandomValues<float>(n, &rng), fb = RandomValues<float>(n, &rng);
    const std::vector<int8_t> ia = RandomValues<int8_t>(n, &rng), ib = RandomValues<int8_t>(n, &rng);
    for (int threads : {2, 3}) {
      INFO("threads " << threads);
      CHECK(RunOp<float>(schema::OpType_ADD, opt::Register_ADD(), threads, fa, &fb, none, none) ==
            RunOp<float>(schema::OpType_ADD, ref::Register_ADD(), 1, fa, &fb, none, none));
      CHECK(RunOp<float>(schema::OpType_LOGISTIC, opt::Register_LOGISTIC(), threads, fa, nullptr, none, none) ==
            RunOp<float>(schema::OpType_LOGISTIC, opt::Register_LOGISTIC(), 1, fa, nullptr, none, none));
      CHECK(RunOp<int8_t>(schema::OpType_ADD, opt::Register_ADD(), threads, ia, &ib, qa, qy) ==
            RunOp<int8_t>(schema::OpType_ADD, ref::Register_ADD(), 1, ia, &ib, qa, qy));
      CHECK(RunOp<int8_t>(schema::OpType_MUL, opt::Register_MUL(), threads, ia, &ib, qa, qy) ==
            RunOp<int8_t>(schema::OpType_MUL, ref::Register_MUL(), 1, ia, &ib, qa, qy));
      const QuantSpec q_logistic = QuantSpec::PerTensor(1.f / 256, -128);
      CHECK(RunOp<int8_t>(schema::OpType_LOGISTIC, opt::Register_LOGISTIC(), threads, ia, nullptr, qa, q_logistic) ==
            RunOp<int8_t>(schema::OpType_LOGISTIC, ref::Register_LOGISTIC(), 1, ia, nullptr, qa, q_logistic));
    }
  }
}

}  // namespace
}  // namespace edgert
