// The optimized elementwise op kernels (kernels/optimized/elementwise.h) on the
// shapes they are built for: which broadcast patterns prepare classifies as
// covered (and which fall back), then every binary op on each pattern in both
// operand orders with odd channel counts 1..67 and larger, and every one-input
// op on lengths 1..67 and larger, each run on the reference kernel and on the
// optimized kernel at both ISA levels and compared with a naive computation
// (binary ops bit for bit; activations within a tolerance, exact for the
// piecewise-linear ones).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "kernels/optimized/elementwise.h"
#include "kernels/optimized/optimized_kernels.h"
#include "kernels/reference/reference_kernels.h"
#include "tests/kernels/kernel_test_util.h"
#include "tests/kernels/kernel_variants.h"
#include "tests/op_test.h"

namespace edgert {
namespace {

using namespace testing;  // NOLINT: OpTest and tests/kernels/kernel_test_util.h
using Plan = opt::BinaryBroadcastPlan;

std::string DimsText(const Dims& d) {
  std::string s = "[";
  for (size_t i = 0; i < d.size(); ++i) s += (i ? "," : "") + std::to_string(d[i]);
  return s + "]";
}

// numpy broadcast of two compatible shapes.
Dims BroadcastDims(const Dims& a, const Dims& b) {
  Dims out(std::max(a.size(), b.size()), 1);
  for (size_t i = 0; i < out.size(); ++i) {
    const size_t ia = i + a.size() - out.size(), ib = i + b.size() - out.size();  // wraps when absent
    const int32_t x = ia < a.size() ? a[ia] : 1, y = ib < b.size() ? b[ib] : 1;
    out[i] = x == 1 ? y : x;
  }
  return out;
}

TEST_CASE("Optimized binary kernels classify broadcast patterns in prepare", "[kernels][elementwise]") {
  struct Case {
    Dims a, b;
    Plan::Kind kind;
    int64_t outer, rows, inner;
    bool broadcast_first;
  };
  const Case cases[] = {
      {{2, 5, 7, 3}, {2, 5, 7, 3}, Plan::kSameShape, 1, 1, 1, false},
      {{1, 1, 1, 1}, {1}, Plan::kSameShape, 1, 1, 1, false},
      {{0, 3}, {3}, Plan::kSameShape, 1, 1, 1, false},     // empty output
      {{2, 5, 7, 3}, {3}, Plan::kRows, 1, 70, 3, false},    // per-channel vector
      {{2, 5, 7, 3}, {1, 1, 1, 3}, Plan::kRows, 1, 70, 3, false},
      {{1, 1, 1, 9}, {4, 5, 6, 9}, Plan::kRows, 1, 120, 9, true},  // per-channel first
      {{2, 5, 7, 3}, {2, 1, 1, 3}, Plan::kRows, 2, 35, 3, false},  // squeeze-excite [N,1,1,C]
      {{2, 5, 7, 3}, {2, 5, 7, 1}, Plan::kRows, 70, 3, 1, false},  // per-pixel scalar
      {{2, 5, 7, 3}, {}, Plan::kRows, 1, 210, 1, false},           // scalar second
      {{1}, {4, 6}, Plan::kRows, 1, 24, 1, true},                  // scalar first
      {{2, 1, 7, 3}, {2, 1, 1, 3}, Plan::kRows, 2, 7, 3, false},   // output dims of 1 are ignored
      {{2, 5, 7, 3}, {5, 1, 1}, Plan::kNotCovered, 0, 0, 0, false},  // [1,5,1,1]: two broadcast runs
      {{2, 5, 7, 3}, {1, 5, 1, 3}, Plan::kNotCovered, 0, 0, 0, false},  // Y broadcast in two runs
      {{2, 1, 7, 1}, {1, 5, 1, 3}, Plan::kNotCovered, 0, 0, 0, false},  // both broadcast
      {{2, 3}, {4}, Plan::kNotCovered, 0, 0, 0, false},                 // incompatible
  };
  for (const Case& c : cases) {
    INFO(DimsText(c.a) << " op " << DimsText(c.b));
    const Plan p = opt::ClassifyBinaryBroadcast(ToShape(c.a), ToShape(c.b));
    CHECK(p.kind == c.kind);
    if (c.kind == Plan::kRows && p.kind == Plan::kRows) {
      CHECK(p.outer == c.outer);
      CHECK(p.rows == c.rows);
      CHECK(p.inner == c.inner);
      CHECK(p.broadcast_first == c.broadcast_first);
    }
  }
}

enum class Op { kAdd, kSub, kMul, kDiv, kMax, kMin };

struct OpInfo {
  Op op;
  schema::OpType type;
  const OpKernel* ref;
  const OpKernel* opt;
};
const OpInfo kOps[] = {
    {Op::kAdd, schema::OpType_ADD, ref::Register_ADD(), opt::Register_ADD()},
    {Op::kSub, schema::OpType_SUB, ref::Register_SUB(), opt::Register_SUB()},
    {Op::kMul, schema::OpType_MUL, ref::Register_MUL(), opt::Register_MUL()},
    {Op::kDiv, schema::OpType_DIV, ref::Register_DIV(), opt::Register_DIV()},
    {Op::kMax, schema::OpType_MAXIMUM, ref::Register_MAXIMUM(), opt::Register_MAXIMUM()},
    {Op::kMin, schema::OpType_MINIMUM, ref::Register_MINIMUM(), opt::Register_MINIMUM()},
};

float NaiveOp(Op op, float x, float y) {
  // One IEEE float operation each: double then rounded once is the same value.
  switch (op) {
    case Op::kAdd: return static_cast<float>(static_cast<double>(x) + y);
    case Op::kSub: return static_cast<float>(static_cast<double>(x) - y);
    case Op::kMul: return static_cast<float>(static_cast<double>(x) * y);
    case Op::kDiv: return static_cast<float>(static_cast<double>(x) / y);
    case Op::kMax: return x > y ? x : y;
    case Op::kMin: return x < y ? x : y;
  }
  return 0;
}

float NaiveActivation(schema::Activation act, float v) {
  float lo = -std::numeric_limits<float>::infinity(), hi = std::numeric_limits<float>::infinity();
  if (act == schema::Activation_RELU) lo = 0;
  if (act == schema::Activation_RELU6) lo = 0, hi = 6;
  if (act == schema::Activation_RELU_N1_TO_1) lo = -1, hi = 1;
  return v < lo ? lo : (v > hi ? hi : v);
}

TEST_CASE("Optimized binary kernels on every broadcast pattern, odd channel counts", "[kernels][elementwise]") {
  const KernelVariant variant = GENERATE(from_range(AllKernelVariants()));
  ScopedIsaLevel isa_level(variant.isa);
  INFO(variant.name << ", ISA " << GetKernelIsa().name);
  uint32_t seed = 1;
  for (int c : {1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 33, 64, 67, 100, 1000}) {
    const std::vector<std::pair<Dims, Dims>> shapes = {
        {{1, 3, 5, c}, {1, 3, 5, c}},  // same shape
        {{1, 3, 5, c}, {c}},           // per-channel
        {{2, 3, 5, c}, {2, 1, 1, c}},  // squeeze-excite
        {{2, 3, 5, c}, {2, 3, 5, 1}},  // per-pixel scalar
        {{2, 3, 5, c}, {}},            // scalar
        {{2, 1, 5, c}, {1, 3, 1, c}},  // both broadcast: reference fallback
        {{2, 3, 5, c}, {1, 3, 1, c}},  // Y broadcast in two runs: reference fallback
    };
    for (const auto& sh : shapes) {
      for (bool swap : {false, true}) {
        const Dims& da = swap ? sh.second : sh.first;
        const Dims& db = swap ? sh.first : sh.second;
        for (const OpInfo& op : kOps) {
          const schema::Activation kActs[] = {schema::Activation_NONE, schema::Activation_RELU,
                                              schema::Activation_RELU6, schema::Activation_RELU_N1_TO_1};
          const schema::Activation act = kActs[seed % 4];
          std::vector<float> a = RandomFloats(static_cast<size_t>(Count(da)), -8, 8, seed++);
          std::vector<float> b = RandomFloats(static_cast<size_t>(Count(db)), -8, 8, seed++);
          if (!b.empty() && op.op == Op::kDiv) b[0] = 0.f;  // inf / NaN results, clamped or not
          if (a.size() > 2) a[1] = std::numeric_limits<float>::quiet_NaN();
          OpTest t(op.type);
          t.Input<float>(da, a);
          if (seed % 3 == 0)
            t.Const<float>(db, b);
          else
            t.Input<float>(db, b);
          t.Output(DType::kF32);
          t.SetOptions(schema::OpOptions_BinaryOptions, schema::CreateBinaryOptions(t.fbb(), act).Union());
          const Dims out = BroadcastDims(da, db);
          INFO("op " << static_cast<int>(op.op) << " " << DimsText(da) << " op " << DimsText(db) << " act "
                     << static_cast<int>(act));
          const std::vector<float> got = RunAndGetOutput<float>(t, variant.optimized ? op.opt : op.ref, out);
          for (int64_t i = 0; i < Count(out); ++i) {
            const float want = NaiveActivation(
                act, NaiveOp(op.op, a[BroadcastIndex(da, out, i)], b[BroadcastIndex(db, out, i)]));
            if (std::isnan(want))
              REQUIRE(std::isnan(got[i]));
            else
              REQUIRE(got[i] == want);
          }
        }
      }
    }
  }
}

// Shapes large enough for the optimized kernel to split across threads (rows,
// tiled rows, outer indices, same-shape elements): on 1 and 3 threads
// (variant_test::TestThreadCounts) the results are the naive ones, bit for
// bit.
TEST_CASE("Optimized binary kernels split across threads", "[kernels][elementwise]") {
  ScopedIsaLevel isa_level(DetectedIsaLevel());
  uint32_t seed = 500;
  for (int c : {3, 16, 67}) {
    const std::vector<std::pair<Dims, Dims>> shapes = {
        {{1, 40, 41, c}, {1, 40, 41, c}},  // same shape
        {{1, 40, 41, c}, {1, 1, 1, c}},    // per-channel (rows tiled for small c)
        {{2, 40, 41, c}, {2, 1, 1, c}},    // squeeze-excite, two outer indices
        {{1, 40, 41, c}, {1, 40, 41, 1}},  // per-pixel scalar
    };
    for (const auto& sh : shapes) {
      for (bool swap : {false, true}) {
        const Dims& da = swap ? sh.second : sh.first;
        const Dims& db = swap ? sh.first : sh.second;
        for (const OpInfo& op : kOps) {
          const std::vector<float> a = RandomFloats(static_cast<size_t>(Count(da)), -8, 8, seed++);
          std::vector<float> b = RandomFloats(static_cast<size_t>(Count(db)), -8, 8, seed++);
          if (op.op == Op::kDiv)
            for (float& v : b) v = v == 0.f ? 1.f : v;
          const Dims out = BroadcastDims(da, db);
          for (int threads : variant_test::TestThreadCounts()) {
            OpTest t(op.type);
            t.SetNumThreads(threads);
            t.Input<float>(da, a);
            t.Input<float>(db, b);
            t.Output(DType::kF32);
            t.SetOptions(schema::OpOptions_BinaryOptions,
                         schema::CreateBinaryOptions(t.fbb(), schema::Activation_RELU6).Union());
            INFO("op " << static_cast<int>(op.op) << " " << DimsText(da) << " op " << DimsText(db) << " threads "
                       << threads);
            const std::vector<float> got = RunAndGetOutput<float>(t, op.opt, out);
            size_t bad = 0;
            for (int64_t i = 0; i < Count(out); ++i) {
              const float want = NaiveActivation(schema::Activation_RELU6, NaiveOp(op.op, a[BroadcastIndex(da, out, i)],
                                                                                   b[BroadcastIndex(db, out, i)]));
              bad += got[i] != want;
            }
            CHECK(bad == 0);
          }
        }
      }
    }
  }
}

// ---------------------------------------------------------------- one-input ops

struct UnaryInfo {
  const char* name;
  schema::OpType type;
  const OpKernel* ref;
  const OpKernel* opt;
  std::function<double(double)> truth;
  double rtol, atol;  // 0, 0: exact (NaN in gives NaN out for every op)
  float lo, hi;       // input range
  std::function<void(OpTest&)> options;
};

double GeluTanhD(double x) {
  const double u = std::sqrt(2 / std::acos(-1.0)) * (x + 0.044715 * x * x * x);
  return 0.5 * x * (1 + std::tanh(u));
}

TEST_CASE("Optimized activation kernels on every length", "[kernels][elementwise]") {
  const KernelVariant variant = GENERATE(from_range(AllKernelVariants()));
  ScopedIsaLevel isa_level(variant.isa);
  INFO(variant.name << ", ISA " << GetKernelIsa().name);
  auto gelu_opts = [](bool approximate) {
    return [approximate](OpTest& t) {
      t.SetOptions(schema::OpOptions_GeluOptions, schema::CreateGeluOptions(t.fbb(), approximate).Union());
    };
  };
  auto leaky = [](OpTest& t) {
    t.SetOptions(schema::OpOptions_LeakyReluOptions, schema::CreateLeakyReluOptions(t.fbb(), 0.3f).Union());
  };
  const UnaryInfo ops[] = {
      {"RELU", schema::OpType_RELU, ref::Register_RELU(), opt::Register_RELU(),
       [](double x) { return std::isnan(x) ? x : (x > 0 ? x : 0); }, 0, 0, -5, 5, nullptr},
      {"RELU6", schema::OpType_RELU6, ref::Register_RELU6(), opt::Register_RELU6(),
       [](double x) { return std::isnan(x) ? x : (x > 6 ? 6 : (x > 0 ? x : 0)); }, 0, 0, -9, 9, nullptr},
      {"LEAKY_RELU", schema::OpType_LEAKY_RELU, ref::Register_LEAKY_RELU(), opt::Register_LEAKY_RELU(),
       [](double x) { return x >= 0 ? x : static_cast<double>(0.3f) * x; }, 1e-7, 0, -5, 5, leaky},
      {"HARD_SWISH", schema::OpType_HARD_SWISH, ref::Register_HARD_SWISH(), opt::Register_HARD_SWISH(),
       [](double x) { return x * std::fmin(std::fmax(x + 3, 0.0), 6.0) / 6; }, 1e-6, 1e-7, -6, 6, nullptr},
      {"LOGISTIC", schema::OpType_LOGISTIC, ref::Register_LOGISTIC(), opt::Register_LOGISTIC(),
       [](double x) { return 1 / (1 + std::exp(-x)); }, 1e-6, 1e-7, -20, 20, nullptr},
      {"TANH", schema::OpType_TANH, ref::Register_TANH(), opt::Register_TANH(),
       [](double x) { return std::tanh(x); }, 1e-6, 1e-7, -10, 10, nullptr},
      {"EXP", schema::OpType_EXP, ref::Register_EXP(), opt::Register_EXP(), [](double x) { return std::exp(x); },
       1e-6, 0, -20, 20, nullptr},
      {"GELU", schema::OpType_GELU, ref::Register_GELU(), opt::Register_GELU(),
       [](double x) { return 0.5 * x * std::erfc(-x / std::sqrt(2.0)); }, 1e-5, 1e-6, -8, 8, gelu_opts(false)},
      {"GELU approximate", schema::OpType_GELU, ref::Register_GELU(), opt::Register_GELU(), GeluTanhD, 1e-5, 1e-6,
       -8, 8, gelu_opts(true)},
  };
  std::vector<int> lengths;
  for (int n = 1; n <= 67; ++n) lengths.push_back(n);
  for (int n : {128, 1000, 4099}) lengths.push_back(n);
  for (const UnaryInfo& op : ops) {
    for (int n : lengths) {
      INFO(op.name << " n " << n);
      std::vector<float> x = RandomFloats(static_cast<size_t>(n), op.lo, op.hi, static_cast<uint32_t>(n) + 5);
      if (n >= 8) {
        x[n - 1] = std::numeric_limits<float>::quiet_NaN();  // in the masked tail
        x[n - 2] = std::numeric_limits<float>::infinity();
        x[n - 3] = -0.f;
      }
      OpTest t(op.type);
      const Dims shape = n % 2 == 0 ? Dims{1, 2, n / 2} : Dims{n};
      t.Input<float>(shape, x);
      t.Output(DType::kF32);
      if (op.options) op.options(t);
      const std::vector<float> y = RunAndGetOutput<float>(t, variant.optimized ? op.opt : op.ref, shape);
      std::vector<double> want;
      for (float v : x) want.push_back(op.truth(v));
      ExpectClose(y, want, op.rtol, op.atol);
    }
  }
}

}  // namespace
}  // namespace edgert
