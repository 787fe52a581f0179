// CAST between f32, f16, bf16, i8, u8, i16, i32, i64 and bool.
// Hand-computed cases pin down the documented semantics (truncation toward
// zero, saturation of out-of-range floats, NaN -> 0, wrap-around of integer
// narrowing, bool = nonzero, round-to-nearest-even into f16/bf16); a random
// test over all 81 type pairs compares with a model written here in long double.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <type_traits>
#include <vector>

#include "kernels/reference/reference_kernels.h"
#include "runtime/dtype.h"
#include "tests/kernels/kernel_test_util.h"
#include "tests/op_test.h"

namespace edgert {
namespace {

using namespace testing;  // NOLINT: OpTest and the half-precision decoders of tests/kernels/kernel_test_util.h

const float kNaN = std::numeric_limits<float>::quiet_NaN();
const float kInf = std::numeric_limits<float>::infinity();

struct Bytes {
  std::vector<uint8_t> b;
  size_t n = 0;
};

template <typename T>
Bytes ToBytes(const std::vector<T>& v) {
  Bytes r;
  r.n = v.size();
  r.b.resize(v.size() * sizeof(T));
  if (!v.empty()) std::memcpy(r.b.data(), v.data(), r.b.size());
  return r;
}

Status RunCast(DType in_type, const Bytes& in, DType out_type, std::vector<uint8_t>* out, const QuantSpec& q = {}) {
  OpTest t(schema::OpType_CAST);
  t.Input(in_type, {static_cast<int32_t>(in.n)}, in.b.data(), in.b.size(), q);
  t.Output(out_type);
  EDGERT_RETURN_IF_ERROR(t.Run(ref::Register_CAST()));
  REQUIRE(t.OutputShape(0) == Shape({static_cast<int32_t>(in.n)}));
  const Tensor& o = t.output(0);
  const uint8_t* p = static_cast<const uint8_t*>(o.data);
  out->assign(p, p + o.bytes);
  return Status::Ok();
}

// Casts `in` (storage type S, dtype sd) to dtype dd (storage type D) and checks against `want`.
template <typename S, typename D>
void CheckCast(DType sd, const std::vector<S>& in, DType dd, const std::vector<D>& want) {
  INFO(DTypeName(sd) << " -> " << DTypeName(dd));
  std::vector<uint8_t> out;
  const Status st = RunCast(sd, ToBytes(in), dd, &out);
  INFO(st.message());
  REQUIRE(st.ok());
  REQUIRE(out.size() == want.size() * sizeof(D));
  std::vector<D> got(want.size());
  std::memcpy(got.data(), out.data(), out.size());
  for (size_t i = 0; i < want.size(); ++i) {
    INFO("element " << i);
    if (std::is_floating_point<D>::value && std::isnan(static_cast<double>(want[i])))
      CHECK(std::isnan(static_cast<double>(got[i])));
    else
      CHECK(got[i] == want[i]);
  }
}

// --- a model of the documented semantics, in long double ---
struct Val {
  bool is_float = false;
  long double v = 0;  // float sources (may be NaN / inf)
  int64_t i = 0;      // integer and bool sources
};

Val Load(DType t, const uint8_t* p, size_t idx) {
  Val r;
  switch (t) {
    case DType::kF32: { float f; std::memcpy(&f, p + idx * 4, 4); r.is_float = true; r.v = f; break; }
    case DType::kF16: { uint16_t h; std::memcpy(&h, p + idx * 2, 2); r.is_float = true; r.v = DecodeHalf(h); break; }
    case DType::kBF16: {
      uint16_t h;
      std::memcpy(&h, p + idx * 2, 2);
      r.is_float = true;
      r.v = BitsToFloat(static_cast<uint32_t>(h) << 16);
      break;
    }
    case DType::kI8: r.i = static_cast<int8_t>(p[idx]); break;
    case DType::kU8: r.i = p[idx]; break;
    case DType::kI16: { int16_t v; std::memcpy(&v, p + idx * 2, 2); r.i = v; break; }
    case DType::kI32: { int32_t v; std::memcpy(&v, p + idx * 4, 4); r.i = v; break; }
    case DType::kI64: { int64_t v; std::memcpy(&v, p + idx * 8, 8); r.i = v; break; }
    case DType::kBool: r.i = p[idx] != 0 ? 1 : 0; break;
  }
  return r;
}

bool IsIntType(DType t) {
  return t == DType::kI8 || t == DType::kU8 || t == DType::kI16 || t == DType::kI32 || t == DType::kI64;
}

void IntRange(DType t, long double* lo, long double* hi) {
  switch (t) {
    case DType::kI8: *lo = -128; *hi = 127; break;
    case DType::kU8: *lo = 0; *hi = 255; break;
    case DType::kI16: *lo = -32768; *hi = 32767; break;
    case DType::kI32: *lo = -2147483648.0L; *hi = 2147483647.0L; break;
    default: *lo = -9223372036854775808.0L; *hi = 9223372036854775807.0L; break;
  }
}

// Expected bytes of one element of dtype d; *nan set when a float NaN is expected.
std::vector<uint8_t> Expected(const Val& v, DType d, bool* nan) {
  const size_t size = DTypeSize(d);
  std::vector<uint8_t> out(size, 0);
  *nan = false;
  if (d == DType::kBool) {
    out[0] = v.is_float ? (v.v != 0 ? 1 : 0) : (v.i != 0 ? 1 : 0);  // NaN != 0 -> true
    return out;
  }
  if (IsIntType(d)) {
    uint64_t bits;
    if (v.is_float) {
      long double lo, hi;
      IntRange(d, &lo, &hi);
      int64_t q;
      if (std::isnan(v.v)) q = 0;
      else if (std::truncl(v.v) >= hi) q = static_cast<int64_t>(hi);
      else if (std::truncl(v.v) <= lo) q = static_cast<int64_t>(lo);
      else q = static_cast<int64_t>(std::truncl(v.v));
      bits = static_cast<uint64_t>(q);
    } else {
      bits = static_cast<uint64_t>(v.i);  // low bytes: modulo 2^bits
    }
    std::memcpy(out.data(), &bits, size);  // little endian: the low `size` bytes
    return out;
  }
  // Float targets: the value as the nearest float, then f16 / bf16 rounding.
  const float f = v.is_float ? static_cast<float>(v.v) : static_cast<float>(v.i);
  *nan = std::isnan(f);
  if (d == DType::kF32) std::memcpy(out.data(), &f, 4);
  if (d == DType::kF16) { const uint16_t h = FloatToHalf(f); std::memcpy(out.data(), &h, 2); }
  if (d == DType::kBF16) { const uint16_t h = FloatToBF16(f); std::memcpy(out.data(), &h, 2); }
  return out;
}

bool BytesAreNaN(DType d, const uint8_t* p) {
  if (d == DType::kF32) { float f; std::memcpy(&f, p, 4); return std::isnan(f); }
  uint16_t h;
  std::memcpy(&h, p, 2);
  if (d == DType::kF16) return IsHalfNaN(h);
  if (d == DType::kBF16) return ((h >> 7) & 255) == 255 && (h & 127) != 0;
  return false;
}

Bytes RandomSource(DType t, size_t n, uint32_t seed) {
  std::mt19937_64 rng(seed);
  Bytes r;
  r.n = n;
  r.b.resize(n * DTypeSize(t));
  for (size_t i = 0; i < n; ++i) {
    uint8_t* p = r.b.data() + i * DTypeSize(t);
    const uint64_t bits = rng();
    switch (t) {
      case DType::kF32: {
        float f;
        switch (i % 5) {
          case 0: f = std::ldexp(static_cast<float>(bits % 2000001) - 1e6f, -12); break;  // [-244, 244]
          case 1: f = std::ldexp(static_cast<float>(bits % 2001) - 1000.f, static_cast<int>(bits >> 40) % 60); break;
          case 2: { const uint32_t b32 = static_cast<uint32_t>(bits); std::memcpy(&f, &b32, 4); break; }  // any bits
          case 3: f = static_cast<float>(static_cast<int64_t>(bits % 600) - 300) + 0.5f; break;  // halves
          default: { const float sp[] = {0.f, -0.f, kInf, -kInf, kNaN, 1e30f, -1e30f}; f = sp[bits % 7]; }
        }
        std::memcpy(p, &f, 4);
        break;
      }
      case DType::kBool: p[0] = static_cast<uint8_t>(bits & 1); break;
      default: std::memcpy(p, &bits, DTypeSize(t)); break;  // f16, bf16 and integers: any bit pattern
    }
  }
  return r;
}

const DType kAllTypes[] = {DType::kF32, DType::kF16, DType::kBF16, DType::kI8, DType::kU8,
                           DType::kI16, DType::kI32, DType::kI64, DType::kBool};

}  // namespace

TEST_CASE("CAST float to integer truncates toward zero and saturates; NaN gives 0", "[kernels][cast]") {
  CheckCast<float, int32_t>(DType::kF32,
                            {1.9f, -1.9f, 0.5f, -0.5f, 3e9f, -3e9f, kNaN, kInf, -kInf, 2147483520.f, -2147483648.f},
                            DType::kI32,
                            {1, -1, 0, 0, INT32_MAX, INT32_MIN, 0, INT32_MAX, INT32_MIN, 2147483520, INT32_MIN});
  CheckCast<float, uint8_t>(DType::kF32, {-1.f, -0.9f, 255.9f, 256.f, 3.7f, kNaN}, DType::kU8, {0, 0, 255, 255, 3, 0});
  CheckCast<float, int8_t>(DType::kF32, {127.9f, 128.f, -128.9f, -129.f, -3.99f}, DType::kI8, {127, 127, -128, -128, -3});
  CheckCast<float, int16_t>(DType::kF32, {32767.5f, 40000.f, -40000.f, -12.7f}, DType::kI16, {32767, 32767, -32768, -12});
  CheckCast<float, int64_t>(DType::kF32, {1e19f, -1e19f, 9223371487098961920.f, -9223372036854775808.f, -2.5f},
                            DType::kI64, {INT64_MAX, INT64_MIN, 9223371487098961920LL, INT64_MIN, -2});
  // f16 sources: 1.5, -2.5, inf, NaN, -1, 255.
  CheckCast<uint16_t, int32_t>(DType::kF16, {0x3e00, 0xc100, 0x7c00, 0x7e00}, DType::kI32, {1, -2, INT32_MAX, 0});
  CheckCast<uint16_t, uint8_t>(DType::kF16, {0xbc00, 0x5bf8}, DType::kU8, {0, 255});
  // bf16 source: -3.5 -> -3.
  CheckCast<uint16_t, int16_t>(DType::kBF16, {0xc060}, DType::kI16, {-3});
}

TEST_CASE("CAST integer narrowing wraps around (two's complement)", "[kernels][cast]") {
  CheckCast<int32_t, uint8_t>(DType::kI32, {300, -1, 255, 256}, DType::kU8, {44, 255, 255, 0});
  CheckCast<uint8_t, int8_t>(DType::kU8, {200, 127, 128}, DType::kI8, {-56, 127, -128});
  CheckCast<int64_t, int32_t>(DType::kI64, {(int64_t{1} << 32) + 5, -1, int64_t{1} << 31}, DType::kI32, {5, -1, INT32_MIN});
  CheckCast<int32_t, int16_t>(DType::kI32, {70000, -32769}, DType::kI16, {4464, 32767});
  CheckCast<int8_t, int64_t>(DType::kI8, {-5, 127}, DType::kI64, {-5, 127});
  CheckCast<uint8_t, int16_t>(DType::kU8, {255}, DType::kI16, {255});
  CheckCast<int8_t, uint8_t>(DType::kI8, {-1, -128}, DType::kU8, {255, 128});
}

TEST_CASE("CAST bool: nonzero is true, true is 1", "[kernels][cast]") {
  CheckCast<float, uint8_t>(DType::kF32, {0.f, -0.f, 0.1f, kNaN, -kInf}, DType::kBool, {0, 0, 1, 1, 1});
  CheckCast<int32_t, uint8_t>(DType::kI32, {0, 5, -1}, DType::kBool, {0, 1, 1});
  CheckCast<uint16_t, uint8_t>(DType::kF16, {0x8000, 0x0001}, DType::kBool, {0, 1});
  CheckCast<uint8_t, float>(DType::kBool, {0, 1, 7}, DType::kF32, {0.f, 1.f, 1.f});  // a non-canonical true byte
  CheckCast<uint8_t, int32_t>(DType::kBool, {1, 0}, DType::kI32, {1, 0});
  CheckCast<uint8_t, uint16_t>(DType::kBool, {0, 1}, DType::kF16, {0x0000, 0x3c00});
}

TEST_CASE("CAST to and from f16 / bf16 rounds to nearest even", "[kernels][cast]") {
  CheckCast<int32_t, uint16_t>(DType::kI32, {65519, 70000, -65520, 2049, 1}, DType::kF16,
                               {0x7bff, 0x7c00, 0xfc00, 0x6800, 0x3c00});
  CheckCast<float, uint16_t>(DType::kF32, {1.0f + 0x1p-11f, 65520.f, -0.f, 0x1p-25f}, DType::kF16,
                             {0x3c00, 0x7c00, 0x8000, 0x0000});
  CheckCast<float, uint16_t>(DType::kF32, {1.0f, 1.0f + 0x1p-8f, 1.0f + 3 * 0x1p-8f, -2.0f}, DType::kBF16,
                             {0x3f80, 0x3f80, 0x3f82, 0xc000});
  CheckCast<uint16_t, float>(DType::kBF16, {0x3f80, 0xc040}, DType::kF32, {1.f, -3.f});
  CheckCast<uint16_t, float>(DType::kF16, {0x3c00, 0x0001, 0xfbff}, DType::kF32, {1.f, 0x1p-24f, -65504.f});
  CheckCast<uint16_t, uint16_t>(DType::kF16, {0x3c00, 0x4248}, DType::kBF16, {0x3f80, 0x4049});  // 1, 3.140625
  CheckCast<uint16_t, uint16_t>(DType::kBF16, {0x3f80, 0x4049}, DType::kF16, {0x3c00, 0x4248});
  // Integers beyond 2^24 first round to the nearest float.
  CheckCast<int64_t, float>(DType::kI64, {(int64_t{1} << 53) + 1, -(int64_t{1} << 40), INT64_MAX}, DType::kF32,
                            {9007199254740992.f, -1099511627776.f, 9223372036854775808.f});
  CheckCast<int16_t, float>(DType::kI16, {-32768, 7}, DType::kF32, {-32768.f, 7.f});
}

TEST_CASE("CAST same dtype is a copy; quantization parameters are ignored", "[kernels][cast]") {
  CheckCast<float, float>(DType::kF32, {1.5f, -0.f, kInf}, DType::kF32, {1.5f, -0.f, kInf});
  std::vector<uint8_t> out;
  const std::vector<int8_t> x = {-128, 0, 127};
  REQUIRE(RunCast(DType::kI8, ToBytes(x), DType::kI32, &out, QuantSpec::PerTensor(0.5f, 3)).ok());
  std::vector<int32_t> y(3);
  std::memcpy(y.data(), out.data(), 12);
  CHECK(y == std::vector<int32_t>{-128, 0, 127});
}

TEST_CASE("CAST all 81 dtype pairs match the documented semantics on random data", "[kernels][cast]") {
  uint32_t seed = 1;
  for (DType s : kAllTypes) {
    const Bytes in = RandomSource(s, 500, seed++);
    for (DType d : kAllTypes) {
      INFO(DTypeName(s) << " -> " << DTypeName(d));
      std::vector<uint8_t> out;
      const Status st = RunCast(s, in, d, &out);
      INFO(st.message());
      REQUIRE(st.ok());
      REQUIRE(out.size() == in.n * DTypeSize(d));
      for (size_t i = 0; i < in.n; ++i) {
        const Val v = Load(s, in.b.data(), i);
        bool nan = false;
        const std::vector<uint8_t> want = Expected(v, d, &nan);
        const uint8_t* got = out.data() + i * DTypeSize(d);
        INFO("element " << i << " value " << static_cast<double>(v.v) << " / " << v.i);
        if (nan)
          REQUIRE(BytesAreNaN(d, got));
        else if (s == d)
          REQUIRE(std::memcmp(got, in.b.data() + i * DTypeSize(s), DTypeSize(s)) == 0);
        else
          REQUIRE(std::memcmp(got, want.data(), want.size()) == 0);
      }
    }
  }
}

}  // namespace edgert
