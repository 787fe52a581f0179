// Binary PPM (P6) and PGM (P5) decoding, 8- or 16-bit samples.
#include "tools/image/image.h"

namespace edgert {
namespace {

// Reads a header integer after whitespace and '#' comments; false if absent
// or over `max`.
bool HeaderInt(const uint8_t* d, size_t size, size_t* pos, long max, long* out) {
  for (;;) {
    while (*pos < size && (d[*pos] == ' ' || d[*pos] == '\t' || d[*pos] == '\n' || d[*pos] == '\r' ||
                           d[*pos] == '\v' || d[*pos] == '\f'))
      ++*pos;
    if (*pos < size && d[*pos] == '#') {
      while (*pos < size && d[*pos] != '\n' && d[*pos] != '\r') ++*pos;
      continue;
    }
    break;
  }
  long v = 0;
  size_t digits = 0;
  while (*pos < size && d[*pos] >= '0' && d[*pos] <= '9') {
    v = v * 10 + (d[*pos] - '0');
    if (v > max) return false;
    ++*pos;
    ++digits;
  }
  *out = v;
  return digits > 0;
}

}  // namespace

Status DecodePnm(const uint8_t* data, size_t size, const std::string& name, Image* out) {
  const char* n = name.c_str();
  if (size < 2 || data[0] != 'P' || (data[1] != '5' && data[1] != '6'))
    return Status::Error(StatusCode::kInvalidArgument, "%s: not a binary PGM/PPM file (P5/P6)", n);
  const int channels = data[1] == '6' ? 3 : 1;
  size_t pos = 2;
  long w, h, maxval;
  if (!HeaderInt(data, size, &pos, 1 << 24, &w) || !HeaderInt(data, size, &pos, 1 << 24, &h) ||
      !HeaderInt(data, size, &pos, 65535, &maxval))
    return Status::Error(StatusCode::kInvalidArgument, "%s: bad PGM/PPM header (width, height, maxval)", n);
  if (w < 1 || h < 1 || maxval < 1 || static_cast<int64_t>(w) * h > kMaxImagePixels)
    return Status::Error(StatusCode::kInvalidArgument, "%s: PGM/PPM size %ldx%ld or maxval %ld out of range", n, w, h,
                         maxval);
  if (pos >= size) return Status::Error(StatusCode::kInvalidArgument, "%s: PGM/PPM truncated after the header", n);
  ++pos;  // the single whitespace byte before the samples
  const size_t bytes_per_sample = maxval > 255 ? 2 : 1;
  const size_t count = static_cast<size_t>(w) * static_cast<size_t>(h) * channels;
  if ((size - pos) / bytes_per_sample < count)
    return Status::Error(StatusCode::kInvalidArgument, "%s: PGM/PPM truncated: %zu bytes of samples, %zu needed", n,
                         size - pos, count * bytes_per_sample);
  out->width = static_cast<int>(w);
  out->height = static_cast<int>(h);
  out->channels = channels;
  out->max_value = static_cast<int>(maxval);
  out->pixels.resize(count);
  const uint8_t* p = data + pos;
  for (size_t i = 0; i < count; ++i) {
    const int v = bytes_per_sample == 2 ? (p[2 * i] << 8) | p[2 * i + 1] : p[i];
    if (v > maxval)
      return Status::Error(StatusCode::kInvalidArgument, "%s: PGM/PPM sample %d exceeds maxval %ld", n, v, maxval);
    out->pixels[i] = static_cast<uint16_t>(v);
  }
  return Status::Ok();
}

}  // namespace edgert
