// Helpers shared by the element-wise, activation, quantization, softmax and layer-norm
// kernel tests: deterministic pseudo-random data, shape and broadcast index arithmetic,
// this test suite's own implementation of TFLite's fixed-point multiplier, naive
// quantization, comparison loops and a run-and-fetch wrapper around OpTest.
// Everything here is written independently of the kernels' code (kernels/common/*).
#pragma once

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "kernels/dispatch.h"
#include "tests/op_test.h"

namespace edgert {
namespace testing {

using Dims = std::vector<int32_t>;

// ---------------------------------------------------------------- shapes

inline int64_t Count(const Dims& d) {
  int64_t n = 1;
  for (int32_t v : d) n *= v;
  return n;
}

inline Shape ToShape(const Dims& v) { return Shape::FromArray(v.data(), static_cast<int>(v.size())); }

// Offset into an input of shape `in` for flat index i of the broadcast output `out`
// (numpy rules: right-aligned, dims of size 1 repeat).
inline int64_t BroadcastIndex(const Dims& in, const Dims& out, int64_t i) {
  int64_t idx = 0, stride = 1;
  const int shift = static_cast<int>(out.size() - in.size());
  for (int d = static_cast<int>(out.size()) - 1; d >= 0; --d) {
    const int64_t coord = i % out[d];
    i /= out[d];
    const int id = d - shift;
    if (id < 0) continue;
    if (in[id] != 1) idx += coord * stride;
    stride *= in[id];
  }
  return idx;
}

// ---------------------------------------------------------------- kernel variants

// Sets the ISA level of the kernels prepared from now on (clamped to the CPU's,
// kernels/dispatch.h) and restores the previous level on destruction.
class ScopedIsaLevel {
 public:
  explicit ScopedIsaLevel(IsaLevel level) : previous_(SetKernelIsaLevelForTesting(level)) {}
  ~ScopedIsaLevel() { SetKernelIsaLevelForTesting(previous_); }
  ScopedIsaLevel(const ScopedIsaLevel&) = delete;
  ScopedIsaLevel& operator=(const ScopedIsaLevel&) = delete;

