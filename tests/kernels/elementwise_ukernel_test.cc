// The f32 elementwise microkernels of the ISA table (kernels/dispatch.h),
// called directly:
//  - every length 0..67 and some long ones, with guard values after the
//    output that must stay untouched and in-place calls;
//  - the exact kernels (clamp, leaky relu, the binary ops in all three forms)
//    against naive scalar float arithmetic, bit for bit;
//  - the transcendental kernels against the C++ standard library in double
//    precision over dense sweeps that include the saturating regions, with the
//    error bounds stated in the kernels' files (in units of the float spacing
//    at the true value, so subnormal results are measured in units of 2^-149),
//    and their inf / NaN / signed-zero behaviour.
// On a CPU without the microkernels (reference level) there is nothing to call;
// the test cases say so and check only that the table is empty.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>
#include <limits>
#include <vector>

#include "kernels/dispatch.h"
#include "tests/kernels/kernel_test_util.h"

namespace edgert {
namespace {

using namespace testing;  // NOLINT: tests/kernels/kernel_test_util.h

const float kInfF = std::numeric_limits<float>::infinity();
const float kNaNF = std::numeric_limits<float>::quiet_NaN();
const std::vector<size_t> kLengths = [] {
  std::vector<size_t> v;
  for (size_t n = 0; n <= 67; ++n) v.push_back(n);
  for (size_t n : {127, 128, 129, 1000, 4099}) v.push_back(n);
  return v;
}();
const float kGuard = -12345.f;

// The best level's table, or nullptr (with a message) when the CPU has no
// elementwise microkernels (the reference level, or a level with other
// microkernels only).
const KernelIsa* BestIsa() {
  if (DetectedIsaLevel() == IsaLevel::kReference) {
    WARN("no microkernels on this CPU (reference ISA level): nothing to test");
    CHECK(GetKernelIsa().f32_vunary.clamp == nullptr);
    return nullptr;
  }
  if (GetKernelIsa().f32_vunary.clamp == nullptr) {
    WARN("no elementwise microkernels at ISA level " << GetKernelIsa().name << ": nothing to test");
    return nullptr;
  }
  return &GetKernelIsa();
}

bool SameFloat(float a, float b) { return (std::isnan(a) && std::isnan(b)) || std::memcmp(&a, &b, sizeof a) == 0; }

// Distance of y from the true value w in units of the float spacing at w.
double UlpError(float y, double w) {
  if (std::isnan(w)) return std::isnan(y) ? 0 : kInfF;
  if (std::isinf(static_cast<float>(w)) || std::isinf(y))  // overflow: inf required
    return y == static_cast<float>(w) ? 0 : kInfF;
  if (std::isnan(y)) return kInfF;
  const double aw = std::fabs(w);
  int e = 0;
  std::frexp(aw, &e);  // aw in [2^(e-1), 2^e)
  const double ulp = aw < std::ldexp(1.0, -126) ? std::ldexp(1.0, -149) : std::ldexp(1.0, e - 24);
  return std::fabs(static_cast<double>(y) - w) / ulp;
}

// Runs fn on x with a guard value after the output; requires the guard intact.
std::vector<float> RunUnary(F32VUnaryUkernelFn fn, const std::vector<float>& x, const F32UnaryParams& p) {
  std::vector<float> y(x.size() + 8, kGuard);
  fn(x.size(), x.data(), y.data(), &p);
  for (size_t i = x.size(); i < y.size(); ++i) REQUIRE(y[i] == kGuard);
  y.resize(x.size());
  return y;
}

// Maximum errors in ulp of fn over x against truth(x) in double, separately
// where the true value is a normal float (or zero) and where it is subnormal
// (there the spacing is 2^-149 and the kernels' scaling rounds twice).
struct SweepError {
  double normal = 0, subnormal = 0;
  float worst_normal_x = 0, worst_subnormal_x = 0;
};
SweepError MaxUlpError(F32VUnaryUkernelFn fn, const std::vector<float>& x, const std::function<double(double)>& truth) {
  const std::vector<float> y = RunUnary(fn, x, {0.f, 0.f, 0.f});
  SweepError r;
  for (size_t i = 0; i < x.size(); ++i) {
    const double w = truth(x[i]);
    const double e = UlpError(y[i], w);
    const bool sub = w != 0 && std::fabs(w) < std::numeric_limits<float>::min();
    double& worst = sub ? r.subnormal : r.normal;
    if (e > worst || std::isnan(e)) {
      worst = e;
      (sub ? r.worst_subnormal_x : r.worst_normal_x) = x[i];
    }
  }
  return r;
}

// Every `step` of [lo, hi], plus random values there, plus special values.
std::vector<float> Sweep(double lo, double hi, double step) {
  std::vector<float> x;
  for (double v = lo; v <= hi; v += step) x.push_back(static_cast<float>(v));
  const std::vector<float> r = RandomFloats(100000, static_cast<float>(lo), static_cast<float>(hi), 77);
  x.insert(x.end(), r.begin(), r.end());
  for (float v : {0.f, -0.f, 1e-30f, -1e-30f, 1e-40f, -1e-40f, std::numeric_limits<float>::min(),
                  std::numeric_limits<float>::denorm_min(), 1e-4f, -1e-4f})
    x.push_back(v);
  return x;
}

// ---------------------------------------------------------------- exact kernels

TEST_CASE("f32 clamp and leaky relu microkernels: every length, exact", "[ukernels][elementwise]") {
  const KernelIsa* isa = BestIsa();
  if (isa == nullptr) return;
  for (size_t n : kLengths) {
    INFO("n " << n);
    std::vector<float> x = RandomFloats(n, -9, 9, static_cast<uint32_t>(n) + 1);
    if (n > 3) {
      x[0] = kNaNF;
      x[1] = -0.f;
      x[2] = kInfF;
      x[3] = -kInfF;
    }
    for (F32UnaryParams p : {F32UnaryParams{0.f, kInfF, 0.f}, F32UnaryParams{0.f, 6.f, 0.f},
                             F32UnaryParams{-1.f, 1.f, 0.f}}) {
      const std::vector<float> y = RunUnary(isa->f32_vunary.clamp, x, p);
      for (size_t i = 0; i < n; ++i) {
        const float want = x[i] < p.min ? p.min : (x[i] > p.max ? p.max : x[i]);
        REQUIRE(SameFloat(y[i], want));
      }
    }
    for (float alpha : {0.2f, -1.5f, 0.f}) {
      const std::vector<float> y = RunUnary(isa->f32_vunary.lrelu, x, {0.f, 0.f, alpha});
      for (size_t i = 0; i < n; ++i) REQUIRE(SameFloat(y[i], x[i] >= 0.f ? x[i] : alpha * x[i]));
    }
    // In place.
    std::vector<float> z = x;
    const F32UnaryParams relu6 = {0.f, 6.f, 0.f};
    isa->f32_vunary.clamp(n, z.data(), z.data(), &relu6);
    for (size_t i = 0; i < n; ++i) REQUIRE(SameFloat(z[i], x[i] < 0.f ? 0.f : (x[i] > 6.f ? 6.f : x[i])));
  }
}

enum class BinOp { kAdd, kSub, kMul, kDiv, kMax, kMin };

float Naive(BinOp op, float a, float b) {
  switch (op) {
    case BinOp::kAdd: return a + b;
    case BinOp::kSub: return a - b;
    case BinOp::kMul: return a * b;
    case BinOp::kDiv: return a / b;
    case BinOp::kMax: return a > b ? a : b;
    case BinOp::kMin: return a < b ? a : b;
  }
  return 0;
}

// f32_vadd_rows (F32VAddRowsUkernelFn): rows of y plus rows of b, or plus a
// constant, each row as the ADD kernels compute it; the values between rows
// (strides past n) and after the last row stay.
TEST_CASE("f32 row-ADD microkernel: rows and strides, operand or constant, fused clamp, exact",
          "[ukernels][elementwise]") {
  const KernelIsa* isa = BestIsa();
  if (isa == nullptr) return;
  REQUIRE(isa->f32_vadd_rows != nullptr);
  const F32MinMaxParams ranges[] = {{-kInfF, kInfF}, {0.f, 6.f}};
  for (size_t rows : {0, 1, 2, 5}) {
    for (size_t n : {0, 1, 3, 4, 7, 8, 9, 15, 16, 17, 24, 31, 33, 48, 129}) {
      const size_t b_stride = n + 3, y_stride = n + 5;
      const std::vector<float> b = RandomFloats(rows * b_stride + 1, -8, 8, static_cast<uint32_t>(n * 7 + rows));
      const std::vector<float> y0 = RandomFloats(rows * y_stride + 8, -8, 8, static_cast<uint32_t>(n * 7 + rows + 1));
      for (const float c : {2.5f, -0.f}) {
        for (const F32MinMaxParams& mm : ranges) {
          for (bool constant : {false, true}) {
            INFO("rows " << rows << " n " << n << (constant ? " constant " : " operand ") << c << " clamp " << mm.max);
            std::vector<float> y = y0;
            isa->f32_vadd_rows(rows, n, constant ? nullptr : b.data(), b_stride, c, y.data(), y_stride, &mm);
            for (size_t i = 0; i < y.size(); ++i) {
              const size_t r = i / y_stride, j = i % y_stride;
              if (r < rows && j < n) {
                const float v = Naive(BinOp::kAdd, y0[i], constant ? c : b[r * b_stride + j]);
                REQUIRE(SameFloat(y[i], v < mm.min ? mm.min : (v > mm.max ? mm.max : v)));
              } else {
                REQUIRE(SameFloat(y[i], y0[i]));
              }
            }
          }
        }
      }
    }
  }
}

// f32_dot4 (F32Dot4UkernelFn, AVX-512 levels): n (1..4) dot products of kc
// values per row plus bias, clamped, against a double-precision sum within
// float rounding; columns past n and the values between rows stay.
TEST_CASE("f32 dot microkernel: up to 4 products per row, any length, bias and clamp", "[ukernels][elementwise]") {
  const KernelIsa* isa = BestIsa();
  if (isa == nullptr) return;
  if (isa->f32_dot4 == nullptr) {
    WARN("no f32 dot microkernel at ISA level " << isa->name << ": nothing to test");
    return;
  }
  for (size_t kc : {1, 3, 15, 16, 17, 20, 32, 33, 100}) {
    const size_t kc16 = (kc + 15) / 16 * 16;
    for (size_t n = 1; n <= 4; ++n) {
      for (size_t rows : {1, 2, 7}) {
        const size_t a_stride = kc + 2, c_stride = 6;
        const std::vector<float> a = RandomFloats(rows * a_stride, -2, 2, static_cast<uint32_t>(kc * 10 + n));
        std::vector<float> w(4 + 4 * kc16, 0.f);
        const std::vector<float> wv = RandomFloats(4 + n * kc, -1, 1, static_cast<uint32_t>(kc * 10 + n + 1));
        for (size_t j = 0; j < n; ++j) {
          w[j] = wv[j];
          for (size_t k = 0; k < kc; ++k) w[4 + j * kc16 + k] = wv[4 + j * kc + k];
        }
        for (const F32MinMaxParams& mm : {F32MinMaxParams{-kInfF, kInfF}, F32MinMaxParams{-1.f, 1.5f}}) {
          INFO("kc " << kc << " n " << n << " rows " << rows << " clamp " << mm.max);
          std::vector<float> c(rows * c_stride, kGuard);
          isa->f32_dot4(rows, n, kc, a.data(), a_stride, w.data(), c.data(), c_stride, &mm);
          for (size_t m = 0; m < rows; ++m) {
            for (size_t j = 0; j < c_stride; ++j) {
              if (j >= n) {
                REQUIRE(c[m * c_stride + j] == kGuard);
                continue;
              }
              double want = w[j], mag = std::fabs(w[j]);
              for (size_t k = 0; k < kc; ++k) {
                want += static_cast<double>(a[m * a_stride + k]) * w[4 + j * kc16 + k];
                mag += std::fabs(static_cast<double>(a[m * a_stride + k]) * w[4 + j * kc16 + k]);
              }
              want = std::min<double>(std::max<double>(want, mm.min), mm.max);
              REQUIRE(std::fabs(c[m * c_stride + j] - want) <= 1e-6 * mag + 1e-30);
            }
          }
        }
      }
    }
  }
}

TEST_CASE("f32 binary microkernels: all forms, every length, fused clamp, exact", "[ukernels][elementwise]") {
  const KernelIsa* isa = BestIsa();
  if (isa == nullptr) return;
  const auto& t = isa->f32_vbinary;
  const std::pair<BinOp, F32VBinaryUkernels> ops[] = {{BinOp::kAdd, t.add}, {BinOp::kSub, t.sub},
                                                      {BinOp::kMul, t.mul}, {BinOp::kDiv, t.div},
                                                      {BinOp::kMax, t.max}, {BinOp::kMin, t.min}};
  const F32MinMaxParams ranges[] = {{-kInfF, kInfF}, {0.f, kInfF}, {0.f, 6.f}, {-1.f, 1.f}};
  for (const auto& op : ops) {
    for (size_t n : kLengths) {
      INFO("op " << static_cast<int>(op.first) << " n " << n);
      std::vector<float> a = RandomFloats(n, -8, 8, static_cast<uint32_t>(n) * 3 + 1);
      std::vector<float> b = RandomFloats(n, -8, 8, static_cast<uint32_t>(n) * 3 + 2);
      if (n > 4) {  // special values, both orders
        a[0] = kNaNF;
        b[1] = kNaNF;
        b[2] = 0.f;
        a[3] = kInfF;
        b[4] = -kInfF;
      }
      for (const float scalar : {2.5f, -0.f, kNaNF}) {
        for (const F32MinMaxParams& mm : ranges) {
          std::vector<float> y(n + 8, kGuard);
          op.second.op(n, a.data(), b.data(), y.data(), &mm);
          for (size_t i = 0; i < n; ++i) {
            const float v = Naive(op.first, a[i], b[i]);
            REQUIRE(SameFloat(y[i], v < mm.min ? mm.min : (v > mm.max ? mm.max : v)));
          }
          for (size_t i = n; i < n + 8; ++i) REQUIRE(y[i] == kGuard);
          op.second.opc(n, a.data(), &scalar, y.data(), &mm);
          for (size_t i = 0; i < n; ++i) {
            const float v = Naive(op.first, a[i], scalar);
            REQUIRE(SameFloat(y[i], v < mm.min ? mm.min : (v > mm.max ? mm.max : v)));
          }
          for (size_t i = n; i < n + 8; ++i) REQUIRE(y[i] == kGuard);
          op.second.ropc(n, a.data(), &scalar, y.data(), &mm);
          for (size_t i = 0; i < n; ++i) {
            const float v = Naive(op.first, scalar, a[i]);
            // x86 keeps the first NaN operand's payload; only NaN-ness is compared.
            REQUIRE(SameFloat(y[i], v < mm.min ? mm.min : (v > mm.max ? mm.max : v)));
          }
          for (size_t i = n; i < n + 8; ++i) REQUIRE(y[i] == kGuard);
        }
      }
      // In place on the first operand.
      std::vector<float> z = a;
      const F32MinMaxParams none = {-kInfF, kInfF};
      op.second.op(n, z.data(), b.data(), z.data(), &none);
      for (size_t i = 0; i < n; ++i) REQUIRE(SameFloat(z[i], Naive(op.first, a[i], b[i])));
    }
  }
}

// ---------------------------------------------------------------- transcendental kernels

double HardSwishD(double x) { return x * std::fmin(std::fmax(x + 3, 0.0), 6.0) / 6; }
double SigmoidD(double x) { return 1 / (1 + std::exp(-x)); }
double GeluD(double x) { return 0.5 * x * std::erfc(-x / std::sqrt(2.0)); }
// x/2 (1 + tanh(u)) = x / (1 + exp(-2u)): the same function, without the
// cancellation of 1 + tanh(u) that even double precision suffers for x < -6.
double GeluTanhD(double x) {
  const double u = std::sqrt(2 / std::acos(-1.0)) * (x + 0.044715 * x * x * x);
  return x / (1 + std::exp(-2 * u));
}

struct Transcendental {
  const char* name;
  F32VUnaryUkernelFn fn;
  std::function<double(double)> truth;
  std::vector<float> sweep;
  double bound_ulp;        // the bounds stated in the kernel's file: normal results
  double bound_subnormal;  // subnormal results, in units of 2^-149
};

TEST_CASE("f32 transcendental microkernels meet their stated error bounds", "[ukernels][elementwise]") {
  const KernelIsa* isa = BestIsa();
  if (isa == nullptr) return;
  const auto& u = isa->f32_vunary;
  const Transcendental cases[] = {
      {"hswish", u.hswish, HardSwishD, Sweep(-4, 4, 1.0 / 65536), 2.5, 1},
      {"exp", u.exp, [](double v) { return std::exp(v); }, Sweep(-110, 90, 1.0 / 1024), 1.5, 1},
      {"sigmoid", u.sigmoid, SigmoidD, Sweep(-87.3365, 110, 1.0 / 1024), 2.5, 0},
      {"tanh", u.tanh, [](double v) { return std::tanh(v); }, Sweep(-12, 12, 1.0 / 4096), 3, 0},
      {"gelu x >= -13", u.gelu, GeluD, Sweep(-13, 16, 1.0 / 1024), 7, 1},
      {"gelu x < -13", u.gelu, GeluD, Sweep(-16, -13, 1.0 / 1024), 11, 9},
      {"gelu_tanh x >= -3", u.gelu_tanh, GeluTanhD, Sweep(-3, 16, 1.0 / 1024), 15, 1},
      {"gelu_tanh x < -3", u.gelu_tanh, GeluTanhD, Sweep(-16, -3, 1.0 / 1024), 215, 104},
  };
  for (const Transcendental& c : cases) {
    const SweepError e = MaxUlpError(c.fn, c.sweep, c.truth);
    INFO(c.name << ": max error " << e.normal << " ulp at x = " << e.worst_normal_x << " (bound " << c.bound_ulp
                << "), subnormal results " << e.subnormal << " * 2^-149 at x = " << e.worst_subnormal_x
                << " (bound " << c.bound_subnormal << ")");
    CHECK(e.normal <= c.bound_ulp);
    CHECK(e.subnormal <= c.bound_subnormal);
  }
}

// Where the true value is below FLT_MIN, the sigmoid kernels give +0, not a
// subnormal (kernels/x86/fma3_math.h says why).
TEST_CASE("f32 sigmoid microkernel flushes results below FLT_MIN to +0", "[ukernels][elementwise]") {
  const KernelIsa* isa = BestIsa();
  if (isa == nullptr) return;
  std::vector<float> x = {-87.33655f, -1e30f, -std::numeric_limits<float>::max()};
  for (double v = -110; v <= -87.3366; v += 1.0 / 1024) x.push_back(static_cast<float>(v));
  x.push_back(-1e30f);
  const std::vector<float> y = RunUnary(isa->f32_vunary.sigmoid, x, {0.f, 0.f, 0.f});
  int not_zero = 0;
  for (size_t i = 0; i < x.size(); ++i)
    if (y[i] != 0.f || std::signbit(y[i])) ++not_zero;
  CHECK(not_zero == 0);
  // Just above the cutoff the result is the (normal) true value.
  const std::vector<float> z = RunUnary(isa->f32_vunary.sigmoid, {-87.33654f, -87.f}, {0.f, 0.f, 0.f});
  CHECK(z[0] >= std::numeric_limits<float>::min());
  CHECK(std::fabs(z[1] - static_cast<float>(SigmoidD(-87.0))) <= 3 * std::ldexp(1.0, -149 + 24 - 1));
}

TEST_CASE("f32 transcendental microkernels: special values and every length", "[ukernels][elementwise]") {
  const KernelIsa* isa = BestIsa();
  if (isa == nullptr) return;
  const auto& u = isa->f32_vunary;
  const std::vector<float> x = {kNaNF, kInfF, -kInfF, 0.f, -0.f, 200.f, -200.f, 1e-40f, -1e-40f};
  auto run = [&](F32VUnaryUkernelFn fn) { return RunUnary(fn, x, {0.f, 0.f, 0.f}); };
  std::vector<float> y = run(u.exp);
  CHECK(std::isnan(y[0]));
  CHECK(y[1] == kInfF);
  CHECK(y[2] == 0.f);
  CHECK(y[3] == 1.f);
  CHECK(y[4] == 1.f);
  CHECK(y[5] == kInfF);
  CHECK(y[6] == 0.f);
  CHECK(y[7] == 1.f);
  y = run(u.sigmoid);
  CHECK(std::isnan(y[0]));
  CHECK(y[1] == 1.f);
  CHECK(y[2] == 0.f);
  CHECK(y[3] == 0.5f);
  CHECK(y[5] == 1.f);
  CHECK(y[6] == 0.f);
  y = run(u.tanh);
  CHECK(std::isnan(y[0]));
  CHECK(y[1] == 1.f);
  CHECK(y[2] == -1.f);
  CHECK((y[3] == 0.f && !std::signbit(y[3])));
  CHECK((y[4] == 0.f && std::signbit(y[4])));
  CHECK(y[5] == 1.f);
  CHECK(y[6] == -1.f);
  CHECK(y[7] == 1e-40f);
  CHECK(y[8] == -1e-40f);
  for (F32VUnaryUkernelFn fn : {u.gelu, u.gelu_tanh}) {
    y = run(fn);
    CHECK(std::isnan(y[0]));
    CHECK(y[1] == kInfF);
    CHECK(std::isnan(y[2]));  // -inf * 0, as the reference kernel
    CHECK(y[3] == 0.f);
    CHECK(y[5] == 200.f);
    CHECK(y[6] == 0.f);
  }
  y = run(u.hswish);
  CHECK(std::isnan(y[0]));
  CHECK(y[1] == kInfF);
  CHECK(std::isnan(y[2]));
  CHECK(y[5] == 200.f);
  CHECK(y[6] == 0.f);
  // Every length: the masked tail computes the same values as the full vectors.
  const std::vector<float> ref = RandomFloats(67, -6, 6, 99);
  for (F32VUnaryUkernelFn fn : {u.hswish, u.exp, u.sigmoid, u.tanh, u.gelu, u.gelu_tanh}) {
    const std::vector<float> full = RunUnary(fn, ref, {0.f, 0.f, 0.f});
    for (size_t n : kLengths) {
      if (n > ref.size()) continue;
      const std::vector<float> part = RunUnary(fn, std::vector<float>(ref.begin(), ref.begin() + n), {0.f, 0.f, 0.f});
      for (size_t i = 0; i < n; ++i) REQUIRE(SameFloat(part[i], full[i]));
    }
  }
}

}  // namespace
}  // namespace edgert
