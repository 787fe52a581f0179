// The optimized SOFTMAX and LAYER_NORM kernels (row microkernels) against the
// reference kernels: row lengths 0..70 and a few large ones (the 8-float steps
// and every masked tail), several rows, beta and epsilon values, gamma/beta
// present or omitted, 1 and 3 threads (identical results), and the nodes the
// optimized kernels leave to the reference kernel (another axis, broadcast
// gamma). Tolerances: SOFTMAX 2e-6 relative + 1e-30 absolute (the vector exp's
// rounding), LAYER_NORM 1e-5 * (1 + |y|) (normalization in float).
#include <catch2/catch.hpp>

#include <cmath>
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

using Dims = std::vector<int32_t>;
using testing::OpTest;

std::vector<float> Random(size_t n, std::mt19937& rng, float lo, float hi) {
  std::uniform_real_distribution<float> d(lo, hi);
  std::vector<float> v(n);
  for (float& x : v) x = d(rng);
  return v;
}

template <typename Build>
std::vector<float> Run(schema::OpType type, const OpKernel* kernel, int threads, const Build& build) {
  OpTest t(type);
  build(t);
  t.SetNumThreads(threads);
  const Status s = t.Run(kernel);
  INFO(kernel->name << ": " << s.message());
  REQUIRE(s.ok());
  return t.OutputData<float>(0);
}

// Optimized (best ISA, 1 and 3 threads) within rel * |want| + abs of the reference.
template <typename Build>
void Compare(schema::OpType type, const OpKernel* ref_kernel, const OpKernel* opt_kernel, double rel, double abs,
             const Build& build) {
  variant_test::ScopedIsa isa(DetectedIsaLevel());
  const std::vector<float> want = Run(type, ref_kernel, 1, build);
  const std::vector<float> got1 = Run(type, opt_kernel, 1, build);
  // 3 threads, except under emulation (tests/kernels/kernel_variants.h): the same results.
  const int most = variant_test::TestThreadCounts().back();
  const std::vector<float> got3 = Run(type, opt_kernel, most, build);
  REQUIRE(got1.size() == want.size());
  REQUIRE(got3.size() == want.size());
  CHECK((got1.empty() || std::memcmp(got1.data(), got3.data(), got1.size() * sizeof(float)) == 0));
  size_t bad = 0;
  for (size_t i = 0; i < want.size(); ++i) {
    const double err = std::fabs(static_cast<double>(got1[i]) - want[i]);
    if (!(err <= rel * std::fabs(want[i]) + abs) && !(std::isnan(got1[i]) && std::isnan(want[i]))) {
      if (bad++ < 5) FAIL_CHECK("element " << i << ": optimized " << got1[i] << ", reference " << want[i]);
    }
  }
  CHECK(bad == 0);
}

TEST_CASE("optimized SOFTMAX matches the reference", "[kernels][softmax][optimized][f32]") {
  std::mt19937 rng(11);
  for (int n : {0, 1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 33, 63, 64, 65, 70, 128, 1000, 4099}) {
    for (float beta : {1.f, 0.37f, -2.f}) {
      const int rows = n > 1000 ? 2 : 5;
      const std::vector<float> x = Random(static_cast<size_t>(rows * n), rng, -12.f, 12.f);
      INFO("n " << n << ", beta " << beta);
      Compare(schema::OpType_SOFTMAX, ref::Register_SOFTMAX(), opt::Register_SOFTMAX(), 2e-6, 1e-30, [&](OpTest& t) {
        t.Input<float>({1, rows, n}, x);
        t.Output(DType::kF32);
        t.SetOptions(schema::OpOptions_SoftmaxOptions, schema::CreateSoftmaxOptions(t.fbb(), beta).Union());
      });
    }
  }
  // Attention-style masks (-1e4 added) and a large spread: tiny probabilities
  // stay accurate; those whose exponential is subnormal (about -95 below the
  // maximum) may be 0 (the optimized kernels flush below exp(-87)).
  std::vector<float> x = Random(2 * 40, rng, -3.f, 3.f);
  for (size_t i = 0; i < x.size(); i += 3) x[i] -= 10000.f;
  for (size_t i = 1; i < x.size(); i += 5) x[i] -= 95.f;
  for (size_t i = 2; i < x.size(); i += 7) x[i] -= 80.f;
  Compare(schema::OpType_SOFTMAX, ref::Register_SOFTMAX(), opt::Register_SOFTMAX(), 2e-6, 1e-30, [&](OpTest& t) {
    t.Input<float>({2, 40}, x);
    t.Output(DType::kF32);
    t.SetOptions(schema::OpOptions_SoftmaxOptions, schema::CreateSoftmaxOptions(t.fbb()).Union());
  });
  // Along axis 0: the reference kernel runs the node; same results exactly.
  const std::vector<float> y = Random(6 * 5, rng, -3.f, 3.f);
  Compare(schema::OpType_SOFTMAX, ref::Register_SOFTMAX(), opt::Register_SOFTMAX(), 0.0, 0.0, [&](OpTest& t) {
    t.Input<float>({6, 5}, y);
    t.Output(DType::kF32);
    t.SetOptions(schema::OpOptions_SoftmaxOptions, schema::CreateSoftmaxOptions(t.fbb(), 1.f, 0).Union());
  });
}

