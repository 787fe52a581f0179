// Baseline (and extended sequential) Huffman-coded 8-bit JPEG decoding:
// grayscale or three components with any integer sampling factors (4:4:4,
// 4:2:2, 4:2:0, ...), interleaved or one-component scans, restart markers.
// Chroma is upsampled with a triangle filter where the factor is 2 (the
// "fancy" upsampling of common decoders) and replicated otherwise; YCbCr is
// converted to RGB by the JFIF equations. Progressive, lossless, hierarchical
// and arithmetic-coded files are rejected as unsupported.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "tools/image/image.h"

namespace edgert {
namespace {

const uint8_t kZigzag[64] = {0,  1,  8,  16, 9,  2,  3,  10, 17, 24, 32, 25, 18, 11, 4,  5,  12, 19, 26, 33, 40, 48,
                             41, 34, 27, 20, 13, 6,  7,  14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23,
                             30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63};

struct HuffTable {
  bool defined = false;
  int32_t maxcode[18];   // largest code of each length, -1 if none
  int32_t valptr[17];    // index into values of the first code of each length
  int32_t mincode[17];
  uint8_t values[256];
  int num_values = 0;
};

struct Component {
  int id, h, v, tq;
  int td = 0, ta = 0;
  int width, height;      // samples actually covered by the image (ceil)
  int stride, rows;       // plane size, padded to whole MCUs
  std::vector<uint8_t> plane;
  int dc_pred = 0;
};

class JpegDecoder {
 public:
  JpegDecoder(const uint8_t* data, size_t size, const std::string& name) : d_(data), size_(size), name_(name) {}

  Status Run(Image* out) {
    const char* n = name_.c_str();
    if (size_ < 4 || d_[0] != 0xff || d_[1] != 0xd8)
      return Status::Error(StatusCode::kInvalidArgument, "%s: not a JPEG file", n);
    pos_ = 2;
    bool done = false;
    while (!done) {
      int marker = 0;
      EDGERT_RETURN_IF_ERROR(NextMarker(&marker));
      if (marker == 0xd9) {
        done = true;
        break;
      }
      if (marker >= 0xd0 && marker <= 0xd7) continue;  // stray restart marker
      if (size_ - pos_ < 2) return Truncated("marker segment");
      const size_t len = (static_cast<size_t>(d_[pos_]) << 8) | d_[pos_ + 1];
      if (len < 2 || size_ - pos_ < len)
        return Status::Error(StatusCode::kInvalidArgument, "%s: JPEG marker 0x%02X segment of %zu bytes runs past the "
                             "end of the file", n, marker, len);
      const uint8_t* seg = d_ + pos_ + 2;
      const size_t seg_len = len - 2;
      pos_ += len;
      switch (marker) {
        case 0xc0:
        case 0xc1:
          EDGERT_RETURN_IF_ERROR(Frame(seg, seg_len));
          break;
        case 0xc2:
        case 0xc6:
        case 0xca:
        case 0xce:
          return Status::Error(StatusCode::kUnsupported,
                               "%s: progressive JPEG is not supported (baseline sequential JPEG only)", n);
        case 0xc3:
        case 0xc7:
        case 0xcb:
        case 0xcf:
          return Status::Error(StatusCode::kUnsupported, "%s: lossless JPEG is not supported", n);
        case 0xc5:
          return Status::Error(StatusCode::kUnsupported, "%s: hierarchical JPEG is not supported", n);
        case 0xc9:
        case 0xcd:
        case 0xcc:
          return Status::Error(StatusCode::kUnsupported, "%s: arithmetic-coded JPEG is not supported", n);
        case 0xc4:
          EDGERT_RETURN_IF_ERROR(DefineHuffman(seg, seg_len));
          break;
        case 0xdb:
          EDGERT_RETURN_IF_ERROR(DefineQuant(seg, seg_len));
          break;
        case 0xdd:
          if (seg_len != 2) return Bad("DRI segment length");
          restart_interval_ = (seg[0] << 8) | seg[1];
          break;
        case 0xda:
          EDGERT_RETURN_IF_ERROR(Scan(seg, seg_len));
          break;
        case 0xee:
          if (seg_len >= 12 && std::memcmp(seg, "Adobe", 5) == 0) {
            adobe_ = true;
            adobe_transform_ = seg[11];
          }
          break;
        case 0xdc:
          return Status::Error(StatusCode::kUnsupported, "%s: JPEG with a DNL marker is not supported", n);
        default:
          break;  // APPn, COM and others are skipped
      }
    }
    if (!have_frame_) return Bad("no frame header (SOF) before EOI");
    if (scans_ == 0) return Bad("no scan (SOS) before EOI");
    return Output(out);
  }

