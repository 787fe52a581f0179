// Int8 ONNX models made by ONNX Runtime's quantizer (QDQ, per-channel weights;
// scripts/make-onnx-quantized.py), imported and run on the photograph; outputs
// are compared with ONNX Runtime's (tests/data/goldens/<model>/) in units of the
// quantization step of the output's DequantizeLinear (output_<k>_step.npy).
// The models are rebuilt from tests/data/onnx/*.qskel.onnx and the float models
// by scripts/fetch-models.sh. A missing model fails the test when CI=true and is
// reported and skipped otherwise.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "runtime/importers/onnx/onnx_importer.h"
#include "runtime/interpreter.h"
#include "runtime/op_resolver.h"
#include "tests/importers/real_model_util.h"
#include "tools/npy.h"

using namespace edgert;
using namespace edgert::real_model_test;

namespace {

}  // namespace

TEST_CASE("ONNX Runtime-quantized QDQ models match ONNX Runtime within one step", "[importers][real_models][onnx]") {
  const std::string goldens = std::string(EDGERT_SOURCE_DIR) + "/tests/data/goldens/";
  for (const char* name : {"mobilenet_v2_qdq_s8", "squeezenet1_1_qdq_u8"}) {
    SECTION(name) {
      const std::string path = ModelCache() + "/" + name + ".onnx";
      const std::vector<uint8_t> onnx = ReadFile(path);
      if (onnx.empty()) {
        if (InCi()) FAIL("model " << path << " is missing: scripts/fetch-models.sh rebuilds it from tests/data/onnx");
        WARN("skipped: model " << path << " is missing (scripts/fetch-models.sh rebuilds it from tests/data/onnx)");
        return;
      }
      OnnxImportOptions opts;
      opts.dims["batch_size"] = 1;
      std::vector<uint8_t> ert;
      ImportReport report;
      Status s = ImportOnnx(onnx.data(), onnx.size(), opts, &ert, &report);
      INFO(s.message());
      REQUIRE(s.ok());
      // Every QDQ group runs as an int8 op: one QUANTIZE at the input, one DEQUANTIZE at the output.
      CHECK(report.qdq_float_groups == 0);
      CHECK(report.qdq_int8_groups > 20);
      CHECK(report.op_counts["QUANTIZE"] == 1);
      CHECK(report.op_counts["DEQUANTIZE"] == 1);
      CHECK(report.op_counts["CONV_2D"] > 20);
      std::shared_ptr<const Model> model;
      REQUIRE(Model::LoadBuffer(ert.data(), ert.size(), false, &model).ok());
      OpResolver resolver;
      AddDefaultKernels(&resolver);
      Interpreter interp(model, &resolver);
      s = interp.Prepare();
      INFO(s.message());
      REQUIRE(s.ok());
      NpyArray pixels;
      REQUIRE(ReadNpy(goldens + "pytorch_image_input/astronaut_224.u8.npy", &pixels).ok());
      REQUIRE(interp.num_inputs() == 1);
      REQUIRE(pixels.data.size() == static_cast<size_t>(interp.input(0)->NumElements()));
      FillImageNet224(pixels, interp.input(0));
      s = interp.Invoke();
      INFO(s.message());
      REQUIRE(s.ok());

      REQUIRE(interp.num_outputs() == 1);
      NpyArray golden, step_npy;
      REQUIRE(ReadNpy(goldens + name + "/output_0_logits.npy", &golden).ok());
      REQUIRE(ReadNpy(goldens + name + "/output_0_step.npy", &step_npy).ok());
      REQUIRE(step_npy.data.size() == sizeof(float));
      float step;
      std::memcpy(&step, step_npy.data.data(), sizeof(float));
      REQUIRE(step > 0.f);
      const Tensor* out = interp.output(0);
      REQUIRE(out->dtype == DType::kF32);
      const size_t n = golden.data.size() / sizeof(float);
      REQUIRE(static_cast<size_t>(out->NumElements()) == n);
      const float* ref = reinterpret_cast<const float*>(golden.data.data());
      const float* got = out->data_as<float>();
      double max_steps = 0;
      size_t within = 0;
      for (size_t i = 0; i < n; ++i) {
        const double d = std::fabs(static_cast<double>(got[i]) - ref[i]) / step;
        max_steps = std::max(max_steps, d);
        if (d <= 1.0 + 1e-3) ++within;
      }
      const double frac = static_cast<double>(within) / static_cast<double>(n);
      // The top class must agree as well.
      const size_t top_ref = static_cast<size_t>(std::max_element(ref, ref + n) - ref);
      const size_t top_got = static_cast<size_t>(std::max_element(got, got + n) - got);
      INFO(name << ": max error " << max_steps << " steps, " << 100.0 * frac << "% within 1 step; top class " << top_got
                << " (ONNX Runtime " << top_ref << ")");
      WARN(name << ": max error " << max_steps << " steps, " << 100.0 * frac << "% within 1 step");
      CHECK(frac >= 0.99);
      CHECK(max_steps <= 4.0);
      CHECK(top_ref == top_got);
    }
  }
}

