// PNG decoding: all color types and bit depths of the PNG specification, the
// five row filters, Adam7 interlacing, CRC-32 and Adler-32 checks.
#include <cstring>

#include "tools/image/image.h"
#include "tools/image/inflate.h"

namespace edgert {
namespace {

uint32_t Be32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}

struct CrcTable {
  uint32_t v[256];
  CrcTable() {
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
      v[i] = c;
    }
  }
};

uint32_t Crc32(const uint8_t* p, size_t n) {
  static const CrcTable table;  // thread-safe one-time initialization
  uint32_t c = 0xffffffffu;
  for (size_t i = 0; i < n; ++i) c = table.v[(c ^ p[i]) & 0xff] ^ (c >> 8);
  return c ^ 0xffffffffu;
}

int PaethPredictor(int a, int b, int c) {
  const int p = a + b - c;
  const int pa = p > a ? p - a : a - p;
  const int pb = p > b ? p - b : b - p;
  const int pc = p > c ? p - c : c - p;
  if (pa <= pb && pa <= pc) return a;
  if (pb <= pc) return b;
  return c;
}

// Reverses the row filters of one (sub)image in place: `data` holds `height`
// rows of 1 filter byte + `row_bytes`; the unfiltered rows go to `out`.
Status Unfilter(const uint8_t* data, int height, size_t row_bytes, int bpp, const std::string& name, uint8_t* out) {
  const uint8_t* prev = nullptr;
  for (int y = 0; y < height; ++y) {
    const uint8_t* in = data + static_cast<size_t>(y) * (row_bytes + 1);
    uint8_t* row = out + static_cast<size_t>(y) * row_bytes;
    const int filter = in[0];
    ++in;
    for (size_t x = 0; x < row_bytes; ++x) {
      const int a = x >= static_cast<size_t>(bpp) ? row[x - bpp] : 0;
      const int b = prev ? prev[x] : 0;
      const int c = (prev && x >= static_cast<size_t>(bpp)) ? prev[x - bpp] : 0;
      int pred;
      switch (filter) {
        case 0: pred = 0; break;
        case 1: pred = a; break;
        case 2: pred = b; break;
        case 3: pred = (a + b) >> 1; break;
        case 4: pred = PaethPredictor(a, b, c); break;
        default:
          return Status::Error(StatusCode::kInvalidArgument, "%s: PNG row %d has filter type %d (0..4 allowed)",
                               name.c_str(), y, filter);
      }
      row[x] = static_cast<uint8_t>(in[x] + pred);
    }
    prev = row;
  }
  return Status::Ok();
}

struct PngHeader {
  uint32_t width, height;
  int depth, color_type, interlace;
  int samples;  // per pixel in the file: 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA, 1 palette index
};

size_t RowBytes(uint32_t width, const PngHeader& h) {
  return (static_cast<size_t>(width) * h.samples * h.depth + 7) / 8;
}

// Sample `i` of an unfiltered row.
int Sample(const uint8_t* row, size_t i, int depth) {
  switch (depth) {
    case 16: return (row[2 * i] << 8) | row[2 * i + 1];
    case 8: return row[i];
    default: {
      const size_t bit = i * static_cast<size_t>(depth);
      const int shift = 8 - depth - static_cast<int>(bit & 7);
      return (row[bit >> 3] >> shift) & ((1 << depth) - 1);
    }
  }
}

}  // namespace

