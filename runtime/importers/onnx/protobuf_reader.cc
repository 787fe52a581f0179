#include "runtime/importers/onnx/protobuf_reader.h"

#include <cstring>

namespace edgert {
namespace onnx_import {

float ProtoField::as_float() const {
  const uint32_t bits = static_cast<uint32_t>(value);
  float f;
  std::memcpy(&f, &bits, sizeof(f));
  return f;
}

double ProtoField::as_double() const {
  double d;
  std::memcpy(&d, &value, sizeof(d));
  return d;
}

bool ReadVarint(const uint8_t** p, const uint8_t* end, uint64_t* out) {
  uint64_t v = 0;
  const uint8_t* q = *p;
  for (int i = 0; i < 10; ++i) {
    if (q >= end) return false;
    const uint8_t b = *q++;
    if (i == 9 && b > 1) return false;  // more than 64 bits
    v |= static_cast<uint64_t>(b & 0x7f) << (7 * i);
    if ((b & 0x80) == 0) {
      *p = q;
      *out = v;
      return true;
    }
  }
  return false;
}

bool ProtoReader::Fail(const char* why) {
  status_ = Status::Error(StatusCode::kInvalidModel, "malformed protobuf in %s: %s", what_, why);
  p_ = end_;
  return false;
}

bool ProtoReader::Next(ProtoField* f) {
  if (!status_.ok() || p_ >= end_) return false;
  uint64_t tag;
  if (!ReadVarint(&p_, end_, &tag)) return Fail("truncated or overlong tag");
  if (tag > 0xffffffffu) return Fail("tag out of range");
  const uint32_t number = static_cast<uint32_t>(tag >> 3);
  const uint32_t wire = static_cast<uint32_t>(tag & 7);
  if (number == 0) return Fail("field number 0");
  *f = ProtoField();
  f->number = number;
  switch (wire) {
    case 0:
      f->wire = WireType::kVarint;
      if (!ReadVarint(&p_, end_, &f->value)) return Fail("truncated or overlong varint");
      return true;
    case 1:
      f->wire = WireType::kFixed64;
      if (end_ - p_ < 8) return Fail("truncated fixed64");
      for (int i = 0; i < 8; ++i) f->value |= static_cast<uint64_t>(p_[i]) << (8 * i);
      p_ += 8;
      return true;
    case 5:
      f->wire = WireType::kFixed32;
      if (end_ - p_ < 4) return Fail("truncated fixed32");
      for (int i = 0; i < 4; ++i) f->value |= static_cast<uint64_t>(p_[i]) << (8 * i);
      p_ += 4;
      return true;
    case 2: {
      f->wire = WireType::kLengthDelimited;
      uint64_t len;
      if (!ReadVarint(&p_, end_, &len)) return Fail("truncated length");
      if (len > static_cast<uint64_t>(end_ - p_)) return Fail("length beyond the end of the buffer");
      f->data = p_;
      f->size = static_cast<size_t>(len);
      p_ += len;
      return true;
    }
    default:
      return Fail("unsupported wire type (groups or invalid)");
  }
}

Status ExpectWire(const ProtoField& f, WireType wire, const char* what) {
  if (f.wire == wire) return Status::Ok();
  return Status::Error(StatusCode::kInvalidModel, "malformed ONNX: field %s (number %u) has wire type %d, expected %d",
                       what, f.number, static_cast<int>(f.wire), static_cast<int>(wire));
}

namespace {
Status Bad(const char* what, const char* why) {
  return Status::Error(StatusCode::kInvalidModel, "malformed ONNX: %s: %s", what, why);
}
}  // namespace

Status AppendVarints(const ProtoField& f, std::vector<int64_t>* out, const char* what) {
  if (f.wire == WireType::kVarint) {
    out->push_back(f.as_int64());
    return Status::Ok();
  }
  if (f.wire != WireType::kLengthDelimited) return Bad(what, "wrong wire type for a repeated integer");
  const uint8_t* p = f.data;
  const uint8_t* end = f.data + f.size;
  while (p < end) {
    uint64_t v;
    if (!ReadVarint(&p, end, &v)) return Bad(what, "malformed packed varint");
    out->push_back(static_cast<int64_t>(v));
  }
  return Status::Ok();
}

Status AppendFloats(const ProtoField& f, std::vector<float>* out, const char* what) {
  if (f.wire == WireType::kFixed32) {
    out->push_back(f.as_float());
    return Status::Ok();
  }
  if (f.wire != WireType::kLengthDelimited) return Bad(what, "wrong wire type for a repeated float");
  if (f.size % 4 != 0) return Bad(what, "packed float length is not a multiple of 4");
  const size_t n = f.size / 4;
  const size_t old = out->size();
  out->resize(old + n);
  for (size_t i = 0; i < n; ++i) {
    uint32_t bits = 0;
    for (int k = 0; k < 4; ++k) bits |= static_cast<uint32_t>(f.data[i * 4 + static_cast<size_t>(k)]) << (8 * k);
    std::memcpy(&(*out)[old + i], &bits, 4);
  }
  return Status::Ok();
}

Status AppendDoubles(const ProtoField& f, std::vector<double>* out, const char* what) {
  if (f.wire == WireType::kFixed64) {
    out->push_back(f.as_double());
    return Status::Ok();
  }
  if (f.wire != WireType::kLengthDelimited) return Bad(what, "wrong wire type for a repeated double");
  if (f.size % 8 != 0) return Bad(what, "packed double length is not a multiple of 8");
  const size_t n = f.size / 8;
  const size_t old = out->size();
  out->resize(old + n);
  for (size_t i = 0; i < n; ++i) {
    uint64_t bits = 0;
    for (int k = 0; k < 8; ++k) bits |= static_cast<uint64_t>(f.data[i * 8 + static_cast<size_t>(k)]) << (8 * k);
    std::memcpy(&(*out)[old + i], &bits, 8);
  }
  return Status::Ok();
}

}  // namespace onnx_import
}  // namespace edgert