 private:
  IsaLevel previous_;
};

// Which kernel of an op a test case runs: the reference kernel, or the
// optimized one at the reference ISA level (its fallback path) or at the CPU's
// best level (its microkernels where they cover the node).
struct KernelVariant {
  bool optimized;
  IsaLevel isa;
  const char* name;
};
inline std::vector<KernelVariant> AllKernelVariants() {
  return {{false, DetectedIsaLevel(), "reference kernel"},
          {true, IsaLevel::kReference, "optimized kernel, reference ISA"},
          {true, DetectedIsaLevel(), "optimized kernel, best ISA"}};
}

// ---------------------------------------------------------------- data

inline std::vector<float> RandomFloats(size_t n, float lo, float hi, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

// Uniform integers in [lo, hi].
template <typename T>
std::vector<T> RandomInts(size_t n, int64_t lo, int64_t hi, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int64_t> dist(lo, hi);
  std::vector<T> v(n);
  for (T& x : v) x = static_cast<T>(dist(rng));
  return v;
}

// Uniform over T's whole range.
template <typename T>
std::vector<T> RandomInts(size_t n, uint32_t seed) {
  return RandomInts<T>(n, std::numeric_limits<T>::min(), std::numeric_limits<T>::max(), seed);
}

// Every value of T once, in a fixed pseudo-random order.
template <typename T>
std::vector<T> AllValuesShuffled(uint32_t seed) {
  std::vector<T> v;
  for (int64_t q = std::numeric_limits<T>::min(); q <= std::numeric_limits<T>::max(); ++q) v.push_back(static_cast<T>(q));
  std::mt19937 rng(seed);
  std::shuffle(v.begin(), v.end(), rng);
  return v;
}

// ---------------------------------------------------------------- running an op

// Runs the op, requires success (reporting the kernel's message) and returns output 0.
template <typename T>
std::vector<T> RunAndGetOutput(OpTest& t, const OpKernel* kernel) {
  const Status s = t.Run(kernel);
  INFO(s.message());
  REQUIRE(s.ok());
  return t.OutputData<T>(0);
}

// The same, and also requires output 0 to have shape `shape`.
template <typename T>
std::vector<T> RunAndGetOutput(OpTest& t, const OpKernel* kernel, const Dims& shape) {
  const Status s = t.Run(kernel);
  INFO(s.message());
  REQUIRE(s.ok());
  REQUIRE(t.OutputShape(0) == ToShape(shape));
  return t.OutputData<T>(0);
}

// ---------------------------------------------------------------- quantization

struct QParams {
  float scale;
  int32_t zp;
};

inline QuantSpec PerTensor(const QParams& q) { return QuantSpec::PerTensor(q.scale, q.zp); }

// real -> q: round half away from zero, then clamp to T's range (infinities saturate).
template <typename T>
int32_t QuantizeRef(double y, double scale, int32_t zero_point) {
  double v = std::round(y / scale) + zero_point;
  v = std::max<double>(v, std::numeric_limits<T>::min());
  v = std::min<double>(v, std::numeric_limits<T>::max());
  return static_cast<int32_t>(v);
}

// q -> real: scale * (q - zero_point), in double.
template <typename T>
std::vector<double> DequantizeRef(const std::vector<T>& q, double scale, int32_t zero_point) {
  std::vector<double> real;
  for (T v : q) real.push_back(scale * (static_cast<int32_t>(v) - zero_point));
  return real;
}

// True when `exact` (a value in units of the output step) lies within `window` of a .5 tie,
// where two correct roundings may legitimately differ by one step.
inline bool NearRoundingTie(double exact, double window = 0.01) {
  return std::fabs(exact - std::floor(exact) - 0.5) < window;
}

// --- the tests' own TFLite fixed-point arithmetic ---
// real = m * 2^(shift - 31), m in [2^30, 2^31).
struct Multiplier {
  int32_t m = 0;
  int shift = 0;
};

inline Multiplier MakeMultiplier(double real) {
  Multiplier r;
  if (real == 0.0) return r;
  int e = 0;
  const double frac = std::frexp(real, &e);  // real = frac * 2^e, frac in [0.5, 1)
  int64_t m = std::llround(frac * 2147483648.0);
  if (m == 2147483648LL) {
    m /= 2;
    ++e;
  }
  r.m = static_cast<int32_t>(m);
  r.shift = e;
  return r;
}

// gemmlowp SaturatingRoundingDoublingHighMul: round(a*b / 2^31), ties toward +infinity.
inline int32_t HighMul(int32_t a, int32_t b) {
  if (a == std::numeric_limits<int32_t>::min() && b == a) return std::numeric_limits<int32_t>::max();
  const int64_t num = static_cast<int64_t>(a) * b + (int64_t{1} << 30), den = int64_t{1} << 31;
  int64_t q = num / den;
  if (num % den != 0 && num < 0) --q;  // floor division
  return static_cast<int32_t>(q);
}

// round(x / 2^e), ties away from zero.
inline int32_t ShiftRound(int32_t x, int e) {
  if (e == 0) return x;
  const int64_t ax = std::llabs(static_cast<int64_t>(x));
  const int64_t r = (ax + (int64_t{1} << (e - 1))) >> e;
  return static_cast<int32_t>(x < 0 ? -r : r);
}

// x * real with TFLite's rounding: left shift (saturated to int32), high multiply, rounding right shift.
inline int32_t ApplyMultiplier(int32_t x, const Multiplier& m) {
  const int left = std::max(m.shift, 0), right = std::max(-m.shift, 0);
  int64_t shifted = static_cast<int64_t>(x) * (int64_t{1} << left);
  shifted = std::max<int64_t>(std::min<int64_t>(shifted, std::numeric_limits<int32_t>::max()),
                              std::numeric_limits<int32_t>::min());
  return ShiftRound(HighMul(static_cast<int32_t>(shifted), m.m), right);
}

// ---------------------------------------------------------------- comparisons

// Checks got against want elementwise: |got - want| <= atol + rtol * |want|; NaN and
// infinities must match exactly (including the sign of infinity).
inline void ExpectClose(const std::vector<float>& got, const std::vector<double>& want, double rtol, double atol) {
  REQUIRE(got.size() == want.size());
  size_t bad = 0, first = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    const double g = got[i], w = want[i];
    bool ok;
    if (std::isnan(w)) ok = std::isnan(g);
    else if (std::isinf(w)) ok = g == w;
    else ok = std::fabs(g - w) <= atol + rtol * std::fabs(w);
    if (!ok && bad++ == 0) first = i;
  }
  INFO("mismatches: " << bad << ", first at " << first << ": got " << (bad ? got[first] : 0.f) << ", want "
                      << (bad ? want[first] : 0.0));
  CHECK(bad == 0);
}

// Checks quantized results against real values quantized naively (QuantizeRef: round half
// away from zero, clamp). They may differ by one step, but only where the exact value lies
// within 0.01 step of a rounding tie; everywhere else they must agree exactly.
// Returns how many expected values are saturated at T's minimum or maximum.
template <typename T>
size_t CheckQuantAgainstReal(const std::vector<T>& got, const std::vector<double>& real, double out_scale,
                             int32_t out_zp) {
  size_t bad = 0, off_by_one = 0, first = 0, saturated = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    const int32_t w = QuantizeRef<T>(real[i], out_scale, out_zp);
    if (w == std::numeric_limits<T>::min() || w == std::numeric_limits<T>::max()) ++saturated;
    const int diff = std::abs(static_cast<int>(got[i]) - w);
    if (diff == 1) ++off_by_one;
    if ((diff > 1 || (diff == 1 && !NearRoundingTie(real[i] / out_scale))) && bad++ == 0) first = i;
  }
  INFO("mismatches (> 1 step, or 1 step away from a tie) " << bad << ", first at " << first << "; off by one "
                                                           << off_by_one);
  CHECK(bad == 0);
  return saturated;
}

// ---------------------------------------------------------------- half precision

// IEEE binary16 decoder: sign * 2^(e-15) * 1.m, subnormals 2^-14 * 0.m.
inline double DecodeHalf(uint16_t h) {
  const int sign = (h >> 15) & 1, e = (h >> 10) & 31, m = h & 1023;
  double v;
  if (e == 0) {
    v = std::ldexp(static_cast<double>(m), -24);
  } else if (e == 31) {
    v = m == 0 ? std::numeric_limits<double>::infinity() : std::numeric_limits<double>::quiet_NaN();
  } else {
    v = std::ldexp(static_cast<double>(1024 + m), e - 25);
  }
  return sign ? -v : v;
}

inline bool IsHalfNaN(uint16_t h) { return ((h >> 10) & 31) == 31 && (h & 1023) != 0; }

inline float BitsToFloat(uint32_t b) {
  float f;
  std::memcpy(&f, &b, 4);
  return f;
}

}  // namespace testing
}  // namespace edgert
