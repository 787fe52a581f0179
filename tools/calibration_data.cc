#include "tools/calibration_data.h"

#include <dirent.h>

#include <algorithm>

#include "tools/npy.h"

namespace edgert {

Status LoadCalibrationDir(const std::string& dir, const Model& model, size_t max_samples,
                          std::vector<CalibrationSample>* samples) {
  samples->clear();
  if (model.inputs().size() != 1)
    return Status::Error(StatusCode::kUnsupported, "calibration from a folder supports models with one input; this one has %zu",
                         model.inputs().size());
  const TensorInfo& in = model.tensors()[static_cast<size_t>(model.inputs()[0])];
  if (in.dtype != DType::kF32)
    return Status::Error(StatusCode::kUnsupported, "input '%s' is %s; calibration needs a float32 input", in.name.c_str(),
                         DTypeName(in.dtype));
  const size_t bytes = static_cast<size_t>(in.shape.NumElements()) * sizeof(float);
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return Status::Error(StatusCode::kIoError, "cannot open calibration folder '%s'", dir.c_str());
  std::vector<std::string> names;
  while (dirent* e = readdir(d)) {
    const std::string n = e->d_name;
    if (n.size() > 4 && n.compare(n.size() - 4, 4, ".npy") == 0) names.push_back(n);
  }
  closedir(d);
  std::sort(names.begin(), names.end());
  if (names.empty()) return Status::Error(StatusCode::kIoError, "no .npy files in '%s'", dir.c_str());
  for (const std::string& n : names) {
    NpyArray a;
    EDGERT_RETURN_IF_ERROR(ReadNpy(dir + "/" + n, &a));
    if (a.dtype != DType::kF32)
      return Status::Error(StatusCode::kInvalidArgument, "%s: calibration samples must be float32, not %s", n.c_str(),
                           DTypeName(a.dtype));
    if (a.data.empty() || a.data.size() % bytes != 0)
      return Status::Error(StatusCode::kInvalidArgument,
                           "%s holds %zu bytes: not a whole number of samples of input '%s' (%zu bytes each)",
                           n.c_str(), a.data.size(), in.name.c_str(), bytes);
    for (size_t off = 0; off < a.data.size() && samples->size() < max_samples; off += bytes) {
      CalibrationSample s;
      s.inputs.emplace_back(a.data.begin() + static_cast<std::ptrdiff_t>(off),
                            a.data.begin() + static_cast<std::ptrdiff_t>(off + bytes));
      samples->push_back(std::move(s));
    }
  }
  return Status::Ok();
}

}  // namespace edgert
