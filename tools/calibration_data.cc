#include "tools/calibration_data.h"

#include <dirent.h>

#include <algorithm>

#include "tools/image/image.h"
#include "tools/npy.h"

namespace edgert {
namespace {

Status SingleFloatInput(const Model& model, const TensorInfo** info) {
  if (model.inputs().size() != 1)
    return Status::Error(StatusCode::kUnsupported, "calibration from a folder supports models with one input; this one has %zu",
                         model.inputs().size());
  const TensorInfo& in = model.tensors()[static_cast<size_t>(model.inputs()[0])];
  if (in.dtype != DType::kF32)
    return Status::Error(StatusCode::kUnsupported, "input '%s' is %s; calibration needs a float32 input", in.name.c_str(),
                         DTypeName(in.dtype));
  *info = &in;
  return Status::Ok();
}

}  // namespace

Status LoadCalibrationImages(const std::string& dir, const Model& model, const ImagePreprocess& pre,
                             size_t max_samples, std::vector<CalibrationSample>* samples,
                             void (*progress)(size_t, size_t)) {
  samples->clear();
  const TensorInfo* in = nullptr;
  EDGERT_RETURN_IF_ERROR(SingleFloatInput(model, &in));
  ImageInputGeometry geo;
  Status s = ResolveImageInput(in->shape, pre, &geo);
  if (!s.ok()) return Status::Error(s.code(), "input '%s': %s", in->name.c_str(), s.message().c_str());
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return Status::Error(StatusCode::kIoError, "cannot open image folder '%s'", dir.c_str());
  std::vector<std::string> names;
  while (dirent* e = readdir(d)) {
    const std::string n = e->d_name;
    if (n[0] != '.' && HasImageExtension(n)) names.push_back(n);
  }
  closedir(d);
  std::sort(names.begin(), names.end());
  if (names.empty()) return Status::Error(StatusCode::kIoError, "no .png, .jpg, .jpeg, .ppm or .pgm files in '%s'", dir.c_str());
  if (names.size() > max_samples) names.resize(max_samples);
  std::vector<float> x;
  for (size_t i = 0; i < names.size(); ++i) {
    Image img;
    EDGERT_RETURN_IF_ERROR(ReadImageFile(dir + "/" + names[i], &img));
    s = PreprocessImage(img, pre, geo, &x);
    if (!s.ok()) return Status::Error(s.code(), "%s: %s", names[i].c_str(), s.message().c_str());
    CalibrationSample sample;
    const uint8_t* b = reinterpret_cast<const uint8_t*>(x.data());
    sample.inputs.emplace_back(b, b + x.size() * sizeof(float));
    samples->push_back(std::move(sample));
    if (progress != nullptr) progress(i + 1, names.size());
  }
  return Status::Ok();
}

Status LoadCalibrationDir(const std::string& dir, const Model& model, size_t max_samples,
                          std::vector<CalibrationSample>* samples) {
  samples->clear();
  const TensorInfo* info = nullptr;
  EDGERT_RETURN_IF_ERROR(SingleFloatInput(model, &info));
  const TensorInfo& in = *info;
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
