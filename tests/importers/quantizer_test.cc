// Post-training int8 quantization (runtime/importers/quantizer): calibration
// ranges, the exact parameters chosen for a small model (checked against a
// hand computation), and the quantized model's outputs.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <memory>
#include <vector>

#include "runtime/builder.h"
#include "runtime/importers/optimizer/graph.h"
#include "runtime/importers/quantizer/calibration.h"
#include "runtime/importers/quantizer/fidelity.h"
#include "runtime/importers/quantizer/mixed_precision.h"
#include "runtime/importers/quantizer/quantize.h"
#include "runtime/interpreter.h"
#include "runtime/model.h"
#include "runtime/op_resolver.h"
#include "tests/importers/quantizer_test_models.h"

namespace edgert {
namespace {

std::vector<uint8_t> SmallFc() { return testing::SmallFcModel(); }

using testing::Run;
using testing::Sample;

TEST_CASE("quantizer: int8 parameters of a small model match a hand computation", "[quantizer]") {
  const std::vector<uint8_t> f = SmallFc();
  // Samples: x in {(1,2,3), (-1,0,4)}; h = w x + b:
  //   (1,2,3):  h0 = 0.5 - 2 + 0.75 + 0.1 = -0.65, h1 = 2 - 1.5 - 0.2 = 0.3
  //   (-1,0,4): h0 = -0.5 + 1 + 0.1 = 0.6,         h1 = -2 - 2 - 0.2 = -4.2
  const std::vector<CalibrationSample> samples = {Sample({1, 2, 3}), Sample({-1, 0, 4})};
  std::vector<TensorRange> ranges;
  REQUIRE(Calibrate(f, samples, CalibrationOptions(), &ranges).ok());
  REQUIRE(ranges.size() == 5);
  CHECK(ranges[0].min == -1.f);  // x
  CHECK(ranges[0].max == 4.f);
  CHECK(ranges[3].min == Approx(-4.2f));  // h
  CHECK(ranges[3].max == Approx(0.6f));
  CHECK(ranges[4].min == 0.f);  // y = relu(h)
  CHECK(ranges[4].max == Approx(0.6f));

  std::vector<uint8_t> q;
  QuantizeReport rep;
  REQUIRE(QuantizeInt8(f, ranges, QuantizeOptions(), &q, &rep).ok());
  CHECK(rep.quantized_ops == 2);
  CHECK(rep.float_ops.empty());
  CHECK(rep.inserted_quantize == 1);
  CHECK(rep.inserted_dequantize == 1);

  std::shared_ptr<const Model> m;
  REQUIRE(Model::LoadBuffer(q.data(), q.size(), true, &m).ok());
  const TensorInfo* xq = nullptr;
  const TensorInfo* wq = nullptr;
  const TensorInfo* bq = nullptr;
  for (const TensorInfo& t : m->tensors()) {
    if (t.name == "x/int8") xq = &t;
    if (t.name == "w/int8") wq = &t;
    if (t.name == "b/int32") bq = &t;
  }
  REQUIRE(xq != nullptr);
  REQUIRE(wq != nullptr);
  REQUIRE(bq != nullptr);
  // x: [-1, 4] -> scale 5/255, zero point round(-128 + 1/(5/255)) = round(-76.999...) = -77
  CHECK(xq->scale[0] == Approx(5.0 / 255.0));
  CHECK(xq->zero_point[0] == -77);
  // w rows: absmax 1 and 2 -> scales 1/127, 2/127; values round(w / scale)
  REQUIRE(wq->scale.size() == 2);
  CHECK(wq->scale[0] == Approx(1.0 / 127.0));
  CHECK(wq->scale[1] == Approx(2.0 / 127.0));
  const auto* wv = static_cast<const int8_t*>(wq->const_data);
  CHECK(std::vector<int>(wv, wv + 6) == std::vector<int>{64, -127, 32, 127, 0, -32});  // 63.5 -> 64, 31.75 -> 32
  // bias: round(b / (x_scale * w_scale)) = round(0.1 / (5/255 / 127)), round(-0.2 / (5/255 * 2/127))
  const auto* bv = static_cast<const int32_t*>(bq->const_data);
  CHECK(bv[0] == static_cast<int32_t>(std::nearbyint(0.1 / (5.0 / 255.0 / 127.0))));
  CHECK(bv[1] == static_cast<int32_t>(std::nearbyint(-0.2 / (5.0 / 255.0 * 2.0 / 127.0))));
  // The bias's scales are x_scale * w_scale, implied by the format: not written
  // (schema/README.md), and put back when the file is read as a graph.
  CHECK(bq->scale.empty());
  graph::Graph g;
  REQUIRE(graph::Graph::FromBuffer(q.data(), q.size(), &g).ok());
  const graph::GTensor* gb = nullptr;
  for (const graph::GTensor& t : g.tensors)
    if (t.name == "b/int32") gb = &t;
  REQUIRE(gb != nullptr);
  REQUIRE(gb->quant.scale.size() == 2);
  CHECK(gb->quant.scale[0] == Approx(5.0 / 255.0 / 127.0));
  CHECK(gb->quant.scale[1] == Approx(5.0 / 255.0 * 2.0 / 127.0));
  CHECK(gb->quant.zero_point == std::vector<int64_t>{0, 0});
  std::vector<uint8_t> again;
  REQUIRE(g.Serialize(&again).ok());
  CHECK(again.size() == q.size());

  // The quantized model tracks the float one on inputs inside the calibrated
  // ranges: the error bound is the input rounding through the weights
  // (sum |w| * x_step / 2 <= 2.5 * 5/255 / 2), plus half a step of h (4.8/255)
  // and of y (0.6/255).
  const double bound = 2.5 * (5.0 / 255) / 2 + (4.8 / 255) / 2 + (0.6 / 255) / 2;
  for (const std::vector<float>& x : {std::vector<float>{1, 2, 3}, std::vector<float>{-1, 0, 4},
                                      std::vector<float>{0.5f, 1, 3}}) {
    const std::vector<float> want = Run(f, x), got = Run(q, x);
    REQUIRE(got.size() == want.size());
    for (size_t i = 0; i < got.size(); ++i) CHECK(std::fabs(got[i] - want[i]) <= bound + 1e-6);
  }
}

TEST_CASE("quantizer: an all-zero (pruned) weight channel takes the widest scale of the others", "[quantizer]") {
  // FULLY_CONNECTED 3 -> 3 whose row 1 is zero: rows 0 and 2 have absmax 1 and
  // 2, so row 1's scale is 2/127 (not 1, which would make its requantization
  // multiplier shift left and its bias coarse).
  ModelBuilder b;
  const int x = b.AddInput("x", DType::kF32, {1, 3});
  const int w = b.AddConstant("w", DType::kF32, {3, 3},
                              std::vector<float>{0.5f, -1.f, 0.25f, 0.f, 0.f, 0.f, 2.f, 0.f, -0.5f});
  const int bias = b.AddConstant("b", DType::kF32, {3}, std::vector<float>{0.1f, 0.3f, -0.2f});
  const int y = b.AddTensor("y", DType::kF32, {1, 3});
  b.AddOp(schema::OpType_FULLY_CONNECTED, {x, w, bias}, {y}, schema::OpOptions_FullyConnectedOptions,
          schema::CreateFullyConnectedOptions(b.fbb()).Union());
  b.MarkOutput(y);
  const std::vector<uint8_t> f = b.Finish();
  std::vector<TensorRange> ranges;
  REQUIRE(Calibrate(f, {Sample({1, 2, 3}), Sample({-1, 0, 4})}, CalibrationOptions(), &ranges).ok());
  std::vector<uint8_t> q;
  QuantizeReport rep;
  REQUIRE(QuantizeInt8(f, ranges, QuantizeOptions(), &q, &rep).ok());
  std::shared_ptr<const Model> m;
  REQUIRE(Model::LoadBuffer(q.data(), q.size(), true, &m).ok());
  const TensorInfo* wq = nullptr;
  const TensorInfo* bq = nullptr;
  for (const TensorInfo& t : m->tensors()) {
    if (t.name == "w/int8") wq = &t;
    if (t.name == "b/int32") bq = &t;
  }
  REQUIRE(wq != nullptr);
  REQUIRE(bq != nullptr);
  REQUIRE(wq->scale.size() == 3);
  CHECK(wq->scale[0] == Approx(1.0 / 127.0));
  CHECK(wq->scale[1] == Approx(2.0 / 127.0));
  CHECK(wq->scale[2] == Approx(2.0 / 127.0));
  // x in [-1, 4]: scale 5/255; the zero row's bias round(0.3 / (5/255 * 2/127)).
  const auto* bv = static_cast<const int32_t*>(bq->const_data);
  CHECK(bv[1] == static_cast<int32_t>(std::nearbyint(0.3 / (5.0 / 255.0 * 2.0 / 127.0))));
  // Output 1 is the bias alone, within half an output step.
  const std::vector<float> got = Run(q, {1, 2, 3});
  REQUIRE(got.size() == 3);
  CHECK(std::fabs(got[1] - 0.3f) < 0.02f);
}

TEST_CASE("calibration: model inputs and outputs keep their min/max under every method", "[quantizer]") {
  const std::vector<uint8_t> f = SmallFc();
  // Many samples near 0 and one outlier: histogram methods would clip the
  // outlier's range, but x (input) and y (output) must keep it.
  std::vector<CalibrationSample> samples;
  for (int i = 0; i < 200; ++i) samples.push_back(Sample({0.01f * (i % 7), 0.02f, 0.01f}));
  samples.push_back(Sample({-1, 0, 4}));  // y1 = relu(-4.2) = 0, y0 = relu(0.6) = 0.6
  for (CalibrationMethod m : {CalibrationMethod::kPercentile, CalibrationMethod::kEntropy, CalibrationMethod::kMse}) {
    CalibrationOptions o;
    o.method = m;
    o.percentile = 99.0;
    std::vector<TensorRange> ranges;
    REQUIRE(Calibrate(f, samples, o, &ranges).ok());
    INFO(CalibrationMethodName(m));
    CHECK(ranges[0].min == -1.f);  // x
    CHECK(ranges[0].max == 4.f);
    CHECK(ranges[4].max == Approx(0.6f));  // y
  }
  // y -> RESHAPE -> z (the output): RESHAPE's output takes y's parameters, so y
  // keeps its min/max too.
  ModelBuilder b;
  const int x = b.AddInput("x", DType::kF32, {1, 3});
  const int w = b.AddConstant("w", DType::kF32, {2, 3}, std::vector<float>{0.5f, -1.f, 0.25f, 2.f, 0.f, -0.5f});
  const int y = b.AddTensor("y", DType::kF32, {1, 2});
  const int z = b.AddTensor("z", DType::kF32, {2});
  b.AddOp(schema::OpType_FULLY_CONNECTED, {x, w, -1}, {y}, schema::OpOptions_FullyConnectedOptions,
          schema::CreateFullyConnectedOptions(b.fbb(), schema::Activation_RELU).Union());
  b.AddOp(schema::OpType_RESHAPE, {y}, {z}, schema::OpOptions_ReshapeOptions,
          schema::CreateReshapeOptions(b.fbb(), b.fbb().CreateVector(std::vector<int32_t>{2})).Union());
  b.MarkOutput(z);
  const std::vector<uint8_t> g = b.Finish();
  CalibrationOptions o;
  o.method = CalibrationMethod::kEntropy;
  std::vector<TensorRange> ranges;
  REQUIRE(Calibrate(g, samples, o, &ranges).ok());
  CHECK(ranges[static_cast<size_t>(y)].max == Approx(0.5f));  // relu(w0 . (-1, 0, 4)) = relu(-0.5 + 1) = 0.5
  CHECK(ranges[static_cast<size_t>(z)].max == Approx(0.5f));
}

TEST_CASE("quantizer: keep-float leaves an op in float32 behind DEQUANTIZE/QUANTIZE", "[quantizer]") {
  const std::vector<uint8_t> f = SmallFc();
  std::vector<TensorRange> ranges;
  REQUIRE(Calibrate(f, {Sample({1, 2, 3}), Sample({-1, 0, 4})}, CalibrationOptions(), &ranges).ok());
  QuantizeOptions o;
  o.keep_float.insert("RELU");
  std::vector<uint8_t> q;
  QuantizeReport rep;
  REQUIRE(QuantizeInt8(f, ranges, o, &q, &rep).ok());
  CHECK(rep.quantized_ops == 1);
  CHECK(rep.float_ops.size() == 1);
  const std::vector<float> want = Run(f, {1, 2, 3}), got = Run(q, {1, 2, 3});
  for (size_t i = 0; i < got.size(); ++i) CHECK(std::fabs(got[i] - want[i]) <= 3 * 4.8 / 255);
}

TEST_CASE("calibration: percentile, entropy and MSE ranges from histograms", "[quantizer]") {
  // 100 equal bins over [0, 100): 99% keeps [0.5, 99.5] -> the bin edges 0 and 100 move one bin in.
  std::vector<double> flat(100, 10.0);
  float lo, hi;
  RangeFromHistogram(flat, 0.f, 100.f, CalibrationMethod::kPercentile, 98.0, true, &lo, &hi);
  CHECK(lo == Approx(1.f));
  CHECK(hi == Approx(99.f));
  // A long sparse tail: entropy clips it; min/max would not.
  std::vector<double> tail(2048, 0.0);
  for (int i = 0; i < 256; ++i) tail[static_cast<size_t>(i)] = 1000.0 - i;
  tail[2047] = 1.0;
  RangeFromHistogram(tail, 0.f, 2048.f, CalibrationMethod::kEntropy, 0.0, false, &lo, &hi);
  CHECK(hi < 1024.f);
  CHECK(hi >= 255.f);
  // MSE: 10000 values in each of the bins [0, 256) and one at 2047.5. Keeping the
  // outlier costs 2.56e6 * (2048/255)^2 / 12 = 1.4e7 of rounding error; clipping
  // at hi (>= 256) costs (2047.5 - hi)^2 + 2.56e6 * (hi/255)^2 / 12, least where
  // 2 (2047.5 - hi) = 2 * 2.56e6 hi / (12 * 255^2): hi = 478.3; candidates step 4 bins.
  std::vector<double> outlier(2048, 0.0);
  for (int i = 0; i < 256; ++i) outlier[static_cast<size_t>(i)] = 10000.0;
  outlier[2047] = 1.0;
  RangeFromHistogram(outlier, 0.f, 2048.f, CalibrationMethod::kMse, 0.0, true, &lo, &hi);
  CHECK(lo == 0.f);
  CHECK(hi >= 476.f);
  CHECK(hi <= 484.f);
  // Mirrored (the tail below, data in [-256, 0)): the same cut on the other side.
  std::vector<double> mirrored(outlier.rbegin(), outlier.rend());
  RangeFromHistogram(mirrored, -2048.f, 0.f, CalibrationMethod::kMse, 0.0, true, &lo, &hi);
  CHECK(hi == 0.f);
  CHECK(lo <= -476.f);
  CHECK(lo >= -484.f);
  // Without outliers nothing is clipped.
  RangeFromHistogram(flat, 0.f, 100.f, CalibrationMethod::kMse, 0.0, true, &lo, &hi);
  CHECK(lo == 0.f);
  CHECK(hi == 100.f);
  CalibrationMethod m;
  CHECK(ParseCalibrationMethod("mse", &m));
  CHECK(m == CalibrationMethod::kMse);
  CHECK(ParseCalibrationMethod("kl", &m));
  CHECK(m == CalibrationMethod::kEntropy);
  CHECK_FALSE(ParseCalibrationMethod("median", &m));
}

TEST_CASE("fidelity report: identical models are exact; a quantized one is measured", "[quantizer]") {
  const std::vector<uint8_t> f = SmallFc();
  const std::vector<CalibrationSample> samples = {Sample({1, 2, 3}), Sample({-1, 0, 4}), Sample({0.5f, 1, 3})};
  FidelityReport same;
  REQUIRE(CompareModels(f, f, samples, &same).ok());
  REQUIRE(same.outputs.size() == 1);
  CHECK(same.outputs[0].name == "y");
  CHECK(same.outputs[0].cosine == Approx(1.0));
  CHECK(std::isinf(same.outputs[0].snr_db));
  CHECK(same.outputs[0].max_abs == 0.0);
  CHECK(same.outputs[0].top1 == 1.0);  // [1, 2]: classifier-like
  CHECK(same.layers.size() == 2);       // h and y

  std::vector<TensorRange> ranges;
  REQUIRE(Calibrate(f, samples, CalibrationOptions(), &ranges).ok());
  std::vector<uint8_t> q;
  REQUIRE(QuantizeInt8(f, ranges, QuantizeOptions(), &q, nullptr).ok());
  FidelityReport r;
  REQUIRE(CompareModels(f, q, samples, &r).ok());
  REQUIRE(r.outputs.size() == 1);
  CHECK(r.outputs[0].cosine > 0.99);
  CHECK(r.outputs[0].snr_db > 20.0);
  CHECK(std::isfinite(r.outputs[0].snr_db));
  CHECK(r.outputs[0].max_abs > 0.0);
  CHECK(r.layers[0].quantized);
  CHECK(r.quantized_bytes == q.size());
  CHECK(r.ToTable().find("SNR dB") != std::string::npos);
  CHECK(r.ToJson().find("\"snr_db\"") != std::string::npos);
}

TEST_CASE("mixed precision: an unreachable target moves ops to float until outputs are exact", "[quantizer]") {
  const std::vector<uint8_t> f = SmallFc();
  const std::vector<CalibrationSample> samples = {Sample({1, 2, 3}), Sample({-1, 0, 4}), Sample({0.5f, 1, 3})};
  std::vector<TensorRange> ranges;
  REQUIRE(Calibrate(f, samples, CalibrationOptions(), &ranges).ok());
  MixedPrecisionOptions o;
  o.min_output_cosine = 1.0;
  std::vector<uint8_t> q;
  FidelityReport fr;
  MixedPrecisionResult res;
  REQUIRE(QuantizeToFidelityTarget(f, ranges, samples, QuantizeOptions(), o, &q, nullptr, &fr, &res).ok());
  CHECK(res.target_met);
  CHECK(res.kept_float.size() == 2);  // both ops: only the float model itself is exact
  CHECK(res.worst_cosine.front() < 1.0);
  CHECK(fr.outputs[0].max_abs == 0.0);
}

TEST_CASE("calibration: bad samples are refused with a message", "[quantizer]") {
  const std::vector<uint8_t> f = SmallFc();
  std::vector<TensorRange> ranges;
  CHECK(Calibrate(f, {}, CalibrationOptions(), &ranges).code() == StatusCode::kInvalidArgument);
  const Status s = Calibrate(f, {Sample({1, 2})}, CalibrationOptions(), &ranges);
  CHECK(s.code() == StatusCode::kInvalidArgument);
  CHECK(s.message().find("bytes") != std::string::npos);
}

}  // namespace
}  // namespace edgert

