// edgert-run MODEL [--input NAME=file.npy ...] [--output-dir DIR] [--threads N] [--plan]
// Runs a model once and writes every output as DIR/NAME.npy.
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "runtime/interpreter.h"
#include "tools/inputs.h"
#include "tools/npy.h"

using namespace edgert;

static int Usage() {
  std::fprintf(stderr,
               "usage: edgert-run MODEL.ert [--input NAME=file.npy ...] [--output-dir DIR] [--threads N] [--plan]\n"
               "  --input NAME=FILE  feed input NAME (or its index) from a .npy file; others get deterministic values\n"
               "  --output-dir DIR   write each output as DIR/NAME.npy (default: .)\n"
               "  --threads N        worker threads (default 1)\n"
               "  --plan             print which kernel runs each op\n");
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
  bool print_plan = false;
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
  if (!s.ok()) {
    std::fprintf(stderr, "edgert-run: %s\n", s.message().c_str());
    return 1;
  }
  OpResolver resolver;
  AddDefaultKernels(&resolver);
  Interpreter interp(model, &resolver, options);
  std::vector<std::vector<uint8_t>> data;
  s = LoadInputs(interp, inputs, &data);
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
    std::printf("output %d '%s' %s %s -> %s\n", i, t->name, DTypeName(t->dtype), ShapeString(t->shape).c_str(),
                path.c_str());
  }
  return 0;
}
