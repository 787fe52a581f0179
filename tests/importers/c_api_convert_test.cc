// The converter C API (ert_convert_*): every quantization mode end to end on a
// small model built in code, the fidelity report as JSON, and argument errors.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "edgert/edgert.h"
#include "edgert/edgert_import.h"
#include "runtime/builder.h"
#include "runtime/model.h"
#include "tests/importers/quantizer_test_models.h"

namespace {

using namespace edgert;

std::vector<uint8_t> SmallFc() { return testing::SmallFcModel(); }

const TensorInfo* FindTensor(const Model& m, const std::string& name) {
  for (const TensorInfo& t : m.tensors())
    if (t.name == name) return &t;
  return nullptr;
}

// Runs the converted model through the public C API on one input row.
std::vector<float> RunC(const ert_converted* c, const std::vector<float>& x) {
  char err[256] = {};
  ert_model* model = nullptr;
  REQUIRE(ert_model_load_buffer(ert_converted_data(c), ert_converted_size(c), 1, &model, err, sizeof(err)) == ERT_OK);
  ert_interpreter* interp = nullptr;
  REQUIRE(ert_interpreter_create(model, nullptr, &interp, err, sizeof(err)) == ERT_OK);
  REQUIRE(ert_interpreter_prepare(interp) == ERT_OK);
  ert_tensor_info in, out;
  REQUIRE(ert_interpreter_input(interp, 0, &in) == ERT_OK);
  REQUIRE(in.bytes == x.size() * sizeof(float));
  std::memcpy(in.data, x.data(), in.bytes);
  REQUIRE(ert_interpreter_invoke(interp) == ERT_OK);
  REQUIRE(ert_interpreter_output(interp, 0, &out) == ERT_OK);
  std::vector<float> y(static_cast<const float*>(out.data), static_cast<const float*>(out.data) + out.bytes / 4);
  ert_interpreter_delete(interp);
  ert_model_delete(model);
  return y;
}

}  // namespace

TEST_CASE("convert C API: int8 with calibration samples gives the hand-computed parameters", "[c_api][quantizer]") {
  const std::vector<uint8_t> f = SmallFc();
  const std::vector<float> s0 = {1, 2, 3}, s1 = {-1, 0, 4};
  const void* samples[] = {s0.data(), s1.data()};
  ert_convert_options o;
  ert_convert_options_init(&o);
  o.quantize = ERT_QUANTIZE_INT8;
  o.calibration_samples = samples;
  o.num_calibration_samples = 2;
  o.report = 1;
  ert_converted* c = nullptr;
  char err[512] = {};
  const ert_status st = ert_convert_buffer(f.data(), f.size(), &o, &c, err, sizeof(err));
  INFO(err);
  REQUIRE(st == ERT_OK);
  REQUIRE(c != nullptr);
  CHECK(std::string(ert_converted_summary(c)).find("quantized: 2 ops int8 (minmax calibration, 2 samples)") !=
        std::string::npos);
  const char* json = ert_converted_report_json(c);
  REQUIRE(json != nullptr);
  CHECK(std::string(json).find("\"cosine\"") != std::string::npos);

  std::shared_ptr<const Model> m;
  REQUIRE(Model::LoadBuffer(ert_converted_data(c), ert_converted_size(c), true, &m).ok());
  const TensorInfo* xq = FindTensor(*m, "x/int8");
  const TensorInfo* wq = FindTensor(*m, "w/int8");
  REQUIRE(xq != nullptr);
  REQUIRE(wq != nullptr);
  CHECK(xq->scale[0] == Approx(5.0 / 255.0));  // x in [-1, 4]
  CHECK(xq->zero_point[0] == -77);
  CHECK(wq->scale[1] == Approx(2.0 / 127.0));
  // Within the quantizer test's error bound of the float result h = w x + b, relu.
  const std::vector<float> y = RunC(c, {1, 2, 3});
  REQUIRE(y.size() == 2);
  CHECK(std::fabs(y[0] - 0.f) < 0.06f);
  CHECK(std::fabs(y[1] - 0.3f) < 0.06f);
  ert_converted_delete(c);
}

