// Element-wise binary ops: ADD, SUB, MUL, DIV, MAXIMUM, MINIMUM.
// Each kernel is compared with a naive computation written here: numpy
// broadcasting by explicit index arithmetic, float results computed in double
// (then rounded once to float, which is exactly IEEE float arithmetic for
// + - * /), and quantized results with the tests' own implementation of
// TFLite's fixed-point arithmetic (tests/kernels/kernel_test_util.h; expected to
// match exactly) plus a check against the ideal real-valued result (within one
// quantization step).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "kernels/optimized/optimized_kernels.h"
#include "kernels/reference/reference_kernels.h"
#include "tests/kernels/kernel_test_util.h"
#include "tests/op_test.h"

namespace edgert {
namespace {

using namespace testing;  // NOLINT: OpTest and tests/kernels/kernel_test_util.h

enum class Op { kAdd, kSub, kMul, kDiv, kMax, kMin };
const Op kAllOps[] = {Op::kAdd, Op::kSub, Op::kMul, Op::kDiv, Op::kMax, Op::kMin};
const schema::Activation kAllActivations[] = {schema::Activation_NONE, schema::Activation_RELU,
                                              schema::Activation_RELU6, schema::Activation_RELU_N1_TO_1};

const char* OpName(Op op) {
  switch (op) {
    case Op::kAdd: return "ADD";
    case Op::kSub: return "SUB";
    case Op::kMul: return "MUL";
    case Op::kDiv: return "DIV";
    case Op::kMax: return "MAXIMUM";
    case Op::kMin: return "MINIMUM";
  }
  return "?";
}

schema::OpType OpTypeOf(Op op) {
  switch (op) {
    case Op::kAdd: return schema::OpType_ADD;
    case Op::kSub: return schema::OpType_SUB;
    case Op::kMul: return schema::OpType_MUL;
    case Op::kDiv: return schema::OpType_DIV;
    case Op::kMax: return schema::OpType_MAXIMUM;
    case Op::kMin: return schema::OpType_MINIMUM;
  }
  return schema::OpType_ADD;
}

// The kernel variant of the running test case (BINARY_VARIANTS): every case
// runs on the reference kernel and on the optimized kernel at both ISA levels.
bool g_optimized = false;
#define BINARY_VARIANTS()                                                  \
  const KernelVariant variant = GENERATE(from_range(AllKernelVariants())); \
  ScopedIsaLevel isa_level(variant.isa);                                   \
  g_optimized = variant.optimized;                                         \
  INFO(variant.name << ", ISA " << GetKernelIsa().name)

const OpKernel* KernelOf(Op op) {
  if (g_optimized) {
    switch (op) {
      case Op::kAdd: return opt::Register_ADD();
      case Op::kSub: return opt::Register_SUB();
      case Op::kMul: return opt::Register_MUL();
      case Op::kDiv: return opt::Register_DIV();
      case Op::kMax: return opt::Register_MAXIMUM();
      case Op::kMin: return opt::Register_MINIMUM();
    }
  }
  switch (op) {
    case Op::kAdd: return ref::Register_ADD();
    case Op::kSub: return ref::Register_SUB();
    case Op::kMul: return ref::Register_MUL();
    case Op::kDiv: return ref::Register_DIV();
    case Op::kMax: return ref::Register_MAXIMUM();
    case Op::kMin: return ref::Register_MINIMUM();
  }
  return nullptr;
}

// One operand of the op under test.
struct Operand {
  DType dtype;
  Dims shape;
  std::vector<uint8_t> bytes;
  QuantSpec q;
  bool is_const = false;
};

template <typename T>
Operand MakeOperand(const Dims& shape, const std::vector<T>& v, const QuantSpec& q = {}, bool is_const = false) {
  Operand o{DTypeOf<T>::value, shape, {}, q, is_const};
  o.bytes.resize(v.size() * sizeof(T));
  if (!v.empty()) std::memcpy(o.bytes.data(), v.data(), o.bytes.size());
  return o;
}

struct Result {
  Status status;
  Shape shape;
  std::vector<uint8_t> bytes;
  template <typename T> std::vector<T> as() const {
    std::vector<T> v(bytes.size() / sizeof(T));
    if (!v.empty()) std::memcpy(v.data(), bytes.data(), bytes.size());
    return v;
  }
};

Result RunOp(Op op, schema::Activation act, const Operand& a, const Operand& b, DType out_type,
             const QuantSpec& qo = {}) {
  OpTest t(OpTypeOf(op));
  for (const Operand* o : {&a, &b}) {
    if (o->is_const)
      t.Const(o->dtype, o->shape, o->bytes.data(), o->bytes.size(), o->q);
    else
      t.Input(o->dtype, o->shape, o->bytes.data(), o->bytes.size(), o->q);
  }
  t.Output(out_type, qo);
  t.SetOptions(schema::OpOptions_BinaryOptions, schema::CreateBinaryOptions(t.fbb(), act).Union());
  Result r;
  r.status = t.Run(KernelOf(op));
  if (r.status.ok()) {
    const Tensor& out = t.output(0);
    r.shape = out.shape;
    const uint8_t* p = static_cast<const uint8_t*>(out.data);
    r.bytes.assign(p, p + out.NumElements() * DTypeSize(out.dtype));
  }
  return r;
}

void CheckShape(const Shape& got, const Dims& want) {
  REQUIRE(got.rank == static_cast<int>(want.size()));
  for (int i = 0; i < got.rank; ++i) REQUIRE(got.dims[i] == want[i]);
}

// Shape cases: a, b, expected broadcast output.
struct ShapeCase {
  Dims a, b, out;
};
const ShapeCase kShapes[] = {
    {{1, 7, 5, 3}, {1, 7, 5, 3}, {1, 7, 5, 3}},  // same shape
    {{1, 7, 5, 3}, {3}, {1, 7, 5, 3}},           // per-channel vector
    {{2, 1, 5, 1}, {1, 4, 1, 17}, {2, 4, 5, 17}},  // both sides broadcast
    {{}, {4, 3}, {4, 3}},                        // scalar first
    {{5, 1}, {}, {5, 1}},                        // scalar second
    {{3, 1, 7}, {2, 1, 4, 1}, {2, 3, 4, 7}},       // rank 3 vs rank 4
};

// --- float reference ---
double FloatOp(Op op, float x, float y) {
  const double a = x, b = y;
  switch (op) {
    case Op::kAdd: return a + b;
    case Op::kSub: return a - b;
    case Op::kMul: return a * b;
    case Op::kDiv: return a / b;
    case Op::kMax: return x > y ? a : b;
    case Op::kMin: return x < y ? a : b;
  }
  return 0;
}

float FloatActivation(schema::Activation act, float v) {
  switch (act) {
    case schema::Activation_RELU: return v < 0.f ? 0.f : v;
    case schema::Activation_RELU6: return v < 0.f ? 0.f : (v > 6.f ? 6.f : v);
    case schema::Activation_RELU_N1_TO_1: return v < -1.f ? -1.f : (v > 1.f ? 1.f : v);
    default: return v;
  }
}

// TFLite fixed-point arithmetic: Multiplier, MakeMultiplier and ApplyMultiplier of
// tests/kernels/kernel_test_util.h (written independently of the kernels).

template <typename T>
void ActRangeQ(schema::Activation act, QParams o, int32_t* lo, int32_t* hi) {
  auto q = [&](double v) { return QuantizeRef<T>(v, o.scale, o.zp); };
  *lo = std::numeric_limits<T>::min();
  *hi = std::numeric_limits<T>::max();
  if (act == schema::Activation_RELU) *lo = q(0);
  if (act == schema::Activation_RELU6) { *lo = q(0); *hi = q(6); }
  if (act == schema::Activation_RELU_N1_TO_1) { *lo = q(-1); *hi = q(1); }
}

// TFLite-semantics quantized result of one element (DIV: the documented double path).
template <typename T>
int32_t QuantRef(Op op, schema::Activation act, int32_t x, int32_t y, QParams a, QParams b, QParams o) {
  int32_t lo, hi;
  ActRangeQ<T>(act, o, &lo, &hi);
  const int32_t xv = x - a.zp, yv = y - b.zp;
  int32_t r = 0;
  switch (op) {
    case Op::kAdd:
    case Op::kSub: {
      const double twice = 2.0 * std::max<double>(a.scale, b.scale);
      const Multiplier m1 = MakeMultiplier(a.scale / twice);
      Multiplier m2 = MakeMultiplier(b.scale / twice);
      if (op == Op::kSub) m2.m = -m2.m;  // TFLite runs SUB as ADD with a negated multiplier
      const Multiplier mo = MakeMultiplier(twice / ((1 << 20) * static_cast<double>(o.scale)));
      const int32_t s1 = ApplyMultiplier(xv * (1 << 20), m1);
      const int32_t s2 = ApplyMultiplier(yv * (1 << 20), m2);
      r = ApplyMultiplier(s1 + s2, mo) + o.zp;
      break;
    }
    case Op::kMul: {
      const Multiplier m = MakeMultiplier(static_cast<double>(a.scale) * b.scale / o.scale);
      r = ApplyMultiplier(xv * yv, m) + o.zp;
      break;
    }
    case Op::kDiv: {
      if (yv == 0) return xv > 0 ? hi : (xv < 0 ? lo : std::min(hi, std::max(lo, o.zp)));
      const double real = (static_cast<double>(a.scale) * xv) / (static_cast<double>(b.scale) * yv);
      const double q = std::round(real / o.scale);
      r = static_cast<int32_t>(std::max(-1e6, std::min(1e6, q))) + o.zp;
      break;
    }
    case Op::kMax:
    case Op::kMin: {
      // Documented requantization: inputs shifted left by 20 bits, multiplier s_i / (s_out * 2^20).
      const double pot = 1048576.0;
      const int32_t r1 = ApplyMultiplier(xv * (1 << 20), MakeMultiplier(a.scale / (o.scale * pot))) + o.zp;
      const int32_t r2 = ApplyMultiplier(yv * (1 << 20), MakeMultiplier(b.scale / (o.scale * pot))) + o.zp;
      r = op == Op::kMax ? std::max(r1, r2) : std::min(r1, r2);
      break;
    }
  }
  return std::min(hi, std::max(lo, r));
}

// The ideal result: real arithmetic, activation, quantize with round-to-nearest.
// near_tie: the unrounded value is within 0.01 of a .5 tie, where fixed-point
// rounding (or the float rounding of the scales) may legitimately go either way.
struct Ideal {
  int32_t q;
  bool near_tie;
};

template <typename T>
Ideal IdealQuant(Op op, schema::Activation act, int32_t x, int32_t y, QParams a, QParams b, QParams o) {
  const double ra = a.scale * static_cast<double>(x - a.zp), rb = b.scale * static_cast<double>(y - b.zp);
  double v = 0;
  switch (op) {
    case Op::kAdd: v = ra + rb; break;
    case Op::kSub: v = ra - rb; break;
    case Op::kMul: v = ra * rb; break;
    case Op::kDiv: v = ra / rb; break;
    case Op::kMax: v = std::max(ra, rb); break;
    case Op::kMin: v = std::min(ra, rb); break;
  }
  const double unrounded = v / o.scale;
  const double q = std::round(unrounded) + o.zp;
  int32_t lo, hi;
  ActRangeQ<T>(act, o, &lo, &hi);
  return {static_cast<int32_t>(std::min<double>(hi, std::max<double>(lo, q))), NearRoundingTie(unrounded)};
}

}  // namespace

TEST_CASE("ADD SUB MUL DIV MAXIMUM MINIMUM float32 with broadcasting and activations", "[kernels][add][sub][mul][div][maximum][minimum]") {
  BINARY_VARIANTS();
  uint32_t seed = 1;
  for (Op op : kAllOps) {
    for (const ShapeCase& sc : kShapes) {
      for (schema::Activation act : kAllActivations) {
        INFO(OpName(op) << " act " << static_cast<int>(act) << " a rank " << sc.a.size() << " b rank "
                        << sc.b.size());
        std::vector<float> a = RandomFloats(static_cast<size_t>(Count(sc.a)), -8.f, 8.f, seed++);
        std::vector<float> b = RandomFloats(static_cast<size_t>(Count(sc.b)), -8.f, 8.f, seed++);
        if (op == Op::kDiv)
          for (float& v : b) v = v < 0 ? v - 0.25f : v + 0.25f;  // keep divisors away from 0 here
        const bool b_const = (seed % 2) == 0;
        Result r = RunOp(op, act, MakeOperand(sc.a, a), MakeOperand(sc.b, b, {}, b_const), DType::kF32);
        REQUIRE(r.status.ok());
        CheckShape(r.shape, sc.out);
        const std::vector<float> got = r.as<float>();
        REQUIRE(static_cast<int64_t>(got.size()) == Count(sc.out));
        for (int64_t i = 0; i < Count(sc.out); ++i) {
          const float x = a[BroadcastIndex(sc.a, sc.out, i)], y = b[BroadcastIndex(sc.b, sc.out, i)];
          const float want = FloatActivation(act, static_cast<float>(FloatOp(op, x, y)));
          REQUIRE(got[i] == want);
        }
      }
    }
  }
}

TEST_CASE("DIV float32 division by zero follows IEEE", "[kernels][div]") {
  BINARY_VARIANTS();
  const float inf = std::numeric_limits<float>::infinity();
  Result r = RunOp(Op::kDiv, schema::Activation_NONE, MakeOperand<float>({4}, {1.f, -2.f, 0.f, 3.f}),
                   MakeOperand<float>({4}, {0.f, 0.f, 0.f, -0.f}), DType::kF32);
  REQUIRE(r.status.ok());
  const std::vector<float> y = r.as<float>();
  CHECK(y[0] == inf);
  CHECK(y[1] == -inf);
  CHECK(std::isnan(y[2]));
  CHECK(y[3] == -inf);
  // With RELU6 the infinities are clamped.
  r = RunOp(Op::kDiv, schema::Activation_RELU6, MakeOperand<float>({2}, {1.f, -2.f}),
            MakeOperand<float>({2}, {0.f, 0.f}), DType::kF32);
  REQUIRE(r.status.ok());
  CHECK(r.as<float>() == std::vector<float>{6.f, 0.f});
}

TEST_CASE("ADD SUB MUL DIV MAXIMUM MINIMUM int32 with broadcasting", "[kernels][add][sub][mul][div][maximum][minimum]") {
  BINARY_VARIANTS();
  uint32_t seed = 100;
  for (Op op : kAllOps) {
    for (const ShapeCase& sc : kShapes) {
      for (schema::Activation act : kAllActivations) {
        INFO(OpName(op) << " act " << static_cast<int>(act));
        // Full int32 range: exercises wrap-around of ADD/SUB/MUL; DIV gets some zero divisors.
        std::vector<int32_t> a = RandomInts<int32_t>(static_cast<size_t>(Count(sc.a)), INT32_MIN, INT32_MAX, seed++);
        std::vector<int32_t> b = RandomInts<int32_t>(static_cast<size_t>(Count(sc.b)), -40, 40, seed++);
        if (seed % 3 == 0) a = RandomInts<int32_t>(a.size(), -100, 100, seed++);
        Result r = RunOp(op, act, MakeOperand(sc.a, a), MakeOperand(sc.b, b), DType::kI32);
        REQUIRE(r.status.ok());
        CheckShape(r.shape, sc.out);
        const std::vector<int32_t> got = r.as<int32_t>();
        for (int64_t i = 0; i < Count(sc.out); ++i) {
          const int64_t x = a[BroadcastIndex(sc.a, sc.out, i)], y = b[BroadcastIndex(sc.b, sc.out, i)];
          int64_t v = 0;
          switch (op) {
            case Op::kAdd: v = x + y; break;
            case Op::kSub: v = x - y; break;
            case Op::kMul: v = x * y; break;
            case Op::kDiv: v = y == 0 ? 0 : x / y; break;
            case Op::kMax: v = std::max(x, y); break;
            case Op::kMin: v = std::min(x, y); break;
          }
          // Wrap to 32 bits (two's complement).
          v = static_cast<int64_t>(static_cast<uint64_t>(v) & 0xffffffffu);
          if (v >= (int64_t{1} << 31)) v -= int64_t{1} << 32;
          if (act == schema::Activation_RELU) v = std::max<int64_t>(v, 0);
          if (act == schema::Activation_RELU6) v = std::min<int64_t>(std::max<int64_t>(v, 0), 6);
          if (act == schema::Activation_RELU_N1_TO_1) v = std::min<int64_t>(std::max<int64_t>(v, -1), 1);
          REQUIRE(got[i] == v);
        }
      }
    }
  }
}

TEST_CASE("DIV int32 edge cases: zero divisor gives 0, INT32_MIN / -1 wraps, truncation toward zero", "[kernels][div]") {
  BINARY_VARIANTS();
  const int32_t mn = std::numeric_limits<int32_t>::min();
  Result r = RunOp(Op::kDiv, schema::Activation_NONE, MakeOperand<int32_t>({6}, {7, -7, 0, mn, mn, 5}),
                   MakeOperand<int32_t>({6}, {2, 2, 0, -1, 0, -3}), DType::kI32);
  REQUIRE(r.status.ok());
  CHECK(r.as<int32_t>() == std::vector<int32_t>{3, -3, 0, mn, 0, -1});
}

template <typename T>
void RunQuantizedBinaryCase(Op op, schema::Activation act, const ShapeCase& sc, QParams qa, QParams qb, QParams qo,
                            uint32_t seed, bool b_const) {
  INFO(OpName(op) << " " << DTypeName(DTypeOf<T>::value) << " act " << static_cast<int>(act) << " scales "
                  << qa.scale << "/" << qb.scale << "/" << qo.scale);
  const int64_t lo = std::numeric_limits<T>::min(), hi = std::numeric_limits<T>::max();
  std::vector<T> a = RandomInts<T>(static_cast<size_t>(Count(sc.a)), lo, hi, seed);
  std::vector<T> b = RandomInts<T>(static_cast<size_t>(Count(sc.b)), lo, hi, seed + 7);
  Result r = RunOp(op, act, MakeOperand(sc.a, a, PerTensor(qa)), MakeOperand(sc.b, b, PerTensor(qb), b_const),
                   DTypeOf<T>::value, PerTensor(qo));
  REQUIRE(r.status.ok());
  CheckShape(r.shape, sc.out);
  const std::vector<T> got = r.as<T>();
  for (int64_t i = 0; i < Count(sc.out); ++i) {
    const int32_t x = a[BroadcastIndex(sc.a, sc.out, i)], y = b[BroadcastIndex(sc.b, sc.out, i)];
    const int32_t want = QuantRef<T>(op, act, x, y, qa, qb, qo);
    const Ideal ideal = IdealQuant<T>(op, act, x, y, qa, qb, qo);
    INFO("i=" << i << " x=" << x << " y=" << y << " ideal " << ideal.q);
    if (op == Op::kDiv) {
      // The kernel's double expression is ordered differently from this one; only
      // an exact .5 tie could round differently, so allow one step.
      REQUIRE(std::abs(static_cast<int32_t>(got[i]) - want) <= 1);
    } else {
      REQUIRE(static_cast<int32_t>(got[i]) == want);  // bit-exact TFLite semantics
    }
    // Against the ideal real-valued result: exact unless the value is near a
    // rounding tie, and never more than one step off.
    if (ideal.near_tie)
      REQUIRE(std::abs(static_cast<int32_t>(got[i]) - ideal.q) <= 1);
    else
      REQUIRE(static_cast<int32_t>(got[i]) == ideal.q);
  }
}

TEST_CASE("ADD SUB MUL DIV MAXIMUM MINIMUM int8 and uint8 quantized (TFLite semantics)", "[kernels][add][sub][mul][div][maximum][minimum]") {
  BINARY_VARIANTS();
  uint32_t seed = 1000;
  for (Op op : kAllOps) {
    for (const ShapeCase& sc : kShapes) {
      for (schema::Activation act : kAllActivations) {
        // Output scales sized to the op so that most results are in range.
        float so = 0.09f;
        if (op == Op::kMul) so = 0.6f;
        if (op == Op::kDiv) so = 0.15f;
        RunQuantizedBinaryCase<int8_t>(op, act, sc, {0.05f, -3}, {0.11f, 9}, {so, 5}, seed, seed % 2 == 0);
        RunQuantizedBinaryCase<uint8_t>(op, act, sc, {0.07f, 131}, {0.03f, 120}, {so * 0.8f, 128}, seed + 1,
                                        seed % 2 == 1);
        seed += 3;
      }
    }
  }
}

TEST_CASE("MAXIMUM MINIMUM quantized with equal parameters select the raw input value", "[kernels][maximum][minimum]") {
  BINARY_VARIANTS();
  std::vector<int8_t> a = RandomInts<int8_t>(7 * 5 * 3, -128, 127, 5);
  std::vector<int8_t> b = RandomInts<int8_t>(3, -128, 127, 6);
  const QuantSpec q = QuantSpec::PerTensor(0.1f, -4);
  for (Op op : {Op::kMax, Op::kMin}) {
    Result r = RunOp(op, schema::Activation_NONE, MakeOperand<int8_t>({1, 7, 5, 3}, a, q),
                     MakeOperand<int8_t>({3}, b, q), DType::kI8, q);
    REQUIRE(r.status.ok());
    const std::vector<int8_t> got = r.as<int8_t>();
    for (size_t i = 0; i < got.size(); ++i)
      REQUIRE(got[i] == (op == Op::kMax ? std::max(a[i], b[i % 3]) : std::min(a[i], b[i % 3])));
  }
}

TEST_CASE("DIV quantized zero divisor saturates to the activation range", "[kernels][div]") {
  BINARY_VARIANTS();
  const QuantSpec qa = QuantSpec::PerTensor(0.1f, 0), qb = QuantSpec::PerTensor(0.1f, 10),
                  qo = QuantSpec::PerTensor(0.05f, -20);
  Result r = RunOp(Op::kDiv, schema::Activation_NONE, MakeOperand<int8_t>({3}, {5, -5, 0}, qa),
                   MakeOperand<int8_t>({3}, {10, 10, 10}, qb), DType::kI8, qo);
  REQUIRE(r.status.ok());
  CHECK(r.as<int8_t>() == std::vector<int8_t>{127, -128, -20});
  r = RunOp(Op::kDiv, schema::Activation_RELU6, MakeOperand<int8_t>({3}, {5, -5, 0}, qa),
            MakeOperand<int8_t>({3}, {10, 10, 10}, qb), DType::kI8, qo);
  REQUIRE(r.status.ok());
  // RELU6 range in the output domain: [-20 + 0, -20 + 120] = [-20, 100].
  CHECK(r.as<int8_t>() == std::vector<int8_t>{100, -20, -20});
}

TEST_CASE("ADD quantized hand-computed example", "[kernels][add]") {
  BINARY_VARIANTS();
  // a = 0.5 * (q - 0), b = 0.25 * (q - 4), out = 0.5 * (q + 10).
  // 3.0 + (-1.0) = 2.0 -> q = 4 - 10 = -6; 0.5 + 0.5 = 1.0 -> q = -8; 63.5 + 31 -> saturates to 127.
  Result r = RunOp(Op::kAdd, schema::Activation_NONE,
                   MakeOperand<int8_t>({3}, {6, 1, 127}, QuantSpec::PerTensor(0.5f, 0)),
                   MakeOperand<int8_t>({3}, {0, 6, 127}, QuantSpec::PerTensor(0.25f, 4)), DType::kI8,
                   QuantSpec::PerTensor(0.5f, -10));
  REQUIRE(r.status.ok());
  CHECK(r.as<int8_t>() == std::vector<int8_t>{-6, -8, 127});
}

TEST_CASE("ADD SUB MUL DIV MAXIMUM MINIMUM reject bad inputs with a useful message", "[kernels][add][sub][mul][div][maximum][minimum]") {
  BINARY_VARIANTS();
  for (Op op : kAllOps) {
    INFO(OpName(op));
    // Incompatible shapes.
    Result r = RunOp(op, schema::Activation_NONE, MakeOperand<float>({2, 3}, std::vector<float>(6, 1.f)),
                     MakeOperand<float>({4}, std::vector<float>(4, 1.f)), DType::kF32);
    REQUIRE_FALSE(r.status.ok());
    CHECK_THAT(r.status.message(), Catch::Contains("broadcast"));
    CHECK_THAT(r.status.message(), Catch::Contains("[2,3]"));
    // Mixed dtypes.
    r = RunOp(op, schema::Activation_NONE, MakeOperand<float>({2}, {1.f, 2.f}), MakeOperand<int32_t>({2}, {1, 2}),
              DType::kF32);
    REQUIRE_FALSE(r.status.ok());
    CHECK_THAT(r.status.message(), Catch::Contains("dtype"));
    CHECK_THAT(r.status.message(), Catch::Contains("i32"));
    // Unsupported dtype.
    r = RunOp(op, schema::Activation_NONE, MakeOperand<int64_t>({2}, {1, 2}), MakeOperand<int64_t>({2}, {1, 2}),
              DType::kI64);
    REQUIRE_FALSE(r.status.ok());
    CHECK(r.status.code() == StatusCode::kUnsupported);
    CHECK_THAT(r.status.message(), Catch::Contains("i64"));
    // Output dtype differs from the inputs.
    r = RunOp(op, schema::Activation_NONE, MakeOperand<float>({2}, {1.f, 2.f}), MakeOperand<float>({2}, {1.f, 2.f}),
              DType::kI32);
    REQUIRE_FALSE(r.status.ok());
    CHECK_THAT(r.status.message(), Catch::Contains("output"));
    // Quantized type without quantization parameters.
    r = RunOp(op, schema::Activation_NONE, MakeOperand<int8_t>({2}, {1, 2}, QuantSpec::PerTensor(0.1f, 0)),
              MakeOperand<int8_t>({2}, {1, 2}), DType::kI8, QuantSpec::PerTensor(0.1f, 0));
    REQUIRE_FALSE(r.status.ok());
    CHECK_THAT(r.status.message(), Catch::Contains("quantization"));
    // Per-channel quantized input.
    r = RunOp(op, schema::Activation_NONE,
              MakeOperand<int8_t>({2}, {1, 2}, QuantSpec{{0.1f, 0.2f}, {0, 0}, 0}),
              MakeOperand<int8_t>({2}, {1, 2}, QuantSpec::PerTensor(0.1f, 0)), DType::kI8,
              QuantSpec::PerTensor(0.1f, 0));
    REQUIRE_FALSE(r.status.ok());
    CHECK_THAT(r.status.message(), Catch::Contains("per-channel"));
    // Zero point outside the type's range.
    r = RunOp(op, schema::Activation_NONE, MakeOperand<int8_t>({2}, {1, 2}, QuantSpec::PerTensor(0.1f, 300)),
              MakeOperand<int8_t>({2}, {1, 2}, QuantSpec::PerTensor(0.1f, 0)), DType::kI8,
              QuantSpec::PerTensor(0.1f, 0));
    REQUIRE_FALSE(r.status.ok());
    CHECK_THAT(r.status.message(), Catch::Contains("zero point"));
  }
}

}  // namespace edgert
