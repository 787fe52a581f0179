#include "tools/image/inflate.h"

#include <cstring>

namespace edgert {
namespace {

constexpr int kMaxBits = 15;

// LSB-first bit reader over a bounded buffer.
struct BitReader {
  const uint8_t* data;
  size_t size;
  size_t pos = 0;      // next byte
  uint32_t bits = 0;   // buffered bits, LSB first
  int count = 0;       // number of buffered bits
  bool overrun = false;

  // Up to 16 bits.
  uint32_t Get(int n) {
    while (count < n) {
      if (pos >= size) {
        overrun = true;
        return 0;
      }
      bits |= static_cast<uint32_t>(data[pos++]) << count;
      count += 8;
    }
    const uint32_t v = bits & ((1u << n) - 1u);
    bits >>= n;
    count -= n;
    return v;
  }
  void AlignToByte() {
    bits = 0;
    count = 0;
  }
};

// Canonical Huffman code: number of codes of each length, and the symbols in
// code order.
struct Huffman {
  uint16_t count[kMaxBits + 1];
  uint16_t symbol[320];
};

// Builds the code from code lengths; false if it is over-subscribed.
// Incomplete codes are allowed (RFC 1951 permits a single distance code);
// decoding a code that is not assigned fails.
bool BuildHuffman(const uint8_t* lengths, int n, Huffman* h) {
  std::memset(h->count, 0, sizeof(h->count));
  for (int i = 0; i < n; ++i) h->count[lengths[i]]++;
  h->count[0] = 0;
  int left = 1;
  for (int len = 1; len <= kMaxBits; ++len) {
    left <<= 1;
    left -= h->count[len];
    if (left < 0) return false;
  }
  uint16_t offs[kMaxBits + 2];
  offs[1] = 0;
  for (int len = 1; len < kMaxBits; ++len) offs[len + 1] = static_cast<uint16_t>(offs[len] + h->count[len]);
  for (int i = 0; i < n; ++i)
    if (lengths[i] != 0) h->symbol[offs[lengths[i]]++] = static_cast<uint16_t>(i);
  return true;
}

// Decodes one symbol, reading the code MSB first bit by bit; -1 on a code
// that is not assigned or on running out of input.
int Decode(BitReader* br, const Huffman& h) {
  int code = 0, first = 0, index = 0;
  for (int len = 1; len <= kMaxBits; ++len) {
    code |= static_cast<int>(br->Get(1));
    if (br->overrun) return -1;
    const int count = h.count[len];
    if (code - first < count) return h.symbol[index + (code - first)];
    index += count;
    first += count;
    first <<= 1;
    code <<= 1;
  }
  return -1;
}

const uint16_t kLengthBase[29] = {3,  4,  5,  6,  7,  8,  9,  10, 11,  13,  15,  17,  19,  23, 27,
                                  31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258};
const uint8_t kLengthExtra[29] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0};
const uint16_t kDistBase[30] = {1,   2,   3,   4,   5,   7,    9,    13,   17,   25,   33,   49,   65,    97,    129,
                                193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577};
const uint8_t kDistExtra[30] = {0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13};

class Inflater {
 public:
  Inflater(const uint8_t* in, size_t in_size, uint8_t* out, size_t out_size, const std::string& what)
      : br_{in, in_size}, out_(out), out_size_(out_size), what_(what) {}

  Status Run() {
    for (;;) {
      const uint32_t final_block = br_.Get(1);
      const uint32_t type = br_.Get(2);
      if (br_.overrun) return Truncated();
      Status s;
      if (type == 0) {
        s = Stored();
      } else if (type == 1) {
        s = Fixed();
      } else if (type == 2) {
        s = Dynamic();
      } else {
        return Fail("deflate block type 3 (reserved)");
      }
      if (!s.ok()) return s;
      if (final_block) break;
    }
    if (written_ != out_size_)
      return Status::Error(StatusCode::kInvalidArgument, "%s: compressed data holds %zu bytes, %zu expected",
                           what_.c_str(), written_, out_size_);
    return Status::Ok();
  }

  size_t consumed() const { return br_.pos; }

 private:
  Status Fail(const char* why) {
    return Status::Error(StatusCode::kInvalidArgument, "%s: corrupt compressed data (%s)", what_.c_str(), why);
  }
  Status Truncated() { return Fail("truncated"); }
  Status TooMuch() {
    return Status::Error(StatusCode::kInvalidArgument, "%s: compressed data holds more than the %zu bytes expected",
                         what_.c_str(), out_size_);
  }

  Status Stored() {
    br_.AlignToByte();
    if (br_.size - br_.pos < 4) return Truncated();
    const uint8_t* p = br_.data + br_.pos;
    const uint32_t len = p[0] | (p[1] << 8);
    const uint32_t nlen = p[2] | (p[3] << 8);
    if ((len ^ 0xffffu) != nlen) return Fail("stored block length check");
    br_.pos += 4;
    if (br_.size - br_.pos < len) return Truncated();
    if (out_size_ - written_ < len) return TooMuch();
    std::memcpy(out_ + written_, br_.data + br_.pos, len);
    written_ += len;
    br_.pos += len;
    return Status::Ok();
  }