TEST_CASE("optimized SOFTMAX: NaN and infinities as the reference", "[kernels][softmax][optimized][f32]") {
  for (const std::vector<float>& x : {std::vector<float>{1.f, NAN, 2.f, 0.f, 1.f, 1.f, 1.f, 1.f, 3.f},
                                      std::vector<float>{1.f, -INFINITY, 2.f}, std::vector<float>{INFINITY, 1.f}}) {
    variant_test::ScopedIsa isa(DetectedIsaLevel());
    auto build = [&](OpTest& t) {
      t.Input<float>({1, static_cast<int32_t>(x.size())}, x);
      t.Output(DType::kF32);
      t.SetOptions(schema::OpOptions_SoftmaxOptions, schema::CreateSoftmaxOptions(t.fbb()).Union());
    };
    const std::vector<float> want = Run(schema::OpType_SOFTMAX, ref::Register_SOFTMAX(), 1, build);
    const std::vector<float> got = Run(schema::OpType_SOFTMAX, opt::Register_SOFTMAX(), 1, build);
    for (size_t i = 0; i < x.size(); ++i) {
      INFO("element " << i << ": optimized " << got[i] << ", reference " << want[i]);
      CHECK(std::isnan(got[i]) == std::isnan(want[i]));
      if (!std::isnan(want[i])) CHECK(got[i] == Approx(want[i]).epsilon(2e-6).margin(1e-30));
    }
  }
}

TEST_CASE("optimized LAYER_NORM matches the reference", "[kernels][layer_norm][optimized][f32]") {
  std::mt19937 rng(12);
  for (int n : {1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 33, 64, 65, 70, 128, 768, 1001}) {
    for (int affine = 0; affine < 3; ++affine) {  // 0: gamma and beta, 1: gamma only, 2: neither
      const int rows = 4;
      // An offset mean so that the two-pass variance matters.
      const std::vector<float> x = Random(static_cast<size_t>(rows * n), rng, 40.f, 44.f);
      const std::vector<float> g = Random(static_cast<size_t>(n), rng, -2.f, 2.f);
      const std::vector<float> b = Random(static_cast<size_t>(n), rng, -1.f, 1.f);
      for (float eps : {1e-5f, 1e-12f}) {
        INFO("n " << n << ", affine " << affine << ", epsilon " << eps);
        Compare(schema::OpType_LAYER_NORM, ref::Register_LAYER_NORM(), opt::Register_LAYER_NORM(), 1e-5, 1e-5,
                [&](OpTest& t) {
                  t.Input<float>({2, rows / 2, n}, x);
                  if (affine < 2) t.Const<float>({n}, g);
                  if (affine == 0) t.Const<float>({n}, b);
                  t.Output(DType::kF32);
                  t.SetOptions(schema::OpOptions_LayerNormOptions,
                               schema::CreateLayerNormOptions(t.fbb(), -1, eps).Union());
                });
      }
    }
  }
  // Normalizing the last two dims with a gamma broadcast along one of them: the
  // reference kernel runs the node, so the results are identical.
  const std::vector<float> x = Random(3 * 4 * 5, rng, -3.f, 3.f);
  const std::vector<float> g = Random(5, rng, -2.f, 2.f);
  Compare(schema::OpType_LAYER_NORM, ref::Register_LAYER_NORM(), opt::Register_LAYER_NORM(), 0.0, 0.0,
          [&](OpTest& t) {
            t.Input<float>({3, 4, 5}, x);
            t.Const<float>({1, 5}, g);
            t.Output(DType::kF32);
            t.SetOptions(schema::OpOptions_LayerNormOptions, schema::CreateLayerNormOptions(t.fbb(), 1).Union());
          });
  // The same node with a full [4, 5] gamma is covered, within the tolerance.
  const std::vector<float> g2 = Random(20, rng, -2.f, 2.f);
  Compare(schema::OpType_LAYER_NORM, ref::Register_LAYER_NORM(), opt::Register_LAYER_NORM(), 1e-5, 1e-5,
          [&](OpTest& t) {
            t.Input<float>({3, 4, 5}, x);
            t.Const<float>({4, 5}, g2);
            t.Output(DType::kF32);
            t.SetOptions(schema::OpOptions_LayerNormOptions, schema::CreateLayerNormOptions(t.fbb(), 1).Union());
          });
}

}  // namespace
}  // namespace edgert
