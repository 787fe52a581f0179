// ONNX importer, QDQ models: small graphs with QuantizeLinear / DequantizeLinear
// (as ONNX Runtime's static quantizer writes them) built here, imported, run
// with the reference kernels and compared, in quantization steps, with a naive
// computation of the quantized model written here (quantize with round half to
// even, exact integer accumulation, requantize in double precision).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "runtime/importers/onnx/onnx_importer.h"
#include "tests/importers/import_test_util.h"
#include "tests/importers/onnx_test_builder.h"

namespace edgert {
namespace {

using namespace onnx_test;

struct Imported : import_test::ImportedModel {
  explicit Imported(const std::vector<uint8_t>& onnx) {
    Status s = ImportOnnx(onnx.data(), onnx.size(), OnnxImportOptions(), &ert, &report);
    INFO(s.message());
    REQUIRE(s.ok());
    Load();
  }
};

// An initializer of ONNX type `type` (2 UINT8, 3 INT8, 6 INT32) with raw data.
Pb IntTensor(const std::string& name, const std::vector<int64_t>& dims, int type, const std::vector<int64_t>& v) {
  Pb t;
  for (int64_t d : dims) t.Varint(1, static_cast<uint64_t>(d));
  t.Varint(2, static_cast<uint64_t>(type));
  t.Bytes(8, name);
  std::string raw;
  for (int64_t x : v) {
    if (type == 6) {
      const uint32_t u = static_cast<uint32_t>(static_cast<int32_t>(x));
      for (int k = 0; k < 4; ++k) raw.push_back(static_cast<char>((u >> (8 * k)) & 0xff));
    } else {
      raw.push_back(static_cast<char>(static_cast<uint8_t>(x)));
    }
  }
  t.Bytes(9, raw);
  return t;
}

struct Q {  // per-tensor quantization of an activation
  float scale;
  int64_t zp;
  bool u8;
  int64_t lo() const { return u8 ? 0 : -128; }
  int64_t hi() const { return u8 ? 255 : 127; }
  int64_t Quantize(double x) const {
    return std::min(hi(), std::max(lo(), static_cast<int64_t>(std::nearbyint(x / scale)) + zp));
  }
  double Real(int64_t q) const { return static_cast<double>(q - zp) * scale; }
};

// Adds scale / zero-point initializers `name`_s / `name`_z; returns their names.
std::vector<std::string> Params(OnnxBuilder* b, const std::string& name, const std::vector<float>& s,
                                const std::vector<int64_t>& z, bool u8) {
  const std::vector<int64_t> dims = s.size() == 1 ? std::vector<int64_t>{} : std::vector<int64_t>{static_cast<int64_t>(s.size())};
  b->Init(FloatTensor(name + "_s", dims, s));
  b->Init(IntTensor(name + "_z", dims, u8 ? 2 : 3, z));
  return {name + "_s", name + "_z"};
}

// x -> QuantizeLinear -> DequantizeLinear -> `out` (the float view of the quantized x).
void QuantizeInput(OnnxBuilder* b, const std::string& x, const Q& q, const std::string& out) {
  auto p = Params(b, x + "_q", {q.scale}, {q.zp}, q.u8);
  b->Node("QuantizeLinear", {x, p[0], p[1]}, {x + "_qi8"});
  b->Node("DequantizeLinear", {x + "_qi8", p[0], p[1]}, {out});
}

// `y` -> QuantizeLinear -> DequantizeLinear -> graph output `out`.
void QuantizeOutput(OnnxBuilder* b, const std::string& y, const Q& q, const std::string& out) {
  auto p = Params(b, y + "_q", {q.scale}, {q.zp}, q.u8);
  b->Node("QuantizeLinear", {y, p[0], p[1]}, {y + "_qi8"});
  b->Node("DequantizeLinear", {y + "_qi8", p[0], p[1]}, {out});
  b->Output(out);
}

// Every output within one step of the naive quantized result.
void ExpectWithinOneStep(const std::vector<float>& got, const std::vector<double>& want, float step) {
  REQUIRE(got.size() == want.size());
  int exact = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    const double d = std::fabs(got[i] - want[i]) / step;
    INFO("element " << i << ": " << got[i] << " vs " << want[i]);
    REQUIRE(d <= 1.0 + 1e-4);
    exact += d < 1e-4;
  }
  // Most values agree exactly (the requantization differs from double precision only on near-ties).
  CHECK(exact >= static_cast<int>(got.size() * 9 / 10));
}

// Conv (per-channel int8 weights, int32 bias) with int8 or uint8 activations,
// plain and depthwise.
void ConvCase(bool u8, bool depthwise, bool per_channel) {
  const int64_t C = depthwise ? 4 : 3, O = 4, H = 6, W = 5, K = 3, Ig = depthwise ? 1 : C;
  const Q qx{0.02f, u8 ? 131 : -5, u8}, qy{0.05f, u8 ? 120 : 3, u8};
  std::vector<float> ws(per_channel ? O : 1);
  for (size_t o = 0; o < ws.size(); ++o) ws[o] = 0.004f + 0.002f * static_cast<float>(o);
  std::vector<int64_t> wq(static_cast<size_t>(O * Ig * K * K)), bq(static_cast<size_t>(O));
  for (size_t i = 0; i < wq.size(); ++i) wq[i] = static_cast<int64_t>((i * 37 + 11) % 255) - 127;
  for (size_t o = 0; o < bq.size(); ++o) bq[o] = static_cast<int64_t>(o * 301) - 500;
  std::vector<float> bs(ws.size());
  for (size_t o = 0; o < ws.size(); ++o) bs[o] = qx.scale * ws[o];

  OnnxBuilder b;
  b.Input("x", {1, C, H, W});
  QuantizeInput(&b, "x", qx, "xd");
  const std::vector<int64_t> wdims = {O, Ig, K, K};
  b.Init(IntTensor("w_q", wdims, 3, wq));
  auto wp = Params(&b, "w", ws, std::vector<int64_t>(ws.size(), 0), false);
  b.Node("DequantizeLinear", {"w_q", wp[0], wp[1]}, {"wd"}, {AInt("axis", 0)});
  b.Init(IntTensor("b_q", {O}, 6, bq));
  b.Init(FloatTensor("b_s", bs.size() == 1 ? std::vector<int64_t>{} : std::vector<int64_t>{O}, bs));
  b.Node("DequantizeLinear", {"b_q", "b_s"}, {"bd"}, {AInt("axis", 0)});
  b.Node("Conv", {"xd", "wd", "bd"}, {"y"},
         {AInts("pads", {1, 0, 1, 1}), AInts("strides", {1, 2}), AInt("group", depthwise ? C : 1)});
  QuantizeOutput(&b, "y", qy, "out");
  Imported im(b.Build(13));
  CHECK(im.report.qdq_int8_groups == 1);
  CHECK(im.report.qdq_float_groups == 0);
  CHECK(im.Count(depthwise ? "DEPTHWISE_CONV_2D" : "CONV_2D") == 1);
  CHECK(im.Count("QUANTIZE") == 1);
  CHECK(im.Count("DEQUANTIZE") == 1);

  const std::vector<float> x = import_test::Random(static_cast<size_t>(C * H * W), 7, -1.5f, 1.5f);
  im.Feed(0, x);
  im.Invoke();
  const int64_t OH = H, OW = (W + 1 - K) / 2 + 1;
  REQUIRE(im.OutShape(0) == std::vector<int32_t>{1, static_cast<int32_t>(O), static_cast<int32_t>(OH), static_cast<int32_t>(OW)});
  std::vector<double> want;
  for (int64_t o = 0; o < O; ++o)
    for (int64_t oy = 0; oy < OH; ++oy)
      for (int64_t ox = 0; ox < OW; ++ox) {
        int64_t acc = bq[static_cast<size_t>(o)];
        for (int64_t i = 0; i < Ig; ++i)
          for (int64_t ky = 0; ky < K; ++ky)
            for (int64_t kx = 0; kx < K; ++kx) {
              const int64_t iy = oy - 1 + ky, ix = ox * 2 + kx;
              if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
              const int64_t c = depthwise ? o : i;
              const int64_t xq = qx.Quantize(x[static_cast<size_t>((c * H + iy) * W + ix)]);
              acc += (xq - qx.zp) * wq[static_cast<size_t>(((o * Ig + i) * K + ky) * K + kx)];
            }
        const double real = static_cast<double>(acc) * qx.scale * ws[per_channel ? static_cast<size_t>(o) : 0];
        want.push_back(qy.Real(qy.Quantize(real)));
      }
  ExpectWithinOneStep(im.Out(0), want, qy.scale);
}

TEST_CASE("ONNX QDQ Conv runs as an int8 conv", "[importers][onnx][qdq]") {
  SECTION("int8, per-channel") { ConvCase(false, false, true); }
  SECTION("uint8, per-channel") { ConvCase(true, false, true); }
  SECTION("int8, per-tensor") { ConvCase(false, false, false); }
  SECTION("uint8, per-tensor") { ConvCase(true, false, false); }
  SECTION("int8, depthwise per-channel") { ConvCase(false, true, true); }
  SECTION("uint8, depthwise per-tensor") { ConvCase(true, true, false); }
}

// Two quantized branches: MaxPool (other output parameters: requantized) and
// Concat of both, GlobalAveragePool, Flatten, Gemm (per-channel weights), Add.
TEST_CASE("ONNX QDQ pool / concat / gemm / add groups run as int8 ops", "[importers][onnx][qdq]") {
  const bool u8 = GENERATE(false, true);
  const Q qx{0.03f, u8 ? 128 : 0, u8}, qp{0.035f, u8 ? 100 : -20, u8}, qc{0.04f, u8 ? 110 : -10, u8},
      qg{0.02f, u8 ? 90 : -40, u8}, qf{0.1f, u8 ? 130 : 5, u8}, qa{0.12f, u8 ? 125 : 2, u8};
  const int64_t C = 3, H = 4, W = 4, N = 5;
  OnnxBuilder b;
  b.Input("x", {1, C, H, W});
  QuantizeInput(&b, "x", qx, "xd");
  b.Node("MaxPool", {"xd"}, {"p"}, {AInts("kernel_shape", {2, 2}), AInts("strides", {1, 1}), AInts("pads", {0, 0, 1, 1})});
  auto pp = Params(&b, "p", {qp.scale}, {qp.zp}, u8);
  b.Node("QuantizeLinear", {"p", pp[0], pp[1]}, {"pq"});
  b.Node("DequantizeLinear", {"pq", pp[0], pp[1]}, {"pd"});
  b.Node("Concat", {"xd", "pd"}, {"c"}, {AInt("axis", 1)});
  auto cp = Params(&b, "c", {qc.scale}, {qc.zp}, u8);
  b.Node("QuantizeLinear", {"c", cp[0], cp[1]}, {"cq"});
  b.Node("DequantizeLinear", {"cq", cp[0], cp[1]}, {"cd"});
  b.Node("GlobalAveragePool", {"cd"}, {"g"});
  auto gp = Params(&b, "g", {qg.scale}, {qg.zp}, u8);
  b.Node("QuantizeLinear", {"g", gp[0], gp[1]}, {"gq"});
  b.Node("DequantizeLinear", {"gq", gp[0], gp[1]}, {"gd"});
  b.Node("Flatten", {"gd"}, {"f0"});
  b.Node("QuantizeLinear", {"f0", gp[0], gp[1]}, {"f0q"});
  b.Node("DequantizeLinear", {"f0q", gp[0], gp[1]}, {"f0d"});
  std::vector<int64_t> wq(static_cast<size_t>(N * 2 * C));
  for (size_t i = 0; i < wq.size(); ++i) wq[i] = static_cast<int64_t>((i * 53 + 7) % 255) - 127;
  std::vector<float> ws(static_cast<size_t>(N));
  for (size_t o = 0; o < ws.size(); ++o) ws[o] = 0.01f + 0.003f * static_cast<float>(o);
  b.Init(IntTensor("w_q", {N, 2 * C}, 3, wq));
  auto wp = Params(&b, "w", ws, std::vector<int64_t>(ws.size(), 0), false);
  b.Node("DequantizeLinear", {"w_q", wp[0], wp[1]}, {"wd"}, {AInt("axis", 0)});
  b.Node("Gemm", {"f0d", "wd"}, {"f"}, {AInt("transB", 1)});
  auto fp = Params(&b, "f", {qf.scale}, {qf.zp}, u8);
  b.Node("QuantizeLinear", {"f", fp[0], fp[1]}, {"fq"});
  b.Node("DequantizeLinear", {"fq", fp[0], fp[1]}, {"fd"});
  b.Node("DequantizeLinear", {"fq", fp[0], fp[1]}, {"fd2"});
  b.Node("Add", {"fd", "fd2"}, {"a"});
  QuantizeOutput(&b, "a", qa, "out");
  Imported im(b.Build(13));
  CHECK(im.report.qdq_int8_groups == 6);
  CHECK(im.report.qdq_float_groups == 0);
  for (const char* op : {"MAX_POOL_2D", "CONCATENATION", "MEAN", "FULLY_CONNECTED", "ADD", "QUANTIZE", "DEQUANTIZE"})
    CHECK(im.Count(op) >= 1);
  CHECK(im.Count("DEQUANTIZE") == 1);

  const std::vector<float> x = import_test::Random(static_cast<size_t>(C * H * W), 11, -2.f, 2.f);
  im.Feed(0, x);
  im.Invoke();
  // Naive: quantized values at every step, NCHW.
  std::vector<int64_t> xq(x.size());
  for (size_t i = 0; i < x.size(); ++i) xq[i] = qx.Quantize(x[i]);
  std::vector<double> mean(static_cast<size_t>(2 * C));
  for (int64_t c = 0; c < C; ++c) {
    double sx = 0, sp = 0;
    for (int64_t y = 0; y < H; ++y)
      for (int64_t i = 0; i < W; ++i) {
        sx += qc.Real(qc.Quantize(qx.Real(xq[static_cast<size_t>((c * H + y) * W + i)])));
        int64_t m = -1000;
        for (int64_t ky = 0; ky < 2; ++ky)
          for (int64_t kx = 0; kx < 2; ++kx)
            if (y + ky < H && i + kx < W) m = std::max(m, xq[static_cast<size_t>((c * H + y + ky) * W + i + kx)]);
        sp += qc.Real(qc.Quantize(qp.Real(qp.Quantize(qx.Real(m)))));
      }
    mean[static_cast<size_t>(c)] = qg.Real(qg.Quantize(sx / (H * W)));
    mean[static_cast<size_t>(C + c)] = qg.Real(qg.Quantize(sp / (H * W)));
  }
  std::vector<double> want;
  for (int64_t o = 0; o < N; ++o) {
    double acc = 0;
    for (int64_t k = 0; k < 2 * C; ++k) acc += mean[static_cast<size_t>(k)] * wq[static_cast<size_t>(o * 2 * C + k)] * ws[static_cast<size_t>(o)];
    const double f = qf.Real(qf.Quantize(acc));
    want.push_back(qa.Real(qa.Quantize(2 * f)));
  }
  // Each requantization may round the other way on a near-tie: the Gemm's
  // output may be one of its steps off (doubled by the Add of it to itself),
  // plus one output step.
  const std::vector<float> got = im.Out(0);
  REQUIRE(got.size() == want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    INFO("element " << i << ": " << got[i] << " vs " << want[i]);
    CHECK(std::fabs(got[i] - want[i]) <= (qa.scale + 2 * qf.scale) * 1.0001);
  }
}

TEST_CASE("ONNX QDQ group without an int8 kernel stays float between DEQUANTIZE and QUANTIZE", "[importers][onnx][qdq]") {
  const Q qx{0.03f, 3, false}, qy{1.f / 256, -128, false};
  OnnxBuilder b;
  b.Input("x", {1, 8});
  QuantizeInput(&b, "x", qx, "xd");
  b.Node("Sigmoid", {"xd"}, {"y"});
  QuantizeOutput(&b, "y", qy, "out");
  Imported im(b.Build(13));
  CHECK(im.report.qdq_int8_groups == 0);
  CHECK(im.report.qdq_float_groups == 1);
  bool noted = false;
  for (const std::string& w : im.report.warnings) noted = noted || w.find("Sigmoid") != std::string::npos;
  CHECK(noted);
  CHECK(im.Count("LOGISTIC") == 1);
  CHECK(im.Count("QUANTIZE") == 2);
  CHECK(im.Count("DEQUANTIZE") == 2);
  const std::vector<float> x = import_test::Random(8, 3, -3.f, 3.f);
  im.Feed(0, x);
  im.Invoke();
  std::vector<double> want;
  for (float v : x) want.push_back(qy.Real(qy.Quantize(1.0 / (1.0 + std::exp(-qx.Real(qx.Quantize(v)))))));
  ExpectWithinOneStep(im.Out(0), want, qy.scale);
}

TEST_CASE("ONNX QDQ Concat with a float constant input stays float", "[importers][onnx][qdq]") {
  const Q qx{0.05f, 0, false}, qy{0.06f, -3, false};
  OnnxBuilder b;
  b.Input("x", {1, 3});
  QuantizeInput(&b, "x", qx, "xd");
  b.Weights("k", {1, 2}, {0.3f, -0.7f});
  b.Node("Concat", {"xd", "k"}, {"y"}, {AInt("axis", 1)});
  QuantizeOutput(&b, "y", qy, "out");
  Imported im(b.Build(13));
  CHECK(im.report.qdq_int8_groups == 0);
  CHECK(im.report.qdq_float_groups == 1);
  const std::vector<float> x = {0.12f, -1.f, 2.3f};
  im.Feed(0, x);
  im.Invoke();
  std::vector<double> want;
  for (float v : x) want.push_back(qy.Real(qy.Quantize(qx.Real(qx.Quantize(v)))));
  for (float v : {0.3f, -0.7f}) want.push_back(qy.Real(qy.Quantize(v)));
  ExpectWithinOneStep(im.Out(0), want, qy.scale);
}

TEST_CASE("ONNX QDQ: unsupported quantization is refused with a clear error", "[importers][onnx][qdq]") {
  auto import = [](OnnxBuilder& b) {
    const std::vector<uint8_t> onnx = b.Build(13);
    std::vector<uint8_t> ert;
    ImportReport report;
    return ImportOnnx(onnx.data(), onnx.size(), OnnxImportOptions(), &ert, &report);
  };
  SECTION("per-axis activation quantization") {
    OnnxBuilder b;
    b.Input("x", {1, 2});
    auto p = Params(&b, "q", {0.1f, 0.2f}, {0, 0}, false);
    b.Node("QuantizeLinear", {"x", p[0], p[1]}, {"xq"}, {AInt("axis", 1)});
    b.Node("DequantizeLinear", {"xq", p[0], p[1]}, {"y"}, {AInt("axis", 1)});
    b.Output("y");
    Status s = import(b);
    REQUIRE(!s.ok());
    CHECK(s.message().find("per-axis") != std::string::npos);
  }
  SECTION("16-bit types") {
    OnnxBuilder b;
    b.Input("x", {1, 2});
    b.Init(FloatTensor("s", {}, {0.1f}));
    Pb z;
    z.Varint(2, 5).Bytes(8, "z").Bytes(9, std::string(2, '\0'));  // INT16 scalar
    b.Init(z);
    b.Node("QuantizeLinear", {"x", "s", "z"}, {"xq"});
    b.Node("DequantizeLinear", {"xq", "s", "z"}, {"y"});
    b.Output("y");
    Status s = import(b);
    REQUIRE(!s.ok());
    CHECK(s.message().find("INT16") != std::string::npos);
  }
  SECTION("non-positive scale") {
    OnnxBuilder b;
    b.Input("x", {1, 2});
    auto p = Params(&b, "q", {0.f}, {0}, false);
    b.Node("QuantizeLinear", {"x", p[0], p[1]}, {"xq"});
    b.Node("DequantizeLinear", {"xq", p[0], p[1]}, {"y"});
    b.Output("y");
    Status s = import(b);
    REQUIRE(!s.ok());
    CHECK(s.message().find("scale") != std::string::npos);
  }
}

}  // namespace
}  // namespace edgert