  Status Fixed() {
    uint8_t lengths[288 + 30];
    for (int i = 0; i < 144; ++i) lengths[i] = 8;
    for (int i = 144; i < 256; ++i) lengths[i] = 9;
    for (int i = 256; i < 280; ++i) lengths[i] = 7;
    for (int i = 280; i < 288; ++i) lengths[i] = 8;
    for (int i = 0; i < 30; ++i) lengths[288 + i] = 5;
    BuildHuffman(lengths, 288, &lit_);
    BuildHuffman(lengths + 288, 30, &dist_);
    return Codes();
  }

  Status Dynamic() {
    const int nlen = static_cast<int>(br_.Get(5)) + 257;
    const int ndist = static_cast<int>(br_.Get(5)) + 1;
    const int ncode = static_cast<int>(br_.Get(4)) + 4;
    if (br_.overrun) return Truncated();
    if (nlen > 286 || ndist > 30) return Fail("too many length or distance codes");
    static const uint8_t kOrder[19] = {16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15};
    uint8_t lengths[286 + 30] = {};
    for (int i = 0; i < ncode; ++i) lengths[kOrder[i]] = static_cast<uint8_t>(br_.Get(3));
    if (br_.overrun) return Truncated();
    Huffman lencode;
    if (!BuildHuffman(lengths, 19, &lencode)) return Fail("bad code length code");
    int index = 0;
    while (index < nlen + ndist) {
      int sym = Decode(&br_, lencode);
      if (sym < 0) return br_.overrun ? Truncated() : Fail("bad code length");
      if (sym < 16) {
        lengths[index++] = static_cast<uint8_t>(sym);
        continue;
      }
      uint8_t value = 0;
      int repeat;
      if (sym == 16) {
        if (index == 0) return Fail("length repeat with no previous length");
        value = lengths[index - 1];
        repeat = 3 + static_cast<int>(br_.Get(2));
      } else if (sym == 17) {
        repeat = 3 + static_cast<int>(br_.Get(3));
      } else {
        repeat = 11 + static_cast<int>(br_.Get(7));
      }
      if (br_.overrun) return Truncated();
      if (index + repeat > nlen + ndist) return Fail("code lengths overflow");
      while (repeat-- > 0) lengths[index++] = value;
    }
    if (lengths[256] == 0) return Fail("no end-of-block code");
    if (!BuildHuffman(lengths, nlen, &lit_)) return Fail("over-subscribed literal/length code");
    if (!BuildHuffman(lengths + nlen, ndist, &dist_)) return Fail("over-subscribed distance code");
    return Codes();
  }

  Status Codes() {
    for (;;) {
      const int sym = Decode(&br_, lit_);
      if (sym < 0) return br_.overrun ? Truncated() : Fail("bad literal/length code");
      if (sym < 256) {
        if (written_ >= out_size_) return TooMuch();
        out_[written_++] = static_cast<uint8_t>(sym);
        continue;
      }
      if (sym == 256) return Status::Ok();
      const int li = sym - 257;
      if (li >= 29) return Fail("bad length symbol");
      const size_t len = kLengthBase[li] + br_.Get(kLengthExtra[li]);
      const int ds = Decode(&br_, dist_);
      if (ds < 0) return br_.overrun ? Truncated() : Fail("bad distance code");
      if (ds >= 30) return Fail("bad distance symbol");
      const size_t dist = kDistBase[ds] + br_.Get(kDistExtra[ds]);
      if (br_.overrun) return Truncated();
      if (dist > written_) return Fail("distance before the start of the data");
      if (out_size_ - written_ < len) return TooMuch();
      for (size_t i = 0; i < len; ++i, ++written_) out_[written_] = out_[written_ - dist];
    }
  }

  BitReader br_;
  uint8_t* out_;
  size_t out_size_;
  size_t written_ = 0;
  const std::string& what_;
  Huffman lit_, dist_;
};

}  // namespace

Status ZlibInflate(const uint8_t* in, size_t in_size, uint8_t* out, size_t out_size, const std::string& what) {
  if (in_size < 6) return Status::Error(StatusCode::kInvalidArgument, "%s: compressed data truncated", what.c_str());
  const unsigned cmf = in[0], flg = in[1];
  if ((cmf & 15) != 8 || (cmf >> 4) > 7 || ((cmf << 8) | flg) % 31 != 0)
    return Status::Error(StatusCode::kInvalidArgument, "%s: not a zlib deflate stream (bad header)", what.c_str());
  if (flg & 0x20)
    return Status::Error(StatusCode::kUnsupported, "%s: zlib stream with a preset dictionary", what.c_str());
  Inflater inf(in + 2, in_size - 2, out, out_size, what);
  EDGERT_RETURN_IF_ERROR(inf.Run());
  const size_t end = 2 + inf.consumed();
  if (in_size - end < 4)
    return Status::Error(StatusCode::kInvalidArgument, "%s: compressed data truncated (no Adler-32)", what.c_str());
  uint32_t a = 1, b = 0;
  for (size_t i = 0; i < out_size; ++i) {
    a = (a + out[i]) % 65521u;
    b = (b + a) % 65521u;
  }
  const uint8_t* p = in + end;
  const uint32_t want = (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
  if (((b << 16) | a) != want)
    return Status::Error(StatusCode::kInvalidArgument, "%s: Adler-32 checksum mismatch", what.c_str());
  return Status::Ok();
}

}  // namespace edgert
