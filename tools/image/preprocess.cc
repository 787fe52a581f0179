#include "tools/image/preprocess.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <utility>

namespace edgert {
namespace {

// Bilinear source taps for output coordinate `o` with half-pixel centers:
// src = (o + offset + 0.5) * in / scaled - 0.5, clamped to the image.
void Taps(int o, int offset, int in, double scaled, int* i0, int* i1, float* frac) {
  double src = (o + offset + 0.5) * in / scaled - 0.5;
  if (src < 0) src = 0;
  if (src > in - 1) src = in - 1;
  *i0 = static_cast<int>(std::floor(src));
  *i1 = *i0 + 1 < in ? *i0 + 1 : *i0;
  *frac = static_cast<float>(src - *i0);
}

}  // namespace

Status ResolveImageInput(const Shape& shape, const ImagePreprocess& pre, ImageInputGeometry* geo) {
  const int r = shape.rank;
  if (r != 3 && r != 4)
    return Status::Error(StatusCode::kUnsupported, "image input must have rank 3 or 4, not %d", r);
  if (r == 4 && shape[0] != 1)
    return Status::Error(StatusCode::kUnsupported, "image input must have batch 1, not %d", shape[0]);
  const int a = shape[r - 3], b = shape[r - 2], c = shape[r - 1];
  bool nchw;
  if (pre.layout == ImageLayout::kAuto) {
    if (c == 1 || c == 3) {
      nchw = false;
    } else if (a == 1 || a == 3) {
      nchw = true;
    } else {
      return Status::Error(StatusCode::kInvalidArgument,
                           "cannot tell the image layout of input shape [..%d,%d,%d] (no 1- or 3-channel axis); "
                           "give --image-layout", a, b, c);
    }
  } else {
    nchw = pre.layout == ImageLayout::kNchw;
  }
  geo->nchw = nchw;
  geo->channels = nchw ? a : c;
  geo->height = nchw ? b : a;
  geo->width = nchw ? c : b;
  if (geo->channels != 1 && geo->channels != 3)
    return Status::Error(StatusCode::kInvalidArgument, "image input has %d channels (%s); 1 or 3 needed",
                         geo->channels, nchw ? "NCHW" : "NHWC");
  if (pre.channels == ImageChannels::kGray && geo->channels != 1)
    return Status::Error(StatusCode::kInvalidArgument, "--image-channels gray needs a 1-channel input, this one has %d",
                         geo->channels);
  if ((pre.channels == ImageChannels::kRgb || pre.channels == ImageChannels::kBgr) && geo->channels != 3)
    return Status::Error(StatusCode::kInvalidArgument, "--image-channels rgb/bgr needs a 3-channel input, this one has %d",
                         geo->channels);
  if (geo->height < 1 || geo->width < 1)
    return Status::Error(StatusCode::kInvalidArgument, "image input has size %dx%d", geo->height, geo->width);
  if ((pre.height != 0 && pre.height != geo->height) || (pre.width != 0 && pre.width != geo->width))
    return Status::Error(StatusCode::kInvalidArgument, "--image-size %dx%d differs from the input's %dx%d", pre.height,
                         pre.width, geo->height, geo->width);
  return Status::Ok();
}

Status PreprocessImage(const Image& image, const ImagePreprocess& pre, const ImageInputGeometry& geo,
                       std::vector<float>* out) {
  if (image.width < 1 || image.height < 1 || image.channels < 1 || image.channels > 4 || image.max_value < 1 ||
      image.pixels.size() != static_cast<size_t>(image.width) * image.height * image.channels)
    return Status(StatusCode::kInvalidArgument, "image is empty or inconsistent");
  const int oh = geo.height, ow = geo.width, oc = geo.channels;
  // Size the image is scaled to, and the offset of the output window in it.
  double sh = oh, sw = ow;
  int off_y = 0, off_x = 0;
  if (pre.resize == ImageResize::kCrop) {
    const double s = std::max(static_cast<double>(oh) / image.height, static_cast<double>(ow) / image.width);
    sh = std::max(static_cast<double>(oh), std::round(image.height * s));
    sw = std::max(static_cast<double>(ow), std::round(image.width * s));
    off_y = static_cast<int>((sh - oh) / 2);
    off_x = static_cast<int>((sw - ow) / 2);
  }
  const int ic = image.channels;
  const float to_u8 = 255.f / static_cast<float>(image.max_value);
  // Color of pixel i in 0..255: R, G, B (gray replicated; alpha dropped).
  auto rgb = [&](size_t i, float* c) {
    const uint16_t* p = &image.pixels[i * ic];
    if (ic >= 3) {
      for (int k = 0; k < 3; ++k) c[k] = p[k] * to_u8;
    } else {
      c[0] = c[1] = c[2] = p[0] * to_u8;
    }
  };
  const bool gray = oc == 1;
  const bool bgr = pre.channels == ImageChannels::kBgr;
  const float span = pre.range_max - pre.range_min;
  out->assign(static_cast<size_t>(oh) * ow * oc, 0.f);
  for (int y = 0; y < oh; ++y) {
    int y0, y1;
    float fy;
    Taps(y, off_y, image.height, sh, &y0, &y1, &fy);
    for (int x = 0; x < ow; ++x) {
      int x0, x1;
      float fx;
      Taps(x, off_x, image.width, sw, &x0, &x1, &fx);
      float c00[3], c01[3], c10[3], c11[3];
      rgb(static_cast<size_t>(y0) * image.width + x0, c00);
      rgb(static_cast<size_t>(y0) * image.width + x1, c01);
      rgb(static_cast<size_t>(y1) * image.width + x0, c10);
      rgb(static_cast<size_t>(y1) * image.width + x1, c11);
      float c[3];
      for (int k = 0; k < 3; ++k) {
        const float top = c00[k] + (c01[k] - c00[k]) * fx;
        const float bot = c10[k] + (c11[k] - c10[k]) * fx;
        c[k] = top + (bot - top) * fy;
      }
      float v[3];
      int nv;
      if (gray) {
        const float u = ic >= 3 ? 0.299f * c[0] + 0.587f * c[1] + 0.114f * c[2] : c[0];
        v[0] = pre.range_min + span * (u / 255.f - pre.mean[0]) / pre.std[0];
        nv = 1;
      } else {
        for (int k = 0; k < 3; ++k) v[k] = pre.range_min + span * (c[k] / 255.f - pre.mean[k]) / pre.std[k];
        if (bgr) std::swap(v[0], v[2]);
        nv = 3;
      }
      for (int k = 0; k < nv; ++k) {
        const size_t idx = geo.nchw ? (static_cast<size_t>(k) * oh + y) * ow + x
                                    : (static_cast<size_t>(y) * ow + x) * oc + k;
        (*out)[idx] = v[k];
      }
    }
  }
  return Status::Ok();
}

bool ParseImageSize(const std::string& s, int* h, int* w) {
  const size_t x = s.find_first_of("xX");
  if (x == std::string::npos) return false;
  char* end = nullptr;
  const long hh = std::strtol(s.c_str(), &end, 10);
  if (end != s.c_str() + x || x == 0) return false;
  const char* ws = s.c_str() + x + 1;
  const long ww = std::strtol(ws, &end, 10);
  if (end == ws || *end != 0 || hh < 1 || ww < 1 || hh > 65535 || ww > 65535) return false;
  *h = static_cast<int>(hh);
  *w = static_cast<int>(ww);
  return true;
}

bool ParseFloatList(const std::string& s, int min_count, int max_count, std::vector<float>* out) {
  out->clear();
  const char* p = s.c_str();
  for (;;) {
    char* end = nullptr;
    const float v = std::strtof(p, &end);
    if (end == p || !std::isfinite(v)) return false;
    out->push_back(v);
    if (*end == 0) break;
    if (*end != ',') return false;
    p = end + 1;
  }
  return static_cast<int>(out->size()) >= min_count && static_cast<int>(out->size()) <= max_count;
}

}  // namespace edgert
