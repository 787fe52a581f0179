// Helpers shared by the real-model tests (models in the cache filled by
// scripts/fetch-models.sh, goldens in tests/data/goldens). Header-only.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "runtime/tensor.h"
#include "tools/npy.h"

namespace edgert {
namespace real_model_test {

// ${EDGERT_MODEL_CACHE:-$HOME/.cache/edgert/models}
inline std::string ModelCache() {
  if (const char* c = std::getenv("EDGERT_MODEL_CACHE")) return c;
  const char* home = std::getenv("HOME");
  return std::string(home ? home : ".") + "/.cache/edgert/models";
}

// CI=true (or 1): a model missing from the cache is a failure, not a skip.
inline bool InCi() {
  const char* ci = std::getenv("CI");
  return ci != nullptr && (std::strcmp(ci, "true") == 0 || std::strcmp(ci, "1") == 0);
}

// The whole file; empty when it cannot be read.
inline std::vector<uint8_t> ReadFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::vector<uint8_t>((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

// The torchvision input the ONNX goldens were made with from the 224x224 photograph:
// x = (u8 / 255 - mean[c]) / std[c], NHWC pixels -> NCHW.
inline void FillImageNet224(const NpyArray& pixels, Tensor* in) {
  static const float kMean[3] = {0.485f, 0.456f, 0.406f};
  static const float kStd[3] = {0.229f, 0.224f, 0.225f};
  const int h = 224, w = 224;
  float* x = in->data_as<float>();
  for (int c = 0; c < 3; ++c)
    for (int y = 0; y < h; ++y)
      for (int i = 0; i < w; ++i) {
        const float u = static_cast<float>(pixels.data[(static_cast<size_t>(y) * w + i) * 3 + c]);
        x[(static_cast<size_t>(c) * h + y) * w + i] = (u / 255.0f - kMean[c]) / kStd[c];
      }
}

// A float32 output against its golden: the golden's range, the max abs error,
// how many elements are off by more than 1e-4 of the range, cosine similarity.
struct GoldenComparison {
  double range = 0, max_err = 0, cosine = 1;
  size_t over_1e4 = 0;
};

inline GoldenComparison CompareToGolden(const float* got, const float* ref, size_t n) {
  GoldenComparison c;
  if (n == 0) return c;
  double lo = ref[0], hi = ref[0], dot = 0, nr = 0, ng = 0;
  for (size_t i = 0; i < n; ++i) {
    lo = std::min<double>(lo, ref[i]);
    hi = std::max<double>(hi, ref[i]);
  }
  c.range = hi - lo;
  for (size_t i = 0; i < n; ++i) {
    const double err = std::fabs(static_cast<double>(got[i]) - ref[i]);
    c.max_err = std::max(c.max_err, err);
    if (err > 1e-4 * c.range) ++c.over_1e4;
    dot += static_cast<double>(got[i]) * ref[i];
    nr += static_cast<double>(ref[i]) * ref[i];
    ng += static_cast<double>(got[i]) * got[i];
  }
  c.cosine = (nr == 0 && ng == 0) ? 1.0 : dot / std::sqrt(nr * ng);
  return c;
}

}  // namespace real_model_test
}  // namespace edgert