TEST_CASE("convert C API: fp16, dynamic, none and the fidelity target", "[c_api][quantizer]") {
  const std::vector<uint8_t> f = SmallFc();
  const std::vector<float> s0 = {1, 2, 3}, s1 = {-1, 0, 4};
  const void* samples[] = {s0.data(), s1.data()};
  char err[512] = {};
  for (int32_t mode : {ERT_QUANTIZE_NONE, ERT_QUANTIZE_FP16, ERT_QUANTIZE_DYNAMIC}) {
    ert_convert_options o;
    ert_convert_options_init(&o);
    o.quantize = mode;
    o.report_samples = samples;
    o.num_report_samples = 2;
    o.report = mode != ERT_QUANTIZE_NONE;
    ert_converted* c = nullptr;
    const ert_status st = ert_convert_buffer(f.data(), f.size(), &o, &c, err, sizeof(err));
    INFO(err);
    INFO("mode " << int(mode));
    REQUIRE(st == ERT_OK);
    INFO(ert_converted_summary(c));
    const std::vector<float> y = RunC(c, {1, 2, 3});
    // none / fp16: exact (these few weights stay float32). dynamic: the hybrid
    // FULLY_CONNECTED (through the default, optimized kernels) rounds x to
    // (42, 85, 127) * 3/127 and w1 to (127, 0, -32) * 2/127: 1270 * 6/127^2 - 0.2.
    const double want = mode == ERT_QUANTIZE_DYNAMIC ? 1270.0 * 6.0 / (127.0 * 127.0) - 0.2 : 0.3;
    CHECK(y[0] == 0.f);
    CHECK(y[1] == Approx(want).epsilon(1e-6));
    CHECK((ert_converted_report_json(c) != nullptr) == (mode != ERT_QUANTIZE_NONE));
    ert_converted_delete(c);
  }
  // A target no int8 model reaches moves ops back to float32 until the outputs are exact.
  ert_convert_options o;
  ert_convert_options_init(&o);
  o.quantize = ERT_QUANTIZE_INT8;
  o.calibration_samples = samples;
  o.num_calibration_samples = 2;
  o.fidelity_target = 1.0;
  o.report = 1;
  ert_converted* c = nullptr;
  REQUIRE(ert_convert_buffer(f.data(), f.size(), &o, &c, err, sizeof(err)) == ERT_OK);
  CHECK(std::string(ert_converted_summary(c)).find("mixed precision: target output cosine 1 met") != std::string::npos);
  ert_converted_delete(c);
  // Bias correction runs with int8 (here 2 samples of one value per channel:
  // too few to correct anything). With the fidelity target, the search
  // measures corrected models: the all-int8 one, then each round's pick.
  o.bias_correction = 1;
  c = nullptr;
  REQUIRE(ert_convert_buffer(f.data(), f.size(), &o, &c, err, sizeof(err)) == ERT_OK);
  {
    const std::string summary = ert_converted_summary(c);
    INFO(summary);
    CHECK(summary.find("mixed precision (bias-corrected models): target output cosine 1 met") != std::string::npos);
    // One pass for the all-int8 model and one per round (as many rounds as cosines after the first).
    const size_t by_round = summary.find("by round:");
    REQUIRE(by_round != std::string::npos);
    const std::string line = summary.substr(by_round, summary.find('\n', by_round) - by_round);
    const size_t cosines = static_cast<size_t>(std::count(line.begin(), line.end(), '.'));
    CHECK(cosines >= 2);
    CHECK(summary.find("bias correction: " + std::to_string(cosines) + " passes") != std::string::npos);
  }
  ert_converted_delete(c);
  c = nullptr;
  // A target the corrected all-int8 model meets keeps every op in int8.
  o.fidelity_target = 0.5;
  REQUIRE(ert_convert_buffer(f.data(), f.size(), &o, &c, err, sizeof(err)) == ERT_OK);
  {
    const std::string summary = ert_converted_summary(c);
    INFO(summary);
    CHECK(summary.find("no op moved to float32") != std::string::npos);
    CHECK(summary.find("bias correction: 1 passes") != std::string::npos);
  }
  ert_converted_delete(c);
  c = nullptr;
  o.fidelity_target = 0;
  REQUIRE(ert_convert_buffer(f.data(), f.size(), &o, &c, err, sizeof(err)) == ERT_OK);
  CHECK(std::string(ert_converted_summary(c)).find("bias correction: 0 layers") != std::string::npos);
  ert_converted_delete(c);
}

