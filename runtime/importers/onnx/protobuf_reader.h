// A small, bounds-checked reader of the protobuf wire format (no libprotobuf).
//
//   ProtoReader r(data, size);
//   ProtoField f;
//   while (r.Next(&f)) { if (f.number == 1 && f.wire == WireType::kVarint) ... }
//   if (!r.status().ok()) ...
//
// Every read is checked against the end of the buffer; a malformed tag, varint,
// length or wire type stops the reader with an error status. Nothing is allocated
// from a length read from the input: length-delimited fields point into the input.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "runtime/status.h"

namespace edgert {
namespace onnx_import {

enum class WireType : uint8_t { kVarint = 0, kFixed64 = 1, kLengthDelimited = 2, kFixed32 = 5 };

// Nested messages deeper than this are rejected.
constexpr int kMaxProtoDepth = 32;

struct ProtoField {
  uint32_t number = 0;
  WireType wire = WireType::kVarint;
  uint64_t value = 0;             // varint, fixed64 and fixed32 payloads
  const uint8_t* data = nullptr;  // length-delimited payload (points into the input)
  size_t size = 0;

  std::string str() const { return std::string(reinterpret_cast<const char*>(data), size); }
  int64_t as_int64() const { return static_cast<int64_t>(value); }
  float as_float() const;    // fixed32 payload as float
  double as_double() const;  // fixed64 payload as double
};

class ProtoReader {
 public:
  ProtoReader(const uint8_t* data, size_t size, const char* what = "message") : p_(data), end_(data + size), what_(what) {}

  // The next field; false at the end of the buffer or on an error (see status()).
  bool Next(ProtoField* f);
  const Status& status() const { return status_; }

 private:
  bool Fail(const char* why);
  const uint8_t* p_;
  const uint8_t* end_;
  const char* what_;
  Status status_;
};

// Reads one varint at *p (< end), advancing *p; false when malformed or truncated.
bool ReadVarint(const uint8_t** p, const uint8_t* end, uint64_t* out);

// Repeated scalar fields, accepted both packed (one length-delimited field) and
// unpacked (one field per element). Each appends to `out`; an error names `what`.
Status AppendVarints(const ProtoField& f, std::vector<int64_t>* out, const char* what);
Status AppendFloats(const ProtoField& f, std::vector<float>* out, const char* what);
Status AppendDoubles(const ProtoField& f, std::vector<double>* out, const char* what);

// Checks the wire type of a field; the error names `what`.
Status ExpectWire(const ProtoField& f, WireType wire, const char* what);

}  // namespace onnx_import
}  // namespace edgert