namespace edgert {
namespace {

TEST_CASE("fp16 mode: weights stored as float16, expanded at prepare, results within float16 rounding",
          "[quantizer]") {
  // x [1,16] -> FULLY_CONNECTED (w [32,16] = 512 values, b [32]) -> y
  ModelBuilder b;
  const int x = b.AddInput("x", DType::kF32, {1, 16});
  std::vector<float> wv(512);
  for (size_t i = 0; i < wv.size(); ++i) wv[i] = std::sin(0.37f * static_cast<float>(i)) * 0.8f;
  const int w = b.AddConstant("w", DType::kF32, {32, 16}, wv);
  const int bias = b.AddConstant("b", DType::kF32, {32}, std::vector<float>(32, 0.25f));
  const int y = b.AddTensor("y", DType::kF32, {1, 32});
  b.AddOp(schema::OpType_FULLY_CONNECTED, {x, w, bias}, {y}, schema::OpOptions_FullyConnectedOptions,
          schema::CreateFullyConnectedOptions(b.fbb()).Union());
  b.MarkOutput(y);
  const std::vector<uint8_t> f = b.Finish();
  std::vector<uint8_t> h;
  Fp16Report rep;
  REQUIRE(QuantizeFp16(f, &h, &rep).ok());
  CHECK(rep.converted_tensors == 1);  // the bias is too small to bother
  CHECK(rep.bytes_saved == 1024);
  CHECK(h.size() < f.size());
  std::shared_ptr<const Model> m;
  REQUIRE(Model::LoadBuffer(h.data(), h.size(), true, &m).ok());
  OpResolver r;
  AddDefaultKernels(&r);
  Interpreter interp(m, &r);
  REQUIRE(interp.Prepare().ok());
  CHECK(interp.plan().size() == 1);  // DEQUANTIZE ran at prepare
  std::vector<float> xs(16);
  for (size_t i = 0; i < xs.size(); ++i) xs[i] = static_cast<float>(i) * 0.1f - 0.7f;
  std::memcpy(interp.input(0)->data, xs.data(), 64);
  REQUIRE(interp.Invoke().ok());
  const std::vector<float> want = Run(f, xs);
  const float* got = interp.output(0)->data_as<float>();
  for (size_t i = 0; i < want.size(); ++i) {
    // float16 keeps 11 significant bits: each weight moves by at most 2^-11 relative.
    double bound = 0;
    for (size_t k = 0; k < 16; ++k) bound += std::fabs(wv[i * 16 + k] * xs[k]) * std::ldexp(1.0, -11);
    CHECK(std::fabs(got[i] - want[i]) <= bound + 1e-6);
  }
}

}  // namespace
}  // namespace edgert

