// Huffman-coded 8-bit JPEG decoding, baseline / extended sequential and
// progressive: grayscale or three components with any integer sampling
// factors (4:4:4, 4:2:2, 4:2:0, ...), interleaved or one-component scans,
// restart markers. A sequential scan turns each block into pixels as it is
// decoded; a progressive file (ITU T.81 Annex G: spectral selection and
// successive approximation) first collects the coefficients of the whole
// image over all its scans, and the same dequantization and IDCT run at the
// end. Chroma is upsampled with a triangle filter where the factor is 2 (the
// "fancy" upsampling of common decoders) and replicated otherwise; YCbCr is
// converted to RGB by the JFIF equations. Lossless, hierarchical and
// arithmetic-coded files are rejected as unsupported.
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
  // Progressive only: the quantized coefficients of every block (zigzag
  // order, 64 per block, blocks row-major over the padded plane), the
  // quantization table as it was at the component's first scan, and per
  // coefficient the successive approximation bit (Al) of the last scan that
  // coded it, -1 before the first.
  std::vector<int16_t> coef;
  uint16_t qt[64] = {};
  bool qt_latched = false;
  int8_t coded_bit[64] = {};
};

// What one scan decodes per block.
enum class ScanKind { kSequential, kDcFirst, kDcRefine, kAcFirst, kAcRefine };

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
          EDGERT_RETURN_IF_ERROR(Frame(seg, seg_len, false));
          break;
        case 0xc2:
          EDGERT_RETURN_IF_ERROR(Frame(seg, seg_len, true));
          break;
        case 0xc3:
        case 0xc7:
          return Status::Error(StatusCode::kUnsupported, "%s: lossless JPEG is not supported", n);
        case 0xc5:
        case 0xc6:
          return Status::Error(StatusCode::kUnsupported, "%s: hierarchical JPEG is not supported", n);
        case 0xc9:
        case 0xca:
        case 0xcb:
        case 0xcc:
        case 0xcd:
        case 0xce:
        case 0xcf:
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
    if (progressive_) CoefficientsToPlanes();
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

  Status Frame(const uint8_t* s, size_t len, bool progressive) {
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
    // Every block takes at least two bits of coded data in a sequential file
    // (DC and end of block) and one in a progressive one (its first DC scan;
    // one end-of-band run can cover thousands of blocks in the AC scans), so
    // the file size bounds the frame (and the memory a header can ask for).
    size_t blocks = 0;
    for (const Component& c : comps_) blocks += static_cast<size_t>(c.stride / 8) * static_cast<size_t>(c.rows / 8);
    if (blocks / (progressive ? 8 : 4) > size_)
      return Status::Error(StatusCode::kInvalidArgument, "%s: JPEG of %zu bytes is too short for %dx%d pixels",
                           name_.c_str(), size_, width_, height_);
    for (Component& c : comps_) {
      const size_t samples = static_cast<size_t>(c.stride) * c.rows;
      if (progressive) {
        // The planes are filled (and allocated) from the coefficients at the end.
        c.coef.assign(samples, 0);
        std::fill(c.coded_bit, c.coded_bit + 64, static_cast<int8_t>(-1));
      } else {
        c.plane.assign(samples, 0);
      }
    }
    progressive_ = progressive;
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

  // Stores `v` into a 16-bit coefficient; false if it does not fit (only
  // corrupt data gets there: 8-bit samples give coefficients of 11 bits).
  static bool Store(int v, int16_t* coef) {
    if (v < -32768 || v > 32767) return false;
    *coef = static_cast<int16_t>(v);
    return true;
  }

  Status CodeError(const char* what) { return truncated_ ? Truncated("scan data") : Bad(what); }

  // Decodes the DC difference of one block into the component's prediction.
  Status DecodeDc(Component& c) {
    const int s = DecodeHuff(huff_[0][c.td]);
    if (s < 0 || s > 11) return CodeError("bad DC code");
    c.dc_pred += s ? Extend(Bits(s), s) : 0;
    if (c.dc_pred > 32767 || c.dc_pred < -32768) return Bad("DC value out of range");
    return Status::Ok();
  }

  // One block of a sequential scan: all 64 coefficients, zigzag order.
  Status DecodeBlock(Component& c, int16_t* zz) {
    EDGERT_RETURN_IF_ERROR(DecodeDc(c));
    zz[0] = static_cast<int16_t>(c.dc_pred);
    const HuffTable& ac = huff_[1][c.ta];
    for (int k = 1; k < 64;) {
      const int rs = DecodeHuff(ac);
      if (rs < 0) return CodeError("bad AC code");
      const int r = rs >> 4, sz = rs & 15;
      if (sz == 0) {
        if (r != 15) break;  // end of block
        k += 16;
        continue;
      }
      k += r;
      if (k > 63) return Bad("AC coefficient index past 63");
      zz[k] = static_cast<int16_t>(Extend(Bits(sz), sz));  // sz <= 15: fits
      ++k;
    }
    if (truncated_) return Truncated("scan data");
    return Status::Ok();
  }

  // Dequantizes one block of zigzag-ordered coefficients with the table `q`
  // (zigzag order too) and writes its 8x8 samples. Shared by the sequential
  // and the progressive path.
  void BlockToSamples(const int16_t* zz, const uint16_t* q, uint8_t* dst, int stride) {
    float coef[64] = {};
    for (int k = 0; k < 64; ++k)
      if (zz[k] != 0) coef[kZigzag[k]] = static_cast<float>(zz[k]) * q[k];
    Idct(coef, dst, stride);
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
    eobrun_ = 0;
    return Status::Ok();
  }

  // --- progressive scans (T.81 G.1.2) ---
  // Each decodes one block's part of a scan into `zz`, that block's 64
  // coefficients in zigzag order, for the band ss_..se_ and bit al_.

  // First DC scan: the DC difference, scaled by 2^Al.
  Status DcFirst(Component& c, int16_t* zz) {
    EDGERT_RETURN_IF_ERROR(DecodeDc(c));
    if (!Store(c.dc_pred * (1 << al_), &zz[0])) return Bad("DC coefficient out of range");
    return Status::Ok();
  }

  // DC refinement: one raw bit, the next lower bit of the DC coefficient.
  Status DcRefine(int16_t* zz) {
    if (Bit()) zz[0] = static_cast<int16_t>(zz[0] | (1 << al_));  // al_ <= 12 here: stays in range
    return Status::Ok();
  }

  // First AC scan of a band: run/size codes as in a sequential block, and
  // end-of-band runs (EOBn) that end this and the next EOBRUN - 1 blocks.
  Status AcFirst(Component& c, int16_t* zz) {
    if (eobrun_ > 0) {
      --eobrun_;
      return Status::Ok();
    }
    const HuffTable& ac = huff_[1][c.ta];
    for (int k = ss_; k <= se_;) {
      const int rs = DecodeHuff(ac);
      if (rs < 0) return CodeError("bad AC code");
      const int r = rs >> 4, sz = rs & 15;
      if (sz == 0) {
        if (r == 15) {  // sixteen zeros
          k += 16;
          continue;
        }
        eobrun_ = (1 << r) + (r ? Bits(r) : 0) - 1;  // this block is the first of the run
        break;
      }
      k += r;
      if (k > se_) return Bad("AC coefficient index past the end of the band");
      if (!Store(Extend(Bits(sz), sz) * (1 << al_), &zz[k])) return Bad("AC coefficient out of range");
      ++k;
    }
    return Status::Ok();
  }

  // Adds a correction bit to a coefficient that is already nonzero: raises
  // its magnitude by 2^Al if the bit is set (and the bit is not there yet).
  Status Correct(int16_t* coef) {
    if (Bit() && (*coef & (1 << al_)) == 0) {
      const int step = *coef > 0 ? (1 << al_) : -(1 << al_);
      if (!Store(*coef + step, coef)) return Bad("AC coefficient out of range");
    }
    return Status::Ok();
  }

  // AC refinement of a band: coefficients that become nonzero at bit Al
  // (magnitude 1, sign bit) are coded with the number of still-zero
  // coefficients before them; every already-nonzero coefficient passed on the
  // way, and all of them in a block that an end-of-band run covers, take one
  // correction bit.
  Status AcRefine(Component& c, int16_t* zz) {
    int k = ss_;
    if (eobrun_ == 0) {
      const HuffTable& ac = huff_[1][c.ta];
      while (k <= se_) {
        const int rs = DecodeHuff(ac);
        if (rs < 0) return CodeError("bad AC code");
        int zeros = rs >> 4;
        const int sz = rs & 15;
        int value = 0;
        if (sz == 0) {
          if (zeros != 15) {  // EOBn: the rest of this band is corrections only
            eobrun_ = (1 << zeros) + (zeros ? Bits(zeros) : 0);
            break;
          }
          // ZRL: skip sixteen zero coefficients (the sixteenth included).
        } else {
          if (sz != 1) return Bad("AC refinement value of more than one bit");
          value = Bit() ? (1 << al_) : -(1 << al_);
        }
        // Pass `zeros` zero coefficients, correcting the nonzero ones on the
        // way; a new value lands on the zero coefficient after them.
        for (; k <= se_; ++k) {
          if (zz[k] != 0) {
            EDGERT_RETURN_IF_ERROR(Correct(&zz[k]));
          } else if (zeros-- == 0) {
            break;
          }
        }
        if (value != 0) {
          if (k > se_) return Bad("AC coefficient index past the end of the band");
          zz[k] = static_cast<int16_t>(value);
        }
        ++k;
      }
    }
    if (eobrun_ > 0) {
      for (; k <= se_; ++k)
        if (zz[k] != 0) EDGERT_RETURN_IF_ERROR(Correct(&zz[k]));
      --eobrun_;
    }
    return Status::Ok();
  }

  // Checks a progressive scan's band and bit positions against the ones
  // already coded for each of its components (T.81 G.1.1.1), and records
  // them. Also picks the scan kind. As every coefficient takes one first scan
  // and at most 13 refinements, a file has at most 3 * 64 * 14 scans: the
  // scans that cost no data (end-of-band runs) cannot repeat without end.
  Status ProgressiveScan(const std::vector<Component*>& sc, int ah) {
    if (se_ > 63 || ss_ > se_ || (ss_ == 0 && se_ != 0)) return Bad("progressive scan spectral selection");
    if (ss_ > 0 && sc.size() != 1) return Bad("progressive AC scan with more than one component");
    if (al_ > 13 || (ah != 0 && al_ != ah - 1)) return Bad("progressive scan successive approximation bits");
    if (ss_ == 0)
      kind_ = ah == 0 ? ScanKind::kDcFirst : ScanKind::kDcRefine;
    else
      kind_ = ah == 0 ? ScanKind::kAcFirst : ScanKind::kAcRefine;
    for (Component* c : sc) {
      if (kind_ == ScanKind::kDcFirst && !huff_[0][c->td].defined) return Bad("scan uses an undefined Huffman table");
      if (ss_ > 0 && !huff_[1][c->ta].defined) return Bad("scan uses an undefined Huffman table");
      if (ss_ > 0 && c->coded_bit[0] < 0) return Bad("progressive AC scan before the component's first DC scan");
      for (int k = ss_; k <= se_; ++k) {
        if (c->coded_bit[k] != (ah == 0 ? -1 : ah)) return Bad("progressive scans out of order");
        c->coded_bit[k] = static_cast<int8_t>(al_);
      }
      if (!c->qt_latched) {
        std::memcpy(c->qt, quant_[c->tq], sizeof(c->qt));
        c->qt_latched = true;
      }
    }
    return Status::Ok();
  }

  // One block of the current scan, at block column bx and row by of the
  // component.
  Status ScanBlock(Component& c, int bx, int by) {
    if (kind_ == ScanKind::kSequential) {
      int16_t zz[64] = {};
      EDGERT_RETURN_IF_ERROR(DecodeBlock(c, zz));
      BlockToSamples(zz, quant_[c.tq], c.plane.data() + static_cast<size_t>(by) * 8 * c.stride + bx * 8, c.stride);
      return Status::Ok();
    }
    int16_t* zz = c.coef.data() + (static_cast<size_t>(by) * (c.stride / 8) + bx) * 64;
    switch (kind_) {
      case ScanKind::kDcFirst:
        EDGERT_RETURN_IF_ERROR(DcFirst(c, zz));
        break;
      case ScanKind::kDcRefine:
        EDGERT_RETURN_IF_ERROR(DcRefine(zz));
        break;
      case ScanKind::kAcFirst:
        EDGERT_RETURN_IF_ERROR(AcFirst(c, zz));
        break;
      case ScanKind::kAcRefine:
        EDGERT_RETURN_IF_ERROR(AcRefine(c, zz));
        break;
      case ScanKind::kSequential:
        break;  // decoded above
    }
    if (truncated_) return Truncated("scan data");
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
      if (std::find(sc.begin(), sc.end(), c) != sc.end()) return Bad("scan names a component twice");
      c->td = s[2 + 2 * i] >> 4;
      c->ta = s[2 + 2 * i] & 15;
      if (c->td > 3 || c->ta > 3) return Bad("Huffman table index out of 0..3");
      if (!quant_defined_[c->tq]) return Bad("component uses an undefined quantization table");
      c->dc_pred = 0;
      sc.push_back(c);
    }
    const uint8_t* tail = s + 1 + 2 * ns;
    ss_ = tail[0];
    se_ = tail[1];
    al_ = tail[2] & 15;
    if (progressive_) {
      EDGERT_RETURN_IF_ERROR(ProgressiveScan(sc, tail[2] >> 4));
    } else {
      if (ss_ != 0 || se_ != 63 || tail[2] != 0) return Bad("sequential scan with a spectral selection");
      for (Component* c : sc)
        if (!huff_[0][c->td].defined || !huff_[1][c->ta].defined) return Bad("scan uses an undefined Huffman table");
      kind_ = ScanKind::kSequential;
    }
    nbits_ = 0;
    truncated_ = false;
    eobrun_ = 0;
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
          EDGERT_RETURN_IF_ERROR(ScanBlock(*sc[0], x, y));
          continue;
        }
        for (Component* c : sc)
          for (int by = 0; by < c->v; ++by)
            for (int bx = 0; bx < c->h; ++bx) EDGERT_RETURN_IF_ERROR(ScanBlock(*c, x * c->h + bx, y * c->v + by));
      }
    ++scans_;
    return Status::Ok();
  }

  // End of a progressive image: the collected coefficients become samples,
  // one component at a time (its coefficients are freed as its plane fills).
  void CoefficientsToPlanes() {
    for (Component& c : comps_) {
      c.plane.assign(static_cast<size_t>(c.stride) * c.rows, 0);
      const int bw = c.stride / 8, bh = c.rows / 8;
      for (int by = 0; by < bh; ++by)
        for (int bx = 0; bx < bw; ++bx)
          BlockToSamples(c.coef.data() + (static_cast<size_t>(by) * bw + bx) * 64, c.qt,
                         c.plane.data() + static_cast<size_t>(by) * 8 * c.stride + bx * 8, c.stride);
      std::vector<int16_t>().swap(c.coef);
    }
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
  bool progressive_ = false;
  int scans_ = 0;
  // The current scan: what it decodes, its band, its bit position, and the
  // blocks left in an end-of-band run.
  ScanKind kind_ = ScanKind::kSequential;
  int ss_ = 0, se_ = 63, al_ = 0;
  int eobrun_ = 0;
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
