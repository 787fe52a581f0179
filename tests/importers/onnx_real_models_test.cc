// Real silero VAD models (fetched by scripts/fetch-models.sh, never committed)
// imported from .onnx with the sample rate fixed to 16000 and run over a
// sequence of speech / silence chunks, the state fed back from call to call;
// every call's outputs are compared with ONNX Runtime's
// (tests/data/goldens/<model>/, made by scripts/make-onnx-goldens.py).
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

int FindTensor(const Interpreter& interp, bool input, const char* name, int count) {
  for (int i = 0; i < count; ++i) {
    const Tensor* t = input ? const_cast<Interpreter&>(interp).input(i) : interp.output(i);
    if (std::strcmp(t->name, name) == 0) return i;
  }
  return -1;
}

}  // namespace

TEST_CASE("real silero VAD .onnx models match ONNX Runtime over a chunk sequence with state fed back",
          "[importers][real_models]") {
  const std::string goldens = std::string(EDGERT_SOURCE_DIR) + "/tests/data/goldens/";
  NpyArray inputs;
  REQUIRE(ReadNpy(goldens + "silero_vad/input.npy", &inputs).ok());
  REQUIRE(inputs.shape.size() == 3);
  const int64_t chunks = inputs.shape[0], samples = inputs.shape[2];
  const float* audio = reinterpret_cast<const float*>(inputs.data.data());

  for (const char* stem : {"silero_vad", "silero_vad_op18_ifless", "silero_vad_16k_op15"}) {
    SECTION(stem) {
      const std::string path = ModelCache() + "/" + stem + ".onnx";
      const std::vector<uint8_t> onnx = ReadFile(path);
      INFO("model " << path << " (run scripts/fetch-models.sh to download it)");
      REQUIRE(!onnx.empty());

      OnnxImportOptions opts;
      opts.input_values["sr"] = {16000};
      opts.input_shapes["input"] = {1, samples};
      opts.input_shapes["state"] = {2, 1, 128};
      std::vector<uint8_t> ert;
      ImportReport report;
      Status s = ImportOnnx(onnx.data(), onnx.size(), opts, &ert, &report);
      INFO(s.message());
      REQUIRE(s.ok());
      CHECK(report.fixed_inputs == 1);
      CHECK(report.inlined_if >= 1);
      std::shared_ptr<const Model> model;
      REQUIRE(Model::LoadBuffer(ert.data(), ert.size(), false, &model).ok());
      OpResolver resolver;
      AddDefaultKernels(&resolver);
      Interpreter interp(model, &resolver);
      REQUIRE(interp.Prepare().ok());
      REQUIRE(interp.num_inputs() == 2);  // sr left the model
      REQUIRE(interp.num_outputs() == 2);
      const int in_audio = FindTensor(interp, true, "input", 2), in_state = FindTensor(interp, true, "state", 2);
      const int out_prob = FindTensor(interp, false, "output", 2), out_state = FindTensor(interp, false, "stateN", 2);
      REQUIRE(in_audio >= 0);
      REQUIRE(in_state >= 0);
      REQUIRE(out_prob >= 0);
      REQUIRE(out_state >= 0);
      REQUIRE(interp.input(in_audio)->NumElements() == samples);
      REQUIRE(interp.input(in_state)->NumElements() == 256);
      REQUIRE(interp.output(out_prob)->NumElements() == 1);
      REQUIRE(interp.output(out_state)->NumElements() == 256);

      NpyArray prob_golden, state_golden;
      REQUIRE(ReadNpy(goldens + stem + "/output.npy", &prob_golden).ok());
      REQUIRE(ReadNpy(goldens + stem + "/stateN.npy", &state_golden).ok());
      REQUIRE(prob_golden.data.size() == static_cast<size_t>(chunks) * sizeof(float));
      REQUIRE(state_golden.data.size() == static_cast<size_t>(chunks) * 256 * sizeof(float));
      const float* prob_ref = reinterpret_cast<const float*>(prob_golden.data.data());
      const float* state_ref = reinterpret_cast<const float*>(state_golden.data.data());

      // The probability's scale is [0, 1]: its error is measured against the
      // range of the whole sequence; the state's against each chunk's range.
      double prob_lo = prob_ref[0], prob_hi = prob_ref[0];
      for (int64_t c = 0; c < chunks; ++c) {
        prob_lo = std::min<double>(prob_lo, prob_ref[c]);
        prob_hi = std::max<double>(prob_hi, prob_ref[c]);
      }
      REQUIRE(prob_hi - prob_lo > 0.5);  // the sequence holds speech and silence

      std::vector<float> state(256, 0.f);
      double worst_prob = 0, worst_state = 0, worst_cos = 1;
      for (int64_t c = 0; c < chunks; ++c) {
        std::memcpy(interp.input(in_audio)->data, audio + c * samples, sizeof(float) * static_cast<size_t>(samples));
        std::memcpy(interp.input(in_state)->data, state.data(), sizeof(float) * 256);
        s = interp.Invoke();
        INFO("chunk " << c << ": " << s.message());
        REQUIRE(s.ok());
        const float prob = interp.output(out_prob)->data_as<float>()[0];
        const float* st = interp.output(out_state)->data_as<float>();
        std::memcpy(state.data(), st, sizeof(float) * 256);

        const double prob_err = std::fabs(static_cast<double>(prob) - prob_ref[c]);
        const GoldenComparison sc = CompareToGolden(st, state_ref + c * 256, 256);
        worst_prob = std::max(worst_prob, prob_err);
        worst_state = std::max(worst_state, sc.max_err / sc.range);
        worst_cos = std::min(worst_cos, sc.cosine);
        INFO(stem << " chunk " << c << ": probability " << prob << " vs " << prob_ref[c] << " (error " << prob_err
                  << "), state max abs error " << sc.max_err << " over range " << sc.range << ", cosine " << sc.cosine);
        CHECK(prob_err <= 1e-4 * (prob_hi - prob_lo));
        CHECK(sc.max_err <= 1e-4 * sc.range);
        CHECK(sc.cosine >= 0.99999);
      }
      WARN(stem << ": largest probability error " << worst_prob << ", largest state error " << worst_state
                << " of the range, lowest state cosine " << worst_cos << " over " << chunks << " chunks");
    }
  }
}
