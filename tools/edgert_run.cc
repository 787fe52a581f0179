// edgert-run MODEL [--input NAME=file.npy ...] [--output-dir DIR] [--threads N] [--plan] [--check-digest]
// Runs a model once and writes every output as DIR/NAME.npy.
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "runtime/interpreter.h"
#include "kernels/common/shape_util.h"
#include "tools/inputs.h"
#include "tools/npy.h"
#include "tools/png.h"

using namespace edgert;

static int Usage() {
  std::fprintf(stderr,
               "usage: edgert-run MODEL.ert [--input NAME=file.npy ...] [--output-dir DIR] [--threads N] [--plan]\n"
               "  --input NAME=FILE  feed input NAME (or its index) from a .npy file; others get deterministic values\n"
               "  --output-dir DIR   write each output as DIR/NAME.npy (default: .)\n"
               "  --threads N        threads the parallel kernels split their work across (default 1; at most 64)\n"
               "  --plan             print which kernel runs each op\n"
               "  --f32-arithmetic   compute in f32 even where weights are stored as f16 and the CPU has f16\n"
               "                     arithmetic (ARMv8.2), which is otherwise used for them\n"
               "  --no-fusion        run every node as written (no residual ADD or activation computed inside\n"
               "                     the convolution before it, no CONCATENATION written in place by the\n"
               "                     convolutions, no depthwise convolution computed inside the 1x1 one\n"
               "                     after it)\n"
               "  --check-digest     first check the file's data digest (Model.data_digest) against its weights\n"
               "  --normalize MIN,MAX  feed uint8 .npy files (images) to float32 inputs as MIN + u*(MAX-MIN)/255\n"
               "  --save-png NAME=FILE  also write output NAME ([1,H,W,1] or [1,H,W,3] float in [0,1]) as a PNG image\n");
  return 2;
}

static double Ms(std::chrono::steady_clock::time_point a, std::chrono::steady_clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

int main(int argc, char** argv) {
  if (argc < 2) return Usage();
  std::string model_path, out_dir = ".";
  std::vector<std::pair<std::string, std::string>> inputs;
  InterpreterOptions options;
  bool print_plan = false, check_digest = false;
  U8ToFloat u8_to_float;
  std::vector<std::pair<std::string, std::string>> pngs;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--input" && i + 1 < argc) {
      std::pair<std::string, std::string> p;
      if (!ParseInputArg(argv[++i], &p)) return Usage();
      inputs.push_back(p);
    } else if (a == "--output-dir" && i + 1 < argc) {
      out_dir = argv[++i];
    } else if (a == "--threads" && i + 1 < argc) {
      options.num_threads = std::atoi(argv[++i]);
    } else if (a == "--normalize" && i + 1 < argc) {
      if (std::sscanf(argv[++i], "%f,%f", &u8_to_float.min, &u8_to_float.max) != 2) return Usage();
      u8_to_float.enabled = true;
    } else if (a == "--save-png" && i + 1 < argc) {
      std::pair<std::string, std::string> p;
      if (!ParseInputArg(argv[++i], &p)) return Usage();
      pngs.push_back(p);
    } else if (a == "--f32-arithmetic") {
      options.f16_arithmetic = false;
    } else if (a == "--no-fusion") {
      options.fuse_residual_adds = options.elide_concats = options.fuse_activations =
          options.fuse_depthwise_pointwise = false;
    } else if (a == "--check-digest") {
      check_digest = true;
    } else if (a == "--plan") {
      print_plan = true;
    } else if (a == "-h" || a == "--help") {
      Usage();
      return 0;
    } else if (!a.empty() && a[0] != '-' && model_path.empty()) {
      model_path = a;
    } else {
      return Usage();
    }
  }
  if (model_path.empty()) return Usage();

  auto t0 = std::chrono::steady_clock::now();
  std::shared_ptr<const Model> model;
  Status s = Model::LoadFile(model_path, &model);
  if (s.ok() && check_digest) s = model->CheckDataDigest();
  if (!s.ok()) {
    std::fprintf(stderr, "edgert-run: %s\n", s.message().c_str());
    return 1;
  }
  OpResolver resolver;
  AddDefaultKernels(&resolver);
  Interpreter interp(model, &resolver, options);
  std::vector<std::vector<uint8_t>> data;
  s = LoadInputs(interp, inputs, &data, u8_to_float);
  if (s.ok()) s = interp.Prepare();
  if (!s.ok()) {
    std::fprintf(stderr, "edgert-run: %s\n", s.message().c_str());
    return 1;
  }
  auto t1 = std::chrono::steady_clock::now();
  FeedInputs(interp, data);
  auto t2 = std::chrono::steady_clock::now();
  s = interp.Invoke();
  auto t3 = std::chrono::steady_clock::now();
  if (!s.ok()) {
    std::fprintf(stderr, "edgert-run: %s\n", s.message().c_str());
    return 1;
  }
  if (print_plan) std::printf("%s", interp.DescribePlan().c_str());
  std::printf("model %s: %zu ops, load+prepare %.2f ms, invoke %.2f ms\n", model_path.c_str(), model->nodes().size(),
              Ms(t0, t1), Ms(t2, t3));
  for (int i = 0; i < interp.num_outputs(); ++i) {
    const Tensor* t = interp.output(i);
    std::string fname = t->name;
    for (char& c : fname)
      if (c == '/' || c == ':' || c == ' ' || c == '\\') c = '_';
    const std::string path = out_dir + "/" + fname + ".npy";
    std::vector<int64_t> shape(t->shape.dims, t->shape.dims + t->shape.rank);
    s = WriteNpy(path, t->dtype, shape, t->data, t->bytes);
    if (!s.ok()) {
      std::fprintf(stderr, "edgert-run: %s\n", s.message().c_str());
      return 1;
    }
    std::printf("output %d '%s' %s %s -> %s\n", i, t->name, DTypeName(t->dtype), ShapeToString(t->shape).text,
                path.c_str());
  }
  for (const auto& p : pngs) {
    const Tensor* t = nullptr;
    for (int i = 0; i < interp.num_outputs(); ++i)
      if (p.first == interp.output(i)->name || p.first == std::to_string(i)) t = interp.output(i);
    if (t == nullptr || t->dtype != DType::kF32 || t->shape.rank != 4 || t->shape[0] != 1 ||
        (t->shape[3] != 1 && t->shape[3] != 3)) {
      std::fprintf(stderr, "edgert-run: --save-png needs a float32 output [1,H,W,1|3] named '%s'\n", p.first.c_str());
      return 1;
    }
    std::vector<uint8_t> pixels(static_cast<size_t>(t->NumElements()));
    for (size_t k = 0; k < pixels.size(); ++k) {
      const float v = t->data_as<float>()[k];
      pixels[k] = static_cast<uint8_t>(!(v > 0.f) ? 0 : v >= 1.f ? 255 : static_cast<int>(v * 255.f + 0.5f));  // NaN -> 0
    }
    s = WritePng(p.second, t->shape[2], t->shape[1], t->shape[3], pixels.data());
    if (!s.ok()) {
      std::fprintf(stderr, "edgert-run: %s\n", s.message().c_str());
      return 1;
    }
    std::printf("image of output '%s' -> %s\n", t->name, p.second.c_str());
  }
  return 0;
}
