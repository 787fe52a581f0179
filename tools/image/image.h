// Decoded still images for tools (calibration from photographs): PNG,
// baseline and progressive JPEG and binary PPM/PGM, written for this project
// without outside libraries.
// Every decoder bounds every length it reads; a corrupt, truncated or hostile
// file gives an error Status naming the file and what is wrong.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "runtime/status.h"

namespace edgert {

struct Image {
  int width = 0;
  int height = 0;
  int channels = 0;      // 1 gray, 2 gray + alpha, 3 RGB, 4 RGBA
  int max_value = 255;   // sample value of full intensity: 255, 65535 (16-bit PNG) or a PPM's maxval
  std::vector<uint16_t> pixels;  // row-major height x width x channels
};

// Largest image the decoders accept (pixels), so that a header cannot ask for
// more memory than a photograph needs.
constexpr int64_t kMaxImagePixels = int64_t{1} << 28;

// `name` only labels error messages. The format is recognised by its signature.
Status DecodeImage(const uint8_t* data, size_t size, const std::string& name, Image* out);
Status ReadImageFile(const std::string& path, Image* out);

Status DecodePng(const uint8_t* data, size_t size, const std::string& name, Image* out);
Status DecodeJpeg(const uint8_t* data, size_t size, const std::string& name, Image* out);
Status DecodePnm(const uint8_t* data, size_t size, const std::string& name, Image* out);

// True if the file name ends in .png, .jpg, .jpeg, .ppm or .pgm (any case).
bool HasImageExtension(const std::string& name);

}  // namespace edgert
