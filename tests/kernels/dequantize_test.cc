// DEQUANTIZE: i8 / u8 / i16 (per-tensor and per-channel) -> f32, and f16 / bf16
// -> f32 (MediaPipe stores weights as a constant f16 tensor feeding DEQUANTIZE).
// Also checks the half-precision helpers of runtime/dtype.h exhaustively
// against decoders/encoders written in the tests (here and in
// tests/kernels/kernel_test_util.h) with ldexp / double arithmetic.
#include <catch2/catch.hpp>

#include <cfenv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "kernels/optimized/optimized_kernels.h"
#include "kernels/reference/reference_kernels.h"
#include "runtime/dtype.h"
#include "tests/kernels/kernel_test_util.h"
#include "tests/kernels/kernel_variants.h"
#include "tests/op_test.h"

namespace edgert {
namespace {

// Every test case runs once per kernel variant (tests/kernels/kernel_variants.h).
bool g_optimized = false;
const OpKernel* DequantizeKernel() { return g_optimized ? opt::Register_DEQUANTIZE() : ref::Register_DEQUANTIZE(); }

using namespace testing;  // NOLINT: OpTest and tests/kernels/kernel_test_util.h

// DecodeHalf, IsHalfNaN and BitsToFloat come from tests/kernels/kernel_test_util.h.

// bfloat16 decoder: sign * 2^(e-127) * 1.m (7-bit m), subnormals 2^-126 * 0.m.
double DecodeBF16(uint16_t b) {
  const int sign = (b >> 15) & 1, e = (b >> 7) & 255, m = b & 127;
  double v;
  if (e == 0) {
    v = std::ldexp(static_cast<double>(m), -133);
  } else if (e == 255) {
    v = m == 0 ? std::numeric_limits<double>::infinity() : std::numeric_limits<double>::quiet_NaN();
  } else {
    v = std::ldexp(static_cast<double>(128 + m), e - 134);
  }
  return sign ? -v : v;
}

// Independent float -> half encoder with round-to-nearest-even (std::nearbyint
// in the default rounding mode), for finite non-NaN inputs.
uint16_t EncodeHalfRef(float f) {
  const uint16_t sign = std::signbit(f) ? 0x8000 : 0;
  const double a = std::fabs(static_cast<double>(f));
  if (a >= 65520.0) return sign | 0x7c00;  // 65520 is the tie between 65504 and 2^16: even -> inf
  if (a < std::ldexp(1.0, -14)) {
    // Subnormal range: units of 2^-24. q == 1024 is the smallest normal's encoding.
    const double q = std::nearbyint(a * 16777216.0);
    return static_cast<uint16_t>(sign | static_cast<uint16_t>(q));
  }
  int ex = 0;
  std::frexp(a, &ex);  // a = fr * 2^ex, fr in [0.5, 1)
  const int e = ex - 1;  // a in [2^e, 2^(e+1))
  const double q = std::nearbyint(std::ldexp(a, 10 - e));  // in [1024, 2048]
  return static_cast<uint16_t>(sign | (((e + 15) << 10) + (static_cast<int>(q) - 1024)));
}

template <typename T>
void CheckDequantPerTensor(const Dims& shape, float scale, int32_t zp, bool is_const, uint32_t seed) {
  INFO(DTypeName(DTypeOf<T>::value) << " scale " << scale << " zp " << zp);
  std::vector<T> x = RandomInts<T>(static_cast<size_t>(Count(shape)), seed);
  OpTest t(schema::OpType_DEQUANTIZE);
  if (is_const)
    t.Const<T>(shape, x, QuantSpec::PerTensor(scale, zp));
  else
    t.Input<T>(shape, x, QuantSpec::PerTensor(scale, zp));
  t.Output(DType::kF32);
  const std::vector<float> y = RunAndGetOutput<float>(t, DequantizeKernel(), shape);
  for (size_t i = 0; i < x.size(); ++i) {
    // The double product is exact; one rounding to float, as TFLite does.
    REQUIRE(y[i] == static_cast<float>(static_cast<double>(scale) * (static_cast<int32_t>(x[i]) - zp)));
  }
}

template <typename T>
void CheckDequantPerChannel(const Dims& shape, int axis, bool is_const, uint32_t seed) {
  INFO(DTypeName(DTypeOf<T>::value) << " axis " << axis);
  QuantSpec q;
  q.axis = axis;
  for (int c = 0; c < shape[axis]; ++c) {
    q.scale.push_back(0.003f * static_cast<float>(c + 1));
    q.zero_point.push_back(std::is_same<T, uint8_t>::value ? 100 + c : (std::is_same<T, int8_t>::value ? 2 - c : 0));
  }
  std::vector<T> x = RandomInts<T>(static_cast<size_t>(Count(shape)), seed);
  OpTest t(schema::OpType_DEQUANTIZE);
  if (is_const)
    t.Const<T>(shape, x, q);
  else
    t.Input<T>(shape, x, q);
  t.Output(DType::kF32);
  const std::vector<float> y = RunAndGetOutput<float>(t, DequantizeKernel());
  // Walk the multi-index explicitly to find each element's channel.
  std::vector<int> idx(shape.size(), 0);
  for (size_t i = 0; i < x.size(); ++i) {
    const int c = idx[axis];
    REQUIRE(y[i] == static_cast<float>(static_cast<double>(q.scale[c]) * (static_cast<int64_t>(x[i]) - q.zero_point[c])));
    for (int d = static_cast<int>(shape.size()) - 1; d >= 0; --d) {
      if (++idx[d] < shape[d]) break;
      idx[d] = 0;
    }
  }
}

}  // namespace

TEST_CASE("DEQUANTIZE i8 u8 i16 per tensor", "[kernels][dequantize]") {
  EDGERT_KERNEL_VARIANTS(g_optimized);
  CheckDequantPerTensor<int8_t>({1, 7, 5, 3}, 0.05f, -3, false, 1);
  CheckDequantPerTensor<int8_t>({17}, 0.37f, 127, true, 2);
  CheckDequantPerTensor<uint8_t>({1, 7, 5, 3}, 0.02f, 128, false, 3);
  CheckDequantPerTensor<uint8_t>({3, 1}, 1.5f, 0, true, 4);
  CheckDequantPerTensor<int16_t>({1, 7, 5, 3}, 0.0001f, 0, false, 5);
  CheckDequantPerTensor<int16_t>({2, 17}, 3.0517578e-05f, -100, true, 6);
}

TEST_CASE("DEQUANTIZE per-channel (axis from the quantization parameters)", "[kernels][dequantize]") {
  EDGERT_KERNEL_VARIANTS(g_optimized);
  CheckDequantPerChannel<int8_t>({4, 3, 3, 2}, 0, true, 10);    // conv weights [O, KH, KW, I]
  CheckDequantPerChannel<int8_t>({1, 3, 3, 17}, 3, true, 11);   // depthwise weights [1, KH, KW, C]
  CheckDequantPerChannel<uint8_t>({2, 5, 3}, 1, false, 12);
  CheckDequantPerChannel<int16_t>({7, 3}, 1, true, 13);
}

TEST_CASE("DEQUANTIZE f16 constant weights: all 65536 bit patterns", "[kernels][dequantize]") {
  EDGERT_KERNEL_VARIANTS(g_optimized);
  std::vector<uint16_t> h(65536);
  for (int i = 0; i < 65536; ++i) h[static_cast<size_t>(i)] = static_cast<uint16_t>(i);
  OpTest t(schema::OpType_DEQUANTIZE);
  t.Const(DType::kF16, {256, 256}, h.data(), h.size() * 2);
  t.Output(DType::kF32);
  REQUIRE(t.Run(DequantizeKernel()).ok());
  REQUIRE(t.OutputShape(0) == Shape({256, 256}));
  const std::vector<float> y = t.OutputData<float>(0);
  for (int i = 0; i < 65536; ++i) {
    INFO("half 0x" << std::hex << i);
    const double want = DecodeHalf(static_cast<uint16_t>(i));
    if (std::isnan(want)) {
      REQUIRE(std::isnan(y[i]));
    } else {
      REQUIRE(static_cast<double>(y[i]) == want);
      REQUIRE(std::signbit(y[i]) == std::signbit(want));
    }
  }
}

TEST_CASE("DEQUANTIZE bf16 -> f32: all 65536 bit patterns", "[kernels][dequantize]") {
  EDGERT_KERNEL_VARIANTS(g_optimized);
  std::vector<uint16_t> b(65536);
  for (int i = 0; i < 65536; ++i) b[static_cast<size_t>(i)] = static_cast<uint16_t>(i);
  OpTest t(schema::OpType_DEQUANTIZE);
  t.Input(DType::kBF16, {65536}, b.data(), b.size() * 2);
  t.Output(DType::kF32);
  REQUIRE(t.Run(DequantizeKernel()).ok());
  const std::vector<float> y = t.OutputData<float>(0);
  for (int i = 0; i < 65536; ++i) {
    INFO("bf16 0x" << std::hex << i);
    const double want = DecodeBF16(static_cast<uint16_t>(i));
    if (std::isnan(want))
      REQUIRE(std::isnan(y[i]));
    else
      REQUIRE(static_cast<double>(y[i]) == want);
  }
}

TEST_CASE("DEQUANTIZE rejects bad inputs with a useful message", "[kernels][dequantize]") {
  EDGERT_KERNEL_VARIANTS(g_optimized);
  {
    OpTest t(schema::OpType_DEQUANTIZE);
    t.Input<int8_t>({2}, {1, 2}, QuantSpec::PerTensor(0.1f, 0));
    t.Output(DType::kI32);
    const Status st = t.Run(DequantizeKernel());
    REQUIRE_FALSE(st.ok());
    CHECK(st.code() == StatusCode::kUnsupported);
    CHECK_THAT(st.message(), Catch::Contains("f32"));
  }
  {
    OpTest t(schema::OpType_DEQUANTIZE);
    t.Input<int32_t>({2}, {1, 2}, QuantSpec::PerTensor(0.1f, 0));
    t.Output(DType::kF32);
    const Status st = t.Run(DequantizeKernel());
    REQUIRE_FALSE(st.ok());
    CHECK(st.code() == StatusCode::kUnsupported);
    CHECK_THAT(st.message(), Catch::Contains("i32"));
  }
  {
    OpTest t(schema::OpType_DEQUANTIZE);
    t.Input<uint8_t>({2}, {1, 2});
    t.Output(DType::kF32);
    const Status st = t.Run(DequantizeKernel());
    REQUIRE_FALSE(st.ok());
    CHECK_THAT(st.message(), Catch::Contains("quantization"));
  }
  {
    OpTest t(schema::OpType_DEQUANTIZE);
    t.Input<int8_t>({2}, {1, 2}, QuantSpec::PerTensor(0.1f, -129));
    t.Output(DType::kF32);
    const Status st = t.Run(DequantizeKernel());
    REQUIRE_FALSE(st.ok());
    CHECK_THAT(st.message(), Catch::Contains("zero point"));
  }
}

// --- runtime/dtype.h half-precision helpers ---

TEST_CASE("DEQUANTIZE f16 helper: HalfToFloat decodes all 65536 patterns and FloatToHalf round-trips them", "[kernels][dequantize][half]") {
  for (int i = 0; i < 65536; ++i) {
    const uint16_t h = static_cast<uint16_t>(i);
    INFO("half 0x" << std::hex << i);
    const float f = HalfToFloat(h);
    const double want = DecodeHalf(h);
    if (IsHalfNaN(h)) {
      REQUIRE(std::isnan(f));
      const uint16_t back = FloatToHalf(f);
      REQUIRE(IsHalfNaN(back));  // NaN stays NaN (the payload may change)
      REQUIRE((back & 0x8000) == (h & 0x8000));
    } else {
      REQUIRE(static_cast<double>(f) == want);
      REQUIRE(std::signbit(f) == std::signbit(want));
      REQUIRE(FloatToHalf(f) == h);  // exact round trip, including -0, subnormals and infinities
    }
  }
}

TEST_CASE("DEQUANTIZE f16 helper: FloatToHalf rounds to nearest even (hand-computed cases)", "[kernels][dequantize][half]") {
  struct Case {
    float f;
    uint16_t h;
  };
  const Case cases[] = {
      {1.0f, 0x3c00},
      {1.0f + 0x1p-11f, 0x3c00},               // tie between 0x3c00 and 0x3c01: even -> 0x3c00
      {1.0f + 3 * 0x1p-11f, 0x3c02},           // tie between 0x3c01 and 0x3c02: even -> 0x3c02
      {1.0f + 0x1p-11f + 0x1p-20f, 0x3c01},    // just above the tie
      {1.0f + 0x1p-11f - 0x1p-23f, 0x3c00},    // just below the tie
      {-1.5f, 0xbe00},
      {2049.0f, 0x6800},                       // tie between 2048 (0x6800) and 2050 (0x6801)
      {2051.0f, 0x6802},                       // tie between 2050 (0x6801) and 2052 (0x6802)
      {65504.0f, 0x7bff},                      // largest finite half
      {65519.996f, 0x7bff},                    // below the tie with 2^16
      {65520.0f, 0x7c00},                      // tie: even is 2^16 -> overflows to inf
      {1e10f, 0x7c00},
      {-1e10f, 0xfc00},
      {0x1p-14f, 0x0400},                      // smallest normal
      {0x1p-24f, 0x0001},                      // smallest subnormal
      {0x1p-25f, 0x0000},                      // tie between 0 and 0x0001: even -> 0
      {0x1p-25f + 0x1p-40f, 0x0001},           // just above that tie
      {3 * 0x1p-25f, 0x0002},                  // tie between 0x0001 and 0x0002: even -> 0x0002
      {5 * 0x1p-25f, 0x0002},                  // tie between 0x0002 and 0x0003: even -> 0x0002
      {0x1p-14f - 0x1p-25f, 0x0400},           // tie between 0x03ff and 0x0400: even -> 0x0400
      {0x1p-14f - 0x1p-24f, 0x03ff},           // largest subnormal
      {0x1p-26f, 0x0000},
      {-0x1p-26f, 0x8000},                     // underflow keeps the sign
      {-0.0f, 0x8000},
      {0.333251953125f, 0x3555},               // exactly representable: 0x3555 = 1365/4096
  };
  for (const Case& c : cases) {
    INFO("f = " << c.f << " (bits 0x" << std::hex << [&] { uint32_t b; std::memcpy(&b, &c.f, 4); return b; }()
               << "), want 0x" << c.h);
    CHECK(FloatToHalf(c.f) == c.h);
    CHECK(EncodeHalfRef(c.f) == c.h);  // the test's own encoder agrees with the hand value
  }
}

TEST_CASE("DEQUANTIZE f16 helper: FloatToHalf matches an independent encoder on random floats", "[kernels][dequantize][half]") {
  REQUIRE(std::fegetround() == FE_TONEAREST);
  // Count mismatches (one REQUIRE per value would dominate the run time) and report the first.
  int64_t checked = 0, mismatches = 0;
  uint32_t first_bad = 0;
  auto check = [&](float f) {
    ++checked;
    if (FloatToHalf(f) != EncodeHalfRef(f)) {
      if (mismatches++ == 0) std::memcpy(&first_bad, &f, 4);
    }
  };
  std::mt19937 rng(1234);
  std::uniform_int_distribution<uint32_t> mant(0, (1u << 23) - 1);
  std::uniform_int_distribution<int> exp(127 - 30, 127 + 17);  // around and beyond the half range
  for (int i = 0; i < 300000; ++i) {
    uint32_t m = mant(rng);
    if (i % 4 == 1) m = (m & ~0x1fffu) | 0x1000u;  // exact ties in the normal range
    if (i % 4 == 2) m &= ~0xfffu;                  // low bits clear
    check(BitsToFloat(((rng() & 1u) << 31) | (static_cast<uint32_t>(exp(rng)) << 23) | m));
  }
  // Walk the subnormal and lowest normal range densely: every 7th multiple of 2^-36 in [0, 2^-13).
  for (uint32_t k = 0; k < (1u << 23); k += 7) check(std::ldexp(static_cast<float>(k), -36));
  INFO("checked " << checked << ", first mismatch at float bits 0x" << std::hex << first_bad);
  REQUIRE(checked > 1000000);
  REQUIRE(mismatches == 0);
}

}  // namespace edgert
