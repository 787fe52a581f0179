// Image decoding (tools/image: PNG, baseline and progressive JPEG, PPM/PGM) against pixels
// decoded by Pillow (tests/data/images, scripts/make-image-test-data.py),
// corrupt and truncated files, the preprocessing into model inputs (checked
// against hand computations) and calibration from an image folder.
#include <catch2/catch.hpp>

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "runtime/builder.h"
#include "runtime/model.h"
#include "tools/calibration_data.h"
#include "tools/convert_quantize.h"
#include "tools/convert_sparse.h"
#include "tools/image/image.h"
#include "tools/image/preprocess.h"
#include "tools/npy.h"

namespace edgert {
namespace {

const std::string kDir = std::string(EDGERT_SOURCE_DIR) + "/tests/data/images/";

std::vector<uint8_t> ReadAll(const std::string& path) {
  std::vector<uint8_t> d;
  FILE* f = std::fopen(path.c_str(), "rb");
  REQUIRE(f != nullptr);
  int c;
  while ((c = std::fgetc(f)) != EOF) d.push_back(static_cast<uint8_t>(c));
  std::fclose(f);
  return d;
}

std::vector<std::string> ImageFiles(const char* prefix) {
  std::vector<std::string> names;
  DIR* d = opendir(kDir.c_str());
  REQUIRE(d != nullptr);
  while (dirent* e = readdir(d)) {
    const std::string n = e->d_name;
    if (n.rfind(prefix, 0) == 0 && HasImageExtension(n)) names.push_back(n);
  }
  closedir(d);
  std::sort(names.begin(), names.end());
  return names;
}

// Reference pixels (uint8 or int32 .npy, H x W x C) as ints.
void ReadReference(const std::string& image_name, std::vector<int64_t>* shape, std::vector<int>* px) {
  NpyArray a;
  const std::string path = kDir + image_name.substr(0, image_name.rfind('.')) + ".npy";
  Status s = ReadNpy(path, &a);
  INFO(s.message());
  REQUIRE(s.ok());
  REQUIRE(a.shape.size() == 3);
  *shape = a.shape;
  px->clear();
  if (a.dtype == DType::kU8) {
    for (uint8_t v : a.data) px->push_back(v);
  } else {
    REQUIRE(a.dtype == DType::kI32);
    const size_t n = a.data.size() / 4;
    for (size_t i = 0; i < n; ++i) {
      int32_t v;
      std::memcpy(&v, a.data.data() + 4 * i, 4);
      px->push_back(v);
    }
  }
}

Image DecodeFile(const std::string& name) {
  Image img;
  Status s = ReadImageFile(kDir + name, &img);
  INFO(name << ": " << s.message());
  REQUIRE(s.ok());
  return img;
}

void CheckShape(const Image& img, const std::vector<int64_t>& shape) {
  REQUIRE(img.height == shape[0]);
  REQUIRE(img.width == shape[1]);
  REQUIRE(img.channels == shape[2]);
  REQUIRE(img.pixels.size() == static_cast<size_t>(shape[0] * shape[1] * shape[2]));
}

TEST_CASE("PNG, PPM and PGM decode exactly to the reference pixels", "[image]") {
  std::vector<std::string> names = ImageFiles("png_");
  for (const std::string& n : ImageFiles("ppm_")) names.push_back(n);
  for (const std::string& n : ImageFiles("pgm_")) names.push_back(n);
  REQUIRE(names.size() >= 25);
  for (const std::string& name : names) {
    INFO(name);
    const Image img = DecodeFile(name);
    std::vector<int64_t> shape;
    std::vector<int> ref;
    ReadReference(name, &shape, &ref);
    CheckShape(img, shape);
    const bool sixteen = name.find("16") != std::string::npos;
    CHECK(img.max_value == (name == "pgm_gray16_9x7.pgm" ? 1000 : (sixteen ? 65535 : 255)));
    size_t mismatches = 0;
    for (size_t i = 0; i < ref.size(); ++i) mismatches += img.pixels[i] != ref[i];
    CHECK(mismatches == 0);
  }
}

// Mean and maximum absolute difference to Pillow (libjpeg) per file. The
// IDCT (float here, integer in libjpeg), the rounding of the color
// conversion and of the chroma upsampling differ, so pixels differ by a few
// levels. Measured: max 3 levels, mean 0.02..0.20 per file (4:2:2 highest);
// on real photographs (scikit-image's, re-encoded by Pillow) max 3, mean
// under 0.09. Bounds: max 3, mean 0.3. Progressive files (jpeg_progressive_*:
// gray, 4:4:4, 4:2:2, 4:2:0, restart intervals) are held to the same bounds.
TEST_CASE("Baseline and progressive JPEG decode close to the reference pixels", "[image]") {
  const std::vector<std::string> names = ImageFiles("jpeg_");
  REQUIRE(names.size() >= 17);
  REQUIRE(ImageFiles("jpeg_progressive_").size() >= 9);
  for (const std::string& name : names) {
    INFO(name);
    const Image img = DecodeFile(name);
    std::vector<int64_t> shape;
    std::vector<int> ref;
    ReadReference(name, &shape, &ref);
    CheckShape(img, shape);
    double sum = 0;
    int max_diff = 0;
    for (size_t i = 0; i < ref.size(); ++i) {
      const int d = std::abs(static_cast<int>(img.pixels[i]) - ref[i]);
      sum += d;
      max_diff = std::max(max_diff, d);
    }
    const double mean = sum / static_cast<double>(ref.size());
    INFO("mean abs diff " << mean << ", max " << max_diff);
    CHECK(max_diff <= 3);
    CHECK(mean < 0.3);
  }
}

// Pillow quantizes an image to the same coefficients whether it writes it
// baseline or progressive, so the two files decode to the same pixels.
TEST_CASE("A progressive JPEG decodes to the same pixels as its baseline twin", "[image]") {
  const Image baseline = DecodeFile("jpeg_twin_420_41x27.jpg");
  const Image progressive = DecodeFile("jpeg_progressive_twin_420_41x27.jpg");
  CHECK(progressive.width == 41);
  CHECK(progressive.height == 27);
  CHECK(progressive.channels == 3);
  CHECK(progressive.pixels == baseline.pixels);
}

// Offset of the marker after the scan whose SOS marker is at `sos`: the end
// of its entropy-coded data (a marker that is not a stuffed 0 or a restart).
size_t ScanEnd(const std::vector<uint8_t>& jpg, size_t sos) {
  size_t pos = sos + 2 + ((static_cast<size_t>(jpg[sos + 2]) << 8) | jpg[sos + 3]);
  while (pos + 1 < jpg.size() &&
         !(jpg[pos] == 0xff && jpg[pos + 1] != 0 && (jpg[pos + 1] < 0xd0 || jpg[pos + 1] > 0xd7)))
    ++pos;
  return pos;
}

// Offsets of the SOS markers (0xFF 0xDA) of a JPEG file.
std::vector<size_t> ScanMarkers(const std::vector<uint8_t>& jpg) {
  std::vector<size_t> sos;
  size_t pos = 2;
  while (pos + 4 <= jpg.size() && jpg[pos] == 0xff && jpg[pos + 1] != 0xd9) {
    if (jpg[pos + 1] == 0xda) {
      sos.push_back(pos);
      pos = ScanEnd(jpg, pos);
    } else {
      pos += 2 + ((static_cast<size_t>(jpg[pos + 2]) << 8) | jpg[pos + 3]);
    }
  }
  return sos;
}

// The spectral selection (Ss, Se) and successive approximation (Ah, Al)
// bytes that end a scan header.
struct ScanParams {
  size_t ss_at;
  int ns, ss, se, ah, al;
};

ScanParams ReadScanParams(const std::vector<uint8_t>& jpg, size_t sos) {
  ScanParams p;
  p.ns = jpg[sos + 4];
  p.ss_at = sos + 5 + 2 * static_cast<size_t>(p.ns);
  p.ss = jpg[p.ss_at];
  p.se = jpg[p.ss_at + 1];
  p.ah = jpg[p.ss_at + 2] >> 4;
  p.al = jpg[p.ss_at + 2] & 15;
  return p;
}

TEST_CASE("Progressive JPEG scan headers out of range or out of order are errors", "[image]") {
  const std::string name = "jpeg_progressive_444_33x21.jpg";
  const std::vector<uint8_t> data = ReadAll(kDir + name);
  const std::vector<size_t> sos = ScanMarkers(data);
  // libjpeg's script for three components: DC first (interleaved, Al 1),
  // AC first scans (bands 1-5 and 6-63, Al 2 or 1), AC refinements, the DC
  // refinement, the last AC refinements (Al 0).
  REQUIRE(sos.size() == 10);
  std::vector<ScanParams> p;
  for (size_t at : sos) p.push_back(ReadScanParams(data, at));
  CHECK((p[0].ns == 3 && p[0].ss == 0 && p[0].se == 0 && p[0].ah == 0 && p[0].al == 1));
  CHECK((p[1].ns == 1 && p[1].ss == 1 && p[1].se == 5 && p[1].ah == 0 && p[1].al == 2));
  CHECK((p[5].ns == 1 && p[5].ss == 1 && p[5].se == 63 && p[5].ah == 2 && p[5].al == 1));
  CHECK((p[6].ns == 3 && p[6].ss == 0 && p[6].se == 0 && p[6].ah == 1 && p[6].al == 0));
  struct Edit {
    size_t scan;
    int ss, se, ah_al;  // new values, -1: unchanged
    const char* error;
  };
  const Edit edits[] = {
      {1, -1, 64, -1, "spectral selection"},            // Se past 63
      {1, 6, -1, -1, "spectral selection"},             // Ss > Se
      {1, 0, -1, -1, "spectral selection"},             // DC and AC in one scan
      {0, 1, 5, -1, "more than one component"},         // interleaved AC scan
      {0, -1, -1, 0x0e, "successive approximation"},    // Al 14
      {5, -1, -1, 0x20, "successive approximation"},    // refinement from bit 2 to bit 0
      {5, -1, -1, 0x32, "out of order"},                // refines bit 3, never coded
      {6, -1, -1, 0x00, "out of order"},                // second first scan of the DC
      {1, -1, -1, 0x10, "out of order"},                // refinement before the first scan
  };
  for (const Edit& e : edits) {
    INFO("scan " << e.scan << ": Ss " << e.ss << " Se " << e.se << " Ah/Al " << e.ah_al);
    std::vector<uint8_t> g = data;
    const int values[3] = {e.ss, e.se, e.ah_al};
    for (size_t i = 0; i < 3; ++i)
      if (values[i] >= 0) g[p[e.scan].ss_at + i] = static_cast<uint8_t>(values[i]);
    Image img;
    const Status s = DecodeJpeg(g.data(), g.size(), name, &img);
    INFO(s.message());
    CHECK(s.code() == StatusCode::kInvalidArgument);
    CHECK(s.message().find(name) != std::string::npos);
    CHECK(s.message().find(e.error) != std::string::npos);
  }
  // Without the first scan (the DC's), the next one is an AC scan of a
  // component whose DC has not been coded.
  std::vector<uint8_t> g(data.begin(), data.begin() + static_cast<std::ptrdiff_t>(sos[0]));
  g.insert(g.end(), data.begin() + static_cast<std::ptrdiff_t>(ScanEnd(data, sos[0])), data.end());
  Image img;
  const Status s = DecodeJpeg(g.data(), g.size(), name, &img);
  INFO(s.message());
  CHECK(s.message().find("before the component's first DC scan") != std::string::npos);
}

TEST_CASE("Arithmetic-coded JPEGs are unsupported, naming the file", "[image]") {
  Image img;
  Status s = ReadImageFile(kDir + "unsupported_arithmetic.jpg", &img);
  CHECK(s.code() == StatusCode::kUnsupported);
  CHECK(s.message().find("unsupported_arithmetic.jpg") != std::string::npos);
  CHECK(s.message().find("arithmetic") != std::string::npos);
  // A progressive file with SOF2 changed to SOF10 (arithmetic progressive).
  const std::string name = "jpeg_progressive_420_17x13.jpg";
  std::vector<uint8_t> data = ReadAll(kDir + name);
  bool changed = false;
  for (size_t i = 2; i + 1 < data.size() && !changed; ++i)
    if (data[i] == 0xff && data[i + 1] == 0xc2) {
      data[i + 1] = 0xca;
      changed = true;
    }
  REQUIRE(changed);
  s = DecodeJpeg(data.data(), data.size(), name, &img);
  CHECK(s.code() == StatusCode::kUnsupported);
  CHECK(s.message().find(name) != std::string::npos);
  CHECK(s.message().find("arithmetic") != std::string::npos);
}

// Checks the result of decoding a damaged copy of `name`: an image of
// consistent size, or an error naming the file.
void CheckDamagedResult(const Status& s, const Image& img, const std::string& name) {
  if (s.ok()) {
    CHECK(img.pixels.size() == static_cast<size_t>(img.width) * img.height * img.channels);
  } else {
    CHECK(s.message().find(name) != std::string::npos);
  }
}

// Every prefix and many single-byte corruptions of every test image: the
// decoders must return (an error or an image), never crash or read out of
// bounds (the sanitizer build runs this too). Progressive JPEGs get more
// random corruptions, and every value of each scan's spectral selection and
// successive approximation bytes.
TEST_CASE("Truncated and garbled images give errors, not crashes", "[image]") {
  std::vector<std::string> names = ImageFiles("");
  REQUIRE(!names.empty());
  REQUIRE(ImageFiles("jpeg_progressive_").size() >= 9);
  uint32_t seed = 12345;
  for (const std::string& name : names) {
    INFO(name);
    const std::vector<uint8_t> data = ReadAll(kDir + name);
    Image img;
    const Status full = DecodeImage(data.data(), data.size(), name, &img);
    const bool supported = name.rfind("unsupported_", 0) != 0;
    CHECK(full.ok() == supported);
    // Prefixes: a truncated file is an error (PNG and JPEG end with a marker;
    // PPM/PGM sizes are exact).
    const size_t step = std::max<size_t>(1, data.size() / 200);
    for (size_t len = 0; len < data.size(); len += step) {
      std::vector<uint8_t> prefix(data.begin(), data.begin() + static_cast<std::ptrdiff_t>(len));
      const Status s = DecodeImage(prefix.data(), prefix.size(), name, &img);
      if (name.find(".pgm") == std::string::npos && name.find(".ppm") == std::string::npos)
        CHECK(!s.ok());
      else if (len + 1 < data.size())
        CHECK(!s.ok());
      CHECK(!s.message().empty() == !s.ok());
    }
    // Garbled bytes.
    const bool progressive = name.rfind("jpeg_progressive_", 0) == 0;
    for (int k = 0; k < (progressive ? 1000 : 300); ++k) {
      std::vector<uint8_t> g = data;
      for (int j = 0; j < 1 + k % 3; ++j) {
        seed = seed * 1664525u + 1013904223u;
        const size_t pos = (seed >> 8) % g.size();
        seed = seed * 1664525u + 1013904223u;
        g[pos] = static_cast<uint8_t>(seed >> 24);
      }
      const Status s = DecodeImage(g.data(), g.size(), name, &img);
      CheckDamagedResult(s, img, name);
    }
    if (!progressive) continue;
    const std::vector<size_t> sos = ScanMarkers(data);
    CHECK(sos.size() >= 6);
    for (size_t at : sos) {
      const size_t ss_at = ReadScanParams(data, at).ss_at;
      for (size_t b = ss_at; b < ss_at + 3; ++b)
        for (int v = 0; v < 256; ++v) {
          std::vector<uint8_t> g = data;
          g[b] = static_cast<uint8_t>(v);
          const Status s = DecodeImage(g.data(), g.size(), name, &img);
          CheckDamagedResult(s, img, name);
        }
    }
  }
}

uint32_t BitwiseCrc32(const uint8_t* p, size_t n) {
  uint32_t c = 0xffffffffu;
  for (size_t i = 0; i < n; ++i) {
    c ^= p[i];
    for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
  }
  return ~c;
}

TEST_CASE("PNG checks: CRC-32, truncation, size limit, signature", "[image]") {
  const std::string name = "png_rgb8_17x13.png";
  const std::vector<uint8_t> data = ReadAll(kDir + name);
  Image img;
  // A flipped bit in the IHDR body fails its CRC.
  std::vector<uint8_t> g = data;
  g[16] ^= 1;
  Status s = DecodePng(g.data(), g.size(), name, &img);
  CHECK(!s.ok());
  CHECK(s.message().find("CRC-32") != std::string::npos);
  // A file cut inside IHDR.
  s = DecodePng(data.data(), 30, name, &img);
  CHECK(!s.ok());
  CHECK(s.message().find("runs past the end of the file") != std::string::npos);
  // A valid header asking for 16000x16000 pixels with a few bytes of data
  // is refused before the image is allocated.
  std::vector<uint8_t> huge(data.begin(), data.begin() + 33);
  const uint8_t dims[8] = {0, 0, 0x3e, 0x80, 0, 0, 0x3e, 0x80};
  std::memcpy(huge.data() + 16, dims, 8);
  const uint32_t crc = BitwiseCrc32(huge.data() + 12, 17);
  for (int i = 0; i < 4; ++i) huge[29 + static_cast<size_t>(i)] = static_cast<uint8_t>(crc >> (24 - 8 * i));
  huge.insert(huge.end(), data.begin() + 33, data.end());
  s = DecodePng(huge.data(), huge.size(), name, &img);
  CHECK(!s.ok());
  INFO(s.message());
  CHECK(s.message().find("too short for 16000x16000") != std::string::npos);
  const uint8_t not_png[] = {'G', 'I', 'F', '8', '9', 'a', 0, 0};
  s = DecodeImage(not_png, sizeof(not_png), "x.gif", &img);
  CHECK(s.code() == StatusCode::kUnsupported);
  CHECK(s.message().find("x.gif") != std::string::npos);
}

// Recomputes every chunk CRC of a PNG.
void FixPngCrcs(std::vector<uint8_t>* png) {
  size_t pos = 8;
  while (pos + 12 <= png->size()) {
    const uint8_t* p = png->data() + pos;
    const uint32_t len = (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
    const uint32_t crc = BitwiseCrc32(p + 4, len + 4);
    for (int i = 0; i < 4; ++i) (*png)[pos + 8 + len + static_cast<size_t>(i)] = static_cast<uint8_t>(crc >> (24 - 8 * i));
    pos += 12 + len;
  }
}

// Offset of the first IDAT chunk's data.
size_t FirstIdat(const std::vector<uint8_t>& png) {
  size_t pos = 8;
  while (pos + 12 <= png.size()) {
    const uint8_t* p = png.data() + pos;
    const uint32_t len = (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
    if (std::memcmp(p + 4, "IDAT", 4) == 0) return pos + 8;
    pos += 12 + len;
  }
  return 0;
}

TEST_CASE("PNG checks: Adler-32 and row filter type", "[image]") {
  // The stored-block file: zlib header (2 bytes) and stored block header (5
  // bytes), then the first row's filter byte, uncompressed.
  const std::string name = "png_rgb8_stored_9x7.png";
  const std::vector<uint8_t> data = ReadAll(kDir + name);
  const size_t idat = FirstIdat(data);
  REQUIRE(idat > 0);
  REQUIRE(data[idat + 2] == 1);  // final stored block
  Image img;
  std::vector<uint8_t> g = data;
  g[idat + 7] = 9;  // filter type 9; the Adler-32 no longer matches either
  FixPngCrcs(&g);
  Status s = DecodePng(g.data(), g.size(), name, &img);
  CHECK(!s.ok());
  CHECK(s.message().find("Adler-32") != std::string::npos);
  // With the Adler-32 fixed up, the filter type is the error. The stream is
  // split over two IDAT chunks; the checksum is the last 4 bytes of the
  // second one's data, just before its CRC and the IEND chunk (12 bytes).
  const size_t adler_at = g.size() - 12 - 4 - 4;
  uint32_t a = 1, b = 0;
  // Recompute over the raw (stored) bytes: every IDAT byte after the block
  // headers. The file holds 7 rows of 1 + 27 bytes.
  std::vector<uint8_t> raw;
  size_t pos = 8;
  while (pos + 12 <= g.size()) {
    const uint8_t* p = g.data() + pos;
    const uint32_t len = (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
    if (std::memcmp(p + 4, "IDAT", 4) == 0) raw.insert(raw.end(), p + 8, p + 8 + len);
    pos += 12 + len;
  }
  REQUIRE(raw.size() == 2 + 5 + 7 * 28 + 4);
  for (size_t i = 7; i < 7 + 7 * 28; ++i) {
    a = (a + raw[i]) % 65521u;
    b = (b + a) % 65521u;
  }
  const uint32_t adler = (b << 16) | a;
  for (int i = 0; i < 4; ++i) g[adler_at + static_cast<size_t>(i)] = static_cast<uint8_t>(adler >> (24 - 8 * i));
  FixPngCrcs(&g);
  s = DecodePng(g.data(), g.size(), name, &img);
  CHECK(!s.ok());
  INFO(s.message());
  CHECK(s.message().find("filter type 9") != std::string::npos);
}

TEST_CASE("PPM/PGM header errors", "[image]") {
  Image img;
  const std::string bad_max = "P6\n2 2\n70000\n";
  Status s = DecodePnm(reinterpret_cast<const uint8_t*>(bad_max.data()), bad_max.size(), "a.ppm", &img);
  CHECK(!s.ok());
  std::string over = "P5 2 1 10\n";
  over += static_cast<char>(3);
  over += static_cast<char>(11);
  s = DecodePnm(reinterpret_cast<const uint8_t*>(over.data()), over.size(), "b.pgm", &img);
  CHECK(!s.ok());
  CHECK(s.message().find("exceeds maxval") != std::string::npos);
  std::string ok = "P5\n#c\n2 1\n255\n";
  ok += static_cast<char>(7);
  ok += static_cast<char>(200);
  s = DecodePnm(reinterpret_cast<const uint8_t*>(ok.data()), ok.size(), "c.pgm", &img);
  REQUIRE(s.ok());
  CHECK(img.pixels == std::vector<uint16_t>{7, 200});
}

Image MakeImage(int h, int w, int c, std::vector<uint16_t> px, int max_value = 255) {
  Image img;
  img.height = h;
  img.width = w;
  img.channels = c;
  img.max_value = max_value;
  img.pixels = std::move(px);
  return img;
}

TEST_CASE("Image input geometry from the input shape", "[image]") {
  ImagePreprocess pre;
  ImageInputGeometry g;
  REQUIRE(ResolveImageInput(Shape({1, 6, 5, 3}), pre, &g).ok());
  CHECK((g.height == 6 && g.width == 5 && g.channels == 3 && !g.nchw));
  REQUIRE(ResolveImageInput(Shape({1, 3, 6, 5}), pre, &g).ok());
  CHECK((g.height == 6 && g.width == 5 && g.channels == 3 && g.nchw));
  REQUIRE(ResolveImageInput(Shape({4, 4, 1}), pre, &g).ok());
  CHECK((g.channels == 1 && !g.nchw));
  CHECK(!ResolveImageInput(Shape({1, 5, 5, 5}), pre, &g).ok());
  CHECK(!ResolveImageInput(Shape({2, 6, 5, 3}), pre, &g).ok());
  pre.height = 7;
  pre.width = 5;
  CHECK(!ResolveImageInput(Shape({1, 6, 5, 3}), pre, &g).ok());
  pre = ImagePreprocess();
  pre.channels = ImageChannels::kGray;
  CHECK(!ResolveImageInput(Shape({1, 6, 5, 3}), pre, &g).ok());
  pre = ImagePreprocess();
  pre.layout = ImageLayout::kNchw;
  REQUIRE(ResolveImageInput(Shape({1, 3, 3, 3}), pre, &g).ok());
  CHECK(g.nchw);
}

TEST_CASE("Stretch resize, normalization and NHWC/NCHW layout by hand", "[image]") {
  // 2x4 RGB image; R = 10*(col+1) + row, G = 100 + col, B = 200.
  std::vector<uint16_t> px;
  for (int y = 0; y < 2; ++y)
    for (int x = 0; x < 4; ++x) {
      px.push_back(static_cast<uint16_t>(10 * (x + 1) + y));
      px.push_back(static_cast<uint16_t>(100 + x));
      px.push_back(200);
    }
  const Image img = MakeImage(2, 4, 3, px);
  // 2x4 -> 1x2: sample points at source (0.5, 0.5) and (0.5, 2.5): the mean
  // of each 2x2 quad. R: (10+20+11+21)/4 = 15.5, (30+40+31+41)/4 = 35.5;
  // G: 100.5, 102.5; B: 200.
  ImagePreprocess pre;
  pre.range_min = -1.f;
  pre.range_max = 1.f;
  pre.mean[0] = 0.1f;
  pre.std[0] = 0.5f;
  ImageInputGeometry g{1, 2, 3, false};
  std::vector<float> out;
  REQUIRE(PreprocessImage(img, pre, g, &out).ok());
  auto f = [&](float u, int c) { return -1.f + 2.f * (u / 255.f - pre.mean[c]) / pre.std[c]; };
  const std::vector<float> nhwc = {f(15.5f, 0), f(100.5f, 1), f(200.f, 2), f(35.5f, 0), f(102.5f, 1), f(200.f, 2)};
  REQUIRE(out.size() == 6);
  for (size_t i = 0; i < 6; ++i) CHECK(out[i] == Approx(nhwc[i]).epsilon(1e-5));
  g.nchw = true;
  REQUIRE(PreprocessImage(img, pre, g, &out).ok());
  const std::vector<float> nchw = {nhwc[0], nhwc[3], nhwc[1], nhwc[4], nhwc[2], nhwc[5]};
  for (size_t i = 0; i < 6; ++i) CHECK(out[i] == Approx(nchw[i]).epsilon(1e-5));
  // BGR swaps R and B after normalization.
  pre.channels = ImageChannels::kBgr;
  g.nchw = false;
  REQUIRE(PreprocessImage(img, pre, g, &out).ok());
  CHECK(out[0] == Approx(nhwc[2]).epsilon(1e-5));
  CHECK(out[2] == Approx(nhwc[0]).epsilon(1e-5));
  // Gray: 0.299 R + 0.587 G + 0.114 B, mean[0]/std[0].
  pre.channels = ImageChannels::kGray;
  g.channels = 1;
  REQUIRE(PreprocessImage(img, pre, g, &out).ok());
  REQUIRE(out.size() == 2);
  CHECK(out[0] == Approx(f(0.299f * 15.5f + 0.587f * 100.5f + 0.114f * 200.f, 0)).epsilon(1e-5));
}

TEST_CASE("Center crop resize by hand; 16-bit and gray sources", "[image]") {
  // 2x4 gray, values 0..7; crop to 2x2: the short side (2) already fits, so
  // the central columns 1 and 2 are copied unchanged.
  const Image img = MakeImage(2, 4, 1, {0, 1, 2, 3, 4, 5, 6, 7});
  ImagePreprocess pre;
  pre.resize = ImageResize::kCrop;
  ImageInputGeometry g{2, 2, 1, false};
  std::vector<float> out;
  REQUIRE(PreprocessImage(img, pre, g, &out).ok());
  const std::vector<float> want = {1 / 255.f, 2 / 255.f, 5 / 255.f, 6 / 255.f};
  for (size_t i = 0; i < 4; ++i) CHECK(out[i] == Approx(want[i]).epsilon(1e-6));
  // Crop of a 4x8 image to 1x1: scaled by 1/4 to 1x2, the left one of the
  // two columns is kept (offset floor(1/2) = 0): source point
  // ((0 + 0.5) * 4 - 0.5, (0 + 0.5) * 4 - 0.5) = (1.5, 1.5).
  std::vector<uint16_t> px(32);
  for (int i = 0; i < 32; ++i) px[static_cast<size_t>(i)] = static_cast<uint16_t>(i * 2000);
  const Image big = MakeImage(4, 8, 1, px, 65535);
  g = ImageInputGeometry{1, 1, 3, false};
  pre.range_min = 0.f;
  pre.range_max = 255.f;
  REQUIRE(PreprocessImage(big, pre, g, &out).ok());
  // Bilinear at (1.5, 1.5): mean of pixels (1,1),(1,2),(2,1),(2,2) = 9,10,17,18 -> 13.5 * 2000.
  const float u = 13.5f * 2000.f * 255.f / 65535.f;
  REQUIRE(out.size() == 3);
  for (int c = 0; c < 3; ++c) CHECK(out[static_cast<size_t>(c)] == Approx(u).epsilon(1e-5));
  // Stretch upsampling clamps at the borders: 1x2 -> 1x4 gives source
  // x = -0.25 (clamped to 0), 0.25, 0.75, 1.25 (clamped to 1).
  const Image two = MakeImage(1, 2, 1, {0, 100});
  pre = ImagePreprocess();
  pre.range_max = 255.f;
  g = ImageInputGeometry{1, 4, 1, false};
  REQUIRE(PreprocessImage(two, pre, g, &out).ok());
  CHECK(out[0] == Approx(0.f).margin(1e-4));
  CHECK(out[1] == Approx(25.f).epsilon(1e-5));
  CHECK(out[2] == Approx(75.f).epsilon(1e-5));
  CHECK(out[3] == Approx(100.f).epsilon(1e-5));
}

TEST_CASE("Option parsing for image preprocessing", "[image]") {
  int h = 0, w = 0;
  CHECK(ParseImageSize("224x160", &h, &w));
  CHECK((h == 224 && w == 160));
  CHECK(!ParseImageSize("224", &h, &w));
  CHECK(!ParseImageSize("x3", &h, &w));
  CHECK(!ParseImageSize("3x0", &h, &w));
  std::vector<float> v;
  CHECK(ParseFloatList("0.485,0.456,0.406", 3, 3, &v));
  CHECK(v.size() == 3);
  CHECK(!ParseFloatList("1,2", 3, 3, &v));
  CHECK(!ParseFloatList("1,,2", 1, 3, &v));
  CHECK(!ParseFloatList("nan", 1, 3, &v));
}

// x [1,8,8,3] -> CONV_2D 3x3 (4 output channels) -> RELU -> y
std::vector<uint8_t> SmallConvModel() {
  ModelBuilder b;
  const int x = b.AddInput("image", DType::kF32, {1, 8, 8, 3});
  std::vector<float> wv(4 * 3 * 3 * 3);
  for (size_t i = 0; i < wv.size(); ++i) wv[i] = std::sin(static_cast<float>(i) * 0.7f) * 0.3f;
  const int w = b.AddConstant("w", DType::kF32, {4, 3, 3, 3}, wv);
  const int bias = b.AddConstant("b", DType::kF32, {4}, std::vector<float>{0.1f, -0.2f, 0.f, 0.05f});
  const int h = b.AddTensor("h", DType::kF32, {1, 8, 8, 4});
  const int y = b.AddTensor("y", DType::kF32, {1, 8, 8, 4});
  b.AddOp(schema::OpType_CONV_2D, {x, w, bias}, {h}, schema::OpOptions_Conv2DOptions,
          schema::CreateConv2DOptions(b.fbb(), schema::Padding_SAME, 1, 1).Union());
  b.AddOp(schema::OpType_RELU, {h}, {y});
  b.MarkOutput(y);
  return b.Finish();
}

struct TempDir {
  std::string path;
  TempDir() {
    char tmpl[] = "/tmp/edgert-images-XXXXXX";
    REQUIRE(mkdtemp(tmpl) != nullptr);
    path = tmpl;
  }
  ~TempDir() {
    if (DIR* d = opendir(path.c_str())) {
      while (dirent* e = readdir(d)) {
        const std::string n = e->d_name;
        if (n != "." && n != "..") unlink((path + "/" + n).c_str());
      }
      closedir(d);
    }
    rmdir(path.c_str());
  }
  void Copy(const std::string& name) {
    const std::vector<uint8_t> d = ReadAll(kDir + name);
    FILE* f = std::fopen((path + "/" + name).c_str(), "wb");
    REQUIRE(f != nullptr);
    REQUIRE(std::fwrite(d.data(), 1, d.size(), f) == d.size());
    std::fclose(f);
  }
};

TEST_CASE("Calibration from an image folder quantizes a model", "[image]") {
  TempDir dir;
  for (const char* n : {"jpeg_420_64x48.jpg", "png_rgb8_64x48.png", "png_rgba16_17x13.png", "ppm_rgb8_17x13.ppm",
                        "jpeg_gray_17x13.jpg", "jpeg_progressive_420_17x13.jpg"})
    dir.Copy(n);
  const std::vector<uint8_t> float_model = SmallConvModel();
  std::shared_ptr<const Model> m;
  REQUIRE(Model::LoadBuffer(float_model.data(), float_model.size(), true, &m).ok());
  ImagePreprocess pre;
  pre.resize = ImageResize::kCrop;
  std::vector<CalibrationSample> samples;
  Status s = LoadCalibrationImages(dir.path, *m, pre, 1000, &samples, nullptr);
  INFO(s.message());
  REQUIRE(s.ok());
  REQUIRE(samples.size() == 6);
  for (const CalibrationSample& c : samples) {
    REQUIRE(c.inputs.size() == 1);
    REQUIRE(c.inputs[0].size() == 8 * 8 * 3 * sizeof(float));
    const float* v = reinterpret_cast<const float*>(c.inputs[0].data());
    for (int i = 0; i < 8 * 8 * 3; ++i) REQUIRE((v[i] >= 0.f && v[i] <= 1.f));
  }
  // --max-samples applies.
  REQUIRE(LoadCalibrationImages(dir.path, *m, pre, 2, &samples, nullptr).ok());
  CHECK(samples.size() == 2);

  QuantizeRequest req;
  req.mode = "int8";
  req.calib_dir = dir.path;
  req.calib_images = true;
  req.image = pre;
  req.quiet = true;
  req.report = true;
  std::vector<uint8_t> ert = float_model;
  REQUIRE(QuantizeConverted(req, &ert));
  std::shared_ptr<const Model> q;
  REQUIRE(Model::LoadBuffer(ert.data(), ert.size(), true, &q).ok());
  bool has_int8 = false;
  for (const TensorInfo& t : q->tensors()) has_int8 |= t.dtype == DType::kI8;
  CHECK(has_int8);

  // The pruning report reads the same image folder.
  SparseRequest prune;
  prune.prune_fraction = 0.5;
  prune.report = true;
  prune.samples_dir = dir.path;
  prune.images = true;
  prune.image = pre;
  prune.quiet = true;
  std::vector<uint8_t> pruned = float_model;
  CHECK(PruneConverted(prune, &pruned));
  prune.images = false;  // read as .npy samples, the folder has none
  pruned = float_model;
  CHECK_FALSE(PruneConverted(prune, &pruned));

  // A file the decoders reject stops the calibration with its name.
  dir.Copy("unsupported_arithmetic.jpg");
  s = LoadCalibrationImages(dir.path, *m, pre, 1000, &samples, nullptr);
  CHECK(!s.ok());
  CHECK(s.message().find("unsupported_arithmetic.jpg") != std::string::npos);
}

}  // namespace
}  // namespace edgert
