// Full-integer int8 .tflite models made by TensorFlow's converter (Keras
// MobileNetV2 / MobileNet v1 architectures with random weights, calibrated on
// crops of the photograph; tests/data/tflite-int8, made by
// scripts/make-int8-tflite.py) imported and run on the photograph; outputs are
// compared with native LiteRT's reference kernels (tests/data/goldens/<name>),
// which define TFLite's int8 arithmetic. Required: at least 99% of values
// within one quantization step, none beyond two. (LiteRT's XNNPACK and
// optimized kernels round differently; on these random-weight networks they
// drift up to 136 steps from its reference kernels: int8-manifest.json.)
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "kernels/dispatch.h"
#include "runtime/importers/tflite/tflite_importer.h"
#include "runtime/interpreter.h"
#include "runtime/op_resolver.h"
#include "tests/importers/real_model_util.h"
#include "tools/npy.h"

using namespace edgert;
using namespace edgert::real_model_test;

namespace {

struct Int8Model {
  const char* name;
  const char* input_file;   // .npy: the int8 input, or .u8.npy: pixels p fed as p / 127.5 - 1
  const char* output_file;
};

// The quantization step of a model output: its own scale when it is int8, the
// scale of the DEQUANTIZE input producing it when it is float32.
double OutputStep(const Model& m, int output) {
  const int t = m.outputs()[static_cast<size_t>(output)];
  if (!m.tensors()[static_cast<size_t>(t)].scale.empty()) return m.tensors()[static_cast<size_t>(t)].scale[0];
  for (const NodeInfo& n : m.nodes())
    if (n.type == schema::OpType_DEQUANTIZE && n.outputs[0] == t)
      return m.tensors()[static_cast<size_t>(n.inputs[0])].scale.at(0);
  return 0.0;
}

}  // namespace

TEST_CASE("int8 .tflite models from TensorFlow's converter match LiteRT's reference kernels", "[importers][real_models][int8]") {
  const std::string dir = std::string(EDGERT_SOURCE_DIR) + "/tests/data/";
  const std::vector<Int8Model> models = {
      {"mobilenet_v2_035_96_int8", "input_serving_default_keras_tensor_0.npy", "output_0_StatefulPartitionedCall_1_0.npy"},
      {"mobilenet_v1_025_128_int8", "input_serving_default_keras_tensor_154_0.u8.npy",
       "output_0_StatefulPartitionedCall_1_0.npy"},
  };
  const IsaLevel isa = GENERATE(IsaLevel::kReference, IsaLevel::kAvx2, IsaLevel::kAvx512, IsaLevel::kAvx512Vnni,
                                IsaLevel::kAvx512Amx);
  const IsaLevel saved = SetKernelIsaLevelForTesting(isa);
  for (const Int8Model& mi : models) {
    SECTION(mi.name) {
      const std::vector<uint8_t> tflite = ReadFile(dir + "tflite-int8/" + mi.name + ".tflite");
      REQUIRE(!tflite.empty());
      std::vector<uint8_t> ert;
      Status s = ImportTflite(tflite.data(), tflite.size(), TfliteImportOptions(), &ert, nullptr);
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

      NpyArray in;
      REQUIRE(ReadNpy(dir + "goldens/" + mi.name + "/" + mi.input_file, &in).ok());
      Tensor* x = interp.input(0);
      if (in.dtype == DType::kU8) {
        REQUIRE(x->dtype == DType::kF32);
        REQUIRE(x->bytes == in.data.size() * sizeof(float));
        float* xf = x->data_as<float>();
        for (size_t i = 0; i < in.data.size(); ++i) xf[i] = static_cast<float>(in.data[i]) / 127.5f - 1.f;
      } else {
        REQUIRE(in.dtype == x->dtype);
        REQUIRE(in.data.size() == x->bytes);
        std::memcpy(x->data, in.data.data(), x->bytes);
      }
      s = interp.Invoke();
      INFO(s.message());
      REQUIRE(s.ok());

      NpyArray want;
      REQUIRE(ReadNpy(dir + "goldens/" + mi.name + "/" + mi.output_file, &want).ok());
      const Tensor* y = interp.output(0);
      REQUIRE(want.dtype == y->dtype);
      REQUIRE(want.data.size() == y->bytes);
      const double step = OutputStep(*model, 0);
      REQUIRE(step > 0);
      const size_t n = static_cast<size_t>(y->NumElements());
      size_t within = 0;
      double worst = 0;
      for (size_t i = 0; i < n; ++i) {
        double got, ref;
        if (y->dtype == DType::kI8) {
          got = y->data_as<int8_t>()[i];
          ref = reinterpret_cast<const int8_t*>(want.data.data())[i];
        } else {
          got = y->data_as<float>()[i] / step;
          ref = reinterpret_cast<const float*>(want.data.data())[i] / step;
        }
        const double d = std::fabs(got - ref);
        worst = std::max(worst, d);
        if (d <= 1.0 + 1e-6) ++within;
      }
      const double frac = static_cast<double>(within) / static_cast<double>(n);
      WARN(mi.name << " (" << GetKernelIsa().name
                   << " kernels): " << n << " values, " << 100.0 * frac << "% within 1 step, worst " << worst
                   << " steps");
      CHECK(frac >= 0.99);
      CHECK(worst <= 2.0 + 1e-6);  // a stricter bound than the issue's: no value is far off
    }
  }
  SetKernelIsaLevelForTesting(saved);
}
