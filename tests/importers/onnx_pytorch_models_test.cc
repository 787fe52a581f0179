// PyTorch models exported to ONNX (torchvision classifiers and a BERT encoder,
// random weights), imported and run on fixed inputs; outputs are compared with
// ONNX Runtime's (tests/data/goldens/<model>/, made by
// scripts/export-torchvision-onnx.py). The models are rebuilt from the
// committed weight skeletons (tests/data/onnx/*.skel.onnx) into the model cache
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

struct PyTorchModel {
  const char* name;
  bool image;  // input: the 224x224 photograph (else token ids + attention mask)
  std::vector<const char*> outputs;
};

const std::vector<PyTorchModel>& Models() {
  static const std::vector<PyTorchModel> m = {
      {"squeezenet1_1", true, {"output_0_logits.npy"}},
      {"mobilenet_v2", true, {"output_0_logits.npy"}},
      {"mobilenet_v3_small", true, {"output_0_logits.npy"}},
      {"resnet18", true, {"output_0_logits.npy"}},
      {"bert_tiny", false, {"output_0_last_hidden_state.npy", "output_1_pooler_output.npy"}},
  };
  return m;
}

}  // namespace

TEST_CASE("PyTorch-exported ONNX models match ONNX Runtime", "[importers][real_models][onnx]") {
  const std::string goldens = std::string(EDGERT_SOURCE_DIR) + "/tests/data/goldens/";
  for (const PyTorchModel& m : Models()) {
    SECTION(m.name) {
      const std::string path = ModelCache() + "/" + m.name + ".onnx";
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
      std::shared_ptr<const Model> model;
      REQUIRE(Model::LoadBuffer(ert.data(), ert.size(), false, &model).ok());
      OpResolver resolver;
      AddDefaultKernels(&resolver);
      Interpreter interp(model, &resolver);
      s = interp.Prepare();
      INFO(s.message());
      REQUIRE(s.ok());

      if (m.image) {
        NpyArray pixels;
        REQUIRE(ReadNpy(goldens + "pytorch_image_input/astronaut_224.u8.npy", &pixels).ok());
        REQUIRE(interp.num_inputs() == 1);
        REQUIRE(pixels.data.size() == static_cast<size_t>(interp.input(0)->NumElements()));
        FillImageNet224(pixels, interp.input(0));
      } else {
        REQUIRE(interp.num_inputs() == 2);
        const char* files[2] = {"input_input_ids.npy", "input_attention_mask.npy"};
        for (int i = 0; i < 2; ++i) {
          NpyArray a;
          REQUIRE(ReadNpy(goldens + m.name + "/" + files[i], &a).ok());
          Tensor* in = interp.input(i);
          REQUIRE(in->dtype == DType::kI64);
          REQUIRE(a.data.size() == static_cast<size_t>(in->NumElements()) * sizeof(int64_t));
          std::memcpy(in->data, a.data.data(), a.data.size());
        }
      }
      s = interp.Invoke();
      INFO(s.message());
      REQUIRE(s.ok());

      REQUIRE(interp.num_outputs() == static_cast<int>(m.outputs.size()));
      for (size_t o = 0; o < m.outputs.size(); ++o) {
        NpyArray golden;
        REQUIRE(ReadNpy(goldens + m.name + "/" + m.outputs[o], &golden).ok());
        const Tensor* out = interp.output(static_cast<int>(o));
        const size_t n = golden.data.size() / sizeof(float);
        REQUIRE(static_cast<size_t>(out->NumElements()) == n);
        const float* ref = reinterpret_cast<const float*>(golden.data.data());
        const float* got = out->data_as<float>();
        const GoldenComparison c = CompareToGolden(got, ref, n);
        const double max_err = c.max_err, range = c.range, cosine = c.cosine;
        INFO(m.name << " output " << o << ": max abs error " << max_err << " over range " << range << " ("
                    << max_err / range << " of it), cosine " << cosine);
        CHECK(range > 0);
        CHECK(max_err <= 1e-4 * range);
        CHECK(cosine >= 0.99999);
      }
    }
  }
}
