// Fidelity of edgert's own int8 quantization on real models, on the
// photograph (the goldens' input): MediaPipe selfie segmentation (mask IoU
// against the float32 mask) and face detection short range (IoU of the
// decoded face box, after MediaPipe's weighted suppression, against the
// float32 one). Calibration uses 16
// crops of the photograph (scaled, shifted, half of them mirrored), resized
// to the model input; the evaluation uses the whole photograph.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "runtime/importers/quantizer/quantize_model.h"
#include "runtime/importers/tflite/tflite_importer.h"
#include "runtime/interpreter.h"
#include "runtime/op_resolver.h"
#include "tests/importers/real_model_util.h"
#include "tools/image/preprocess.h"
#include "tools/npy.h"

using namespace edgert;
using namespace edgert::real_model_test;

namespace {

std::string Goldens() { return std::string(EDGERT_SOURCE_DIR) + "/tests/data/goldens/"; }

// The photograph as an Image (height x width x 3, 8-bit).
Image Photograph(const std::string& file, int size) {
  NpyArray a;
  REQUIRE(ReadNpy(Goldens() + file, &a).ok());
  REQUIRE(a.data.size() == static_cast<size_t>(size) * size * 3);
  Image img;
  img.width = img.height = size;
  img.channels = 3;
  img.pixels.assign(a.data.begin(), a.data.end());
  return img;
}

// A w x h window at (x, y), mirrored left-right when `mirror`.
Image Crop(const Image& src, int x, int y, int w, int h, bool mirror) {
  Image out;
  out.width = w;
  out.height = h;
  out.channels = src.channels;
  out.pixels.resize(static_cast<size_t>(w) * h * src.channels);
  for (int r = 0; r < h; ++r)
    for (int c = 0; c < w; ++c) {
      const int sc = mirror ? x + w - 1 - c : x + c;
      for (int k = 0; k < src.channels; ++k)
        out.pixels[(static_cast<size_t>(r) * w + c) * src.channels + k] =
            src.pixels[(static_cast<size_t>(y + r) * src.width + sc) * src.channels + k];
    }
  return out;
}

CalibrationSample ToSample(const Image& img, const ImagePreprocess& pre, const Shape& input_shape) {
  ImageInputGeometry geo;
  REQUIRE(ResolveImageInput(input_shape, pre, &geo).ok());
  std::vector<float> x;
  REQUIRE(PreprocessImage(img, pre, geo, &x).ok());
  CalibrationSample s;
  s.inputs.emplace_back(reinterpret_cast<const uint8_t*>(x.data()),
                        reinterpret_cast<const uint8_t*>(x.data() + x.size()));
  return s;
}

// 16 crops: side 55..95% of the photograph at pseudo-random positions.
std::vector<CalibrationSample> CalibrationCrops(const Image& photo, const ImagePreprocess& pre, const Shape& shape) {
  std::vector<CalibrationSample> out;
  uint32_t state = 12345;
  auto next = [&state](int n) {
    state = state * 1664525u + 1013904223u;
    return static_cast<int>((state >> 8) % static_cast<uint32_t>(n));
  };
  for (int i = 0; i < 16; ++i) {
    const int side = photo.width * (55 + 40 * i / 15) / 100;
    const int x = next(photo.width - side + 1), y = next(photo.height - side + 1);
    out.push_back(ToSample(Crop(photo, x, y, side, side, i % 2 == 1), pre, shape));
  }
  return out;
}

std::vector<uint8_t> ImportFloat(const std::string& stem) {
  const std::string path = ModelCache() + "/" + stem + ".tflite";
  const std::vector<uint8_t> tflite = ReadFile(path);
  INFO("model " << path << " (run scripts/fetch-models.sh to download it)");
  REQUIRE(!tflite.empty());
  std::vector<uint8_t> ert;
  const Status s = ImportTflite(tflite.data(), tflite.size(), TfliteImportOptions(), &ert, nullptr);
  INFO(s.message());
  REQUIRE(s.ok());
  return ert;
}

Shape InputShape(const std::vector<uint8_t>& ert) {
  std::shared_ptr<const Model> m;
  REQUIRE(Model::LoadBuffer(ert.data(), ert.size(), false, &m).ok());
  return m->tensors()[static_cast<size_t>(m->inputs()[0])].shape;
}

std::vector<uint8_t> QuantizeInt8With(const std::vector<uint8_t>& ert, CalibrationMethod method,
                                      const std::vector<CalibrationSample>& calib, bool bias_correction = false) {
  QuantizeModelOptions o;
  o.mode = QuantizeMode::kInt8;
  o.calibration.method = method;
  o.bias_correction = bias_correction;
  QuantizeModelResult r;
  const Status s = QuantizeModel(ert, o, calib, {}, &r);
  INFO(s.message());
  REQUIRE(s.ok());
  return r.ert;
}

// Every output of `ert` (float32) on one sample, with the default kernels.
std::vector<std::vector<float>> RunModel(const std::vector<uint8_t>& ert, const CalibrationSample& x) {
  std::shared_ptr<const Model> m;
  REQUIRE(Model::LoadBuffer(ert.data(), ert.size(), false, &m).ok());
  OpResolver resolver;
  AddDefaultKernels(&resolver);
  Interpreter interp(m, &resolver);
  REQUIRE(interp.Prepare().ok());
  REQUIRE(interp.input(0)->bytes == x.inputs[0].size());
  std::memcpy(interp.input(0)->data, x.inputs[0].data(), x.inputs[0].size());
  REQUIRE(interp.Invoke().ok());
  std::vector<std::vector<float>> outs;
  for (int i = 0; i < interp.num_outputs(); ++i) {
    const Tensor* t = interp.output(i);
    REQUIRE(t->dtype == DType::kF32);
    outs.emplace_back(t->data_as<float>(), t->data_as<float>() + t->NumElements());
  }
  return outs;
}

double MaskIoU(const std::vector<float>& a, const std::vector<float>& b) {
  size_t inter = 0, uni = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    const bool x = a[i] > 0.5f, y = b[i] > 0.5f;
    inter += x && y;
    uni += x || y;
  }
  return uni == 0 ? 1.0 : static_cast<double>(inter) / static_cast<double>(uni);
}

