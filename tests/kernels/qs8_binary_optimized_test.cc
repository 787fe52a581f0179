// The int8 paths of the optimized ADD, SUB and MUL kernels: first the
// microkernels of every ISA level of this CPU against the tests' own TFLite
// fixed-point arithmetic (tests/kernels/kernel_test_util.h) on every length
// 0..70 and a long one, with requantization shifts across their whole range
// and extreme zero points, checking that nothing past n is written; then the
// op kernels at every ISA level against the reference kernel, byte for byte,
// on every broadcast pattern the optimized kernels cover (and two they do
// not), in both operand orders, odd channel counts, every fused activation.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <type_traits>
#include <vector>

#include "kernels/common/quant.h"
#include "kernels/dispatch.h"
#include "kernels/optimized/qs8_add_f64.h"
#include "kernels/optimized/optimized_kernels.h"
#include "kernels/reference/reference_kernels.h"
#include "tests/kernels/kernel_test_util.h"
#include "tests/kernels/kernel_variants.h"
#include "tests/kernels/ukernel_test_util.h"
#include "tests/op_test.h"

namespace edgert {
namespace {

using namespace testing;  // NOLINT: OpTest and tests/kernels/kernel_test_util.h

int32_t Clamp(int32_t v, int32_t lo, int32_t hi) { return std::min(std::max(v, lo), hi); }

int32_t NaiveMul(int32_t x, int32_t y, const QS8MulParams& p) {
  const int32_t v = ApplyMultiplier((x + p.offset1) * (y + p.offset2), Multiplier{p.multiplier, p.shift});
  return Clamp(v + p.out_zero_point, p.min, p.max);
}

int32_t NaiveAdd(int32_t x, int32_t y, const QS8AddParams& p) {
  const int32_t s1 = ApplyMultiplier((x + p.offset1) * (1 << p.left_shift), Multiplier{p.multiplier1, p.shift1});
  const int32_t s2 = ApplyMultiplier((y + p.offset2) * (1 << p.left_shift), Multiplier{p.multiplier2, p.shift2});
  const int32_t v = ApplyMultiplier(s1 + s2, Multiplier{p.out_multiplier, p.out_shift});
  return Clamp(v + p.out_zero_point, p.min, p.max);
}

// Random clamp range within int8 (sometimes the full range).
void RandomRange(std::mt19937& rng, int32_t* lo, int32_t* hi) {
  std::uniform_int_distribution<int32_t> v(-128, 127);
  *lo = -128;
  *hi = 127;
  if (rng() % 2 == 0) {
    const int32_t a = v(rng), b = v(rng);
    *lo = std::min(a, b);
    *hi = std::max(a, b);
  }
}

int32_t RandomMultiplier(std::mt19937& rng) {
  // [2^30, 2^31), sometimes exactly 2^30 (a power of two: rounding ties).
  if (rng() % 4 == 0) return int32_t{1} << 30;
  return static_cast<int32_t>((int64_t{1} << 30) + (rng() % (uint32_t{1} << 30)));
}

int32_t RandomOffset(std::mt19937& rng) {
  const int32_t kEdges[] = {-127, 128, 0};
  if (rng() % 3 == 0) return kEdges[rng() % 3];
  return -std::uniform_int_distribution<int32_t>(-128, 127)(rng);
}

std::vector<IsaLevel> FastLevels() {
  std::vector<IsaLevel> v;
  for (int l = 1; l <= static_cast<int>(DetectedIsaLevel()); ++l) v.push_back(static_cast<IsaLevel>(l));
  return v;
}

std::vector<size_t> Lengths() {
  std::vector<size_t> n;
  for (size_t i = 0; i <= 70; ++i) n.push_back(i);
  n.push_back(1001);
  return n;
}

TEST_CASE("QS8 MUL microkernels match TFLite fixed-point arithmetic", "[kernels][mul][qs8][ukernels]") {
  for (IsaLevel level : FastLevels()) {
    ScopedIsaLevel isa_level(level);
    const KernelIsa& isa = GetKernelIsa();
    INFO("ISA " << isa.name);
    if (isa.qs8_vbinary.mul == nullptr) continue;
    std::mt19937 rng(7);
    for (size_t n : Lengths()) {
      for (int rep = 0; rep < 4; ++rep) {
        QS8MulParams p;
        p.offset1 = RandomOffset(rng);
        p.offset2 = RandomOffset(rng);
        p.multiplier = RandomMultiplier(rng);
        p.shift = static_cast<int32_t>(rng() % 62) - 31;  // [-31, 30]
        if (rep == 0) p.shift = -static_cast<int32_t>(rng() % 20);  // typical: s1 * s2 / s_out < 1
        p.out_zero_point = std::uniform_int_distribution<int32_t>(-128, 127)(rng);
        RandomRange(rng, &p.min, &p.max);
        const uint32_t seed = static_cast<uint32_t>(rng());
        const std::vector<int8_t> a = RandomInts<int8_t>(n, seed), b = RandomInts<int8_t>(n, seed + 1);
        INFO("n " << n << " offsets " << p.offset1 << "/" << p.offset2 << " multiplier " << p.multiplier << " shift "
                  << p.shift << " zp " << p.out_zero_point << " range " << p.min << ".." << p.max);
        std::vector<int8_t> y(n + 16, 55), yc(n + 16, 55);
        isa.qs8_vbinary.mul(n, a.data(), b.data(), y.data(), &p);
        const int8_t scalar = b.empty() ? int8_t{-7} : b[0];
        isa.qs8_vbinary.mulc(n, a.data(), &scalar, yc.data(), &p);
        for (size_t i = 0; i < n; ++i) {
          INFO("i " << i << " a " << int{a[i]} << " b " << int{b[i]});
          REQUIRE(int{y[i]} == NaiveMul(a[i], b[i], p));
          REQUIRE(int{yc[i]} == NaiveMul(a[i], scalar, p));
        }
        for (size_t i = n; i < n + 16; ++i) REQUIRE((y[i] == 55 && yc[i] == 55));
      }
    }
  }
}

TEST_CASE("QS8 ADD microkernels (vector and scalar operand) match TFLite fixed-point arithmetic",
          "[kernels][add][qs8][ukernels]") {
  for (IsaLevel level : FastLevels()) {
    ScopedIsaLevel isa_level(level);
    const KernelIsa& isa = GetKernelIsa();
    INFO("ISA " << isa.name);
    if (isa.qs8_vadd == nullptr || isa.qs8_vbinary.addc == nullptr) continue;
    std::mt19937 rng(11);
    for (size_t n : Lengths()) {
      for (int rep = 0; rep < 4; ++rep) {
        // ADD's parameter ranges (elementwise_binary.cc): input multipliers below
        // one half (right shifts, the larger input's exactly 1/2), left shift
        // 20, output multiplier anywhere; negated for SUB.
        QS8AddParams p;
        p.offset1 = RandomOffset(rng);
        p.offset2 = RandomOffset(rng);
        p.left_shift = 20;
        p.multiplier1 = RandomMultiplier(rng);
        p.shift1 = -static_cast<int32_t>(rng() % 31);
        p.multiplier2 = RandomMultiplier(rng) * (rng() % 2 == 0 ? 1 : -1);
        p.shift2 = rep == 0 ? 0 : -static_cast<int32_t>(rng() % 31);
        p.out_multiplier = RandomMultiplier(rng);
        p.out_shift = static_cast<int32_t>(rng() % 62) - 31;
        if (rep < 2) p.out_shift = -static_cast<int32_t>(rng() % 8) - 12;  // typical: 2 * s / (2^20 * s_out)
        p.out_zero_point = std::uniform_int_distribution<int32_t>(-128, 127)(rng);
        RandomRange(rng, &p.min, &p.max);
        const uint32_t seed = static_cast<uint32_t>(rng());
        const std::vector<int8_t> a = RandomInts<int8_t>(n, seed), b = RandomInts<int8_t>(n, seed + 1);
        INFO("n " << n << " offsets " << p.offset1 << "/" << p.offset2 << " shifts " << p.shift1 << "/" << p.shift2
                  << "/" << p.out_shift << " zp " << p.out_zero_point << " range " << p.min << ".." << p.max);
        std::vector<int8_t> y(n + 16, 55), yc(n + 16, 55);
        isa.qs8_vadd(n, a.data(), b.data(), y.data(), &p);
        const int8_t scalar = b.empty() ? int8_t{100} : b[0];
        isa.qs8_vbinary.addc(n, a.data(), &scalar, yc.data(), &p);
        for (size_t i = 0; i < n; ++i) {
          INFO("i " << i << " a " << int{a[i]} << " b " << int{b[i]});
          REQUIRE(int{y[i]} == NaiveAdd(a[i], b[i], p));
          REQUIRE(int{yc[i]} == NaiveAdd(a[i], scalar, p));
        }
        for (size_t i = n; i < n + 16; ++i) REQUIRE((y[i] == 55 && yc[i] == 55));
      }
    }
  }
}

// ADD's fixed-point parameters for input scales s1, s2 and output scale so
// (the reference's derivation, kernels/common/elementwise_binary.cc).
QS8AddParams AddParamsOf(double s1, double s2, double so, bool sub, int32_t z1, int32_t z2, int32_t zo) {
  QS8AddParams p;
  p.offset1 = -z1;
  p.offset2 = -z2;
  p.left_shift = 20;
  const double twice_max = 2.0 * std::max(s1, s2);
  int shift = 0;
  QuantizeMultiplier(s1 / twice_max, &p.multiplier1, &shift);
  p.shift1 = shift;
  QuantizeMultiplier(s2 / twice_max, &p.multiplier2, &shift);
  p.shift2 = shift;
  if (sub) p.multiplier2 = -p.multiplier2;
  QuantizeMultiplier(twice_max / ((1 << 20) * so), &p.out_multiplier, &shift);
  p.out_shift = shift;
  p.out_zero_point = zo;
  p.min = -128;
  p.max = 127;
  return p;
}

// Checks a floating-point int8 ADD kernel (double or single precision) and
// its exactness search `make`: over 60 parameter sets, every accepted one
// must equal the tests' own fixed-point arithmetic on all 65536 pairs and on
// short lengths without writing past them, and at least `min_accepted` must
// be accepted (the fast kernel does run for calibration-like scales).
template <typename P, typename Fn, typename Make>
void CheckFloatAdd(Fn kernel, Make make, int min_accepted) {
  const KernelIsa& isa = GetKernelIsa();
  std::mt19937 rng(5);
  std::uniform_real_distribution<double> log_scale(-7.0, -1.0);
  std::uniform_int_distribution<int32_t> zp(-128, 127);
  std::vector<int8_t> a(65536), b(65536), y(65536 + 16);
  for (size_t i = 0; i < a.size(); ++i) {
    a[i] = static_cast<int8_t>(static_cast<uint8_t>(i));
    b[i] = static_cast<int8_t>(static_cast<uint8_t>(i >> 8));
  }
  int accepted = 0, rejected = 0;
  for (int rep = 0; rep < 60; ++rep) {
    // Calibration-like scales, and every fourth case simple ratios (equal
    // scales, halves, fifths), whose rounding ties the check must catch.
    double s1 = std::exp2(log_scale(rng)), s2 = std::exp2(log_scale(rng)), so = std::exp2(log_scale(rng));
    if (rep % 4 == 0) {
      const double kRatios[] = {1.0, 0.5, 0.2, 2.0};
      s2 = s1 * kRatios[rng() % 4];
      so = s1 * kRatios[rng() % 4];
    }
    QS8AddParams p = AddParamsOf(s1, s2, so, rep % 3 == 2, zp(rng), zp(rng), zp(rng));
    if (rep % 5 == 1) RandomRange(rng, &p.min, &p.max);
    P f;
    INFO("rep " << rep << " scales " << s1 << " " << s2 << " " << so << " sub " << (rep % 3 == 2));
    if (!make(p, isa.qs8_vadd, kernel, &f)) {
      ++rejected;
      continue;
    }
    ++accepted;
    kernel(a.size(), a.data(), b.data(), y.data(), &f);
    // One assertion for the 65536 pairs (the first differing pair named):
    // per-pair assertions made this test the slowest one under ASan.
    size_t bad = a.size();
    for (size_t i = 0; i < a.size() && bad == a.size(); ++i)
      if (int{y[i]} != NaiveAdd(a[i], b[i], p)) bad = i;
    INFO("first differing pair: " << (bad < a.size() ? "a " + std::to_string(a[bad]) + " b " + std::to_string(b[bad]) +
                                                           " gives " + std::to_string(y[bad]) + ", want " +
                                                           std::to_string(NaiveAdd(a[bad], b[bad], p))
                                                     : std::string("none")));
    REQUIRE(bad == a.size());
    for (size_t n = 0; n <= 40; ++n) {
      std::fill(y.begin(), y.end(), int8_t{55});
      kernel(n, a.data() + 7 * n, b.data() + 300 * n, y.data(), &f);
      for (size_t i = 0; i < n; ++i) REQUIRE(int{y[i]} == NaiveAdd(a[7 * n + i], b[300 * n + i], p));
      for (size_t i = n; i < n + 16; ++i) REQUIRE(y[i] == 55);
    }
  }
  INFO(accepted << " parameter sets accepted, " << rejected << " rejected");
  CHECK(accepted >= min_accepted);
}

// CheckFloatAdd at every level this CPU has whose table holds the kernel
// (member `kernel` of KernelIsa); a warning where none does.
template <typename P, typename Fn, typename Make>
void CheckFloatAddAtEveryLevel(Fn KernelIsa::*kernel, Make make, const char* what) {
  int levels = 0;
  for (IsaLevel l : SupportedMicrokernelLevels()) {
    ScopedIsaLevel scope(l);
    const KernelIsa& isa = GetKernelIsa();
    if (isa.*kernel == nullptr) continue;
    INFO("level " << isa.name);
    CheckFloatAdd<P>(isa.*kernel, make, 30);
    ++levels;
  }
  if (levels == 0) WARN("no " << what << " int8 ADD kernel at any level of this CPU: nothing to check");
}

TEST_CASE("The double-precision int8 ADD kernel is chosen only where it equals the fixed-point arithmetic",
          "[kernels][add][qs8][ukernels]") {
  CheckFloatAddAtEveryLevel<QS8AddF64Params>(&KernelIsa::qs8_vadd_f64, opt::MakeExactQS8AddF64, "double-precision");
}

TEST_CASE("The single-precision int8 ADD kernel is chosen only where it equals the fixed-point arithmetic",
          "[kernels][add][qs8][ukernels]") {
  CheckFloatAddAtEveryLevel<QS8AddF32Params>(&KernelIsa::qs8_vadd_f32, opt::MakeExactQS8AddF32, "single-precision");
}

// A floating kernel (double or single precision) with one pair's result off
// by one, whatever the parameters.
template <typename P>
void OffByOneAtOnePair(size_t n, const int8_t* a, const int8_t* b, int8_t* y, const P* p) {
  const KernelIsa& isa = GetKernelIsa();
  if constexpr (std::is_same<P, QS8AddF64Params>::value) {
    isa.qs8_vadd_f64(n, a, b, y, p);
  } else {
    isa.qs8_vadd_f32(n, a, b, y, p);
  }
  for (size_t i = 0; i < n; ++i)
    if (a[i] == 5 && b[i] == -7) y[i] = static_cast<int8_t>(y[i] == 127 ? 126 : y[i] + 1);
}

// The exactness checks accept the level's kernels and turn down the same kernels
// with one pair's result off by one.
void CheckExactnessCheck(const KernelIsa& isa) {
  const QS8AddParams p = AddParamsOf(0.0473, 0.0219, 0.0913, false, -3, 7, 2);
  if (isa.qs8_vadd_f64 != nullptr) {
    QS8AddF64Params f;
    REQUIRE(opt::MakeExactQS8AddF64(p, isa.qs8_vadd, isa.qs8_vadd_f64, &f));
    CHECK_FALSE(opt::MakeExactQS8AddF64(p, isa.qs8_vadd, OffByOneAtOnePair<QS8AddF64Params>, &f));
  }
  if (isa.qs8_vadd_f32 != nullptr) {
    QS8AddF32Params g;
    REQUIRE(opt::MakeExactQS8AddF32(p, isa.qs8_vadd, isa.qs8_vadd_f32, &g));
    CHECK_FALSE(opt::MakeExactQS8AddF32(p, isa.qs8_vadd, OffByOneAtOnePair<QS8AddF32Params>, &g));
  }
}

TEST_CASE("The exactness check of the floating-point int8 ADD turns down a kernel that differs on one pair",
          "[kernels][add][qs8][ukernels]") {
  int levels = 0;
  for (IsaLevel l : SupportedMicrokernelLevels()) {
    ScopedIsaLevel scope(l);
    const KernelIsa& isa = GetKernelIsa();
    if (isa.qs8_vadd_f64 == nullptr && isa.qs8_vadd_f32 == nullptr) continue;
    INFO("level " << isa.name);
    CheckExactnessCheck(isa);
    ++levels;
  }
  if (levels == 0) WARN("no floating-point int8 ADD kernels at any level of this CPU: nothing to check");
}


struct QS8OpInfo {
  const char* name;
  schema::OpType type;
  const OpKernel* ref;
  const OpKernel* opt;
};

TEST_CASE("Optimized int8 ADD SUB MUL equal the reference kernel on every broadcast pattern",
          "[kernels][add][sub][mul][qs8]") {
  const QS8OpInfo kOps[] = {
      {"ADD", schema::OpType_ADD, ref::Register_ADD(), opt::Register_ADD()},
      {"SUB", schema::OpType_SUB, ref::Register_SUB(), opt::Register_SUB()},
      {"MUL", schema::OpType_MUL, ref::Register_MUL(), opt::Register_MUL()},
  };
  const schema::Activation kActs[] = {schema::Activation_NONE, schema::Activation_RELU, schema::Activation_RELU6,
                                      schema::Activation_RELU_N1_TO_1};
  // (input 0, input 1, output) scale and zero point sets: typical, extreme
  // zero points, equal parameters. The output scale is the set's gain times a
  // scale that keeps most results in range (ADD / SUB: the larger input scale
  // times 2, MUL: s1 * s2 * 60); a small gain saturates (multipliers above one).
  struct QuantSet {
    QParams a, b;
    int32_t out_zp;
    float gain;
  };
  const QuantSet kQuant[] = {
      {{0.05f, -3}, {0.11f, 9}, 5, 1.f},
      {{0.02f, -128}, {0.7f, 127}, -128, 1.3f},
      {{0.3f, 127}, {0.01f, -128}, 3, 0.01f},
      {{0.1f, 0}, {0.1f, 0}, 0, 1.f},
      {{0.04f, 17}, {0.02f, -40}, -100, 0.5f},
  };
  uint32_t seed = 100;
  for (int c : {1, 3, 8, 15, 16, 17, 33, 67}) {
    std::vector<std::pair<Dims, Dims>> shapes = {
        {{1, 3, 5, c}, {1, 3, 5, c}},  // same shape
        {{1, 3, 5, c}, {c}},           // per-channel
        {{2, 3, 5, c}, {2, 1, 1, c}},  // squeeze-excite
        {{2, 9, 13, c}, {2, 1, 1, c}},  // more rows than one call takes for small c (several calls, a partial last)
        {{2, 3, 5, c}, {2, 3, 5, 1}},  // per-pixel scalar
        {{2, 3, 5, c}, {}},            // scalar
        {{2, 1, 5, c}, {1, 3, 1, c}},  // both broadcast: reference fallback
        {{2, 3, 5, c}, {1, 3, 1, c}},  // Y broadcast in two runs: reference fallback
    };
    if (c == 67) {  // enough rows / pixels to split across threads
      shapes.push_back({{1, 40, 41, c}, {c}});
      shapes.push_back({{1, 40, 41, c}, {1, 40, 41, 1}});
    }
    for (const auto& sh : shapes) {
      for (bool swap : {false, true}) {
        const Dims& da = swap ? sh.second : sh.first;
        const Dims& db = swap ? sh.first : sh.second;
        for (const QS8OpInfo& op : kOps) {
          const schema::Activation act = kActs[(seed / 2) % 4];
          const int set = static_cast<int>((seed / 2) % 5);
          const QuantSet& qs = kQuant[set];
          const bool mul = op.type == schema::OpType_MUL;
          const float out_scale =
              qs.gain * (mul ? qs.a.scale * qs.b.scale * 60.f : 2.f * std::max(qs.a.scale, qs.b.scale));
          const QParams q[3] = {qs.a, qs.b, {out_scale, qs.out_zp}};
          const std::vector<int8_t> a = RandomInts<int8_t>(static_cast<size_t>(Count(da)), seed++);
          const std::vector<int8_t> b = RandomInts<int8_t>(static_cast<size_t>(Count(db)), seed++);
          const bool b_const = seed % 3 == 0;
          seed += 2 * (op.type == schema::OpType_MUL);  // the next pattern starts at another set
          auto run = [&](const OpKernel* kernel, int threads) {
            OpTest t(op.type);
            t.SetNumThreads(threads);
            t.Input<int8_t>(da, a, PerTensor(q[0]));
            if (b_const)
              t.Const<int8_t>(db, b, PerTensor(q[1]));
            else
              t.Input<int8_t>(db, b, PerTensor(q[1]));
            t.Output(DType::kI8, PerTensor(q[2]));
            t.SetOptions(schema::OpOptions_BinaryOptions, schema::CreateBinaryOptions(t.fbb(), act).Union());
            return RunAndGetOutput<int8_t>(t, kernel);
          };
          INFO(op.name << " shapes " << da.size() << "-d/" << db.size() << "-d c " << c << " swap " << swap
                       << " act " << static_cast<int>(act) << " quant set " << set);
          const std::vector<int8_t> want = run(op.ref, 1);
          for (int level = 0; level <= static_cast<int>(DetectedIsaLevel()); ++level) {
            ScopedIsaLevel isa_level(static_cast<IsaLevel>(level));
            // Several threads at the best level only (the split is the same at every level).
            const bool best = level == static_cast<int>(DetectedIsaLevel());
            for (int threads : best ? variant_test::TestThreadCounts() : std::vector<int>{1}) {
              INFO("ISA " << GetKernelIsa().name << ", threads " << threads);
              REQUIRE(run(op.opt, threads) == want);
            }
          }
        }
      }
    }
  }
}

}  // namespace
}  // namespace edgert