 private:
  Status Bad(const char* what) {
    return Status::Error(StatusCode::kInvalidArgument, "%s: corrupt JPEG (%s)", name_.c_str(), what);
  }
  Status Truncated(const char* what) {
    return Status::Error(StatusCode::kInvalidArgument, "%s: JPEG truncated (in the %s)", name_.c_str(), what);
  }

  Status NextMarker(int* marker) {
    // Skips any bytes up to the next 0xFF xx marker (xx not 0 or 0xFF).
    while (pos_ < size_) {
      if (d_[pos_] != 0xff) {
        ++pos_;
        continue;
      }
      while (pos_ < size_ && d_[pos_] == 0xff) ++pos_;
      if (pos_ >= size_) break;
      const int m = d_[pos_++];
      if (m != 0) {
        *marker = m;
        return Status::Ok();
      }
    }
    return Truncated("markers (no EOI)");
  }

  Status Frame(const uint8_t* s, size_t len) {
    if (have_frame_) return Bad("second frame header");
    if (len < 6) return Bad("SOF segment too short");
    if (s[0] != 8)
      return Status::Error(StatusCode::kUnsupported, "%s: %d-bit JPEG is not supported (8-bit only)", name_.c_str(),
                           s[0]);
    height_ = (s[1] << 8) | s[2];
    width_ = (s[3] << 8) | s[4];
    const int nc = s[5];
    if (height_ == 0)
      return Status::Error(StatusCode::kUnsupported, "%s: JPEG with the height in a DNL marker is not supported",
                           name_.c_str());
    if (width_ == 0) return Bad("zero width");
    if (static_cast<int64_t>(width_) * height_ > kMaxImagePixels) return Bad("image too large");
    if (nc != 1 && nc != 3)
      return Status::Error(StatusCode::kUnsupported, "%s: JPEG with %d components (1 or 3 supported)", name_.c_str(),
                           nc);
    if (len != 6 + 3 * static_cast<size_t>(nc)) return Bad("SOF segment length");
    hmax_ = vmax_ = 1;
    comps_.resize(static_cast<size_t>(nc));
    for (int i = 0; i < nc; ++i) {
      Component& c = comps_[static_cast<size_t>(i)];
      c.id = s[6 + 3 * i];
      c.h = s[7 + 3 * i] >> 4;
      c.v = s[7 + 3 * i] & 15;
      c.tq = s[8 + 3 * i];
      if (c.h < 1 || c.h > 4 || c.v < 1 || c.v > 4) return Bad("sampling factor out of 1..4");
      if (c.tq > 3) return Bad("quantization table index out of 0..3");
      hmax_ = std::max(hmax_, c.h);
      vmax_ = std::max(vmax_, c.v);
    }
    mcus_x_ = (width_ + 8 * hmax_ - 1) / (8 * hmax_);
    mcus_y_ = (height_ + 8 * vmax_ - 1) / (8 * vmax_);
    for (Component& c : comps_) {
      if (hmax_ % c.h != 0 || vmax_ % c.v != 0)
        return Status::Error(StatusCode::kUnsupported, "%s: JPEG sampling factors that are not integer ratios",
                             name_.c_str());
      c.width = (width_ * c.h + hmax_ - 1) / hmax_;
      c.height = (height_ * c.v + vmax_ - 1) / vmax_;
      c.stride = mcus_x_ * c.h * 8;
      c.rows = mcus_y_ * c.v * 8;
    }
    // Every block takes at least two bits of coded data, so the file size
    // bounds the frame (and the memory a header can ask for).
    size_t blocks = 0;
    for (const Component& c : comps_) blocks += static_cast<size_t>(c.stride / 8) * static_cast<size_t>(c.rows / 8);
    if (blocks / 4 > size_)
      return Status::Error(StatusCode::kInvalidArgument, "%s: JPEG of %zu bytes is too short for %dx%d pixels",
                           name_.c_str(), size_, width_, height_);
    for (Component& c : comps_) c.plane.assign(static_cast<size_t>(c.stride) * c.rows, 0);
    have_frame_ = true;
    return Status::Ok();
  }

