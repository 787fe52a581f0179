#include "tools/image/image.h"

#include <cctype>
#include <cstdio>

namespace edgert {

Status DecodeImage(const uint8_t* data, size_t size, const std::string& name, Image* out) {
  if (size >= 8 && data[0] == 0x89 && data[1] == 'P' && data[2] == 'N' && data[3] == 'G')
    return DecodePng(data, size, name, out);
  if (size >= 3 && data[0] == 0xff && data[1] == 0xd8 && data[2] == 0xff) return DecodeJpeg(data, size, name, out);
  if (size >= 2 && data[0] == 'P' && (data[1] == '5' || data[1] == '6')) return DecodePnm(data, size, name, out);
  return Status::Error(StatusCode::kUnsupported, "%s: not a PNG, JPEG or binary PPM/PGM image", name.c_str());
}

Status ReadImageFile(const std::string& path, Image* out) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return Status::Error(StatusCode::kIoError, "cannot open '%s'", path.c_str());
  std::vector<uint8_t> data;
  bool ok = std::fseek(f, 0, SEEK_END) == 0;
  const long end = ok ? std::ftell(f) : -1;
  ok = ok && end >= 0 && std::fseek(f, 0, SEEK_SET) == 0;
  if (ok) {
    data.resize(static_cast<size_t>(end));
    ok = std::fread(data.data(), 1, data.size(), f) == data.size();
  }
  std::fclose(f);
  if (!ok) return Status::Error(StatusCode::kIoError, "cannot read '%s'", path.c_str());
  return DecodeImage(data.data(), data.size(), path, out);
}

bool HasImageExtension(const std::string& name) {
  const size_t dot = name.rfind('.');
  if (dot == std::string::npos) return false;
  std::string ext = name.substr(dot + 1);
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return ext == "png" || ext == "jpg" || ext == "jpeg" || ext == "ppm" || ext == "pgm";
}

}  // namespace edgert
