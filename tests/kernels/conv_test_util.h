// Helpers shared by the conv-family and pool kernel tests (conv_2d,
// depthwise_conv_2d, transpose_conv, fully_connected, batch_matmul, pool_2d):
// deterministic pseudo-random data, the tests' own window geometry, fused
// activation and TFLite-semantics requantization, option and input building,
// and the comparison loops. Nothing here uses the kernels' code except TFLite's
// fixed-point primitives of kernels/common/quant.h (QuantizeMultiplier,
// MultiplyByQuantizedMultiplier), which the naive requantization is defined by;
// each test keeps its own naive reference computation.
#pragma once

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "kernels/common/quant.h"
#include "kernels/dispatch.h"
#include "tests/op_test.h"

namespace edgert {
namespace conv_test {

using testing::OpTest;

// ---------------------------------------------------------------- kernels under test

// The optimized kernels are tested with the best ISA level of this CPU active
// (kernels/dispatch.h), whatever EDGERT_ISA says; on a CPU without one they run
// their reference fallback, which the same checks then cover. Restores the
// previous level on destruction.
class ScopedBestIsa {
 public:
  ScopedBestIsa() : previous_(SetKernelIsaLevelForTesting(DetectedIsaLevel())) {}
  ~ScopedBestIsa() { SetKernelIsaLevelForTesting(previous_); }
  ScopedBestIsa(const ScopedBestIsa&) = delete;
  ScopedBestIsa& operator=(const ScopedBestIsa&) = delete;

