// Bias correction of int8 models (runtime/importers/quantizer/bias_correction.h)
// on a model built so that weight rounding shifts an output channel's mean:
// a 1x1 convolution whose channel 0 has one large weight (which sets the
// channel's int8 scale) and three small ones that round to zero, over
// positive inputs. The quantized channel 0 then misses about 3 x 0.4 x 1 on
// average; bias correction must remove that shift (and leave the model's
// other results as exact as they were).
#include <catch2/catch.hpp>

#include <cmath>
#include <random>
#include <vector>

#include "runtime/builder.h"
#include "runtime/importers/quantizer/bias_correction.h"
#include "runtime/importers/quantizer/calibration.h"
#include "runtime/importers/quantizer/quantize.h"
#include "tests/importers/quantizer_test_models.h"

namespace edgert {
namespace {

using testing::Run;
using testing::Sample;

constexpr int kHw = 6, kC = 4;

// x [1,6,6,4] -> CONV_2D 1x1 (w [2,1,1,4], b [2]) -> h -> RELU -> y [1,6,6,2]
// (the conv's output is not the model output, whose layer keeps its bias;
// h is positive, so the RELU passes it on).
std::vector<uint8_t> ShiftedConvModel(bool conv_writes_output = false) {
  ModelBuilder b;
  const int x = b.AddInput("x", DType::kF32, {1, kHw, kHw, kC});
  // Channel 0: 1.0 sets the scale 1/127; 0.003 rounds to 0 (0.38 of a step).
  // Channel 1: weights that quantize well.
  const int w = b.AddConstant("w", DType::kF32, {2, 1, 1, kC},
                              std::vector<float>{1.f, 0.003f, 0.003f, 0.003f, 0.5f, -0.25f, 0.75f, 1.f});
  const int bias = b.AddConstant("b", DType::kF32, {2}, std::vector<float>{0.05f, -0.1f});
  const int h = b.AddTensor("h", DType::kF32, {1, kHw, kHw, 2});
  const int y = conv_writes_output ? h : b.AddTensor("y", DType::kF32, {1, kHw, kHw, 2});
  b.AddOp(schema::OpType_CONV_2D, {x, w, bias}, {h}, schema::OpOptions_Conv2DOptions,
          schema::CreateConv2DOptions(b.fbb(), schema::Padding_VALID, 1, 1).Union());
  if (!conv_writes_output) b.AddOp(schema::OpType_RELU, {h}, {y});
  b.MarkOutput(y);
  return b.Finish();
}

std::vector<std::vector<float>> Inputs(int n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> d(0.5f, 1.5f);  // positive: the lost weights shift the mean
  std::vector<std::vector<float>> v(static_cast<size_t>(n), std::vector<float>(kHw * kHw * kC));
  for (auto& x : v)
    for (float& e : x) e = d(rng);
  return v;
}

// Mean of (quantized - float) of each output channel over the inputs.
std::vector<double> MeanError(const std::vector<uint8_t>& f, const std::vector<uint8_t>& q,
                              const std::vector<std::vector<float>>& xs) {
  std::vector<double> sum(2, 0.0);
  size_t n = 0;
  for (const auto& x : xs) {
    const std::vector<float> a = Run(f, x), b = Run(q, x);
    REQUIRE(a.size() == b.size());
    for (size_t i = 0; i < a.size(); ++i) sum[i % 2] += static_cast<double>(b[i]) - a[i];
    n += a.size() / 2;
  }
  for (double& s : sum) s /= static_cast<double>(n);
  return sum;
}

TEST_CASE("bias correction removes the mean shift that weight rounding leaves", "[quantizer][bias_correction]") {
  const std::vector<uint8_t> f = ShiftedConvModel();
  std::vector<CalibrationSample> calib;
  for (const auto& x : Inputs(8, 1)) calib.push_back(Sample(x));
  const std::vector<std::vector<float>> held_out = Inputs(8, 2);

  std::vector<TensorRange> ranges;
  REQUIRE(Calibrate(f, calib, CalibrationOptions(), &ranges).ok());
  std::vector<uint8_t> q;
  QuantizeReport qr;
  REQUIRE(QuantizeInt8(f, ranges, QuantizeOptions(), &q, &qr).ok());
  const std::vector<double> before = MeanError(f, q, held_out);
  // Channel 0 loses 3 x 0.003 x E[x] = 0.009 on average (to within the
  // output's rounding, a step of about 2.6 / 255 = 0.01, which averages out).
  INFO("mean error before: " << before[0] << ", " << before[1]);
  REQUIRE(before[0] < -0.006);

  std::vector<uint8_t> corrected = q;
  BiasCorrectionReport report;
  const Status s = CorrectBiases(f, calib, &corrected, &report);
  INFO(s.message());
  REQUIRE(s.ok());
  CHECK(report.corrected_layers == 1);
  CHECK(report.corrected_channels >= 1);
  const std::vector<double> after = MeanError(f, corrected, held_out);
  INFO("mean error after: " << after[0] << ", " << after[1]);
  // The channel's shift is gone to within one bias step (1/127 x input scale,
  // about 6e-5) plus what the samples' mean leaves: a tenth of what it was.
  CHECK(std::fabs(after[0]) < 0.1 * std::fabs(before[0]));
  CHECK(std::fabs(after[1]) <= std::fabs(before[1]) + 1e-3);
}

TEST_CASE("bias correction: a layer writing a model output keeps its bias", "[quantizer][bias_correction]") {
  const std::vector<uint8_t> f = ShiftedConvModel(true);
  std::vector<CalibrationSample> calib;
  for (const auto& x : Inputs(8, 1)) calib.push_back(Sample(x));
  std::vector<TensorRange> ranges;
  REQUIRE(Calibrate(f, calib, CalibrationOptions(), &ranges).ok());
  std::vector<uint8_t> q;
  REQUIRE(QuantizeInt8(f, ranges, QuantizeOptions(), &q, nullptr).ok());
  std::vector<uint8_t> corrected = q;
  BiasCorrectionReport report;
  REQUIRE(CorrectBiases(f, calib, &corrected, &report).ok());
  CHECK(report.corrected_layers == 0);
  CHECK(corrected == q);
}

TEST_CASE("bias correction: a model without int8 weighted layers is left as it is", "[quantizer][bias_correction]") {
  const std::vector<uint8_t> f = testing::SmallFcModel();
  std::vector<uint8_t> copy = f;  // float32: nothing to correct
  BiasCorrectionReport report;
  REQUIRE(CorrectBiases(f, {Sample({1, 2, 3})}, &copy, &report).ok());
  CHECK(copy == f);
  CHECK(report.corrected_layers == 0);
  std::vector<uint8_t> q = f;
  CHECK(!CorrectBiases(f, {}, &q, &report).ok());  // no samples: an error, not a silent no-op
}

}  // namespace
}  // namespace edgert
