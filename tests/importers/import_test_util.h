// Test helpers shared by the importer tests (onnx_importer_test.cc,
// tflite_importer_test.cc): the imported-model fixture, random inputs and the
// corruption loop. Header-only.
#pragma once

#include <catch2/catch.hpp>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "runtime/importers/import_report.h"
#include "runtime/interpreter.h"
#include "runtime/model.h"
#include "runtime/op_resolver.h"

namespace edgert {
namespace import_test {

// An imported .ert model, loaded, with an interpreter over the reference
// kernels. The format's fixture imports into `ert` / `report`, then calls Load().
struct ImportedModel {
  std::vector<uint8_t> ert;
  ImportReport report;
  std::shared_ptr<const Model> model;
  OpResolver resolver;
  std::unique_ptr<Interpreter> interp;

  // Loads `ert` and prepares the interpreter (REQUIREs success).
  void Load() {
    Status s = Model::LoadBuffer(ert.data(), ert.size(), true, &model);
    INFO(s.message());
    REQUIRE(s.ok());
    AddReferenceKernels(&resolver);
    interp.reset(new Interpreter(model, &resolver));
    s = interp->Prepare();
    INFO(s.message());
    REQUIRE(s.ok());
  }
  template <typename T> void Feed(int i, const std::vector<T>& v) {
    REQUIRE(interp->input(i)->bytes == v.size() * sizeof(T));
    std::memcpy(interp->input(i)->data, v.data(), interp->input(i)->bytes);
  }
  void Invoke() {
    Status s = interp->Invoke();
    INFO(s.message());
    REQUIRE(s.ok());
  }
  template <typename T = float> std::vector<T> Out(int i) const {
    const edgert::Tensor* t = interp->output(i);
    std::vector<T> v(t->bytes / sizeof(T));
    std::memcpy(v.data(), t->data, t->bytes);
    return v;
  }
  std::vector<int32_t> OutShape(int i) const {
    const edgert::Tensor* t = interp->output(i);
    return std::vector<int32_t>(t->shape.dims, t->shape.dims + t->shape.rank);
  }
  int Count(const char* op) const {
    auto it = report.op_counts.find(op);
    return it == report.op_counts.end() ? 0 : it->second;
  }
};

inline std::vector<float> Random(size_t n, uint32_t seed, float lo = -1.f, float hi = 1.f) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> d(lo, hi);
  std::vector<float> v(n);
  for (float& x : v) x = d(rng);
  return v;
}

// Writes `data` to the file `path` (REQUIREs success).
inline void WriteFile(const std::string& path, const std::vector<uint8_t>& data) {
  FILE* f = std::fopen(path.c_str(), "wb");
  REQUIRE(f != nullptr);
  REQUIRE(std::fwrite(data.data(), 1, data.size(), f) == data.size());
  std::fclose(f);
}

// Truncated and bit-flipped variants must be rejected with a message or imported;
// what imports must load, and running it must not crash either. Every fourth
// variant is truncated to min_keep + rng() % (size - min_keep) bytes.
// `import(bytes, &ert)` imports one variant.
template <typename ImportFn>
void CorruptionLoop(const std::vector<uint8_t>& original, int variants, uint32_t seed, size_t min_keep,
                    ImportFn import) {
  OpResolver resolver;
  AddReferenceKernels(&resolver);
  std::mt19937 rng(seed);
  int imported = 0, rejected = 0;
  for (int v = 0; v < variants; ++v) {
    std::vector<uint8_t> bytes = original;
    if (v % 4 == 0) {
      bytes.resize(min_keep + rng() % (original.size() - min_keep));
    } else {
      const int flips = 1 + static_cast<int>(rng() % 8);
      for (int k = 0; k < flips; ++k) {
        const size_t pos = rng() % bytes.size();
        bytes[pos] ^= static_cast<uint8_t>(1u << (rng() % 8));
      }
    }
    std::vector<uint8_t> ert;
    Status s = import(bytes, &ert);
    if (!s.ok()) {
      REQUIRE(!s.message().empty());
      REQUIRE(ert.empty());
      ++rejected;
      continue;
    }
    ++imported;
    std::shared_ptr<const Model> model;
    REQUIRE(Model::LoadBuffer(ert.data(), ert.size(), true, &model).ok());
    Interpreter interp(model, &resolver);
    if (!interp.Prepare().ok()) continue;
    if (interp.memory().arena_bytes > (64u << 20)) continue;  // a flipped dimension made it huge
    for (int i = 0; i < interp.num_inputs(); ++i) std::memset(interp.input(i)->data, 0, interp.input(i)->bytes);
    (void)interp.Invoke();
  }
  INFO("imported " << imported << ", rejected " << rejected);
  CHECK(rejected > 0);
  CHECK(imported > 0);
  CHECK(imported + rejected == variants);
}

}  // namespace import_test
}  // namespace edgert
