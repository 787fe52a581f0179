// Test-only ONNX model writer: a minimal protobuf encoder, ONNX tensor and
// attribute messages and a graph builder (OnnxBuilder), shared by the ONNX
// importer tests.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace edgert {
namespace onnx_test {

// --- a minimal protobuf writer ------------------------------------------------

class Pb {
 public:
  Pb& Varint(int field, uint64_t v) {
    Tag(field, 0);
    PutVarint(v);
    return *this;
  }
  Pb& Fixed32(int field, float f) {
    Tag(field, 5);
    uint32_t b;
    std::memcpy(&b, &f, 4);
    for (int k = 0; k < 4; ++k) buf_.push_back(static_cast<char>((b >> (8 * k)) & 0xff));
    return *this;
  }
  Pb& Bytes(int field, const std::string& s) {
    Tag(field, 2);
    PutVarint(s.size());
    buf_ += s;
    return *this;
  }
  Pb& Msg(int field, const Pb& m) { return Bytes(field, m.buf_); }
  Pb& PackedVarints(int field, const std::vector<int64_t>& v) {
    Pb p;
    for (int64_t x : v) p.PutVarint(static_cast<uint64_t>(x));
    return Bytes(field, p.buf_);
  }
  Pb& PackedFloats(int field, const std::vector<float>& v) {
    std::string s(v.size() * 4, '\0');
    if (!v.empty()) std::memcpy(&s[0], v.data(), s.size());
    return Bytes(field, s);
  }
  const std::string& str() const { return buf_; }

 private:
  void Tag(int field, int wire) { PutVarint(static_cast<uint64_t>(field) << 3 | static_cast<uint64_t>(wire)); }
  void PutVarint(uint64_t v) {
    while (v >= 0x80) {
      buf_.push_back(static_cast<char>((v & 0x7f) | 0x80));
      v >>= 7;
    }
    buf_.push_back(static_cast<char>(v));
  }
  std::string buf_;
};

// ONNX messages (field numbers of onnx.proto).
inline Pb FloatTensor(const std::string& name, const std::vector<int64_t>& dims, const std::vector<float>& v,
               bool raw = true) {
  Pb t;
  for (int64_t d : dims) t.Varint(1, static_cast<uint64_t>(d));  // unpacked dims
  t.Varint(2, 1);                                                 // FLOAT
  t.Bytes(8, name);
  if (raw) {
    std::string s(v.size() * 4, '\0');
    if (!v.empty()) std::memcpy(&s[0], v.data(), s.size());
    t.Bytes(9, s);
  } else {
    t.PackedFloats(4, v);
  }
  return t;
}
inline Pb Int64Tensor(const std::string& name, const std::vector<int64_t>& dims, const std::vector<int64_t>& v) {
  Pb t;
  t.PackedVarints(1, dims);
  t.Varint(2, 7);  // INT64
  t.Bytes(8, name);
  t.PackedVarints(7, v);
  return t;
}

struct Attr {
  Pb pb;
};
inline Attr AInt(const std::string& n, int64_t v) {
  Attr a;
  a.pb.Bytes(1, n).Varint(3, static_cast<uint64_t>(v)).Varint(20, 2);
  return a;
}
inline Attr AFloat(const std::string& n, float v) {
  Attr a;
  a.pb.Bytes(1, n).Fixed32(2, v).Varint(20, 1);
  return a;
}
inline Attr AInts(const std::string& n, const std::vector<int64_t>& v) {
  Attr a;
  a.pb.Bytes(1, n).PackedVarints(8, v).Varint(20, 7);
  return a;
}
inline Attr AStr(const std::string& n, const std::string& s) {
  Attr a;
  a.pb.Bytes(1, n).Bytes(4, s).Varint(20, 3);
  return a;
}
inline Attr ATensor(const std::string& n, const Pb& t) {
  Attr a;
  a.pb.Bytes(1, n).Msg(5, t).Varint(20, 4);
  return a;
}
inline Attr AGraph(const std::string& n, const Pb& g) {
  Attr a;
  a.pb.Bytes(1, n).Msg(6, g).Varint(20, 5);
  return a;
}
inline Attr AStrs(const std::string& n, const std::vector<std::string>& v) {
  Attr a;
  a.pb.Bytes(1, n);
  for (const std::string& x : v) a.pb.Bytes(9, x);
  a.pb.Varint(20, 8);
  return a;
}

class OnnxBuilder {
 public:
  void Node(const std::string& op, const std::vector<std::string>& ins, const std::vector<std::string>& outs,
            const std::vector<Attr>& attrs = {}, const std::string& domain = "") {
    Pb n;
    for (const auto& i : ins) n.Bytes(1, i);
    for (const auto& o : outs) n.Bytes(2, o);
    n.Bytes(3, op + "_" + std::to_string(++count_));
    n.Bytes(4, op);
    for (const auto& a : attrs) n.Msg(5, a.pb);
    if (!domain.empty()) n.Bytes(7, domain);
    graph_.Msg(1, n);
  }
  void Init(const Pb& t) { graph_.Msg(5, t); }
  std::string Weights(const std::string& name, const std::vector<int64_t>& dims, const std::vector<float>& v) {
    Init(FloatTensor(name, dims, v, (count_ + weights_++) % 2 == 0));
    return name;
  }
  // dims: values; a negative value -k means the symbolic dim "sym<k>".
  // elem_type: ONNX element type (1 FLOAT, 7 INT64, ...).
  void Input(const std::string& name, const std::vector<int64_t>& dims, const std::string& param = "batch",
             int elem_type = 1) {
    graph_.Msg(11, ValueInfo(name, dims, param, elem_type));
  }
  void Output(const std::string& name) { graph_.Msg(12, ValueInfo(name, {}, "")); }
  // This graph as a GraphProto (for If branches).
  Pb Graph(const std::string& name) const {
    Pb g = graph_;
    g.Bytes(2, name);
    return g;
  }
  std::vector<uint8_t> Build(int opset = 13) {
    Pb g = graph_;
    g.Bytes(2, "test_graph");
    Pb m;
    m.Varint(1, 8);
    m.Bytes(2, "edgert-test");
    Pb os;
    os.Bytes(1, "").Varint(2, static_cast<uint64_t>(opset));
    m.Msg(8, os);
    m.Msg(7, g);
    const std::string& s = m.str();
    return std::vector<uint8_t>(s.begin(), s.end());
  }

 private:
  static Pb ValueInfo(const std::string& name, const std::vector<int64_t>& dims, const std::string& param,
                      int elem_type = 1) {
    Pb shape;
    for (int64_t d : dims) {
      Pb dim;
      if (d < 0) dim.Bytes(2, param);
      else dim.Varint(1, static_cast<uint64_t>(d));
      shape.Msg(1, dim);
    }
    Pb tt;
    tt.Varint(1, static_cast<uint64_t>(elem_type));
    if (!dims.empty() || elem_type != 1) tt.Msg(2, shape);  // a scalar non-float input keeps its (empty) shape
    Pb type;
    type.Msg(1, tt);
    Pb vi;
    vi.Bytes(1, name).Msg(2, type);
    return vi;
  }
  Pb graph_;
  int count_ = 0, weights_ = 0;
};

}  // namespace onnx_test
}  // namespace edgert
