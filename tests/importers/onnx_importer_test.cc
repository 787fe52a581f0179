// ONNX importer: small ONNX models are serialized here with a minimal protobuf
// writer (test-only), imported, run with the reference kernels and compared with
// naive NCHW computations written here. Hostile variants must be rejected (or
// imported) without a crash; the CI runs this under ASan/UBSan.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "edgert/edgert.h"
#include "edgert/edgert_import.h"
#include "runtime/importers/onnx/onnx_importer.h"
#include "runtime/importers/onnx/onnx_model.h"
#include "runtime/importers/onnx/protobuf_reader.h"
#include "runtime/interpreter.h"
#include "runtime/model.h"
#include "runtime/op_resolver.h"
#include "tests/importers/import_test_util.h"
#include "tests/importers/onnx_test_builder.h"

namespace edgert {
namespace {

using namespace onnx_test;

// --- running ---------------------------------------------------------------------

struct Imported : import_test::ImportedModel {
  explicit Imported(const std::vector<uint8_t>& onnx, const OnnxImportOptions& opts = OnnxImportOptions()) {
    Status s = ImportOnnx(onnx.data(), onnx.size(), opts, &ert, &report);
    INFO(s.message());
    REQUIRE(s.ok());
    Load();
  }
};

using import_test::Random;

void ExpectNear(const std::vector<float>& got, const std::vector<double>& want, double tol = 1e-4) {
  REQUIRE(got.size() == want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    INFO("element " << i);
    REQUIRE(std::fabs(got[i] - want[i]) <= tol * (1.0 + std::fabs(want[i])));
  }
}

// A 4-D NCHW activation for the naive computations.
struct T4 {
  int n = 0, c = 0, h = 0, w = 0;
  std::vector<double> v;
  T4() = default;
  T4(int n_, int c_, int h_, int w_) : n(n_), c(c_), h(h_), w(w_), v(static_cast<size_t>(n_ * c_ * h_ * w_), 0.0) {}
  T4(int n_, int c_, int h_, int w_, const std::vector<float>& f) : T4(n_, c_, h_, w_) {
    for (size_t i = 0; i < v.size(); ++i) v[i] = f[i];
  }
  double& at(int b, int ch, int y, int x) { return v[static_cast<size_t>(((b * c + ch) * h + y) * w + x)]; }
  double at(int b, int ch, int y, int x) const { return v[static_cast<size_t>(((b * c + ch) * h + y) * w + x)]; }
};

// pads: top, left, bottom, right.
T4 NaiveConv(const T4& x, const std::vector<float>& wt, int o, int kh, int kw, int group, const std::vector<float>& bias,
             int sh, int sw, int dh, int dw, const int pads[4]) {
  const int oh = (x.h + pads[0] + pads[2] - ((kh - 1) * dh + 1)) / sh + 1;
  const int ow = (x.w + pads[1] + pads[3] - ((kw - 1) * dw + 1)) / sw + 1;
  const int ig = x.c / group, og = o / group;
  T4 y(x.n, o, oh, ow);
  for (int b = 0; b < x.n; ++b)
    for (int oc = 0; oc < o; ++oc)
      for (int oy = 0; oy < oh; ++oy)
        for (int ox = 0; ox < ow; ++ox) {
          double acc = bias.empty() ? 0.0 : bias[static_cast<size_t>(oc)];
          const int g = oc / og;
          for (int ic = 0; ic < ig; ++ic)
            for (int ky = 0; ky < kh; ++ky)
              for (int kx = 0; kx < kw; ++kx) {
                const int iy = oy * sh - pads[0] + ky * dh, ix = ox * sw - pads[1] + kx * dw;
                if (iy < 0 || iy >= x.h || ix < 0 || ix >= x.w) continue;
                acc += x.at(b, g * ig + ic, iy, ix) * wt[static_cast<size_t>(((oc * ig + ic) * kh + ky) * kw + kx)];
              }
          y.at(b, oc, oy, ox) = acc;
        }
  return y;
}

T4 NaivePool(const T4& x, bool is_max, int k, int s, const int pads[4], bool include_pad, int oh, int ow) {
  T4 y(x.n, x.c, oh, ow);
  for (int b = 0; b < x.n; ++b)
    for (int c = 0; c < x.c; ++c)
      for (int oy = 0; oy < oh; ++oy)
        for (int ox = 0; ox < ow; ++ox) {
          double acc = is_max ? -1e300 : 0.0;
          int cnt = 0;
          for (int ky = 0; ky < k; ++ky)
            for (int kx = 0; kx < k; ++kx) {
              const int iy = oy * s - pads[0] + ky, ix = ox * s - pads[1] + kx;
              const bool inside = iy >= 0 && iy < x.h && ix >= 0 && ix < x.w;
              const bool in_padded = iy < x.h + pads[2] && ix < x.w + pads[3];
              if (inside) {
                acc = is_max ? std::max(acc, x.at(b, c, iy, ix)) : acc + x.at(b, c, iy, ix);
                ++cnt;
              } else if (include_pad && in_padded) {
                ++cnt;
              }
            }
          y.at(b, c, oy, ox) = is_max ? acc : acc / cnt;
        }
  return y;
}

void BatchNormRelu(T4* x, const std::vector<float>& sc, const std::vector<float>& bi, const std::vector<float>& mean,
                   const std::vector<float>& var, float eps, bool relu) {
  for (int b = 0; b < x->n; ++b)
    for (int c = 0; c < x->c; ++c)
      for (int y = 0; y < x->h; ++y)
        for (int xx = 0; xx < x->w; ++xx) {
          const size_t ci = static_cast<size_t>(c);
          double v = (x->at(b, c, y, xx) - mean[ci]) / std::sqrt(static_cast<double>(var[ci]) + eps) * sc[ci] + bi[ci];
          if (relu) v = std::max(v, 0.0);
          x->at(b, c, y, xx) = v;
        }
}

std::vector<float> Positive(size_t n, uint32_t seed) { return Random(n, seed, 0.5f, 1.5f); }

// --- tests ------------------------------------------------------------------------

TEST_CASE("onnx protobuf reader: malformed wire data is rejected", "[onnx][importer]") {
  using onnx_import::ProtoField;
  using onnx_import::ProtoReader;
  auto fails = [](const std::vector<uint8_t>& b) {
    ProtoReader r(b.data(), b.size());
    ProtoField f;
    while (r.Next(&f)) {
    }
    return !r.status().ok();
  };
  CHECK_FALSE(fails({0x08, 0x96, 0x01}));                   // field 1 varint 150
  CHECK(fails({0x08, 0x96}));                               // truncated varint
  CHECK(fails({0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f}));  // > 64 bits
  CHECK(fails({0x12, 0x05, 'a', 'b'}));                     // length beyond the end
  CHECK(fails({0x0b}));                                     // start group
  CHECK(fails({0x0f}));                                     // wire type 7
  CHECK(fails({0x00, 0x01}));                               // field 0
  CHECK(fails({0x09, 1, 2, 3}));                            // truncated fixed64
  CHECK(fails({0x12, 0xff, 0xff, 0xff, 0xff, 0x0f}));       // huge length
  std::vector<uint8_t> ok = {0x08, 0x96, 0x01};
  ProtoReader r(ok.data(), ok.size());
  ProtoField f;
  REQUIRE(r.Next(&f));
  CHECK(f.number == 1);
  CHECK(f.value == 150);
  CHECK_FALSE(r.Next(&f));
  CHECK(r.status().ok());

  // A packed float list whose length is not a multiple of 4 is an error.
  onnx_import::OnnxTensor t;
  Pb bad;
  bad.Bytes(4, "abcde");
  CHECK_FALSE(onnx_import::ParseOnnxTensor(reinterpret_cast<const uint8_t*>(bad.str().data()), bad.str().size(), 0, &t).ok());
}

TEST_CASE("onnx import: Conv + BatchNormalization + Relu is folded and matches NCHW", "[onnx][importer]") {
  const int N = 1, C = 3, H = 7, W = 9, O = 5;
  struct Case {
    int k, stride, dil;
    int pads[4];
    const char* auto_pad;
  };
  const Case cases[] = {{3, 2, 1, {1, 1, 1, 1}, nullptr},
                        {3, 1, 2, {2, 0, 1, 3}, nullptr},
                        {3, 2, 1, {0, 0, 0, 0}, "SAME_UPPER"},
                        {2, 1, 1, {0, 0, 0, 0}, "SAME_LOWER"},
                        {1, 1, 1, {0, 0, 0, 0}, "VALID"}};
  uint32_t seed = 10;
  for (const Case& cs : cases) {
    DYNAMIC_SECTION("k" << cs.k << " s" << cs.stride << " d" << cs.dil << " " << (cs.auto_pad ? cs.auto_pad : "pads")) {
      const std::vector<float> x = Random(N * C * H * W, seed++), w = Random(O * C * cs.k * cs.k, seed++),
                               b = Random(O, seed++), sc = Positive(O, seed++), bi = Random(O, seed++),
                               mean = Random(O, seed++), var = Positive(O, seed++);
      OnnxBuilder ob;
      ob.Input("x", {N, C, H, W});
      ob.Weights("w", {O, C, cs.k, cs.k}, w);
      ob.Weights("b", {O}, b);
      ob.Weights("sc", {O}, sc);
      ob.Weights("bi", {O}, bi);
      ob.Weights("mean", {O}, mean);
      ob.Weights("var", {O}, var);
      std::vector<Attr> attrs = {AInts("strides", {cs.stride, cs.stride}), AInts("dilations", {cs.dil, cs.dil}),
                                 AInts("kernel_shape", {cs.k, cs.k})};
      if (cs.auto_pad) attrs.push_back(AStr("auto_pad", cs.auto_pad));
      else attrs.push_back(AInts("pads", {cs.pads[0], cs.pads[1], cs.pads[2], cs.pads[3]}));
      ob.Node("Conv", {"x", "w", "b"}, {"c"}, attrs);
      ob.Node("BatchNormalization", {"c", "sc", "bi", "mean", "var"}, {"bn"}, {AFloat("epsilon", 1e-3f)});
      ob.Node("Relu", {"bn"}, {"y"});
      ob.Output("y");
      Imported im(ob.Build());
      CHECK(im.report.folded_batchnorm == 1);
      CHECK(im.Count("CONV_2D") == 1);
      CHECK(im.Count("RELU") == 0);
      CHECK(im.Count("TRANSPOSE") == 2);
      im.Feed(0, x);
      im.Invoke();
      int pads[4] = {cs.pads[0], cs.pads[1], cs.pads[2], cs.pads[3]};
      if (cs.auto_pad && std::string(cs.auto_pad) != "VALID") {
        for (int a = 0; a < 2; ++a) {
          const int in = a == 0 ? H : W, out = (in + cs.stride - 1) / cs.stride;
          const int total = std::max((out - 1) * cs.stride + (cs.k - 1) * cs.dil + 1 - in, 0);
          const bool upper = std::string(cs.auto_pad) == "SAME_UPPER";
          pads[a] = upper ? total / 2 : total - total / 2;
          pads[a + 2] = total - pads[a];
        }
      }
      T4 y = NaiveConv(T4(N, C, H, W, x), w, O, cs.k, cs.k, 1, b, cs.stride, cs.stride, cs.dil, cs.dil, pads);
      BatchNormRelu(&y, sc, bi, mean, var, 1e-3f, true);
      CHECK(im.OutShape(0) == std::vector<int32_t>{N, O, y.h, y.w});
      ExpectNear(im.Out(0), y.v);
    }
  }
}

TEST_CASE("onnx import: depthwise and grouped convolutions", "[onnx][importer]") {
  const int N = 2, C = 4, H = 6, W = 5;
  struct Case {
    int o, group;
    const char* expect;
  };
  const Case cases[] = {{4, 4, "DEPTHWISE_CONV_2D"}, {8, 4, "DEPTHWISE_CONV_2D"}, {6, 2, "CONV_2D"}};
  uint32_t seed = 100;
  for (const Case& cs : cases) {
    DYNAMIC_SECTION("O" << cs.o << " group" << cs.group) {
      const int ig = C / cs.group;
      const std::vector<float> x = Random(N * C * H * W, seed++), w = Random(cs.o * ig * 9, seed++),
                               b = Random(cs.o, seed++);
      // Clip bounds come from Constant nodes (opset 11+ inputs).
      OnnxBuilder ob2;
      ob2.Input("x", {N, C, H, W});
      ob2.Weights("w", {cs.o, ig, 3, 3}, w);
      ob2.Weights("b", {cs.o}, b);
      ob2.Node("Constant", {}, {"lo"}, {ATensor("value", FloatTensor("lo", {}, {0.f}))});
      ob2.Node("Constant", {}, {"hi"}, {ATensor("value", FloatTensor("hi", {}, {6.f}, false))});
      ob2.Node("Conv", {"x", "w", "b"}, {"c"},
               {AInt("group", cs.group), AInts("pads", {1, 0, 1, 2}), AInts("strides", {1, 2})});
      ob2.Node("Clip", {"c", "lo", "hi"}, {"y"});
      ob2.Output("y");
      Imported im(ob2.Build());
      CHECK(im.Count(cs.expect) == 1);
      CHECK(im.Count("RELU6") == 0);  // fused
      im.Feed(0, x);
      im.Invoke();
      const int pads[4] = {1, 0, 1, 2};
      T4 y = NaiveConv(T4(N, C, H, W, x), w, cs.o, 3, 3, cs.group, b, 1, 2, 1, 1, pads);
      for (double& v : y.v) v = std::min(std::max(v, 0.0), 6.0);
      CHECK(im.OutShape(0) == std::vector<int32_t>{N, cs.o, y.h, y.w});
      ExpectNear(im.Out(0), y.v);
    }
  }
}

TEST_CASE("onnx import: classifier head (GlobalAveragePool, Flatten, Gemm, Softmax)", "[onnx][importer]") {
  const int N = 2, C = 3, H = 5, W = 7, O = 6, K = 4;
  const std::vector<float> x = Random(N * C * H * W, 1), w = Random(O * C * 9, 2), fc = Random(K * O, 3),
                           fb = Random(K, 4);
  for (bool trans_b : {true, false}) {
    DYNAMIC_SECTION("transB " << trans_b) {
      OnnxBuilder ob;
      ob.Input("x", {-1, C, H, W});
      ob.Weights("w", {O, C, 3, 3}, w);
      std::vector<float> fcw = fc;
      if (!trans_b)  // store [O, K]
        for (int k = 0; k < K; ++k)
          for (int o = 0; o < O; ++o) fcw[static_cast<size_t>(o * K + k)] = fc[static_cast<size_t>(k * O + o)];
      ob.Weights("fc", trans_b ? std::vector<int64_t>{K, O} : std::vector<int64_t>{O, K}, fcw);
      ob.Weights("fb", {K}, fb);
      ob.Node("Conv", {"x", "w"}, {"c"}, {AInts("pads", {1, 1, 1, 1})});
      ob.Node("Relu", {"c"}, {"r"});
      ob.Node("GlobalAveragePool", {"r"}, {"g"});
      ob.Node("Flatten", {"g"}, {"f"}, {AInt("axis", 1)});
      ob.Node("Gemm", {"f", "fc", "fb"}, {"logits"},
              {AInt("transB", trans_b ? 1 : 0), AFloat("alpha", 0.5f), AFloat("beta", 2.f)});
      ob.Node("Softmax", {"logits"}, {"prob"}, {AInt("axis", 1)});
      ob.Output("prob");
      ob.Output("logits");
      OnnxImportOptions opts;
      std::vector<uint8_t> file = ob.Build();
      {
        std::vector<uint8_t> ert;
        Status s = ImportOnnx(file.data(), file.size(), opts, &ert, nullptr);
        CHECK(s.code() == StatusCode::kInvalidArgument);
        CHECK(s.message().find("batch") != std::string::npos);
        CHECK(ert.empty());
      }
      REQUIRE(ParseOnnxDimOption("batch=2", &opts));
      CHECK_FALSE(ParseOnnxDimOption("batch", &opts));
      CHECK_FALSE(ParseOnnxDimOption("batch=0", &opts));
      Imported im(file, opts);
      CHECK(im.Count("FULLY_CONNECTED") == 1);
      CHECK(im.Count("MEAN") == 1);
      CHECK(im.Count("TRANSPOSE") == 1);  // only after the input: H = W = 1 before Flatten
      im.Feed(0, x);
      im.Invoke();
      const int pads[4] = {1, 1, 1, 1};
      T4 y = NaiveConv(T4(N, C, H, W, x), w, O, 3, 3, 1, {}, 1, 1, 1, 1, pads);
      std::vector<double> logits(static_cast<size_t>(N * K)), prob(logits.size());
      for (int b = 0; b < N; ++b) {
        std::vector<double> g(static_cast<size_t>(O), 0.0);
        for (int c = 0; c < O; ++c) {
          for (int yy = 0; yy < H; ++yy)
            for (int xx = 0; xx < W; ++xx) g[static_cast<size_t>(c)] += std::max(y.at(b, c, yy, xx), 0.0);
          g[static_cast<size_t>(c)] /= H * W;
        }
        double mx = -1e300, sum = 0;
        for (int k = 0; k < K; ++k) {
          double acc = 2.0 * fb[static_cast<size_t>(k)];
          for (int o = 0; o < O; ++o) acc += 0.5 * g[static_cast<size_t>(o)] * fc[static_cast<size_t>(k * O + o)];
          logits[static_cast<size_t>(b * K + k)] = acc;
          mx = std::max(mx, acc);
        }
        for (int k = 0; k < K; ++k) sum += std::exp(logits[static_cast<size_t>(b * K + k)] - mx);
        for (int k = 0; k < K; ++k)
          prob[static_cast<size_t>(b * K + k)] = std::exp(logits[static_cast<size_t>(b * K + k)] - mx) / sum;
      }
      CHECK(im.OutShape(0) == std::vector<int32_t>{N, K});
      ExpectNear(im.Out(0), prob);
      ExpectNear(im.Out(1), logits);
    }
  }
}

TEST_CASE("onnx import: Flatten / Reshape of a 4-D activation keeps NCHW element order", "[onnx][importer]") {
  const int N = 1, C = 3, H = 5, W = 4, O = 2, K = 3;
  const std::vector<float> x = Random(N * C * H * W, 7), w = Random(O * C, 8), fc = Random(O * H * W * K, 9);
  for (bool use_reshape : {false, true}) {
    DYNAMIC_SECTION("reshape " << use_reshape) {
      OnnxBuilder ob;
      ob.Input("x", {N, C, H, W});
      ob.Weights("w", {O, C, 1, 1}, w);
      ob.Weights("fc", {O * H * W, K}, fc);
      ob.Init(Int64Tensor("shape", {2}, {0, -1}));
      ob.Node("Conv", {"x", "w"}, {"c"});
      if (use_reshape) ob.Node("Reshape", {"c", "shape"}, {"f"});
      else ob.Node("Flatten", {"c"}, {"f"});
      ob.Node("MatMul", {"f", "fc"}, {"y"});
      ob.Output("y");
      Imported im(ob.Build(12));
      CHECK(im.Count("TRANSPOSE") == 2);
      im.Feed(0, x);
      im.Invoke();
      const int pads[4] = {0, 0, 0, 0};
      T4 c = NaiveConv(T4(N, C, H, W, x), w, O, 1, 1, 1, {}, 1, 1, 1, 1, pads);
      std::vector<double> y(static_cast<size_t>(K), 0.0);
      for (int k = 0; k < K; ++k)
        for (size_t i = 0; i < c.v.size(); ++i) y[static_cast<size_t>(k)] += c.v[i] * fc[i * K + static_cast<size_t>(k)];
      CHECK(im.OutShape(0) == std::vector<int32_t>{1, K});
      ExpectNear(im.Out(0), y);
    }
  }
}

TEST_CASE("onnx import: MaxPool, AveragePool, GlobalAveragePool", "[onnx][importer]") {
  const int N = 1, C = 3, H = 9, W = 8;
  const std::vector<float> x = Random(N * C * H * W, 21);
  OnnxBuilder ob;
  ob.Input("x", {N, C, H, W});
  ob.Node("MaxPool", {"x"}, {"mp"}, {AInts("kernel_shape", {3, 3}), AInts("strides", {2, 2}), AInts("pads", {1, 1, 1, 1})});
  ob.Node("AveragePool", {"x"}, {"ap0"},
          {AInts("kernel_shape", {3, 3}), AInts("strides", {2, 2}), AInts("pads", {1, 1, 1, 1})});
  ob.Node("AveragePool", {"x"}, {"ap1"},
          {AInts("kernel_shape", {3, 3}), AInts("strides", {2, 2}), AInts("pads", {1, 0, 2, 1}),
           AInt("count_include_pad", 1)});
  ob.Node("MaxPool", {"x"}, {"mpc"}, {AInts("kernel_shape", {2, 2}), AInts("strides", {2, 2}), AInt("ceil_mode", 1)});
  ob.Node("GlobalAveragePool", {"x"}, {"gap"});
  for (const char* o : {"mp", "ap0", "ap1", "mpc", "gap"}) ob.Output(o);
  Imported im(ob.Build(11));
  im.Feed(0, x);
  im.Invoke();
  const T4 xt(N, C, H, W, x);
  const int p1[4] = {1, 1, 1, 1}, p2[4] = {1, 0, 2, 1}, p0[4] = {0, 0, 1, 0};
  T4 mp = NaivePool(xt, true, 3, 2, p1, false, 5, 4);
  T4 ap0 = NaivePool(xt, false, 3, 2, p1, false, 5, 4);
  T4 ap1 = NaivePool(xt, false, 3, 2, p2, true, 5, 4);
  T4 mpc = NaivePool(xt, true, 2, 2, p0, false, 5, 4);
  CHECK(im.OutShape(0) == std::vector<int32_t>{N, C, 5, 4});
  CHECK(im.OutShape(3) == std::vector<int32_t>{N, C, 5, 4});
  CHECK(im.OutShape(4) == std::vector<int32_t>{N, C, 1, 1});
  ExpectNear(im.Out(0), mp.v);
  ExpectNear(im.Out(1), ap0.v);
  ExpectNear(im.Out(2), ap1.v);
  ExpectNear(im.Out(3), mpc.v);
  std::vector<double> gap(static_cast<size_t>(C), 0.0);
  for (int c = 0; c < C; ++c) {
    for (int y = 0; y < H; ++y)
      for (int xx = 0; xx < W; ++xx) gap[static_cast<size_t>(c)] += xt.at(0, c, y, xx);
    gap[static_cast<size_t>(c)] /= H * W;
  }
  ExpectNear(im.Out(4), gap);
}

TEST_CASE("onnx import: Concat on channels, broadcasting constants, 4-D Softmax, activations", "[onnx][importer]") {
  const int N = 1, C = 2, H = 5, W = 3;
  const std::vector<float> x = Random(N * C * H * W, 31), w1 = Random(3 * C, 32), w2 = Random(2 * C, 33),
                           cb = Random(5, 34);
  OnnxBuilder ob;
  ob.Input("x", {N, C, H, W});
  ob.Weights("w1", {3, C, 1, 1}, w1);
  ob.Weights("w2", {2, C, 1, 1}, w2);
  ob.Weights("cb", {5, 1, 1}, cb);  // per-channel constant, broadcast against NCHW
  ob.Weights("two", {}, {2.f});
  ob.Node("Conv", {"x", "w1"}, {"a"});
  ob.Node("Conv", {"x", "w2"}, {"b"});
  ob.Node("Concat", {"a", "b"}, {"cat"}, {AInt("axis", 1)});
  ob.Node("Add", {"cat", "cb"}, {"s"});
  ob.Node("Mul", {"two", "s"}, {"m"});
  ob.Node("HardSigmoid", {"m"}, {"hs"}, {AFloat("alpha", 0.25f), AFloat("beta", 0.4f)});
  ob.Node("HardSwish", {"m"}, {"hw"});
  ob.Node("Sigmoid", {"m"}, {"sg"});
  ob.Node("Sub", {"hs", "sg"}, {"d0"});
  ob.Node("Div", {"d0", "two"}, {"d"});
  ob.Node("Add", {"d", "hw"}, {"e"});
  ob.Node("Softmax", {"e"}, {"y"}, {AInt("axis", 1)});
  ob.Node("Transpose", {"e"}, {"t"}, {AInts("perm", {0, 2, 3, 1})});
  ob.Output("y");
  ob.Output("t");
  Imported im(ob.Build(14));
  CHECK(im.Count("CONCATENATION") == 1);
  im.Feed(0, x);
  im.Invoke();
  const int p0[4] = {0, 0, 0, 0};
  const T4 xt(N, C, H, W, x);
  T4 a = NaiveConv(xt, w1, 3, 1, 1, 1, {}, 1, 1, 1, 1, p0), b = NaiveConv(xt, w2, 2, 1, 1, 1, {}, 1, 1, 1, 1, p0);
  T4 e(N, 5, H, W);
  for (int c = 0; c < 5; ++c)
    for (int y = 0; y < H; ++y)
      for (int xx = 0; xx < W; ++xx) {
        const double cat = c < 3 ? a.at(0, c, y, xx) : b.at(0, c - 3, y, xx);
        const double m = 2.0 * (cat + cb[static_cast<size_t>(c)]);
        const double hs = std::max(0.0, std::min(1.0, 0.25 * m + 0.4));
        const double hw = m * std::max(0.0, std::min(1.0, m / 6.0 + 0.5));
        const double sg = 1.0 / (1.0 + std::exp(-m));
        e.at(0, c, y, xx) = (hs - sg) / 2.0 + hw;
      }
  T4 sm = e;
  for (int y = 0; y < H; ++y)
    for (int xx = 0; xx < W; ++xx) {
      double mx = -1e300, sum = 0;
      for (int c = 0; c < 5; ++c) mx = std::max(mx, e.at(0, c, y, xx));
      for (int c = 0; c < 5; ++c) sum += std::exp(e.at(0, c, y, xx) - mx);
      for (int c = 0; c < 5; ++c) sm.at(0, c, y, xx) = std::exp(e.at(0, c, y, xx) - mx) / sum;
    }
  CHECK(im.OutShape(0) == std::vector<int32_t>{N, 5, H, W});
  ExpectNear(im.Out(0), sm.v);
  // Transpose to NHWC: the logical result is [N,H,W,C].
  std::vector<double> t;
  for (int y = 0; y < H; ++y)
    for (int xx = 0; xx < W; ++xx)
      for (int c = 0; c < 5; ++c) t.push_back(e.at(0, c, y, xx));
  CHECK(im.OutShape(1) == std::vector<int32_t>{N, H, W, 5});
  ExpectNear(im.Out(1), t, 1e-3);
}

TEST_CASE("onnx import: unfoldable BatchNormalization, Clip variants, folded shape computations", "[onnx][importer]") {
  const int N = 1, C = 3, H = 4, W = 5;
  const std::vector<float> x = Random(N * C * H * W, 41, -8.f, 8.f), sc = Positive(C, 42), bi = Random(C, 43),
                           mean = Random(C, 44), var = Positive(C, 45), fc = Random(C * H * W * 2, 46);
  for (int opset : {10, 13}) {
    DYNAMIC_SECTION("opset " << opset) {
      OnnxBuilder ob;
      ob.Input("x", {N, C, H, W});
      for (auto p : {std::make_pair("sc", &sc), std::make_pair("bi", &bi), std::make_pair("mean", &mean),
                     std::make_pair("var", &var)})
        ob.Weights(p.first, {C}, *p.second);
      ob.Weights("fc", {C * H * W, 2}, fc);
      ob.Node("BatchNormalization", {"x", "sc", "bi", "mean", "var"}, {"bn"});
      if (opset < 11) {
        ob.Node("Clip", {"bn"}, {"c1"}, {AFloat("min", -0.5f), AFloat("max", 0.75f)});
        ob.Node("Clip", {"c1"}, {"c"}, {AFloat("min", 0.f), AFloat("max", 6.f)});
      } else {
        ob.Init(FloatTensor("lo", {}, {-0.5f}));
        ob.Init(FloatTensor("hi", {}, {0.75f}));
        ob.Node("Clip", {"bn", "lo", "hi"}, {"c1"});
        ob.Node("Clip", {"c1", "", "hi"}, {"c"});  // max only
      }
      // x.view(x.size(0), -1) as PyTorch exports it: Shape -> Gather -> Unsqueeze -> Concat -> Reshape.
      ob.Node("Shape", {"c"}, {"s"});
      ob.Init(Int64Tensor("zero", {}, {0}));
      ob.Init(Int64Tensor("minus1", {1}, {-1}));
      ob.Node("Gather", {"s", "zero"}, {"n"}, {AInt("axis", 0)});
      if (opset < 13) {
        ob.Node("Unsqueeze", {"n"}, {"n1"}, {AInts("axes", {0})});
      } else {
        ob.Init(Int64Tensor("ax0", {1}, {0}));
        ob.Node("Unsqueeze", {"n", "ax0"}, {"n1"});
      }
      ob.Node("Concat", {"n1", "minus1"}, {"shape"}, {AInt("axis", 0)});
      ob.Node("Reshape", {"c", "shape"}, {"f"});
      ob.Node("Dropout", {"f"}, {"fd"});
      ob.Node("Identity", {"fd"}, {"fi"});
      ob.Node("MatMul", {"fi", "fc"}, {"y"});
      ob.Output("y");
      ob.Output("c");
      Imported im(ob.Build(opset));
      CHECK(im.Count("MUL") == 1);
      CHECK(im.Count("ADD") == 1);
      CHECK(im.Count("MAXIMUM") == 1);
      CHECK(im.Count("MINIMUM") == (opset < 11 ? 1 : 2));
      CHECK(im.Count("RELU6") == (opset < 11 ? 1 : 0));
      im.Feed(0, x);
      im.Invoke();
      T4 c(N, C, H, W, x);
      BatchNormRelu(&c, sc, bi, mean, var, 1e-5f, false);
      for (double& v : c.v) v = std::min(std::max(v, -0.5), 0.75);
      if (opset < 11)
        for (double& v : c.v) v = std::max(v, 0.0);
      std::vector<double> y(2, 0.0);
      for (int k = 0; k < 2; ++k)
        for (size_t i = 0; i < c.v.size(); ++i) y[static_cast<size_t>(k)] += c.v[i] * fc[i * 2 + static_cast<size_t>(k)];
      CHECK(im.OutShape(0) == std::vector<int32_t>{1, 2});
      ExpectNear(im.Out(0), y);
      ExpectNear(im.Out(1), c.v);
    }
  }
}

TEST_CASE("onnx import: Clip(0, 6) whose bounds are Constant nodes after the Conv is fused as RELU6",
          "[onnx][importer]") {
  // PyTorch writes Conv, then the Constant nodes of the bounds, then Clip.
  const int C = 3, O = 4, HW = 5;
  const std::vector<float> x = Random(C * HW * HW, 41, -4.f, 4.f), w = Random(O * C, 42, -2.f, 2.f),
                           b = Random(O, 43, -1.f, 1.f);
  OnnxBuilder ob;
  ob.Input("x", {1, C, HW, HW});
  ob.Weights("w", {O, C, 1, 1}, w);
  ob.Weights("b", {O}, b);
  ob.Node("Conv", {"x", "w", "b"}, {"c"}, {AInts("kernel_shape", {1, 1})});
  ob.Node("Constant", {}, {"lo"}, {ATensor("value", FloatTensor("lo", {}, {0.f}))});
  ob.Node("Constant", {}, {"hi"}, {ATensor("value", FloatTensor("hi", {}, {6.f}))});
  ob.Node("Clip", {"c", "lo", "hi"}, {"y"});
  ob.Output("y");
  Imported im(ob.Build(17));
  CHECK(im.Count("RELU6") == 0);
  CHECK(im.Count("CONV_2D") == 1);
  im.Feed(0, x);
  im.Invoke();
  std::vector<double> want;
  for (int o = 0; o < O; ++o)
    for (int p = 0; p < HW * HW; ++p) {
      double acc = b[o];
      for (int c = 0; c < C; ++c) acc += static_cast<double>(w[o * C + c]) * x[c * HW * HW + p];
      want.push_back(std::min(std::max(acc, 0.0), 6.0));
    }
  ExpectNear(im.Out(0), want);
}

TEST_CASE("onnx import: unsupported ops are listed with their counts", "[onnx][importer]") {
  OnnxBuilder ob;
  ob.Input("x", {1, 3, 4, 4});
  ob.Node("Relu", {"x"}, {"a"});
  ob.Node("GRU", {"a"}, {"b"});
  ob.Node("Foo", {"b"}, {"c"});
  ob.Node("Foo", {"c"}, {"d"});
  ob.Node("Bar", {"d"}, {"e"}, {}, "com.example");
  ob.Output("e");
  const std::vector<uint8_t> file = ob.Build();
  std::vector<uint8_t> ert;
  ImportReport report;
  Status s = ImportOnnx(file.data(), file.size(), OnnxImportOptions(), &ert, &report);
  CHECK(s.code() == StatusCode::kUnsupported);
  CHECK(s.message().find("GRU x1") != std::string::npos);
  CHECK(s.message().find("Foo x2") != std::string::npos);
  CHECK(s.message().find("com.example:Bar x1") != std::string::npos);
  CHECK(s.message().find("Relu") == std::string::npos);
  CHECK(report.unsupported.size() == 3);
  CHECK(ert.empty());
}

TEST_CASE("onnx import: external data and malformed models give clear errors", "[onnx][importer]") {
  std::vector<uint8_t> ert;
  {
    OnnxBuilder ob;
    ob.Input("x", {1, 2});
    Pb t;
    t.Varint(1, 2).Varint(1, 2).Varint(2, 1).Bytes(8, "w").Varint(14, 1);
    ob.Init(t);
    ob.Node("MatMul", {"x", "w"}, {"y"});
    ob.Output("y");
    const auto f = ob.Build();
    Status s = ImportOnnx(f.data(), f.size(), OnnxImportOptions(), &ert, nullptr);
    CHECK(s.code() == StatusCode::kUnsupported);
    CHECK(s.message().find("external") != std::string::npos);
  }
  {
    const std::vector<uint8_t> junk = {'h', 'e', 'l', 'l', 'o'};
    Status s = ImportOnnx(junk.data(), junk.size(), OnnxImportOptions(), &ert, nullptr);
    CHECK_FALSE(s.ok());
    CHECK_FALSE(s.message().empty());
  }
  {
    OnnxBuilder ob;  // weights with fewer values than their dims say
    ob.Input("x", {1, 3});
    ob.Weights("w", {3, 4}, Random(5, 1));
    ob.Node("MatMul", {"x", "w"}, {"y"});
    ob.Output("y");
    const auto f = ob.Build();
    Status s = ImportOnnx(f.data(), f.size(), OnnxImportOptions(), &ert, nullptr);
    CHECK(s.code() == StatusCode::kInvalidModel);
  }
}

TEST_CASE("onnx import: C API detects ONNX files and buffers", "[onnx][importer][c_api]") {
  const int C = 2, H = 3, W = 4;
  OnnxBuilder ob;
  ob.Input("x", {1, C, H, W});
  ob.Weights("w", {3, C, 1, 1}, Random(3 * C, 61));
  ob.Node("Conv", {"x", "w"}, {"y"});
  ob.Output("y");
  const std::vector<uint8_t> file = ob.Build();
  CHECK(IsOnnxBuffer(file.data(), file.size()));
  const std::vector<uint8_t> junk(64, 0x5a);
  CHECK_FALSE(IsOnnxBuffer(junk.data(), junk.size()));

  const std::string path = "edgert_onnx_import_test_model.onnx";
  import_test::WriteFile(path, file);
  char err[256] = "";
  ert_model* model = nullptr;
  const ert_status st = ert_model_import_file(path.c_str(), &model, err, sizeof(err));
  std::remove(path.c_str());
  INFO(err);
  REQUIRE(st == ERT_OK);
  REQUIRE(model != nullptr);
  CHECK(ert_model_num_ops(model) == 3);  // TRANSPOSE, CONV_2D, TRANSPOSE
  ert_interpreter* it = nullptr;
  REQUIRE(ert_interpreter_create(model, nullptr, &it, err, sizeof(err)) == ERT_OK);
  ert_tensor_info out;
  REQUIRE(ert_interpreter_invoke(it) == ERT_OK);
  REQUIRE(ert_interpreter_output(it, 0, &out) == ERT_OK);
  CHECK(std::string(out.name) == "y");
  CHECK(out.rank == 4);
  CHECK(out.dims[1] == 3);
  ert_interpreter_delete(it);
  ert_model_delete(model);
  model = nullptr;

  REQUIRE(ert_model_import_buffer(file.data(), file.size(), &model, err, sizeof(err)) == ERT_OK);
  ert_model_delete(model);
  model = nullptr;
  CHECK(ert_model_import_buffer(junk.data(), junk.size(), &model, err, sizeof(err)) != ERT_OK);
  CHECK(model == nullptr);
}

// Truncated and bit-flipped variants must be rejected with a message or imported;
// what imports must load, and running it must not crash either.
void CorruptionLoop(const std::vector<uint8_t>& original, int variants, uint32_t seed) {
  OnnxImportOptions opts;
  opts.dims["batch"] = 1;
  import_test::CorruptionLoop(original, variants, seed, /*min_keep=*/1,
                              [&](const std::vector<uint8_t>& bytes, std::vector<uint8_t>* ert) {
                                return ImportOnnx(bytes.data(), bytes.size(), opts, ert, nullptr);
                              });
}

TEST_CASE("onnx import: corrupted files are rejected or imported, never a crash", "[onnx][importer][corruption]") {
  OnnxBuilder ob;
  ob.Input("x", {-1, 3, 6, 5});
  ob.Weights("w", {4, 3, 3, 3}, Random(108, 1));
  ob.Weights("b", {4}, Random(4, 2));
  for (const char* n : {"sc", "bi", "mean", "var"}) ob.Weights(n, {4}, Positive(4, 3));
  ob.Weights("dw", {4, 1, 3, 3}, Random(36, 4));
  ob.Weights("fc", {2, 4}, Random(8, 5));
  ob.Node("Conv", {"x", "w", "b"}, {"c"}, {AInts("pads", {1, 1, 1, 1}), AInts("strides", {2, 1})});
  ob.Node("BatchNormalization", {"c", "sc", "bi", "mean", "var"}, {"bn"});
  ob.Node("Relu", {"bn"}, {"r"});
  ob.Node("Conv", {"r", "dw"}, {"d"}, {AInt("group", 4), AInts("pads", {1, 1, 1, 1})});
  ob.Node("MaxPool", {"d"}, {"p"}, {AInts("kernel_shape", {2, 2}), AInts("strides", {1, 1})});
  ob.Node("Concat", {"p", "p"}, {"cc"}, {AInt("axis", 1)});
  ob.Node("GlobalAveragePool", {"p"}, {"g"});
  ob.Node("Flatten", {"g"}, {"f"});
  ob.Node("Gemm", {"f", "fc"}, {"l"}, {AInt("transB", 1)});
  ob.Node("Softmax", {"l"}, {"y"});
  ob.Output("y");
  ob.Output("cc");
  const std::vector<uint8_t> file = ob.Build();
  {
    OnnxImportOptions opts;
    opts.dims["batch"] = 1;
    Imported im(file, opts);  // the original imports
    im.Feed(0, Random(90, 9));
    im.Invoke();
  }
  CorruptionLoop(file, 4000, 4321);

  // A second model: Constant nodes, folded shape computations, pools, Clip, HardSigmoid, MatMul.
  OnnxBuilder o2;
  o2.Input("x", {1, 2, 5, 4});
  o2.Node("Constant", {}, {"lo"}, {ATensor("value", FloatTensor("lo", {}, {0.f}))});
  o2.Node("Constant", {}, {"hi"}, {ATensor("value", FloatTensor("hi", {}, {6.f}, false))});
  o2.Init(Int64Tensor("zero", {}, {0}));
  o2.Init(Int64Tensor("minus1", {1}, {-1}));
  o2.Weights("fc", {2 * 3 * 2, 3}, Random(36, 11));
  o2.Weights("cb", {2, 1, 1}, Random(2, 12));
  o2.Node("Clip", {"x", "lo", "hi"}, {"c"});
  o2.Node("AveragePool", {"c"}, {"a"}, {AInts("kernel_shape", {3, 3}), AInts("strides", {2, 2}),
                                      AInts("pads", {1, 1, 1, 1}), AInt("count_include_pad", 1)});
  o2.Node("MaxPool", {"x"}, {"m"}, {AInts("kernel_shape", {2, 2}), AInts("strides", {2, 2}), AInt("ceil_mode", 1)});
  o2.Node("Add", {"a", "m"}, {"s"});
  o2.Node("Mul", {"s", "cb"}, {"s2"});
  o2.Node("HardSigmoid", {"s2"}, {"h"});
  o2.Node("Shape", {"h"}, {"sh"});
  o2.Node("Gather", {"sh", "zero"}, {"n"});
  o2.Node("Unsqueeze", {"n"}, {"n1"}, {AInts("axes", {0})});
  o2.Node("Concat", {"n1", "minus1"}, {"shape"}, {AInt("axis", 0)});
  o2.Node("Reshape", {"h", "shape"}, {"f"});
  o2.Node("MatMul", {"f", "fc"}, {"l"});
  o2.Node("Softmax", {"l"}, {"y"}, {AInt("axis", 1)});
  o2.Node("Transpose", {"h"}, {"t"}, {AInts("perm", {0, 2, 3, 1})});
  o2.Output("y");
  o2.Output("t");
  const std::vector<uint8_t> file2 = o2.Build(12);
  {
    Imported im(file2);
    im.Feed(0, Random(40, 13));
    im.Invoke();
  }
  CorruptionLoop(file2, 3000, 8765);
}

// --- If, fixed inputs, LSTM, 1-D Conv -------------------------------------------

// y = If(Equal(sel, 1)) then Relu(x) else x * 2; sel is an int64 scalar input.
std::vector<uint8_t> IfModel(bool cond_is_float_input = false) {
  OnnxBuilder then_b, else_b, o;
  then_b.Node("Relu", {"x"}, {"y_then"});
  then_b.Output("y_then");
  else_b.Init(FloatTensor("two", {1}, {2.f}));
  else_b.Node("Mul", {"x", "two"}, {"y_else"});
  else_b.Output("y_else");
  o.Input("x", {1, 5});
  if (cond_is_float_input) {
    o.Input("c", {1});
    o.Node("If", {"c"}, {"y"}, {AGraph("then_branch", then_b.Graph("then")), AGraph("else_branch", else_b.Graph("else"))});
  } else {
    o.Input("sel", {}, "", 7);
    o.Init(Int64Tensor("one", {}, {1}));
    o.Node("Equal", {"sel", "one"}, {"cond"});
    o.Node("If", {"cond"}, {"y"}, {AGraph("then_branch", then_b.Graph("then")), AGraph("else_branch", else_b.Graph("else"))});
  }
  o.Output("y");
  return o.Build(16);
}

TEST_CASE("ONNX If on an input fixed to a value is replaced by its taken branch", "[importers][onnx]") {
  const std::vector<uint8_t> file = IfModel();
  const std::vector<float> x = {-1.5f, 0.f, 2.f, -0.25f, 3.f};
  for (int sel : {1, 0}) {
    OnnxImportOptions opts;
    opts.input_values["sel"] = {static_cast<double>(sel)};
    Imported im(file, opts);
    CHECK(im.report.inlined_if == 1);
    CHECK(im.report.fixed_inputs == 1);
    REQUIRE(im.interp->num_inputs() == 1);  // sel left the model
    REQUIRE(std::string(im.interp->output(0)->name) == "y");
    im.Feed(0, x);
    im.Invoke();
    std::vector<double> want;
    for (float v : x) want.push_back(sel ? std::max(v, 0.f) : 2.0 * v);
    ExpectNear(im.Out(0), want);
  }
}

TEST_CASE("ONNX If whose condition is not constant fails naming the node and the option", "[importers][onnx]") {
  std::vector<uint8_t> ert;
  // Condition straight from a (float) graph input.
  Status s = ImportOnnx(IfModel(true).data(), IfModel(true).size(), OnnxImportOptions(), &ert, nullptr);
  REQUIRE(s.code() == StatusCode::kUnsupported);
  CHECK(s.message().find("If node") != std::string::npos);
  CHECK(s.message().find("--input-value") != std::string::npos);
  // The int64 input left as a (runtime) input: Equal on it cannot fold, and says how to fix it.
  const std::vector<uint8_t> file = IfModel();
  s = ImportOnnx(file.data(), file.size(), OnnxImportOptions(), &ert, nullptr);
  REQUIRE(s.code() == StatusCode::kUnsupported);
  CHECK(s.message().find("Equal") != std::string::npos);
  CHECK(s.message().find("--input-value") != std::string::npos);
  // Fixed values must match the input's size and name a graph input.
  OnnxImportOptions bad;
  bad.input_values["sel"] = {1, 2};
  CHECK(ImportOnnx(file.data(), file.size(), bad, &ert, nullptr).code() == StatusCode::kInvalidArgument);
  OnnxImportOptions unknown;
  unknown.input_values["sel"] = {1};
  unknown.input_values["nope"] = {1};
  CHECK(ImportOnnx(file.data(), file.size(), unknown, &ert, nullptr).code() == StatusCode::kInvalidArgument);
}

TEST_CASE("ONNX input option parsers", "[importers][onnx]") {
  OnnxImportOptions o;
  REQUIRE(ParseOnnxInputShapeOption("input=1,512", &o));
  REQUIRE(o.input_shapes["input"] == std::vector<int64_t>{1, 512});
  REQUIRE(ParseOnnxInputShapeOption("s=", &o));
  REQUIRE(o.input_shapes["s"].empty());
  CHECK_FALSE(ParseOnnxInputShapeOption("input=1,0", &o));
  CHECK_FALSE(ParseOnnxInputShapeOption("=1", &o));
  CHECK_FALSE(ParseOnnxInputShapeOption("input=1,,2", &o));
  REQUIRE(ParseOnnxInputValueOption("sr=16000", &o));
  REQUIRE(o.input_values["sr"] == std::vector<double>{16000});
  CHECK_FALSE(ParseOnnxInputValueOption("sr=", &o));
  CHECK_FALSE(ParseOnnxInputValueOption("sr=abc", &o));
}

// Naive ONNX LSTM (forward, gate order i, o, f, c; B = Wb + Rb), batch 1.
void NaiveOnnxLstm(int seq, int in, int H, const std::vector<float>& x, const std::vector<float>& w,
                   const std::vector<float>& r, const std::vector<float>& b, const std::vector<float>& h0,
                   const std::vector<float>& c0, std::vector<double>* y, std::vector<double>* h, std::vector<double>* c) {
  h->assign(h0.begin(), h0.end());
  c->assign(c0.begin(), c0.end());
  y->clear();
  auto sig = [](double v) { return 1.0 / (1.0 + std::exp(-v)); };
  for (int t = 0; t < seq; ++t) {
    std::vector<double> g(static_cast<size_t>(4 * H));
    for (int j = 0; j < 4 * H; ++j) {
      double acc = b[static_cast<size_t>(j)] + b[static_cast<size_t>(4 * H + j)];
      for (int k = 0; k < in; ++k) acc += static_cast<double>(w[static_cast<size_t>(j * in + k)]) * x[static_cast<size_t>(t * in + k)];
      for (int k = 0; k < H; ++k) acc += static_cast<double>(r[static_cast<size_t>(j * H + k)]) * (*h)[static_cast<size_t>(k)];
      g[static_cast<size_t>(j)] = acc;
    }
    for (int j = 0; j < H; ++j) {
      const size_t u = static_cast<size_t>(j);
      const double i = sig(g[u]), o = sig(g[H + u]), f = sig(g[2 * H + u]), cc = std::tanh(g[3 * H + u]);
      (*c)[u] = f * (*c)[u] + i * cc;
      (*h)[u] = o * std::tanh((*c)[u]);
      y->push_back((*h)[u]);
    }
  }
}

TEST_CASE("ONNX LSTM imports as the LSTM op and matches a naive LSTM", "[importers][onnx]") {
  const int seq = 3, in = 4, H = 5;
  const auto w = Random(4 * H * in, 21), r = Random(4 * H * H, 22), b = Random(8 * H, 23);
  OnnxBuilder o;
  o.Input("x", {seq, 1, in});
  o.Input("h0", {1, 1, H});
  o.Input("c0", {1, 1, H});
  o.Weights("W", {1, 4 * H, in}, w);
  o.Weights("R", {1, 4 * H, H}, r);
  o.Weights("B", {1, 8 * H}, b);
  o.Node("LSTM", {"x", "W", "R", "B", "", "h0", "c0"}, {"Y", "Y_h", "Y_c"},
         {AInt("hidden_size", H), AStrs("activations", {"Sigmoid", "Tanh", "Tanh"})});
  o.Output("Y");
  o.Output("Y_h");
  o.Output("Y_c");
  Imported im(o.Build(14));
  CHECK(im.Count("LSTM") == 1);
  const auto x = Random(seq * in, 24, -2.f, 2.f), h0 = Random(H, 25), c0 = Random(H, 26);
  im.Feed(0, x);
  im.Feed(1, h0);
  im.Feed(2, c0);
  im.Invoke();
  REQUIRE(im.OutShape(0) == std::vector<int32_t>{seq, 1, 1, H});
  REQUIRE(im.OutShape(1) == std::vector<int32_t>{1, 1, H});
  std::vector<double> y, h, c;
  NaiveOnnxLstm(seq, in, H, x, w, r, b, h0, c0, &y, &h, &c);
  ExpectNear(im.Out(0), y);
  ExpectNear(im.Out(1), h);
  ExpectNear(im.Out(2), c);
}

TEST_CASE("ONNX LSTM with unsupported attributes fails with a clear error", "[importers][onnx]") {
  const int in = 2, H = 3;
  struct Bad {
    std::vector<Attr> attrs;
    const char* says;
  };
  const std::vector<Bad> bad = {
      {{AStr("direction", "bidirectional")}, "direction"},
      {{AFloat("clip", 3.f)}, "clip"},
      {{AInt("input_forget", 1)}, "input_forget"},
      {{AInt("layout", 1)}, "layout"},
      {{AStrs("activations", {"Relu", "Tanh", "Tanh"})}, "activations"},
  };
  for (const Bad& k : bad) {
    OnnxBuilder o;
    o.Input("x", {2, 1, in});
    o.Weights("W", {1, 4 * H, in}, Random(4 * H * in, 1));
    o.Weights("R", {1, 4 * H, H}, Random(4 * H * H, 2));
    o.Node("LSTM", {"x", "W", "R"}, {"Y"}, k.attrs);
    o.Output("Y");
    const std::vector<uint8_t> file = o.Build(14);
    std::vector<uint8_t> ert;
    const Status s = ImportOnnx(file.data(), file.size(), OnnxImportOptions(), &ert, nullptr);
    INFO(s.message());
    REQUIRE(s.code() == StatusCode::kUnsupported);
    CHECK(s.message().find("LSTM node") != std::string::npos);
    CHECK(s.message().find(k.says) != std::string::npos);
  }
}

TEST_CASE("ONNX reflect Pad, 1-D Conv, Slice and ReduceMean on rank-3 activations", "[importers][onnx]") {
  const int C = 2, L = 7, O = 3, K = 3;
  const auto wt = Random(O * C * K, 31), bias = Random(O, 32), x = Random(C * L, 33);
  OnnxBuilder o;
  o.Input("x", {1, C, L});
  o.Weights("w", {O, C, K}, wt);
  o.Weights("b", {O}, bias);
  o.Init(Int64Tensor("pads", {6}, {0, 0, 2, 0, 0, 1}));
  o.Init(Int64Tensor("starts", {1}, {1}));
  o.Init(Int64Tensor("ends", {1}, {3}));
  o.Init(Int64Tensor("axes", {1}, {1}));
  o.Node("Pad", {"x", "pads"}, {"p"}, {AStr("mode", "reflect")});
  o.Node("Conv", {"p", "w", "b"}, {"c"}, {AInts("kernel_shape", {K}), AInts("strides", {2}), AInts("pads", {1, 0})});
  o.Node("Slice", {"c", "starts", "ends", "axes"}, {"s"});
  o.Node("ReduceMean", {"s"}, {"y"}, {AInts("axes", {2}), AInt("keepdims", 0)});
  o.Output("y");
  Imported im(o.Build(13));
  im.Feed(0, x);
  im.Invoke();
  // Naive: reflect pad 2 before / 1 after, conv (pad 1 before), channels 1..2, mean over length.
  const int Lp = L + 3;
  std::vector<double> p(static_cast<size_t>(C * Lp));
  for (int ch = 0; ch < C; ++ch)
    for (int i = 0; i < Lp; ++i) {
      int src = i - 2;
      if (src < 0) src = -src;
      if (src >= L) src = 2 * (L - 1) - src;
      p[static_cast<size_t>(ch * Lp + i)] = x[static_cast<size_t>(ch * L + src)];
    }
  const int Lo = (Lp + 1 - K) / 2 + 1;
  std::vector<double> want;
  for (int oc = 1; oc < 3; ++oc) {
    double sum = 0;
    for (int t = 0; t < Lo; ++t) {
      double acc = bias[static_cast<size_t>(oc)];
      for (int ch = 0; ch < C; ++ch)
        for (int k = 0; k < K; ++k) {
          const int i = t * 2 + k - 1;
          if (i >= 0 && i < Lp) acc += wt[static_cast<size_t>((oc * C + ch) * K + k)] * p[static_cast<size_t>(ch * Lp + i)];
        }
      sum += acc;
    }
    want.push_back(sum / Lo);
  }
  REQUIRE(im.OutShape(0) == std::vector<int32_t>{1, 2});
  ExpectNear(im.Out(0), want);
}

}  // namespace
}  // namespace edgert
