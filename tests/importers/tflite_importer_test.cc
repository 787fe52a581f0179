// TFLite importer: small .tflite files are built here with FlatBuffers from the
// importer's own schema subset, imported, run with the reference kernels and
// compared with naive computations written here. Hostile variants must be
// rejected (or imported) without a crash; the CI runs this under ASan/UBSan.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "edgert/edgert.h"
#include "edgert/edgert_import.h"
#include "runtime/dtype.h"
#include "runtime/importers/tflite/tflite_importer.h"
#include "runtime/interpreter.h"
#include "runtime/model.h"
#include "runtime/op_resolver.h"
#include "tests/importers/import_test_util.h"
#include "tflite_schema_generated.h"

namespace edgert {
namespace {

namespace tfl = ::edgert::tflite;

// TFLite builtin codes used below (TFLite's BuiltinOperator values).
constexpr int kShape = 77, kPack = 83;
constexpr int kAdd = 0, kConv2D = 3, kDequantize = 6, kFullyConnected = 9, kCustom = 32, kReshape = 22,
              kSqueeze = 43, kSplit = 49, kTransposeConv = 67, kExpandDims = 70, kNms4 = 120, kDensify = 124,
              kGelu = 150;

template <typename T>
std::vector<uint8_t> Bytes(const std::vector<T>& v) {
  std::vector<uint8_t> b(v.size() * sizeof(T));
  if (!v.empty()) std::memcpy(b.data(), v.data(), b.size());
  return b;
}

// Builds a one-subgraph .tflite file.
class TflBuilder {
 public:
  TflBuilder() { buffers_.push_back(tfl::CreateBuffer(fbb_)); }  // buffer 0: the empty sentinel

  flatbuffers::FlatBufferBuilder& fbb() { return fbb_; }

  int Buffer(const std::vector<uint8_t>& data) {
    buffers_.push_back(tfl::CreateBufferDirect(fbb_, &data));
    return static_cast<int>(buffers_.size()) - 1;
  }
  flatbuffers::Offset<tfl::QuantizationParameters> Quant(const std::vector<float>& scale,
                                                         const std::vector<int64_t>& zp, int axis = 0) {
    return tfl::CreateQuantizationParametersDirect(fbb_, &scale, &zp, 0, axis);
  }
  int Tensor(const std::string& name, tfl::TensorType type, const std::vector<int32_t>& shape, int buffer = 0,
             flatbuffers::Offset<tfl::QuantizationParameters> q = 0,
             flatbuffers::Offset<tfl::SparsityParameters> sparsity = 0,
             const std::vector<int32_t>* signature = nullptr) {
    tensors_.push_back(tfl::CreateTensorDirect(fbb_, &shape, type, static_cast<uint32_t>(buffer), name.c_str(), q,
                                               false, sparsity, signature));
    return static_cast<int>(tensors_.size()) - 1;
  }
  template <typename T>
  int Const(const std::string& name, tfl::TensorType type, const std::vector<int32_t>& shape,
            const std::vector<T>& values, flatbuffers::Offset<tfl::QuantizationParameters> q = 0) {
    return Tensor(name, type, shape, Buffer(Bytes(values)), q);
  }
  int Input(const std::string& name, tfl::TensorType type, const std::vector<int32_t>& shape,
            flatbuffers::Offset<tfl::QuantizationParameters> q = 0) {
    const int t = Tensor(name, type, shape, 0, q);
    inputs_.push_back(t);
    return t;
  }
  // An operator code; builtin codes above 127 use the schema 3a encoding.
  int Code(int builtin, const std::string& custom = "", bool only_deprecated_field = false) {
    const std::string key = std::to_string(builtin) + "/" + custom;
    auto it = codes_index_.find(key);
    if (it != codes_index_.end()) return it->second;
    const int8_t dep = static_cast<int8_t>(std::min(builtin, 127));
    codes_.push_back(tfl::CreateOperatorCode(fbb_, dep, custom.empty() ? 0 : fbb_.CreateString(custom), 1,
                                             only_deprecated_field ? 0 : builtin));
    codes_index_[key] = static_cast<int>(codes_.size()) - 1;
    return static_cast<int>(codes_.size()) - 1;
  }
  void Op(int code, const std::vector<int32_t>& ins, const std::vector<int32_t>& outs,
          tfl::BuiltinOptions type = tfl::BuiltinOptions_NONE, flatbuffers::Offset<void> options = 0,
          const std::vector<uint8_t>* custom_options = nullptr) {
    ops_.push_back(tfl::CreateOperatorDirect(fbb_, static_cast<uint32_t>(code), &ins, &outs, type, options,
                                             custom_options));
  }
  void Output(int t) { outputs_.push_back(t); }

  std::vector<uint8_t> Finish() {
    auto g = tfl::CreateSubGraphDirect(fbb_, &tensors_, &inputs_, &outputs_, &ops_, "main");
    std::vector<flatbuffers::Offset<tfl::SubGraph>> graphs{g};
    auto m = tfl::CreateModelDirect(fbb_, 3, &codes_, &graphs, "test model", &buffers_);
    tfl::FinishModelBuffer(fbb_, m);
    return std::vector<uint8_t>(fbb_.GetBufferPointer(), fbb_.GetBufferPointer() + fbb_.GetSize());
  }