// quantize_dynamic's DynamicQuantizeLinear + MatMulInteger chains run as float
// FULLY_CONNECTED with dequantized int8 weights, so the outputs differ from ONNX
// Runtime's by its rounding of the activations to 8 bits (no output step here).
TEST_CASE("ONNX Runtime dynamically quantized BERT encoder matches ONNX Runtime", "[importers][real_models][onnx]") {
  const std::string goldens = std::string(EDGERT_SOURCE_DIR) + "/tests/data/goldens/";
  const std::string path = ModelCache() + "/bert_tiny_dynamic.onnx";
  const std::vector<uint8_t> onnx = ReadFile(path);
  if (onnx.empty()) {
    if (InCi()) FAIL("model " << path << " is missing: scripts/fetch-models.sh rebuilds it from tests/data/onnx");
    WARN("skipped: model " << path << " is missing (scripts/fetch-models.sh rebuilds it from tests/data/onnx)");
    return;
  }
  OnnxImportOptions opts;
  opts.dims["batch_size"] = 1;
  opts.dims["sequence"] = 32;
  std::vector<uint8_t> ert;
  ImportReport report;
  Status s = ImportOnnx(onnx.data(), onnx.size(), opts, &ert, &report);
  INFO(s.message());
  REQUIRE(s.ok());
  CHECK(report.dynamic_quant_matmuls == 13);
  CHECK(report.op_counts["FULLY_CONNECTED"] == 13);
  std::shared_ptr<const Model> model;
  REQUIRE(Model::LoadBuffer(ert.data(), ert.size(), false, &model).ok());
  OpResolver resolver;
  AddDefaultKernels(&resolver);
  Interpreter interp(model, &resolver);
  s = interp.Prepare();
  INFO(s.message());
  REQUIRE(s.ok());
  REQUIRE(interp.num_inputs() == 2);
  const char* files[2] = {"input_input_ids.npy", "input_attention_mask.npy"};
  for (int i = 0; i < 2; ++i) {
    NpyArray a;
    REQUIRE(ReadNpy(goldens + "bert_tiny/" + files[i], &a).ok());
    Tensor* in = interp.input(i);
    REQUIRE(in->dtype == DType::kI64);
    REQUIRE(a.data.size() == static_cast<size_t>(in->NumElements()) * sizeof(int64_t));
    std::memcpy(in->data, a.data.data(), a.data.size());
  }
  s = interp.Invoke();
  INFO(s.message());
  REQUIRE(s.ok());
  const char* outputs[2] = {"output_0_last_hidden_state.npy", "output_1_pooler_output.npy"};
  REQUIRE(interp.num_outputs() == 2);
  for (int o = 0; o < 2; ++o) {
    NpyArray golden;
    REQUIRE(ReadNpy(goldens + "bert_tiny_dynamic/" + outputs[o], &golden).ok());
    const Tensor* out = interp.output(o);
    const size_t n = golden.data.size() / sizeof(float);
    REQUIRE(static_cast<size_t>(out->NumElements()) == n);
    const float* ref = reinterpret_cast<const float*>(golden.data.data());
    const float* got = out->data_as<float>();
    const GoldenComparison c = CompareToGolden(got, ref, n);
    const double max_err = c.max_err, range = c.range, cosine = c.cosine;
    INFO("output " << o << ": max abs error " << max_err << " over range " << range << ", cosine " << cosine);
    CHECK(max_err <= 0.01 * range);
    CHECK(cosine >= 0.9999);
  }
}