  Status DefineHuffman(const uint8_t* s, size_t len) {
    size_t p = 0;
    while (p < len) {
      if (len - p < 17) return Bad("DHT segment too short");
      const int tc = s[p] >> 4, th = s[p] & 15;
      if (tc > 1 || th > 3) return Bad("Huffman table class or index");
      HuffTable& t = huff_[tc][th];
      int total = 0;
      for (int i = 1; i <= 16; ++i) total += s[p + static_cast<size_t>(i)];
      if (total > 256 || len - p - 17 < static_cast<size_t>(total)) return Bad("Huffman table size");
      int code = 0, k = 0;
      for (int l = 1; l <= 16; ++l) {
        const int cnt = s[p + static_cast<size_t>(l)];
        t.valptr[l] = k;
        t.mincode[l] = code;
        code += cnt;
        k += cnt;
        t.maxcode[l] = cnt ? code - 1 : -1;
        if (code > (1 << l)) return Bad("over-subscribed Huffman table");
        code <<= 1;
      }
      t.maxcode[17] = 0x7fffffff;
      std::memcpy(t.values, s + p + 17, static_cast<size_t>(total));
      t.num_values = total;
      t.defined = true;
      p += 17 + static_cast<size_t>(total);
    }
    return Status::Ok();
  }

  Status DefineQuant(const uint8_t* s, size_t len) {
    size_t p = 0;
    while (p < len) {
      const int pq = s[p] >> 4, tq = s[p] & 15;
      if (pq > 1 || tq > 3) return Bad("quantization table precision or index");
      const size_t need = 1 + 64 * static_cast<size_t>(pq + 1);
      if (len - p < need) return Bad("DQT segment too short");
      for (int k = 0; k < 64; ++k)
        quant_[tq][k] = pq ? static_cast<uint16_t>((s[p + 1 + 2 * k] << 8) | s[p + 2 + 2 * k]) : s[p + 1 + k];
      quant_defined_[tq] = true;
      p += need;
    }
    return Status::Ok();
  }

  // --- entropy-coded data ---
  // Reads one bit; past the end of the data or at a marker the data is
  // truncated (`truncated_` is set and 0 returned).
  int Bit() {
    if (nbits_ == 0) {
      if (pos_ >= size_ || (d_[pos_] == 0xff && (pos_ + 1 >= size_ || d_[pos_ + 1] != 0))) {
        truncated_ = true;
        return 0;
      }
      bitbuf_ = d_[pos_];
      pos_ += d_[pos_] == 0xff ? 2 : 1;
      nbits_ = 8;
    }
    --nbits_;
    return (bitbuf_ >> nbits_) & 1;
  }
  int Bits(int n) {
    int v = 0;
    for (int i = 0; i < n; ++i) v = (v << 1) | Bit();
    return v;
  }
  static int Extend(int v, int s) { return v < (1 << (s - 1)) ? v - (1 << s) + 1 : v; }
  // -1 on a code not in the table.
  int DecodeHuff(const HuffTable& t) {
    int code = Bit();
    for (int l = 1; l <= 16; ++l) {
      if (t.maxcode[l] >= 0 && code <= t.maxcode[l] && code >= t.mincode[l]) {
        const int idx = t.valptr[l] + code - t.mincode[l];
        return idx < t.num_values ? t.values[idx] : -1;
      }
      code = (code << 1) | Bit();
    }
    return -1;
  }

  Status DecodeBlock(Component& c, uint8_t* dst, int stride) {
    float coef[64] = {};
    const HuffTable& dc = huff_[0][c.td];
    const HuffTable& ac = huff_[1][c.ta];
    const uint16_t* q = quant_[c.tq];
    const int s = DecodeHuff(dc);
    if (s < 0 || s > 11) return truncated_ ? Truncated("scan data") : Bad("bad DC code");
    const int diff = s ? Extend(Bits(s), s) : 0;
    c.dc_pred += diff;
    if (c.dc_pred > (1 << 16) || c.dc_pred < -(1 << 16)) return Bad("DC value out of range");
    coef[0] = static_cast<float>(c.dc_pred) * q[0];
    for (int k = 1; k < 64;) {
      const int rs = DecodeHuff(ac);
      if (rs < 0) return truncated_ ? Truncated("scan data") : Bad("bad AC code");
      const int r = rs >> 4, sz = rs & 15;
      if (sz == 0) {
        if (r != 15) break;  // end of block
        k += 16;
        continue;
      }
      k += r;
      if (k > 63) return Bad("AC coefficient index past 63");
      coef[kZigzag[k]] = static_cast<float>(Extend(Bits(sz), sz)) * q[k];
      ++k;
    }
    if (truncated_) return Truncated("scan data");
    Idct(coef, dst, stride);
    return Status::Ok();
  }