 private:
  IsaLevel previous_;
};

// ---------------------------------------------------------------- shapes and messages

inline size_t Count(const std::vector<int32_t>& shape) {
  size_t n = 1;
  for (int d : shape) n *= d;
  return n;
}

inline Shape ToShape(const std::vector<int32_t>& v) { return Shape::FromArray(v.data(), static_cast<int>(v.size())); }

inline bool Contains(const std::string& s, const char* word) { return s.find(word) != std::string::npos; }

// ---------------------------------------------------------------- data

// n uniform floats in [lo, hi), drawn from rng in order.
inline std::vector<float> RandomFloats(std::mt19937& rng, size_t n, float lo = -1.f, float hi = 1.f) {
  std::uniform_real_distribution<float> d(lo, hi);
  std::vector<float> v(n);
  for (float& x : v) x = d(rng);
  return v;
}

// n uniform integers in [lo, hi], drawn from rng in order.
template <typename T>
std::vector<T> RandomInts(std::mt19937& rng, size_t n, int lo, int hi) {
  std::uniform_int_distribution<int> d(lo, hi);
  std::vector<T> v(n);
  for (T& x : v) x = static_cast<T>(d(rng));
  return v;
}

inline double Mean(const std::vector<float>& v) {
  double mean = 0;
  for (float s : v) mean += s / v.size();
  return mean;
}

// ---------------------------------------------------------------- naive geometry and activation

// Output size and padding before along one axis of a sliding window, per the
// TFLite/ONNX rules: SAME out = ceil(in / stride) with the smaller half of the
// padding before; VALID out = (in - eff) / stride + 1; EXPLICIT uses
// pads[axis] before and pads[axis + 2] after (pads = [top, left, bottom, right]).
// eff = (k - 1) * dilation + 1.
inline void WindowAxis(schema::Padding padding, const std::vector<int32_t>& pads, int axis, int in, int k, int stride,
                       int dilation, int* out, int* before) {
  const int eff = (k - 1) * dilation + 1;
  if (padding == schema::Padding_SAME) {
    *out = (in + stride - 1) / stride;
    *before = std::max((*out - 1) * stride + eff - in, 0) / 2;
  } else if (padding == schema::Padding_VALID) {
    *out = (in - eff) / stride + 1;
    *before = 0;
  } else {
    *out = (in + pads[axis] + pads[axis + 2] - eff) / stride + 1;
    *before = pads[axis];
  }
}

// The fused activation on a real value.
inline double ClampAct(double v, schema::Activation act) {
  switch (act) {
    case schema::Activation_RELU: return std::max(v, 0.0);
    case schema::Activation_RELU6: return std::min(std::max(v, 0.0), 6.0);
    case schema::Activation_RELU_N1_TO_1: return std::min(std::max(v, -1.0), 1.0);
    default: return v;
  }
}

// The fused activation's range [*lo, *hi] in a quantized output domain
// (scale, zero_point) whose type holds [qmin, qmax].
inline void QuantActRange(schema::Activation act, double scale, int32_t zero_point, int qmin, int qmax, int* lo,
                          int* hi) {
  auto quant = [&](double v) { return static_cast<int>(std::round(v / scale)) + zero_point; };
  *lo = qmin;
  *hi = qmax;
  if (act == schema::Activation_RELU) *lo = std::max(qmin, quant(0));
  if (act == schema::Activation_RELU6) *lo = std::max(qmin, quant(0)), *hi = std::min(qmax, quant(6));
  if (act == schema::Activation_RELU_N1_TO_1) *lo = std::max(qmin, quant(-1)), *hi = std::min(qmax, quant(1));
}

// TFLite's requantization of an integer accumulator: acc * real_multiplier in
// fixed point, plus the output zero point, clamped to [lo, hi].
inline int NaiveRequantize(int64_t acc, double real_multiplier, int32_t zero_point, int lo, int hi) {
  int32_t mult;
  int shift;
  QuantizeMultiplier(real_multiplier, &mult, &shift);
  return std::min(std::max(MultiplyByQuantizedMultiplier(static_cast<int32_t>(acc), mult, shift) + zero_point, lo), hi);
}

// A real value rounded into a quantized domain: round(real / scale) +
// zero_point, clamped to [qmin, qmax].
inline double NaiveQuantize(double real, double scale, int32_t zero_point, int qmin, int qmax) {
  return std::min<double>(std::max<double>(std::round(real / scale) + zero_point, qmin), qmax);
}

// ---------------------------------------------------------------- building ops

// A flatbuffer vector of `v`, or none (0) when `v` is empty.
inline flatbuffers::Offset<flatbuffers::Vector<int32_t>> OptionalVector(OpTest& t, const std::vector<int32_t>& v) {
  if (v.empty()) return 0;
  return t.fbb().CreateVector(v);
}

// Weight quantization: one scale per entry of `scales` (per-channel along
// `axis` when there are several), all with zero point `zero_point`.
inline QuantSpec WeightQuant(const std::vector<float>& scales, int32_t zero_point, int axis) {
  return QuantSpec{scales, std::vector<int64_t>(scales.size(), zero_point), axis};
}

// Bias quantization of a quantized conv-like op: scale input_scale *
// weight_scale[c], zero point 0.
inline QuantSpec BiasQuant(float input_scale, const std::vector<float>& weight_scales) {
  QuantSpec q;
  for (float s : weight_scales) q.scale.push_back(input_scale * s);
  q.zero_point.assign(weight_scales.size(), 0);
  return q;
}

// Runs the op and requires it to succeed, reporting the kernel's message otherwise.
inline void RequireRun(OpTest& t, const OpKernel* kernel) {
  const Status s = t.Run(kernel);
  INFO(s.message());
  REQUIRE(s.ok());
}

// Adds `v` as a constant input, or omits the (optional) input when !present.
template <typename T>
void ConstOrOmit(OpTest& t, bool present, const std::vector<int32_t>& shape, const std::vector<T>& v,
                 const QuantSpec& q = {}) {
  if (present)
    t.Const<T>(shape, v, q);
  else
    t.OmitInput();
}

// ---------------------------------------------------------------- comparisons

// One check that every got[i] is within abs_tol + rel_tol * |want[i]|; the
// first mismatch is reported.
inline void CheckAllNear(const std::vector<float>& got, const std::vector<double>& want, double abs_tol,
                         double rel_tol) {
  int bad = 0;
  for (size_t i = 0; i < got.size(); ++i)
    if (std::fabs(got[i] - want[i]) > abs_tol + rel_tol * std::fabs(want[i]) && bad++ == 0)
      FAIL_CHECK("element " << i << ": got " << got[i] << ", want " << want[i]);
  CHECK(bad == 0);
}

// Tallies quantized outputs: each must equal `want`, the naive TFLite-semantics
// value, exactly, and be within one step of `rounded`, the real-valued result
// rounded into the output domain (the fixed-point multiplier legitimately
// rounds). Check() runs the two checks; the first mismatch is reported, named
// by where() (called only then).
struct QuantTally {
  int bad = 0, far = 0;
  template <typename Where>
  void Add(int got, int want, double rounded, const Where& where) {
    if (got != want && bad++ == 0) FAIL_CHECK(where() << ": got " << got << ", want " << want);
    if (std::fabs(rounded - got) > 1) ++far;
  }
  void Check() const {
    CHECK(bad == 0);
    CHECK(far == 0);
  }
};

// Checks the quantized outputs of a conv-like op, channels last (output i has
// channel i % channels), against the naive integer sums of products acc[i]:
// with bias[channel] added (when there is a bias), each output must be the
// TFLite requantization by input_scale * weight_scale[channel] / output_scale
// with the fused activation, and within one step of the real-valued result.
// weight_scales has one entry (per-tensor) or one per channel.
template <typename T>
void CheckQuantConvOutputs(const std::vector<T>& got, const std::vector<int64_t>& acc, int channels,
                           const std::vector<int32_t>& bias, float in_scale, const std::vector<float>& weight_scales,
                           float out_scale, int32_t out_zp, schema::Activation act) {
  const int qmin = std::numeric_limits<T>::min(), qmax = std::numeric_limits<T>::max();
  int lo, hi;
  QuantActRange(act, out_scale, out_zp, qmin, qmax, &lo, &hi);
  REQUIRE(got.size() == acc.size());
  QuantTally tally;
  for (size_t i = 0; i < got.size(); ++i) {
    const int oc = static_cast<int>(i % channels);
    const double ws = weight_scales[weight_scales.size() > 1 ? oc : 0];
    const int64_t a = acc[i] + (bias.empty() ? 0 : bias[oc]);
    const int want = NaiveRequantize(a, static_cast<double>(in_scale) * ws / out_scale, out_zp, lo, hi);
    const double real = ClampAct(static_cast<double>(in_scale) * ws * static_cast<double>(a), act);
    tally.Add(got[i], want, NaiveQuantize(real, out_scale, out_zp, qmin, qmax),
              [&] { return "element " + std::to_string(i); });
  }
  tally.Check();
}

}  // namespace conv_test
}  // namespace edgert