 private:
  flatbuffers::FlatBufferBuilder fbb_;
  std::vector<flatbuffers::Offset<tfl::Buffer>> buffers_;
  std::vector<flatbuffers::Offset<tfl::Tensor>> tensors_;
  std::vector<flatbuffers::Offset<tfl::Operator>> ops_;
  std::vector<flatbuffers::Offset<tfl::OperatorCode>> codes_;
  std::map<std::string, int> codes_index_;
  std::vector<int32_t> inputs_, outputs_;
};

// Imports (REQUIREs success) and keeps the loaded model and an interpreter.
struct Imported : import_test::ImportedModel {
  explicit Imported(const std::vector<uint8_t>& tflite, TfliteImportOptions opts = TfliteImportOptions()) {
    Status s = ImportTflite(tflite.data(), tflite.size(), opts, &ert, &report);
    INFO(s.message());
    REQUIRE(s.ok());
    Load();
  }
};

using import_test::Random;

// Naive NHWC convolution, weights [O,KH,KW,I], TFLite SAME/VALID padding.
std::vector<double> NaiveConv(const std::vector<float>& x, int n, int h, int w, int ci, const std::vector<float>& wt,
                              int co, int kh, int kw, const std::vector<float>& bias, int stride, bool same,
                              int* oh_out, int* ow_out) {
  const int oh = same ? (h + stride - 1) / stride : (h - kh) / stride + 1;
  const int ow = same ? (w + stride - 1) / stride : (w - kw) / stride + 1;
  const int pt = same ? std::max((oh - 1) * stride + kh - h, 0) / 2 : 0;
  const int pl = same ? std::max((ow - 1) * stride + kw - w, 0) / 2 : 0;
  std::vector<double> y(static_cast<size_t>(n * oh * ow * co));
  for (int b = 0; b < n; ++b)
    for (int oy = 0; oy < oh; ++oy)
      for (int ox = 0; ox < ow; ++ox)
        for (int oc = 0; oc < co; ++oc) {
          double acc = bias.empty() ? 0.0 : bias[static_cast<size_t>(oc)];
          for (int ky = 0; ky < kh; ++ky)
            for (int kx = 0; kx < kw; ++kx) {
              const int iy = oy * stride - pt + ky, ix = ox * stride - pl + kx;
              if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
              for (int ic = 0; ic < ci; ++ic)
                acc += static_cast<double>(x[static_cast<size_t>(((b * h + iy) * w + ix) * ci + ic)]) *
                       wt[static_cast<size_t>(((oc * kh + ky) * kw + kx) * ci + ic)];
            }
          y[static_cast<size_t>(((b * oh + oy) * ow + ox) * co + oc)] = acc;
        }
  *oh_out = oh;
  *ow_out = ow;
  return y;
}

// Naive transpose convolution (scatter form) with explicit top/left padding.
std::vector<double> NaiveTransposeConv(const std::vector<float>& x, int h, int w, int ci, const std::vector<float>& wt,
                                       int co, int kh, int kw, const std::vector<float>& bias, int sh, int sw, int oh,
                                       int ow, int pad_top, int pad_left) {
  std::vector<double> y(static_cast<size_t>(oh * ow * co), 0.0);
  for (int iy = 0; iy < h; ++iy)
    for (int ix = 0; ix < w; ++ix)
      for (int ky = 0; ky < kh; ++ky)
        for (int kx = 0; kx < kw; ++kx) {
          const int oy = iy * sh - pad_top + ky, ox = ix * sw - pad_left + kx;
          if (oy < 0 || oy >= oh || ox < 0 || ox >= ow) continue;
          for (int oc = 0; oc < co; ++oc)
            for (int ic = 0; ic < ci; ++ic)
              y[static_cast<size_t>((oy * ow + ox) * co + oc)] +=
                  static_cast<double>(x[static_cast<size_t>((iy * w + ix) * ci + ic)]) *
                  wt[static_cast<size_t>(((oc * kh + ky) * kw + kx) * ci + ic)];
        }
  if (!bias.empty())
    for (size_t i = 0; i < y.size(); ++i) y[i] += bias[i % static_cast<size_t>(co)];
  return y;
}

void RequireClose(const std::vector<float>& got, const std::vector<double>& want, double tol = 1e-4) {
  REQUIRE(got.size() == want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    INFO("element " << i << ": got " << got[i] << ", want " << want[i]);
    REQUIRE(std::fabs(got[i] - want[i]) <= tol * (1.0 + std::fabs(want[i])));
  }
}

// x[1,5,5,2] -> CONV_2D 3x3 stride 2 SAME, RELU6 fused -> y; y + c with fused TANH -> z.
struct ConvModel {
  std::vector<float> x = Random(50, 1, -2.f, 2.f), w = Random(3 * 3 * 3 * 2, 2), b = {0.5f, -0.25f, 3.f},
                     c = {0.1f, -0.2f, 0.3f};
  std::vector<uint8_t> Build(bool old_style_codes = false) {
    TflBuilder t;
    const int x_t = t.Input("x", tfl::TensorType_FLOAT32, {1, 5, 5, 2});
    const int w_t = t.Const("w", tfl::TensorType_FLOAT32, {3, 3, 3, 2}, w);
    const int b_t = t.Const("b", tfl::TensorType_FLOAT32, {3}, b);
    const int y_t = t.Tensor("y", tfl::TensorType_FLOAT32, {1, 3, 3, 3});
    const int c_t = t.Const("c", tfl::TensorType_FLOAT32, {3}, c);
    const int z_t = t.Tensor("z", tfl::TensorType_FLOAT32, {1, 3, 3, 3});
    auto conv = tfl::CreateConv2DOptions(t.fbb(), tfl::Padding_SAME, 2, 2, tfl::ActivationFunctionType_RELU6);
    t.Op(t.Code(kConv2D, "", old_style_codes), {x_t, w_t, b_t}, {y_t}, tfl::BuiltinOptions_Conv2DOptions,
         conv.Union());
    auto add = tfl::CreateAddOptions(t.fbb(), tfl::ActivationFunctionType_TANH);
    t.Op(t.Code(kAdd, "", old_style_codes), {y_t, c_t}, {z_t}, tfl::BuiltinOptions_AddOptions, add.Union());
    t.Output(y_t);
    t.Output(z_t);
    return t.Finish();
  }
  void Check(Imported& m) {
    m.Feed(0, x);
    m.Invoke();
    int oh, ow;
    std::vector<double> y = NaiveConv(x, 1, 5, 5, 2, w, 3, 3, 3, b, 2, true, &oh, &ow);
    REQUIRE(oh == 3);
    for (double& v : y) v = std::min(std::max(v, 0.0), 6.0);
    std::vector<double> z(y.size());
    for (size_t i = 0; i < y.size(); ++i) z[i] = std::tanh(y[i] + c[i % 3]);
    REQUIRE(m.OutShape(0) == std::vector<int32_t>{1, 3, 3, 3});
    RequireClose(m.Out<float>(0), y);
    RequireClose(m.Out<float>(1), z);
  }
};

TEST_CASE("tflite import: float conv with fused RELU6, fused TANH split off", "[importer][tflite]") {
  ConvModel cm;
  const std::vector<uint8_t> file = cm.Build();
  REQUIRE(IsTfliteBuffer(file.data(), file.size()));
  {
    // A caller's buffer need not be aligned.
    std::vector<uint8_t> shifted(file.size() + 1);
    std::memcpy(shifted.data() + 1, file.data(), file.size());
    std::vector<uint8_t> ert;
    Status s = ImportTflite(shifted.data() + 1, file.size(), TfliteImportOptions(), &ert, nullptr);
    INFO(s.message());
    REQUIRE(s.ok());
  }
  Imported m(file);
  CHECK(m.Count("CONV_2D") == 1);
  CHECK(m.Count("ADD") == 1);
  CHECK(m.Count("TANH") == 1);  // TANH is not a fused activation in edgert
  CHECK(m.report.separate_activations == 1);
  CHECK(m.report.num_constants == 3);
  CHECK(m.report.source_op_counts.at("CONV_2D") == 1);
  // Names and graph I/O survive.
  REQUIRE(m.model->inputs().size() == 1);
  CHECK(m.model->tensors()[static_cast<size_t>(m.model->inputs()[0])].name == "x");
  REQUIRE(m.model->outputs().size() == 2);
  CHECK(m.model->tensors()[static_cast<size_t>(m.model->outputs()[0])].name == "y");
  CHECK(m.model->tensors()[static_cast<size_t>(m.model->outputs()[1])].name == "z");
  CHECK(std::string(m.model->metadata("source_format")) == "tflite");
  cm.Check(m);
}

TEST_CASE("tflite import: schema 3a opcode rule (old files, codes above 127)", "[importer][tflite]") {
  SECTION("only deprecated_builtin_code set") {
    ConvModel cm;
    Imported m(cm.Build(/*old_style_codes=*/true));
    cm.Check(m);
  }
  SECTION("GELU (150) through builtin_code with deprecated_builtin_code = 127") {
    TflBuilder t;
    const int x = t.Input("x", tfl::TensorType_FLOAT32, {4});
    const int y = t.Tensor("y", tfl::TensorType_FLOAT32, {4});
    t.Op(t.Code(kGelu), {x}, {y}, tfl::BuiltinOptions_GeluOptions, tfl::CreateGeluOptions(t.fbb(), false).Union());
    t.Output(y);
    Imported m(t.Finish());
    CHECK(m.Count("GELU") == 1);
    const std::vector<float> xs = {-2.f, -0.5f, 0.f, 1.5f};
    m.Feed(0, xs);
    m.Invoke();
    std::vector<double> want;
    for (float v : xs) want.push_back(0.5 * v * (1.0 + std::erf(v / std::sqrt(2.0))));
    RequireClose(m.Out<float>(0), want, 1e-5);
  }
}

TEST_CASE("tflite import: int8 conv with per-channel weights", "[importer][tflite]") {
  const float in_s = 0.05f, out_s = 0.1f;
  const int in_zp = -3, out_zp = 5;
  const std::vector<float> w_s = {0.01f, 0.02f, 0.015f};
  std::mt19937 rng(7);
  std::vector<int8_t> xq(1 * 4 * 4 * 2), wq(3 * 3 * 3 * 2);
  for (auto& v : xq) v = static_cast<int8_t>(static_cast<int>(rng() % 255) - 127);
  for (auto& v : wq) v = static_cast<int8_t>(static_cast<int>(rng() % 255) - 127);
  const std::vector<int32_t> bq = {100, -250, 37};

  TflBuilder t;
  const int x = t.Input("x", tfl::TensorType_INT8, {1, 4, 4, 2}, t.Quant({in_s}, {in_zp}));
  const int w = t.Const("w", tfl::TensorType_INT8, {3, 3, 3, 2}, wq, t.Quant(w_s, {0, 0, 0}, 0));
  std::vector<float> b_s;
  for (float s : w_s) b_s.push_back(in_s * s);
  const int b = t.Const("b", tfl::TensorType_INT32, {3}, bq, t.Quant(b_s, {0, 0, 0}, 0));
  const int y = t.Tensor("y", tfl::TensorType_INT8, {1, 4, 4, 3}, 0, t.Quant({out_s}, {out_zp}));
  t.Op(t.Code(kConv2D), {x, w, b}, {y}, tfl::BuiltinOptions_Conv2DOptions,
       tfl::CreateConv2DOptions(t.fbb(), tfl::Padding_SAME, 1, 1, tfl::ActivationFunctionType_RELU).Union());
  t.Output(y);
  Imported m(t.Finish());

  // Quantization parameters are carried over, per channel along quantized_dimension 0.
  const TensorInfo* wi = nullptr;
  for (const TensorInfo& ti : m.model->tensors())
    if (ti.name == "w") wi = &ti;
  REQUIRE(wi != nullptr);
  REQUIRE(wi->scale.size() == 3);
  CHECK(wi->scale[1] == w_s[1]);
  CHECK(wi->quant_axis == 0);
  const TensorInfo& xi = m.model->tensors()[static_cast<size_t>(m.model->inputs()[0])];
  REQUIRE(xi.scale.size() == 1);
  CHECK(xi.zero_point[0] == in_zp);

  m.Feed(0, xq);
  m.Invoke();
  const std::vector<int8_t> got = m.Out<int8_t>(0);
  // Naive: real-valued convolution of the dequantized values, requantized; TFLite's
  // fixed-point arithmetic may differ from exact rounding by one step.
  std::vector<float> xf(xq.size()), wf(wq.size()), bf(3);
  for (size_t i = 0; i < xq.size(); ++i) xf[i] = in_s * static_cast<float>(xq[i] - in_zp);
  for (size_t i = 0; i < wq.size(); ++i) wf[i] = w_s[i / 18] * static_cast<float>(wq[i]);
  for (int c = 0; c < 3; ++c) bf[static_cast<size_t>(c)] = b_s[static_cast<size_t>(c)] * static_cast<float>(bq[static_cast<size_t>(c)]);
  int oh, ow;
  const std::vector<double> real = NaiveConv(xf, 1, 4, 4, 2, wf, 3, 3, 3, bf, 1, true, &oh, &ow);
  REQUIRE(got.size() == real.size());
  for (size_t i = 0; i < got.size(); ++i) {
    const double q = std::min(127.0, std::max(static_cast<double>(out_zp), std::round(real[i] / out_s) + out_zp));
    INFO("element " << i);
    REQUIRE(std::fabs(got[i] - q) <= 1.0);
  }
}

// w16 (f16 constant [4,3]) -> DEQUANTIZE -> FULLY_CONNECTED(x[2,3]) -> y[2,4].
std::vector<uint8_t> BuildFp16Fc(const std::vector<float>& w) {
  std::vector<uint16_t> h;
  for (float v : w) h.push_back(FloatToHalf(v));
  TflBuilder t;
  const int x = t.Input("x", tfl::TensorType_FLOAT32, {2, 3});
  const int w16 = t.Const("w16", tfl::TensorType_FLOAT16, {4, 3}, h);
  const int w32 = t.Tensor("w32", tfl::TensorType_FLOAT32, {4, 3});
  const int y = t.Tensor("y", tfl::TensorType_FLOAT32, {2, 4});
  t.Op(t.Code(kDequantize), {w16}, {w32});
  t.Op(t.Code(kFullyConnected), {x, w32, -1}, {y}, tfl::BuiltinOptions_FullyConnectedOptions,
       tfl::CreateFullyConnectedOptions(t.fbb()).Union());
  t.Output(y);
  return t.Finish();
}

std::vector<double> NaiveFc(const std::vector<float>& x, int batch, int in, const std::vector<float>& w, int out) {
  std::vector<double> y(static_cast<size_t>(batch * out));
  for (int b = 0; b < batch; ++b)
    for (int o = 0; o < out; ++o) {
      double acc = 0;
      for (int i = 0; i < in; ++i)
        acc += static_cast<double>(x[static_cast<size_t>(b * in + i)]) * w[static_cast<size_t>(o * in + i)];
      y[static_cast<size_t>(b * out + o)] = acc;
    }
  return y;
}

TEST_CASE("tflite import: float16 weights through DEQUANTIZE are folded", "[importer][tflite]") {
  const std::vector<float> w = Random(12, 11);
  std::vector<float> w_rounded;  // what float16 storage keeps
  for (float v : w) w_rounded.push_back(HalfToFloat(FloatToHalf(v)));
  const std::vector<float> x = Random(6, 12);
  const std::vector<uint8_t> file = BuildFp16Fc(w);
  const std::vector<double> want = NaiveFc(x, 2, 3, w_rounded, 4);

  SECTION("folded (default)") {
    Imported m(file);
    CHECK(m.Count("DEQUANTIZE") == 0);
    CHECK(m.report.folded_dequantize == 1);
    CHECK(m.report.constant_bytes == 12 * 4);
    m.Feed(0, x);
    m.Invoke();
    RequireClose(m.Out<float>(0), want, 1e-6);
  }
  SECTION("kept as float16 + DEQUANTIZE") {
    TfliteImportOptions o;
    o.fold_fp16 = false;
    Imported m(file, o);
    CHECK(m.Count("DEQUANTIZE") == 1);
    CHECK(m.report.constant_bytes == 12 * 2);
    m.Feed(0, x);
    m.Invoke();
    RequireClose(m.Out<float>(0), want, 1e-6);
  }
}

// A sparse constant [rows, cols] -> DENSIFY -> FULLY_CONNECTED(x[1, cols]).
std::vector<uint8_t> BuildSparseFc(int rows, int cols, const std::vector<int32_t>& traversal,
                                   const std::vector<int32_t>& block_map,
                                   const std::function<std::vector<flatbuffers::Offset<tfl::DimensionMetadata>>(
                                       flatbuffers::FlatBufferBuilder&)>& dims,
                                   const std::vector<float>& values) {
  TflBuilder t;
  const int x = t.Input("x", tfl::TensorType_FLOAT32, {1, cols});
  const std::vector<flatbuffers::Offset<tfl::DimensionMetadata>> dm = dims(t.fbb());
  auto sp = tfl::CreateSparsityParametersDirect(t.fbb(), &traversal, block_map.empty() ? nullptr : &block_map, &dm);
  const int ws = t.Tensor("w_sparse", tfl::TensorType_FLOAT32, {rows, cols}, t.Buffer(Bytes(values)), 0, sp);
  const int wd = t.Tensor("w_dense", tfl::TensorType_FLOAT32, {rows, cols});
  const int y = t.Tensor("y", tfl::TensorType_FLOAT32, {1, rows});
  t.Op(t.Code(kDensify), {ws}, {wd});
  t.Op(t.Code(kFullyConnected), {x, wd}, {y}, tfl::BuiltinOptions_FullyConnectedOptions,
       tfl::CreateFullyConnectedOptions(t.fbb()).Union());
  t.Output(y);
  return t.Finish();
}

TEST_CASE("tflite import: sparse constants are densified, DENSIFY disappears", "[importer][tflite]") {
  const std::vector<float> x = {1.f, 2.f, 3.f, 4.f, 5.f, 6.f};
  SECTION("CSR [4,6]: dense rows, sparse columns (uint8 segments, int32 indices)") {
    // Dense matrix:
    //   row 0: 0 1 0 0 2 0
    //   row 1: 0 0 0 0 0 0
    //   row 2: 3 0 0 4 0 5
    //   row 3: 0 0 6 0 0 0
    const std::vector<float> dense = {0, 1, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 4, 0, 5, 0, 0, 6, 0, 0, 0};
    const std::vector<float> values = {1, 2, 3, 4, 5, 6};
    auto dims = [](flatbuffers::FlatBufferBuilder& b) {
      const std::vector<uint8_t> seg = {0, 2, 2, 5, 6};
      const std::vector<int32_t> idx = {1, 4, 0, 3, 5, 2};
      return std::vector<flatbuffers::Offset<tfl::DimensionMetadata>>{
          tfl::CreateDimensionMetadata(b, tfl::DimensionType_DENSE, 4),
          tfl::CreateDimensionMetadata(b, tfl::DimensionType_SPARSE_CSR, 0, tfl::SparseIndexVector_Uint8Vector,
                                       tfl::CreateUint8VectorDirect(b, &seg).Union(),
                                       tfl::SparseIndexVector_Int32Vector,
                                       tfl::CreateInt32VectorDirect(b, &idx).Union())};
    };
    Imported m(BuildSparseFc(4, 6, {0, 1}, {}, dims, values));
    CHECK(m.report.densified == 1);
    CHECK(m.report.op_counts.size() == 1);  // FULLY_CONNECTED only
    CHECK(m.Count("FULLY_CONNECTED") == 1);
    m.Feed(0, x);
    m.Invoke();
    RequireClose(m.Out<float>(0), NaiveFc(x, 1, 6, dense, 4), 1e-6);
  }
  SECTION("block-sparse [4,6] with 2x3 blocks (TFLite's block_map layout)") {
    // Blocks (2x3): block (0,0) and block (1,1) are non-zero; within a block row-major.
    std::vector<float> dense(24, 0.f);
    const std::vector<float> b00 = {1, 2, 3, 4, 5, 6}, b11 = {7, 8, 9, 10, 11, 12};
    for (int r = 0; r < 2; ++r)
      for (int c = 0; c < 3; ++c) {
        dense[static_cast<size_t>(r * 6 + c)] = b00[static_cast<size_t>(r * 3 + c)];
        dense[static_cast<size_t>((2 + r) * 6 + 3 + c)] = b11[static_cast<size_t>(r * 3 + c)];
      }
    std::vector<float> values = b00;
    values.insert(values.end(), b11.begin(), b11.end());
    auto dims = [](flatbuffers::FlatBufferBuilder& b) {
      const std::vector<int32_t> seg = {0, 1, 2};
      const std::vector<uint16_t> idx = {0, 1};
      return std::vector<flatbuffers::Offset<tfl::DimensionMetadata>>{
          tfl::CreateDimensionMetadata(b, tfl::DimensionType_DENSE, 2),
          tfl::CreateDimensionMetadata(b, tfl::DimensionType_SPARSE_CSR, 0, tfl::SparseIndexVector_Int32Vector,
                                       tfl::CreateInt32VectorDirect(b, &seg).Union(),
                                       tfl::SparseIndexVector_Uint16Vector,
                                       tfl::CreateUint16VectorDirect(b, &idx).Union()),
          tfl::CreateDimensionMetadata(b, tfl::DimensionType_DENSE, 2),
          tfl::CreateDimensionMetadata(b, tfl::DimensionType_DENSE, 3)};
    };
    Imported m(BuildSparseFc(4, 6, {0, 1, 2, 3}, {0, 1}, dims, values));
    CHECK(m.report.densified == 1);
    m.Feed(0, x);
    m.Invoke();
    RequireClose(m.Out<float>(0), NaiveFc(x, 1, 6, dense, 4), 1e-6);
  }
  SECTION("an index outside the dimension is rejected with a message") {
    auto dims = [](flatbuffers::FlatBufferBuilder& b) {
      const std::vector<int32_t> seg = {0, 1, 1, 1, 1};
      const std::vector<int32_t> idx = {6};  // columns are 0..5
      return std::vector<flatbuffers::Offset<tfl::DimensionMetadata>>{
          tfl::CreateDimensionMetadata(b, tfl::DimensionType_DENSE, 4),
          tfl::CreateDimensionMetadata(b, tfl::DimensionType_SPARSE_CSR, 0, tfl::SparseIndexVector_Int32Vector,
                                       tfl::CreateInt32VectorDirect(b, &seg).Union(),
                                       tfl::SparseIndexVector_Int32Vector,
                                       tfl::CreateInt32VectorDirect(b, &idx).Union())};
    };
    const std::vector<uint8_t> file = BuildSparseFc(4, 6, {0, 1}, {}, dims, {1.f});
    std::vector<uint8_t> ert;
    Status s = ImportTflite(file.data(), file.size(), TfliteImportOptions(), &ert, nullptr);
    REQUIRE_FALSE(s.ok());
    CHECK(s.message().find("w_sparse") != std::string::npos);
    CHECK(s.message().find("outside") != std::string::npos);
  }
}

// MediaPipe's custom op: custom_options = {int32 padding (1 SAME, 2 VALID), stride_w, stride_h}.
struct TransposeBiasCase {
  int h, w, k, stride;
  int padding;  // 1 SAME, 2 VALID
};

TEST_CASE("tflite import: MediaPipe Convolution2DTransposeBias -> TRANSPOSE_CONV", "[importer][tflite]") {
  const TransposeBiasCase cases[] = {{3, 3, 3, 2, 1}, {4, 5, 3, 2, 1}, {4, 4, 2, 2, 1}, {3, 4, 3, 2, 2},
                                     {2, 3, 4, 3, 1}};
  for (const TransposeBiasCase& tc : cases) {
    const int ci = 3, co = 2;
    INFO("h " << tc.h << " w " << tc.w << " k " << tc.k << " stride " << tc.stride << " padding " << tc.padding);
    // MediaPipe's output size and padding (transpose_conv_bias.cc).
    auto axis = [&](int in, int* pad) {
      *pad = tc.padding == 1 ? std::max(0, tc.k - (in - 1) % tc.stride - 1) : 0;
      return tc.stride * (in - 1) + tc.k - *pad;
    };
    int pad_h, pad_w;
    const int oh = axis(tc.h, &pad_h), ow = axis(tc.w, &pad_w);
    const std::vector<float> x = Random(static_cast<size_t>(tc.h * tc.w * ci), 21);
    const std::vector<float> wt = Random(static_cast<size_t>(co * tc.k * tc.k * ci), 22);
    const std::vector<float> bias = {0.25f, -1.5f};
    TflBuilder t;
    const int xt = t.Input("x", tfl::TensorType_FLOAT32, {1, tc.h, tc.w, ci});
    const int wt_t = t.Const("w", tfl::TensorType_FLOAT32, {co, tc.k, tc.k, ci}, wt);
    const int bt = t.Const("b", tfl::TensorType_FLOAT32, {co}, bias);
    const int yt = t.Tensor("y", tfl::TensorType_FLOAT32, {1, oh, ow, co});
    const std::vector<uint8_t> params = Bytes(std::vector<int32_t>{tc.padding, tc.stride, tc.stride});
    t.Op(t.Code(kCustom, "Convolution2DTransposeBias"), {xt, wt_t, bt}, {yt}, tfl::BuiltinOptions_NONE, 0, &params);
    t.Output(yt);
    Imported m(t.Finish());
    CHECK(m.Count("TRANSPOSE_CONV") == 1);
    m.Feed(0, x);
    m.Invoke();
    REQUIRE(m.OutShape(0) == std::vector<int32_t>{1, oh, ow, co});
    RequireClose(m.Out<float>(0),
                 NaiveTransposeConv(x, tc.h, tc.w, ci, wt, co, tc.k, tc.k, bias, tc.stride, tc.stride, oh, ow,
                                    pad_h / 2, pad_w / 2));
  }
}

TEST_CASE("tflite import: malformed Convolution2DTransposeBias options are rejected", "[importer][tflite]") {
  for (const std::vector<int32_t>& p : {std::vector<int32_t>{1, 2}, std::vector<int32_t>{0, 2, 2},
                                        std::vector<int32_t>{1, 0, 2}, std::vector<int32_t>{3, 2, 2}}) {
    TflBuilder t;
    const int xt = t.Input("x", tfl::TensorType_FLOAT32, {1, 2, 2, 1});
    const int wt = t.Const("w", tfl::TensorType_FLOAT32, {1, 2, 2, 1}, std::vector<float>(4, 1.f));
    const int bt = t.Const("b", tfl::TensorType_FLOAT32, {1}, std::vector<float>{0.f});
    const int yt = t.Tensor("y", tfl::TensorType_FLOAT32, {1, 4, 4, 1});
    const std::vector<uint8_t> params = Bytes(p);
    t.Op(t.Code(kCustom, "Convolution2DTransposeBias"), {xt, wt, bt}, {yt}, tfl::BuiltinOptions_NONE, 0, &params);
    t.Output(yt);
    const std::vector<uint8_t> file = t.Finish();
    std::vector<uint8_t> ert;
    Status s = ImportTflite(file.data(), file.size(), TfliteImportOptions(), &ert, nullptr);
    CHECK_FALSE(s.ok());
    CHECK(s.message().find("Convolution2DTransposeBias") != std::string::npos);
  }
}

TEST_CASE("tflite import: builtin TRANSPOSE_CONV inputs are reordered", "[importer][tflite]") {
  // TFLite: (output_shape, weights, input, bias). SAME, stride 2, 3x3, input 3x3 -> output 6x6.
  const int h = 3, w = 3, ci = 2, co = 2, k = 3, s = 2, oh = 6, ow = 6;
  const std::vector<float> x = Random(static_cast<size_t>(h * w * ci), 31);
  const std::vector<float> wt = Random(static_cast<size_t>(co * k * k * ci), 32);
  const std::vector<float> bias = {1.f, -1.f};
  TflBuilder t;
  const int os = t.Const("output_shape", tfl::TensorType_INT32, {4}, std::vector<int32_t>{1, oh, ow, co});
  const int wt_t = t.Const("w", tfl::TensorType_FLOAT32, {co, k, k, ci}, wt);
  const int xt = t.Input("x", tfl::TensorType_FLOAT32, {1, h, w, ci});
  const int bt = t.Const("b", tfl::TensorType_FLOAT32, {co}, bias);
  const int yt = t.Tensor("y", tfl::TensorType_FLOAT32, {1, oh, ow, co});
  t.Op(t.Code(kTransposeConv), {os, wt_t, xt, bt}, {yt}, tfl::BuiltinOptions_TransposeConvOptions,
       tfl::CreateTransposeConvOptions(t.fbb(), tfl::Padding_SAME, s, s).Union());
  t.Output(yt);
  Imported m(t.Finish());
  m.Feed(0, x);
  m.Invoke();
  // TFLite SAME: total = max(0, (in - 1) * stride + k - out), pad_before = total / 2.
  const int pad = std::max(0, (h - 1) * s + k - oh) / 2;
  RequireClose(m.Out<float>(0), NaiveTransposeConv(x, h, w, ci, wt, co, k, k, bias, s, s, oh, ow, pad, pad));
}

TEST_CASE("tflite import: SPLIT (axis first), EXPAND_DIMS, SQUEEZE, RESHAPE from a tensor", "[importer][tflite]") {
  TflBuilder t;
  const int x = t.Input("x", tfl::TensorType_FLOAT32, {1, 2, 6});
  const int axis = t.Const("axis", tfl::TensorType_INT32, {}, std::vector<int32_t>{2});
  const int a = t.Tensor("a", tfl::TensorType_FLOAT32, {1, 2, 3});
  const int b = t.Tensor("b", tfl::TensorType_FLOAT32, {1, 2, 3});
  const int sum = t.Tensor("sum", tfl::TensorType_FLOAT32, {1, 2, 3});
  const int e_axis = t.Const("e_axis", tfl::TensorType_INT32, {1}, std::vector<int32_t>{-1});
  const int e = t.Tensor("e", tfl::TensorType_FLOAT32, {1, 2, 3, 1});
  const int q = t.Tensor("q", tfl::TensorType_FLOAT32, {2, 3});
  const int shape = t.Const("shape", tfl::TensorType_INT32, {2}, std::vector<int32_t>{3, -1});
  const int y = t.Tensor("y", tfl::TensorType_FLOAT32, {3, 2});
  t.Op(t.Code(kSplit), {axis, x}, {a, b}, tfl::BuiltinOptions_SplitOptions,
       tfl::CreateSplitOptions(t.fbb(), 2).Union());
  t.Op(t.Code(kAdd), {a, b}, {sum}, tfl::BuiltinOptions_AddOptions, tfl::CreateAddOptions(t.fbb()).Union());
  t.Op(t.Code(kExpandDims), {sum, e_axis}, {e});
  const std::vector<int32_t> dims = {0, 3};
  t.Op(t.Code(kSqueeze), {e}, {q}, tfl::BuiltinOptions_SqueezeOptions,
       tfl::CreateSqueezeOptionsDirect(t.fbb(), &dims).Union());
  t.Op(t.Code(kReshape), {q, shape}, {y}, tfl::BuiltinOptions_ReshapeOptions,
       tfl::CreateReshapeOptions(t.fbb()).Union());
  t.Output(y);
  const std::vector<uint8_t> file = t.Finish();
  TfliteImportOptions plain;
  plain.optimize = false;
  // EXPAND_DIMS, SQUEEZE and RESHAPE each become a RESHAPE; the graph
  // optimizer then merges the chain into one.
  const bool optimize = GENERATE(false, true);
  Imported m(file, optimize ? TfliteImportOptions() : plain);
  CHECK(m.Count("SPLIT") == 1);
  CHECK(m.Count("RESHAPE") == (optimize ? 1 : 3));
  const std::vector<float> xs = {1, 2, 3, 10, 20, 30, 4, 5, 6, 40, 50, 60};
  m.Feed(0, xs);
  m.Invoke();
  REQUIRE(m.OutShape(0) == std::vector<int32_t>{3, 2});
  RequireClose(m.Out<float>(0), {11, 22, 33, 44, 55, 66}, 0);
}

TEST_CASE("tflite import: SHAPE becomes a constant, PACK stacks activations or constants", "[importer][tflite]") {
  TflBuilder t;
  const int x = t.Input("x", tfl::TensorType_FLOAT32, {2, 3});
  const int z = t.Input("z", tfl::TensorType_FLOAT32, {2, 3});
  const int shp = t.Tensor("shp", tfl::TensorType_INT32, {2});
  const int c0 = t.Const("c0", tfl::TensorType_INT32, {}, std::vector<int32_t>{7});
  const int c1 = t.Const("c1", tfl::TensorType_INT32, {}, std::vector<int32_t>{-1});
  const int packed_const = t.Tensor("pc", tfl::TensorType_INT32, {2});
  const int y = t.Tensor("y", tfl::TensorType_FLOAT32, {2, 2, 3});
  t.Op(t.Code(kShape), {x}, {shp}, tfl::BuiltinOptions_ShapeOptions, tfl::CreateShapeOptions(t.fbb()).Union());
  t.Op(t.Code(kPack), {x, z}, {y}, tfl::BuiltinOptions_PackOptions, tfl::CreatePackOptions(t.fbb(), 2, 1).Union());
  t.Op(t.Code(kPack), {c0, c1}, {packed_const}, tfl::BuiltinOptions_PackOptions,
       tfl::CreatePackOptions(t.fbb(), 2, 0).Union());
  t.Output(y);
  Imported m(t.Finish());
  CHECK(m.Count("CONCATENATION") == 1);
  const std::vector<float> xs = {1, 2, 3, 4, 5, 6}, zs = {10, 20, 30, 40, 50, 60};
  m.Feed(0, xs);
  m.Feed(1, zs);
  m.Invoke();
  REQUIRE(m.OutShape(0) == std::vector<int32_t>{2, 2, 3});
  RequireClose(m.Out<float>(0), {1, 2, 3, 10, 20, 30, 4, 5, 6, 40, 50, 60}, 0);

  // SHAPE -> PACK of constants -> RESHAPE's shape input: all folded into the RESHAPE.
  TflBuilder u;
  const int a = u.Input("a", tfl::TensorType_FLOAT32, {3, 4});
  const int sa = u.Tensor("sa", tfl::TensorType_INT32, {2});
  const int two = u.Const("two", tfl::TensorType_INT32, {}, std::vector<int32_t>{2});
  const int minus1 = u.Const("m1", tfl::TensorType_INT32, {}, std::vector<int32_t>{-1});
  const int ns = u.Tensor("ns", tfl::TensorType_INT32, {2});
  const int out = u.Tensor("out", tfl::TensorType_FLOAT32, {2, 6});
  const int sa_out = u.Tensor("sa_out", tfl::TensorType_INT32, {2});
  u.Op(u.Code(kShape), {a}, {sa}, tfl::BuiltinOptions_ShapeOptions, tfl::CreateShapeOptions(u.fbb()).Union());
  u.Op(u.Code(kPack), {two, minus1}, {ns}, tfl::BuiltinOptions_PackOptions,
       tfl::CreatePackOptions(u.fbb(), 2, 0).Union());
  u.Op(u.Code(kReshape), {a, ns}, {out}, tfl::BuiltinOptions_ReshapeOptions, tfl::CreateReshapeOptions(u.fbb()).Union());
  u.Op(u.Code(kAdd), {sa, sa}, {sa_out}, tfl::BuiltinOptions_AddOptions, tfl::CreateAddOptions(u.fbb()).Union());
  u.Output(out);
  u.Output(sa_out);
  Imported k(u.Finish());
  CHECK(k.Count("RESHAPE") == 1);
  k.Feed(0, std::vector<float>(12, 1.f));
  k.Invoke();
  REQUIRE(k.OutShape(0) == std::vector<int32_t>{2, 6});
  CHECK(k.Out<int32_t>(1) == std::vector<int32_t>{6, 8});  // SHAPE gave {3, 4}
}

TEST_CASE("tflite import: unsupported ops are all listed in one error", "[importer][tflite]") {
  TflBuilder t;
  const int x = t.Input("x", tfl::TensorType_FLOAT32, {4});
  const int a = t.Tensor("a", tfl::TensorType_FLOAT32, {4});
  const int b = t.Tensor("b", tfl::TensorType_FLOAT32, {4});
  const int c = t.Tensor("c", tfl::TensorType_FLOAT32, {4});
  const int d = t.Tensor("d", tfl::TensorType_FLOAT32, {4});
  t.Op(t.Code(kCustom, "Foo"), {x}, {a});
  t.Op(t.Code(kNms4), {a}, {b});
  t.Op(t.Code(kAdd), {a, b}, {c}, tfl::BuiltinOptions_AddOptions, tfl::CreateAddOptions(t.fbb()).Union());
  t.Op(t.Code(kCustom, "Foo"), {c}, {d});
  t.Output(d);
  const std::vector<uint8_t> file = t.Finish();
  std::vector<uint8_t> ert;
  ImportReport report;
  Status s = ImportTflite(file.data(), file.size(), TfliteImportOptions(), &ert, &report);
  REQUIRE(s.code() == StatusCode::kUnsupported);
  CHECK(s.message() == "unsupported ops: CUSTOM:Foo x2, NON_MAX_SUPPRESSION_V4 x1");
  CHECK(report.unsupported == std::vector<std::string>{"CUSTOM:Foo x2", "NON_MAX_SUPPRESSION_V4 x1"});
  CHECK(ert.empty());
  CHECK(TfliteBuiltinName(120) == "NON_MAX_SUPPRESSION_V4");
  CHECK(TfliteBuiltinName(100000) == "BUILTIN_100000");
}

TEST_CASE("tflite import: C API ert_model_import_file", "[importer][tflite][c_api]") {
  ConvModel cm;
  const std::vector<uint8_t> file = cm.Build();
  const std::string path = "edgert_import_test_model.tflite";
  import_test::WriteFile(path, file);

  char err[256] = "";
  ert_model* model = nullptr;
  REQUIRE(ert_model_import_file(path.c_str(), &model, err, sizeof(err)) == ERT_OK);
  std::remove(path.c_str());
  REQUIRE(model != nullptr);
  CHECK(ert_model_num_ops(model) == 3);  // CONV_2D, ADD, TANH
  ert_interpreter* it = nullptr;
  REQUIRE(ert_interpreter_create(model, nullptr, &it, err, sizeof(err)) == ERT_OK);
  ert_tensor_info in;
  REQUIRE(ert_interpreter_input(it, 0, &in) == ERT_OK);
  REQUIRE(in.bytes == cm.x.size() * 4);
  std::memcpy(in.data, cm.x.data(), in.bytes);
  REQUIRE(ert_interpreter_invoke(it) == ERT_OK);
  ert_tensor_info out;
  REQUIRE(ert_interpreter_output(it, 0, &out) == ERT_OK);
  CHECK(std::string(out.name) == "y");
  CHECK(out.rank == 4);
  ert_interpreter_delete(it);
  ert_model_delete(model);

  // Errors: missing file, garbage buffer, unsupported ops.
  CHECK(ert_model_import_file("/nonexistent/model.tflite", &model, err, sizeof(err)) == ERT_IO_ERROR);
  CHECK(model == nullptr);
  std::vector<uint8_t> garbage(64, 0x5a);
  std::memcpy(garbage.data() + 4, "TFL3", 4);
  CHECK(ert_model_import_buffer(garbage.data(), garbage.size(), &model, err, sizeof(err)) == ERT_INVALID_MODEL);
  CHECK(std::string(err).find("verification failed") != std::string::npos);
  CHECK(model == nullptr);
  REQUIRE(ert_model_import_buffer(file.data(), file.size(), &model, err, sizeof(err)) == ERT_OK);
  ert_model_delete(model);
}

// Truncated and bit-flipped variants must be rejected with a message or imported;
// what imports must load, and running it must not crash either.
void CorruptionLoop(const std::vector<uint8_t>& original, int variants, uint32_t seed) {
  TfliteImportOptions opts;
  opts.max_dense_bytes = 1 << 20;
  import_test::CorruptionLoop(original, variants, seed, /*min_keep=*/0,
                              [&](const std::vector<uint8_t>& bytes, std::vector<uint8_t>* ert) {
                                return ImportTflite(bytes.data(), bytes.size(), opts, ert, nullptr);
                              });
}

TEST_CASE("tflite import: corrupted files are rejected or imported, never a crash", "[importer][tflite][corruption]") {
  ConvModel cm;
  CorruptionLoop(cm.Build(), 3000, 1234);
  auto dims = [](flatbuffers::FlatBufferBuilder& b) {
    const std::vector<uint8_t> seg = {0, 2, 2, 5, 6};
    const std::vector<int32_t> idx = {1, 4, 0, 3, 5, 2};
    return std::vector<flatbuffers::Offset<tfl::DimensionMetadata>>{
        tfl::CreateDimensionMetadata(b, tfl::DimensionType_DENSE, 4),
        tfl::CreateDimensionMetadata(b, tfl::DimensionType_SPARSE_CSR, 0, tfl::SparseIndexVector_Uint8Vector,
                                     tfl::CreateUint8VectorDirect(b, &seg).Union(), tfl::SparseIndexVector_Int32Vector,
                                     tfl::CreateInt32VectorDirect(b, &idx).Union())};
  };
  CorruptionLoop(BuildSparseFc(4, 6, {0, 1}, {}, dims, {1, 2, 3, 4, 5, 6}), 2000, 99);
  CorruptionLoop(BuildFp16Fc(Random(12, 5)), 1000, 7);
}

}  // namespace
}  // namespace edgert