struct Box {
  float x0, y0, x1, y1;
};

double BoxIoU(const Box& a, const Box& b);

// The face box an application gets from face_detection_short_range, decoded
// as MediaPipe's graph does: 896 SSD anchors (a 16x16 grid of stride 8 with 2
// anchors per cell, then an 8x8 grid of stride 16 with 6), unit anchor size;
// box center = anchor + regressor[0..1] / 128, size = regressor[2..3] / 128
// (input 128x128); then weighted non-max suppression of the top detection:
// the boxes scoring >= 0.5 (after the sigmoid) that overlap the top-scoring
// box by IoU >= 0.3 are averaged, weighted by score.
Box FaceBox(const std::vector<float>& regressors, const std::vector<float>& logits) {
  REQUIRE(logits.size() == 896);
  REQUIRE(regressors.size() == 896 * 16);
  std::vector<Box> boxes;
  for (const auto& layer : {std::pair<int, int>{16, 2}, std::pair<int, int>{8, 6}})
    for (int gy = 0; gy < layer.first; ++gy)
      for (int gx = 0; gx < layer.first; ++gx)
        for (int a = 0; a < layer.second; ++a) {
          const float* r = &regressors[boxes.size() * 16];
          const float ax = (static_cast<float>(gx) + 0.5f) / static_cast<float>(layer.first);
          const float ay = (static_cast<float>(gy) + 0.5f) / static_cast<float>(layer.first);
          const float cx = ax + r[0] / 128.f, cy = ay + r[1] / 128.f, w = r[2] / 128.f, h = r[3] / 128.f;
          boxes.push_back(Box{cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2});
        }
  const size_t top = static_cast<size_t>(std::max_element(logits.begin(), logits.end()) - logits.begin());
  double wsum = 0, x0 = 0, y0 = 0, x1 = 0, y1 = 0;
  for (size_t i = 0; i < boxes.size(); ++i) {
    const double score = 1.0 / (1.0 + std::exp(-static_cast<double>(logits[i])));
    if (i != top && (score < 0.5 || BoxIoU(boxes[i], boxes[top]) < 0.3)) continue;
    wsum += score;
    x0 += score * boxes[i].x0;
    y0 += score * boxes[i].y0;
    x1 += score * boxes[i].x1;
    y1 += score * boxes[i].y1;
  }
  return Box{static_cast<float>(x0 / wsum), static_cast<float>(y0 / wsum), static_cast<float>(x1 / wsum),
             static_cast<float>(y1 / wsum)};
}