TEST_CASE("convert C API: bad arguments and bad models are refused with a message", "[c_api][quantizer]") {
  const std::vector<uint8_t> f = SmallFc();
  char err[512] = {};
  ert_converted* c = reinterpret_cast<ert_converted*>(&err);  // must be reset to NULL
  ert_convert_options o;
  ert_convert_options_init(&o);
  o.quantize = ERT_QUANTIZE_INT8;
  CHECK(ert_convert_buffer(f.data(), f.size(), &o, &c, err, sizeof(err)) == ERT_INVALID_ARGUMENT);
  CHECK(c == nullptr);
  CHECK(std::string(err).find("calibration samples") != std::string::npos);

  const void* null_sample[] = {nullptr};
  o.calibration_samples = null_sample;
  o.num_calibration_samples = 1;
  CHECK(ert_convert_buffer(f.data(), f.size(), &o, &c, err, sizeof(err)) == ERT_INVALID_ARGUMENT);
  CHECK(std::string(err).find("sample 0, input 0 is NULL") != std::string::npos);

  ert_convert_options_init(&o);
  o.quantize = 42;
  CHECK(ert_convert_buffer(f.data(), f.size(), &o, &c, err, sizeof(err)) == ERT_INVALID_ARGUMENT);
  CHECK(std::string(err).find("unknown quantization mode 42") != std::string::npos);

  o.struct_size = 0;
  CHECK(ert_convert_buffer(f.data(), f.size(), &o, &c, err, sizeof(err)) == ERT_INVALID_ARGUMENT);
  CHECK(std::string(err).find("struct_size") != std::string::npos);

  std::vector<uint8_t> broken = f;
  broken.resize(broken.size() / 2);
  CHECK(ert_convert_buffer(broken.data(), broken.size(), nullptr, &c, err, sizeof(err)) != ERT_OK);
  CHECK(c == nullptr);
  CHECK(std::strlen(err) > 0);
  CHECK(ert_convert_buffer(nullptr, 0, nullptr, &c, err, sizeof(err)) == ERT_INVALID_ARGUMENT);
  ert_converted_delete(nullptr);
  CHECK(ert_converted_report_json(nullptr) == nullptr);
}

TEST_CASE("convert C API: pruning and block-sparse storage", "[c_api][sparse]") {
  // x [1,4,4,32] -> CONV_2D 1x1 (w [32,1,1,32]) -> y.
  ModelBuilder b;
  const int x = b.AddInput("x", DType::kF32, {1, 4, 4, 32});
  std::vector<float> wv(32 * 32);
  for (size_t i = 0; i < wv.size(); ++i) wv[i] = std::sin(0.37f * static_cast<float>(i)) * (1.f + (i % 32) / 8.f);
  const int w = b.AddConstant("w", DType::kF32, {32, 1, 1, 32}, wv);
  const int y = b.AddTensor("y", DType::kF32, {1, 4, 4, 32});
  b.AddOp(schema::OpType_CONV_2D, {x, w, -1}, {y}, schema::OpOptions_Conv2DOptions,
          schema::CreateConv2DOptions(b.fbb(), schema::Padding_VALID, 1, 1).Union());
  b.MarkOutput(y);
  const std::vector<uint8_t> f = b.Finish();
  char err[512] = {};
  ert_convert_options o;
  ert_convert_options_init(&o);
  CHECK(o.sparse == 1);
  o.prune_fraction = 0.5;
  ert_converted* c = nullptr;
  const ert_status st = ert_convert_buffer(f.data(), f.size(), &o, &c, err, sizeof(err));
  INFO(err);
  REQUIRE(st == ERT_OK);
  INFO(ert_converted_summary(c));
  // Half of the 2 x 32 block columns are zero: stored sparse (format version 2).
  std::shared_ptr<const Model> m;
  REQUIRE(Model::LoadBuffer(ert_converted_data(c), ert_converted_size(c), true, &m).ok());
  CHECK(m->fb()->version() == 2);
  CHECK(std::string(ert_converted_summary(c)).find("sparse") != std::string::npos);
  // It loads and runs through the C API.
  ert_model* model = nullptr;
  REQUIRE(ert_model_load_buffer(ert_converted_data(c), ert_converted_size(c), 1, &model, err, sizeof(err)) == ERT_OK);
  ert_interpreter* interp = nullptr;
  REQUIRE(ert_interpreter_create(model, nullptr, &interp, err, sizeof(err)) == ERT_OK);
  REQUIRE(ert_interpreter_invoke(interp) == ERT_OK);
  ert_interpreter_delete(interp);
  ert_model_delete(model);
  ert_converted_delete(c);

  o.prune_fraction = 1.5;
  CHECK(ert_convert_buffer(f.data(), f.size(), &o, &c, err, sizeof(err)) == ERT_INVALID_ARGUMENT);
  CHECK(std::string(err).find("outside [0, 1)") != std::string::npos);
}
