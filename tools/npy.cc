#include "tools/npy.h"

#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>

namespace edgert {

namespace {

const char* Descr(DType t) {
  switch (t) {
    case DType::kF32: return "<f4";
    case DType::kF16: return "<f2";
    case DType::kI8: return "|i1";
    case DType::kU8: return "|u1";
    case DType::kI16: return "<i2";
    case DType::kI32: return "<i4";
    case DType::kI64: return "<i8";
    case DType::kBool: return "|b1";
    case DType::kBF16: return nullptr;
  }
  return nullptr;
}

bool ParseDescr(const std::string& d, DType* t) {
  static const struct { const char* s; DType t; } kMap[] = {
      {"<f4", DType::kF32}, {"<f2", DType::kF16}, {"|i1", DType::kI8}, {"|u1", DType::kU8}, {"<i2", DType::kI16},
      {"<i4", DType::kI32}, {"<i8", DType::kI64}, {"|b1", DType::kBool}, {"i1", DType::kI8}, {"u1", DType::kU8}};
  for (const auto& m : kMap)
    if (d == m.s) {
      *t = m.t;
      return true;
    }
  return false;
}

// Value of 'key' in the header dict, as raw text up to the next top-level comma.
bool FindValue(const std::string& h, const std::string& key, std::string* v) {
  const size_t k = h.find("'" + key + "'");
  if (k == std::string::npos) return false;
  size_t p = h.find(':', k);
  if (p == std::string::npos) return false;
  ++p;
  while (p < h.size() && h[p] == ' ') ++p;
  if (p >= h.size()) return false;
  if (h[p] == '(') {
    const size_t e = h.find(')', p);
    if (e == std::string::npos) return false;
    *v = h.substr(p, e - p + 1);
  } else if (h[p] == '\'') {
    const size_t e = h.find('\'', p + 1);
    if (e == std::string::npos) return false;
    *v = h.substr(p + 1, e - p - 1);
  } else {
    size_t e = p;
    while (e < h.size() && h[e] != ',' && h[e] != '}') ++e;
    *v = h.substr(p, e - p);
  }
  return true;
}

}  // namespace

Status ReadNpy(const std::string& path, NpyArray* out) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return Status::Error(StatusCode::kIoError, "cannot open '%s'", path.c_str());
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  if (bytes.size() < 10 || std::memcmp(bytes.data(), "\x93NUMPY", 6) != 0)
    return Status::Error(StatusCode::kInvalidArgument, "'%s' is not a .npy file", path.c_str());
  const int major = bytes[6];
  size_t header_len, header_start;
  if (major == 1) {
    header_len = bytes[8] | (bytes[9] << 8);
    header_start = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12) return Status::Error(StatusCode::kInvalidArgument, "'%s': truncated header", path.c_str());
    header_len = bytes[8] | (bytes[9] << 8) | (bytes[10] << 16) | (static_cast<size_t>(bytes[11]) << 24);
    header_start = 12;
  } else {
    return Status::Error(StatusCode::kInvalidArgument, "'%s': unsupported .npy version %d", path.c_str(), major);
  }
  if (header_start + header_len > bytes.size())
    return Status::Error(StatusCode::kInvalidArgument, "'%s': truncated header", path.c_str());
  const std::string h(reinterpret_cast<const char*>(bytes.data() + header_start), header_len);
  std::string descr, order, shape;
  if (!FindValue(h, "descr", &descr) || !FindValue(h, "fortran_order", &order) || !FindValue(h, "shape", &shape))
    return Status::Error(StatusCode::kInvalidArgument, "'%s': malformed header", path.c_str());
  if (!ParseDescr(descr, &out->dtype))
    return Status::Error(StatusCode::kUnsupported, "'%s': dtype '%s' is not supported", path.c_str(), descr.c_str());
  if (order.find("True") != std::string::npos)
    return Status::Error(StatusCode::kUnsupported, "'%s': Fortran order is not supported", path.c_str());
  out->shape.clear();
  int64_t count = 1;
  std::string num;
  for (char c : shape) {
    if (c >= '0' && c <= '9') {
      num += c;
    } else if (!num.empty()) {
      out->shape.push_back(std::stoll(num));
      count *= out->shape.back();
      num.clear();
    }
  }
  const size_t need = static_cast<size_t>(count) * DTypeSize(out->dtype);
  const size_t data_start = header_start + header_len;
  if (bytes.size() - data_start != need)
    return Status::Error(StatusCode::kInvalidArgument, "'%s': expected %zu data bytes, found %zu", path.c_str(), need,
                         bytes.size() - data_start);
  out->data.assign(bytes.begin() + static_cast<std::ptrdiff_t>(data_start), bytes.end());
  return Status::Ok();
}

Status WriteNpy(const std::string& path, DType dtype, const std::vector<int64_t>& shape, const void* data,
                size_t bytes) {
  const char* descr = Descr(dtype);
  if (descr == nullptr) return Status::Error(StatusCode::kUnsupported, "cannot write %s to .npy", DTypeName(dtype));
  std::ostringstream hs;
  hs << "{'descr': '" << descr << "', 'fortran_order': False, 'shape': (";
  for (size_t i = 0; i < shape.size(); ++i) hs << shape[i] << (shape.size() == 1 ? "," : (i + 1 < shape.size() ? ", " : ""));
  hs << "), }";
  std::string header = hs.str();
  const size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header.push_back('\n');
  FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return Status::Error(StatusCode::kIoError, "cannot write '%s'", path.c_str());
  const uint8_t pre[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, static_cast<uint8_t>(header.size() & 0xff),
                           static_cast<uint8_t>(header.size() >> 8)};
  bool ok = std::fwrite(pre, 1, 10, f) == 10 && std::fwrite(header.data(), 1, header.size(), f) == header.size() &&
            std::fwrite(data, 1, bytes, f) == bytes;
  ok = (std::fclose(f) == 0) && ok;
  if (!ok) return Status::Error(StatusCode::kIoError, "short write to '%s'", path.c_str());
  return Status::Ok();
}

}  // namespace edgert