  void Idct(const float* in, uint8_t* out, int stride) {
    if (!idct_ready_) {
      for (int x = 0; x < 8; ++x)
        for (int u = 0; u < 8; ++u)
          idct_table_[x][u] = static_cast<float>((u == 0 ? std::sqrt(0.5) : 1.0) *
                                                 std::cos((2 * x + 1) * u * M_PI / 16.0) / 2.0);
      idct_ready_ = true;
    }
    float tmp[8][8];
    for (int v = 0; v < 8; ++v)
      for (int x = 0; x < 8; ++x) {
        float acc = 0.f;
        for (int u = 0; u < 8; ++u) acc += idct_table_[x][u] * in[v * 8 + u];
        tmp[v][x] = acc;
      }
    for (int y = 0; y < 8; ++y)
      for (int x = 0; x < 8; ++x) {
        float acc = 0.f;
        for (int v = 0; v < 8; ++v) acc += idct_table_[y][v] * tmp[v][x];
        const float val = std::nearbyint(acc + 128.f);
        out[y * stride + x] = static_cast<uint8_t>(val < 0.f ? 0.f : (val > 255.f ? 255.f : val));
      }
  }

  // Skips to just past the expected restart marker.
  Status Restart() {
    nbits_ = 0;
    while (pos_ + 1 < size_ && !(d_[pos_] == 0xff && d_[pos_ + 1] != 0 && d_[pos_ + 1] != 0xff)) ++pos_;
    if (pos_ + 1 >= size_) return Truncated("scan data (missing restart marker)");
    const int m = d_[pos_ + 1];
    if (m < 0xd0 || m > 0xd7) return Bad("expected a restart marker");
    pos_ += 2;
    for (Component& c : comps_) c.dc_pred = 0;
    return Status::Ok();
  }

  Status Scan(const uint8_t* s, size_t len) {
    if (!have_frame_) return Bad("scan before the frame header");
    if (len < 1) return Bad("SOS segment too short");
    const int ns = s[0];
    if (ns < 1 || ns > 4 || len != 4 + 2 * static_cast<size_t>(ns)) return Bad("SOS segment length");
    std::vector<Component*> sc;
    for (int i = 0; i < ns; ++i) {
      const int id = s[1 + 2 * i];
      Component* c = nullptr;
      for (Component& k : comps_)
        if (k.id == id) c = &k;
      if (c == nullptr) return Bad("scan names a component not in the frame");
      c->td = s[2 + 2 * i] >> 4;
      c->ta = s[2 + 2 * i] & 15;
      if (c->td > 3 || c->ta > 3 || !huff_[0][c->td].defined || !huff_[1][c->ta].defined)
        return Bad("scan uses an undefined Huffman table");
      if (!quant_defined_[c->tq]) return Bad("component uses an undefined quantization table");
      c->dc_pred = 0;
      sc.push_back(c);
    }
    const uint8_t* tail = s + 1 + 2 * ns;
    if (tail[0] != 0 || tail[1] != 63 || tail[2] != 0) return Bad("sequential scan with a spectral selection");
    nbits_ = 0;
    truncated_ = false;
    int blocks_per_mcu = 0;
    for (Component* c : sc) blocks_per_mcu += c->h * c->v;
    if (ns > 1 && blocks_per_mcu > 10) return Bad("more than 10 blocks per MCU");
    int mx, my;
    if (ns == 1) {
      mx = (sc[0]->width + 7) / 8;
      my = (sc[0]->height + 7) / 8;
    } else {
      mx = mcus_x_;
      my = mcus_y_;
    }
    int count = 0;
    for (int y = 0; y < my; ++y)
      for (int x = 0; x < mx; ++x) {
        if (restart_interval_ && count > 0 && count % restart_interval_ == 0) EDGERT_RETURN_IF_ERROR(Restart());
        ++count;
        if (ns == 1) {
          Component& c = *sc[0];
          EDGERT_RETURN_IF_ERROR(DecodeBlock(c, c.plane.data() + static_cast<size_t>(y) * 8 * c.stride + x * 8, c.stride));
          continue;
        }
        for (Component* c : sc)
          for (int by = 0; by < c->v; ++by)
            for (int bx = 0; bx < c->h; ++bx) {
              const size_t row = static_cast<size_t>(y * c->v + by) * 8;
              const size_t col = static_cast<size_t>(x * c->h + bx) * 8;
              EDGERT_RETURN_IF_ERROR(DecodeBlock(*c, c->plane.data() + row * c->stride + col, c->stride));
            }
      }
    ++scans_;
    return Status::Ok();
  }