namespace edgert {
namespace {

TEST_CASE("dynamic mode: FULLY_CONNECTED quantizes input rows at run time (hybrid kernel)", "[quantizer]") {
  // x [3,20] -> FULLY_CONNECTED (w [7,20], b [7], RELU) -> y [3,7]
  const int rows = 3, in = 20, out = 7;
  ModelBuilder b;
  const int x = b.AddInput("x", DType::kF32, {rows, in});
  std::vector<float> wv(static_cast<size_t>(out * in));
  for (size_t i = 0; i < wv.size(); ++i) wv[i] = std::cos(0.71f * static_cast<float>(i)) * (1.f + static_cast<float>(i % 7));
  const int w = b.AddConstant("w", DType::kF32, {out, in}, wv);
  std::vector<float> bv(out);
  for (int o = 0; o < out; ++o) bv[static_cast<size_t>(o)] = 0.3f * static_cast<float>(o) - 1.f;
  const int bias = b.AddConstant("b", DType::kF32, {out}, bv);
  const int y = b.AddTensor("y", DType::kF32, {rows, out});
  b.AddOp(schema::OpType_FULLY_CONNECTED, {x, w, bias}, {y}, schema::OpOptions_FullyConnectedOptions,
          schema::CreateFullyConnectedOptions(b.fbb(), schema::Activation_RELU).Union());
  b.MarkOutput(y);
  const std::vector<uint8_t> f = b.Finish();
  std::vector<uint8_t> d;
  DynamicReport rep;
  REQUIRE(QuantizeDynamic(f, &d, &rep).ok());
  CHECK(rep.hybrid_ops == 1);
  CHECK(rep.bytes_saved == static_cast<uint64_t>(out * in * 3));

  std::vector<float> xs(static_cast<size_t>(rows * in));
  for (size_t i = 0; i < xs.size(); ++i) xs[i] = std::sin(1.3f * static_cast<float>(i)) * (i < 20 ? 0.01f : 5.f);
  const std::vector<float> got = Run(d, xs);
  // The same arithmetic, written out: per-channel weight scales, per-row input scales.
  std::vector<double> wscale(static_cast<size_t>(out));
  for (int o = 0; o < out; ++o) {
    float m = 0.f;
    for (int i = 0; i < in; ++i) m = std::max(m, std::fabs(wv[static_cast<size_t>(o * in + i)]));
    wscale[static_cast<size_t>(o)] = m / 127.f;
  }
  for (int r = 0; r < rows; ++r) {
    float m = 0.f;
    for (int i = 0; i < in; ++i) m = std::max(m, std::fabs(xs[static_cast<size_t>(r * in + i)]));
    const float xsc = m / 127.f;
    for (int o = 0; o < out; ++o) {
      long acc = 0;
      for (int i = 0; i < in; ++i) {
        const long qx = std::lround(xs[static_cast<size_t>(r * in + i)] / xsc);
        const long qw = std::lround(wv[static_cast<size_t>(o * in + i)] / static_cast<float>(wscale[static_cast<size_t>(o)]));
        acc += qx * qw;
      }
      const double want = std::max(0.0, acc * static_cast<double>(xsc) * wscale[static_cast<size_t>(o)] + bv[static_cast<size_t>(o)]);
      CHECK(got[static_cast<size_t>(r * out + o)] == Approx(want).epsilon(1e-5).margin(1e-6));
    }
  }
  // And it stays within the rounding bound of the float model: each product
  // x*w moves by at most |w| s_x/2 + |x| s_w/2 + s_x s_w/4.
  const std::vector<float> ref = Run(f, xs);
  for (int r = 0; r < rows; ++r) {
    float m = 0.f;
    for (int i = 0; i < in; ++i) m = std::max(m, std::fabs(xs[static_cast<size_t>(r * in + i)]));
    const double sx = m / 127.0;
    for (int o = 0; o < out; ++o) {
      const double sw = wscale[static_cast<size_t>(o)];
      double bound = 1e-5;
      for (int i = 0; i < in; ++i)
        bound += std::fabs(wv[static_cast<size_t>(o * in + i)]) * sx / 2 +
                 std::fabs(xs[static_cast<size_t>(r * in + i)]) * sw / 2 + sx * sw / 4;
      const size_t k = static_cast<size_t>(r * out + o);
      CHECK(std::fabs(got[k] - ref[k]) <= bound);
    }
  }
}

}  // namespace
}  // namespace edgert