double BoxIoU(const Box& a, const Box& b) {
  const double iw = std::max(0.f, std::min(a.x1, b.x1) - std::max(a.x0, b.x0));
  const double ih = std::max(0.f, std::min(a.y1, b.y1) - std::max(a.y0, b.y0));
  const double inter = iw * ih;
  const double ua = (a.x1 - a.x0) * (a.y1 - a.y0) + (b.x1 - b.x0) * (b.y1 - b.y0) - inter;
  return ua > 0 ? inter / ua : 0.0;
}

}  // namespace

TEST_CASE("int8 selfie segmentation keeps the float32 mask on the photograph", "[quantizer][real_models]") {
  const std::vector<uint8_t> f32 = ImportFloat("selfie_segmentation");
  const Shape shape = InputShape(f32);
  ImagePreprocess pre;  // [0, 1], RGB, NHWC
  const Image photo = Photograph("selfie_segmentation/input_input_1.u8.npy", 256);
  const std::vector<CalibrationSample> calib = CalibrationCrops(photo, pre, shape);
  const CalibrationSample test = ToSample(photo, pre, shape);
  const std::vector<float> want = RunModel(f32, test)[0];
  // The mask IoU moves by 0.01-0.02 with the float rounding of the
  // calibration run: summing the global average pools' pixels in blocks of
  // 32, 64, 128 or 256 instead of serially (float outputs equal to 1e-6,
  // activation scales to 1.5e-6) gave IoU 0.938-0.958 (minmax), 0.956-0.975
  // (mse) and, with bias correction, 0.960-0.970, while the output cosine
  // stays at 0.9953-0.9956. The goal is 0.97; these checks sit below that
  // spread, so they catch a quantizer that got worse, not a rounding change.
  double plain_iou = 0;
  for (CalibrationMethod method : {CalibrationMethod::kMinMax, CalibrationMethod::kMse}) {
    const std::vector<float> got = RunModel(QuantizeInt8With(f32, method, calib), test)[0];
    const double iou = MaskIoU(want, got);
    INFO(CalibrationMethodName(method) << ": mask IoU " << iou);
    CHECK(iou >= (method == CalibrationMethod::kMinMax ? 0.93 : 0.95));
    if (method == CalibrationMethod::kMinMax) plain_iou = iou;
  }
  // Bias correction (minmax ranges) improved the IoU in every variant above.
  const std::vector<float> got = RunModel(QuantizeInt8With(f32, CalibrationMethod::kMinMax, calib, true), test)[0];
  const double iou = MaskIoU(want, got);
  INFO("minmax + bias correction: mask IoU " << iou << " (without: " << plain_iou << ")");
  CHECK(iou >= 0.955);
  CHECK(iou > plain_iou);
}

TEST_CASE("int8 face detection keeps the float32 face box on the photograph", "[quantizer][real_models]") {
  const std::vector<uint8_t> f32 = ImportFloat("face_detection_short_range");
  const Shape shape = InputShape(f32);
  ImagePreprocess pre;
  pre.range_min = -1.f;
  const Image photo = Photograph("face_detection_short_range/input_input.u8.npy", 128);
  const std::vector<CalibrationSample> calib = CalibrationCrops(photo, pre, shape);
  const CalibrationSample test = ToSample(photo, pre, shape);
  const std::vector<std::vector<float>> want = RunModel(f32, test);
  const Box fb = FaceBox(want[0], want[1]);
  // Measured: IoU 0.981 (minmax), 0.977 (percentile), 0.970 (mse). (The single
  // top-scoring anchor's box, without the suppression, jumps between
  // neighbouring anchors: 0.91-0.95.)
  for (CalibrationMethod method :
       {CalibrationMethod::kMinMax, CalibrationMethod::kPercentile, CalibrationMethod::kMse}) {
    const std::vector<std::vector<float>> got = RunModel(QuantizeInt8With(f32, method, calib), test);
    const double iou = BoxIoU(fb, FaceBox(got[0], got[1]));
    INFO(CalibrationMethodName(method) << ": face box IoU " << iou);
    CHECK(iou >= 0.95);
  }
  // Bias correction (minmax ranges): measured IoU 0.983 (0.981 without). (Before
  // channels needed a significant shift to be corrected, and before the output
  // layers were left alone, it gave 0.953: fitted to noise.)
  const std::vector<std::vector<float>> got =
      RunModel(QuantizeInt8With(f32, CalibrationMethod::kMinMax, calib, true), test);
  const double iou = BoxIoU(fb, FaceBox(got[0], got[1]));
  INFO("minmax + bias correction: face box IoU " << iou);
  CHECK(iou >= 0.95);
}
