// Turns a decoded image into a model input tensor: resize (bilinear stretch,
// or short side then center crop), channel order, normalization, layout.
#pragma once

#include <string>
#include <vector>

#include "runtime/status.h"
#include "runtime/tensor.h"
#include "tools/image/image.h"

namespace edgert {

enum class ImageResize { kStretch, kCrop };
enum class ImageLayout { kAuto, kNhwc, kNchw };
enum class ImageChannels { kAuto, kRgb, kBgr, kGray };

// x = range_min + (range_max - range_min) * (u / 255 - mean[c]) / std[c], with u
// the pixel in 0..255 (16-bit and other maxvals scaled to it first), c the
// color (R, G, B; gray uses mean[0] / std[0]).
struct ImagePreprocess {
  int height = 0, width = 0;  // 0: the model input's
  ImageResize resize = ImageResize::kStretch;
  ImageLayout layout = ImageLayout::kAuto;
  ImageChannels channels = ImageChannels::kAuto;
  float range_min = 0.f, range_max = 1.f;
  float mean[3] = {0.f, 0.f, 0.f};
  float std[3] = {1.f, 1.f, 1.f};
};

// Resolved geometry of an input tensor for images.
struct ImageInputGeometry {
  int height = 0, width = 0, channels = 0;
  bool nchw = false;
};

// Works out H, W, C and the layout of a rank-3 ([H,W,C] / [C,H,W]) or rank-4
// batch-1 input shape; --image-size must match the shape's H, W when given.
Status ResolveImageInput(const Shape& shape, const ImagePreprocess& pre, ImageInputGeometry* geo);

// Fills `out` (geo.height * geo.width * geo.channels floats, in the layout).
Status PreprocessImage(const Image& image, const ImagePreprocess& pre, const ImageInputGeometry& geo,
                       std::vector<float>* out);

// Option parsing helpers ("HxW", "MIN,MAX", "R,G,B" or one value).
bool ParseImageSize(const std::string& s, int* h, int* w);
bool ParseFloatList(const std::string& s, int min_count, int max_count, std::vector<float>* out);

}  // namespace edgert