namespace edgert {
namespace {

TEST_CASE("quantizer: CONCATENATION inputs take the output's range, so the int8 concat is a copy", "[quantizer]") {
  // x [1,2] -> FC (small weights) -> a; x -> FC (large weights) -> b; CONCAT(a, b) -> y.
  ModelBuilder mb;
  const int x = mb.AddInput("x", DType::kF32, {1, 2});
  const int wa = mb.AddConstant("wa", DType::kF32, {2, 2}, std::vector<float>{0.1f, 0.2f, -0.1f, 0.05f});
  const int wb = mb.AddConstant("wb", DType::kF32, {2, 2}, std::vector<float>{3.f, -2.f, 1.f, 4.f});
  const int a = mb.AddTensor("a", DType::kF32, {1, 2});
  const int b = mb.AddTensor("b", DType::kF32, {1, 2});
  const int y = mb.AddTensor("y", DType::kF32, {1, 4});
  for (auto [w, out] : {std::pair<int, int>{wa, a}, std::pair<int, int>{wb, b}})
    mb.AddOp(schema::OpType_FULLY_CONNECTED, {x, w, -1}, {out}, schema::OpOptions_FullyConnectedOptions,
             schema::CreateFullyConnectedOptions(mb.fbb()).Union());
  mb.AddOp(schema::OpType_CONCATENATION, {a, b}, {y}, schema::OpOptions_ConcatenationOptions,
           schema::CreateConcatenationOptions(mb.fbb(), 1).Union());
  mb.MarkOutput(y);
  const std::vector<uint8_t> f = mb.Finish();
  std::vector<CalibrationSample> samples;
  for (int i = 0; i < 5; ++i) samples.push_back(Sample({0.3f * static_cast<float>(i) - 0.6f, 0.5f - 0.2f * i}));
  std::vector<TensorRange> ranges;
  REQUIRE(Calibrate(f, samples, CalibrationOptions(), &ranges).ok());
  // The calibrated ranges differ: a's is much narrower than b's.
  REQUIRE(ranges[static_cast<size_t>(a)].max - ranges[static_cast<size_t>(a)].min <
          0.2f * (ranges[static_cast<size_t>(b)].max - ranges[static_cast<size_t>(b)].min));
  std::vector<uint8_t> q;
  REQUIRE(QuantizeInt8(f, ranges, QuantizeOptions(), &q, nullptr).ok());
  std::shared_ptr<const Model> m;
  REQUIRE(Model::LoadBuffer(q.data(), q.size(), true, &m).ok());
  int concats = 0;
  for (const NodeInfo& n : m->nodes()) {
    if (n.type != schema::OpType_CONCATENATION) continue;
    ++concats;
    const TensorInfo& out = m->tensors()[static_cast<size_t>(n.outputs[0])];
    REQUIRE(out.dtype == DType::kI8);
    for (int32_t t : n.inputs) {
      const TensorInfo& in = m->tensors()[static_cast<size_t>(t)];
      INFO("input " << in.name);
      REQUIRE(in.dtype == DType::kI8);
      CHECK(in.scale == out.scale);
      CHECK(in.zero_point == out.zero_point);
    }
  }
  CHECK(concats == 1);
  // And the int8 model still computes the concatenation.
  const std::vector<float> x0 = {0.4f, -0.3f};
  const std::vector<float> want = Run(f, x0), got = Run(q, x0);
  REQUIRE(got.size() == want.size());
  for (size_t i = 0; i < want.size(); ++i) CHECK(got[i] == Approx(want[i]).margin(0.05));
}

}  // namespace
}  // namespace edgert