  // Upsampling weights along one axis, in quarters: sample i0 with w0 and
  // i1 with 4 - w0.
  static void Taps(int o, int ratio, int size, int* i0, int* i1, int* w0) {
    if (ratio == 2) {
      const int c = o / 2;
      const int nb = (o & 1) ? c + 1 : c - 1;
      *i0 = c;
      *i1 = nb < 0 ? 0 : (nb >= size ? size - 1 : nb);
      *w0 = 3;
    } else {
      *i0 = *i1 = std::min(o / ratio, size - 1);
      *w0 = 4;
    }
  }

  Status Output(Image* out) {
    const int nc = static_cast<int>(comps_.size());
    out->width = width_;
    out->height = height_;
    out->channels = nc;
    out->max_value = 255;
    out->pixels.assign(static_cast<size_t>(width_) * height_ * nc, 0);
    std::vector<uint8_t> full(static_cast<size_t>(width_) * height_);
    std::vector<int> x0(static_cast<size_t>(width_)), x1(static_cast<size_t>(width_)), wx(static_cast<size_t>(width_));
    for (int ci = 0; ci < nc; ++ci) {
      const Component& c = comps_[static_cast<size_t>(ci)];
      const int rx = hmax_ / c.h, ry = vmax_ / c.v;
      for (int x = 0; x < width_; ++x) Taps(x, rx, c.width, &x0[x], &x1[x], &wx[x]);
      for (int y = 0; y < height_; ++y) {
        int y0, y1, wy;
        Taps(y, ry, c.height, &y0, &y1, &wy);
        const uint8_t* r0 = c.plane.data() + static_cast<size_t>(y0) * c.stride;
        const uint8_t* r1 = c.plane.data() + static_cast<size_t>(y1) * c.stride;
        for (int x = 0; x < width_; ++x) {
          const int a = wy * r0[x0[x]] + (4 - wy) * r1[x0[x]];
          const int b = wy * r0[x1[x]] + (4 - wy) * r1[x1[x]];
          full[static_cast<size_t>(y) * width_ + x] = static_cast<uint8_t>((wx[x] * a + (4 - wx[x]) * b + 8) >> 4);
        }
      }
      for (size_t i = 0; i < full.size(); ++i) out->pixels[i * nc + ci] = full[i];
    }
    const bool ycc = nc == 3 && !(adobe_ && adobe_transform_ == 0);
    if (ycc) {
      for (size_t i = 0; i < full.size(); ++i) {
        uint16_t* p = &out->pixels[i * 3];
        const float y = p[0], cb = p[1] - 128.f, cr = p[2] - 128.f;
        const float rgb[3] = {y + 1.402f * cr, y - 0.344136f * cb - 0.714136f * cr, y + 1.772f * cb};
        for (int k = 0; k < 3; ++k) {
          const float v = std::nearbyint(rgb[k]);
          p[k] = static_cast<uint16_t>(v < 0.f ? 0.f : (v > 255.f ? 255.f : v));
        }
      }
    }
    return Status::Ok();
  }

  const uint8_t* d_;
  size_t size_;
  size_t pos_ = 0;
  const std::string& name_;
  HuffTable huff_[2][4];
  uint16_t quant_[4][64] = {};
  bool quant_defined_[4] = {};
  int restart_interval_ = 0;
  bool adobe_ = false;
  int adobe_transform_ = -1;
  bool have_frame_ = false;
  int scans_ = 0;
  int width_ = 0, height_ = 0, hmax_ = 1, vmax_ = 1, mcus_x_ = 0, mcus_y_ = 0;
  std::vector<Component> comps_;
  int bitbuf_ = 0, nbits_ = 0;
  bool truncated_ = false;
  bool idct_ready_ = false;
  float idct_table_[8][8];
};

}  // namespace

Status DecodeJpeg(const uint8_t* data, size_t size, const std::string& name, Image* out) {
  JpegDecoder dec(data, size, name);
  return dec.Run(out);
}

}  // namespace edgert