Status DecodePng(const uint8_t* data, size_t size, const std::string& name, Image* out) {
  const char* n = name.c_str();
  static const uint8_t kSig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  if (size < 8 || std::memcmp(data, kSig, 8) != 0)
    return Status::Error(StatusCode::kInvalidArgument, "%s: not a PNG file", n);
  size_t pos = 8;
  bool have_header = false, have_end = false;
  PngHeader h{};
  std::vector<uint8_t> idat;
  uint8_t palette[256][4];
  int palette_size = 0;
  bool palette_alpha = false;
  while (!have_end) {
    if (size - pos < 12) return Status::Error(StatusCode::kInvalidArgument, "%s: PNG truncated (no IEND chunk)", n);
    const uint32_t len = Be32(data + pos);
    if (len > 0x7fffffffu || size - pos - 12 < len)
      return Status::Error(StatusCode::kInvalidArgument, "%s: PNG chunk at byte %zu (length %u) runs past the end of "
                           "the file", n, pos, len);
    const uint8_t* type = data + pos + 4;
    const uint8_t* body = data + pos + 8;
    char tname[5] = {static_cast<char>(type[0]), static_cast<char>(type[1]), static_cast<char>(type[2]),
                     static_cast<char>(type[3]), 0};
    for (int i = 0; i < 4; ++i)
      if (!((tname[i] >= 'A' && tname[i] <= 'Z') || (tname[i] >= 'a' && tname[i] <= 'z'))) tname[i] = '?';
    if (Crc32(type, len + 4) != Be32(body + len))
      return Status::Error(StatusCode::kInvalidArgument, "%s: PNG chunk '%s' at byte %zu fails its CRC-32 check", n,
                           tname, pos);
    pos += 12 + len;
    if (std::memcmp(type, "IHDR", 4) == 0) {
      if (have_header || len != 13)
        return Status::Error(StatusCode::kInvalidArgument, "%s: bad or repeated PNG IHDR chunk", n);
      h.width = Be32(body);
      h.height = Be32(body + 4);
      h.depth = body[8];
      h.color_type = body[9];
      h.interlace = body[12];
      if (h.width == 0 || h.height == 0 || h.width > 0x7fffffffu || h.height > 0x7fffffffu ||
          static_cast<int64_t>(h.width) * h.height > kMaxImagePixels)
        return Status::Error(StatusCode::kInvalidArgument, "%s: PNG size %ux%u is empty or too large", n, h.width,
                             h.height);
      const int d = h.depth;
      bool ok;
      switch (h.color_type) {
        case 0: ok = d == 1 || d == 2 || d == 4 || d == 8 || d == 16; h.samples = 1; break;
        case 3: ok = d == 1 || d == 2 || d == 4 || d == 8; h.samples = 1; break;
        case 2: ok = d == 8 || d == 16; h.samples = 3; break;
        case 4: ok = d == 8 || d == 16; h.samples = 2; break;
        case 6: ok = d == 8 || d == 16; h.samples = 4; break;
        default: ok = false;
      }
      if (!ok)
        return Status::Error(StatusCode::kInvalidArgument, "%s: PNG color type %d with bit depth %d is not valid", n,
                             h.color_type, d);
      if (body[10] != 0 || body[11] != 0 || h.interlace > 1)
        return Status::Error(StatusCode::kInvalidArgument,
                             "%s: PNG compression/filter/interlace method %d/%d/%d is not valid", n, body[10],
                             body[11], body[12]);
      have_header = true;
      continue;
    }
    if (!have_header) return Status::Error(StatusCode::kInvalidArgument, "%s: PNG does not start with IHDR", n);
    if (std::memcmp(type, "PLTE", 4) == 0) {
      if (len % 3 != 0 || len == 0 || len / 3 > 256)
        return Status::Error(StatusCode::kInvalidArgument, "%s: PNG palette of %u bytes", n, len);
      palette_size = static_cast<int>(len / 3);
      for (int i = 0; i < palette_size; ++i) {
        for (int c = 0; c < 3; ++c) palette[i][c] = body[3 * i + c];
        palette[i][3] = 255;
      }
    } else if (std::memcmp(type, "tRNS", 4) == 0) {
      if (h.color_type == 3) {
        if (len > static_cast<uint32_t>(palette_size))
          return Status::Error(StatusCode::kInvalidArgument, "%s: PNG tRNS has more entries than the palette", n);
        for (uint32_t i = 0; i < len; ++i) palette[i][3] = body[i];
        palette_alpha = true;
      }
      // Gray and RGB transparency keys are ignored: the pixels keep their values.
    } else if (std::memcmp(type, "IDAT", 4) == 0) {
      idat.insert(idat.end(), body, body + len);
    } else if (std::memcmp(type, "IEND", 4) == 0) {
      have_end = true;
    } else if ((type[0] & 0x20) == 0) {
      return Status::Error(StatusCode::kUnsupported, "%s: PNG has an unknown critical chunk '%s'", n, tname);
    }
  }
  if (idat.empty()) return Status::Error(StatusCode::kInvalidArgument, "%s: PNG has no image data (IDAT)", n);
  if (h.color_type == 3 && palette_size == 0)
    return Status::Error(StatusCode::kInvalidArgument, "%s: palette PNG without a PLTE chunk", n);

  // Pass geometry (a single pass when not interlaced).
  struct Pass {
    int x0, y0, dx, dy;
  };
  static const Pass kAdam7[7] = {{0, 0, 8, 8}, {4, 0, 8, 8}, {0, 4, 4, 8}, {2, 0, 4, 4},
                                 {0, 2, 2, 4}, {1, 0, 2, 2}, {0, 1, 1, 2}};
  static const Pass kSingle[1] = {{0, 0, 1, 1}};
  const Pass* passes = h.interlace ? kAdam7 : kSingle;
  const int num_passes = h.interlace ? 7 : 1;
  size_t total = 0;
  for (int p = 0; p < num_passes; ++p) {
    const uint32_t pw = (h.width - passes[p].x0 + passes[p].dx - 1) / passes[p].dx;
    const uint32_t ph = (h.height - passes[p].y0 + passes[p].dy - 1) / passes[p].dy;
    if (h.width > static_cast<uint32_t>(passes[p].x0) && h.height > static_cast<uint32_t>(passes[p].y0))
      total += static_cast<size_t>(ph) * (RowBytes(pw, h) + 1);
  }
  // Deflate expands at most 1032:1, so a header may not ask for more than
  // the compressed data can hold (this bounds the allocation below).
  if (total / 1032 > idat.size() + 64)
    return Status::Error(StatusCode::kInvalidArgument, "%s: PNG image data (%zu bytes) is too short for %ux%u pixels",
                         n, idat.size(), h.width, h.height);
  std::vector<uint8_t> raw(total);
  EDGERT_RETURN_IF_ERROR(ZlibInflate(idat.data(), idat.size(), raw.data(), raw.size(), name + " (PNG image data)"));
  idat = std::vector<uint8_t>();

  const int in_channels = h.color_type == 3 ? (palette_alpha ? 4 : 3) : h.samples;
  out->width = static_cast<int>(h.width);
  out->height = static_cast<int>(h.height);
  out->channels = in_channels;
  out->max_value = h.depth == 16 ? 65535 : 255;
  out->pixels.assign(static_cast<size_t>(h.width) * h.height * in_channels, 0);
  const int bpp = (h.samples * h.depth + 7) / 8;
  const int gray_scale = h.color_type == 0 && h.depth < 8 ? 255 / ((1 << h.depth) - 1) : 1;
  std::vector<uint8_t> rows;
  size_t offset = 0;
  for (int p = 0; p < num_passes; ++p) {
    const Pass& ps = passes[p];
    if (h.width <= static_cast<uint32_t>(ps.x0) || h.height <= static_cast<uint32_t>(ps.y0)) continue;
    const uint32_t pw = (h.width - ps.x0 + ps.dx - 1) / ps.dx;
    const uint32_t ph = (h.height - ps.y0 + ps.dy - 1) / ps.dy;
    const size_t row_bytes = RowBytes(pw, h);
    rows.resize(row_bytes * ph);
    EDGERT_RETURN_IF_ERROR(Unfilter(raw.data() + offset, static_cast<int>(ph), row_bytes, bpp, name, rows.data()));
    offset += static_cast<size_t>(ph) * (row_bytes + 1);
    for (uint32_t y = 0; y < ph; ++y) {
      const uint8_t* row = rows.data() + y * row_bytes;
      uint16_t* dst_row = out->pixels.data() + (static_cast<size_t>(ps.y0 + y * ps.dy) * h.width) * in_channels;
      for (uint32_t x = 0; x < pw; ++x) {
        uint16_t* dst = dst_row + static_cast<size_t>(ps.x0 + x * ps.dx) * in_channels;
        if (h.color_type == 3) {
          const int idx = Sample(row, x, h.depth);
          if (idx >= palette_size)
            return Status::Error(StatusCode::kInvalidArgument, "%s: PNG palette index %d out of range (%d entries)",
                                 n, idx, palette_size);
          for (int c = 0; c < in_channels; ++c) dst[c] = palette[idx][c];
        } else {
          for (int c = 0; c < h.samples; ++c)
            dst[c] = static_cast<uint16_t>(Sample(row, static_cast<size_t>(x) * h.samples + c, h.depth) * gray_scale);
        }
      }
    }
  }
  return Status::Ok();
}

}  // namespace edgert
