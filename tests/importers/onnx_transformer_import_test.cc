// ONNX importer, transformer-encoder operators as PyTorch exports them: an
// attention block with int64 token ids and attention mask, embedding Gather,
// LayerNormalization, head-split Reshape/Transpose, MatMul of two activations,
// mask arithmetic (Unsqueeze, Expand, Cast, Sub, Where), Softmax, the erf form of
// GELU and a pick from an activation, built here as an ONNX graph, imported, run
// and compared with a naive computation in double written here.
#include <catch2/catch.hpp>

#include <cmath>
#include <string>
#include <vector>

#include "runtime/importers/onnx/onnx_importer.h"
#include "tests/importers/import_test_util.h"
#include "tests/importers/onnx_test_builder.h"

namespace edgert {
namespace {

using namespace onnx_test;
using import_test::Random;

constexpr int S = 5, D = 8, H = 2, Dh = 4, V = 7, P = 16;

struct Fixture {
  std::vector<float> table = Random(V * D, 101), pos = Random(P * D, 102), gamma = Random(D, 103, 0.5f, 1.5f),
                     beta = Random(D, 104), wq = Random(D * D, 105), wv = Random(D * D, 106);
  std::vector<int64_t> ids = {3, 0, 6, 2, 1};
  std::vector<int64_t> mask = {1, 1, 1, 0, 1};
};

std::vector<uint8_t> BuildEncoder(const Fixture& f, int gelu_order) {
  OnnxBuilder ob;
  ob.Input("input_ids", {1, -1}, "sequence", 7);
  ob.Input("attention_mask", {1, -1}, "sequence", 7);
  ob.Weights("table", {V, D}, f.table);
  ob.Weights("pos_table", {P, D}, f.pos);
  ob.Weights("gamma", {D}, f.gamma);
  ob.Weights("beta", {D}, f.beta);
  ob.Weights("wq", {D, D}, f.wq);
  ob.Weights("wv", {D, D}, f.wv);
  std::vector<int64_t> pos_ids;
  for (int i = 0; i < P; ++i) pos_ids.push_back(i);
  ob.Init(Int64Tensor("position_ids", {1, P}, pos_ids));
  ob.Init(Int64Tensor("zero1", {1}, {0}));
  ob.Init(Int64Tensor("axis1", {1}, {1}));
  ob.Init(Int64Tensor("one_i", {}, {1}));
  ob.Init(Int64Tensor("heads", {4}, {1, S, H, Dh}));
  ob.Init(Int64Tensor("merge", {3}, {1, S, D}));
  ob.Init(Int64Tensor("mask_axes", {2}, {1, 2}));
  ob.Init(Int64Tensor("zero_i", {}, {0}));
  ob.Init(FloatTensor("one", {}, {1.f}));
  ob.Init(FloatTensor("neg", {}, {-3.4028234663852886e38f}));
  ob.Init(FloatTensor("sqrt2", {}, {1.4142135381698608f}));
  ob.Init(FloatTensor("half", {}, {0.5f}));
  ob.Init(FloatTensor("scale", {}, {0.5f}));  // 1 / sqrt(Dh)
  // Embeddings: token table lookup + position table rows picked by a folded Slice.
  ob.Node("Gather", {"table", "input_ids"}, {"tok"});
  ob.Node("Shape", {"input_ids"}, {"ids_shape"});
  ob.Node("Gather", {"ids_shape", "one_i"}, {"seq"}, {AInt("axis", 0)});
  ob.Node("Unsqueeze", {"seq", "zero1"}, {"seq1"});
  ob.Node("Slice", {"position_ids", "zero1", "seq1", "axis1"}, {"pids"});
  ob.Node("Gather", {"pos_table", "pids"}, {"pemb"});
  ob.Node("Add", {"tok", "pemb"}, {"emb"});
  ob.Node("LayerNormalization", {"emb", "gamma", "beta"}, {"ln"}, {AInt("axis", -1), AFloat("epsilon", 1e-5f)});
  // Heads: [1,S,D] -> [1,S,H,Dh] -> [1,H,S,Dh]; K^T is q's [1,H,Dh,S].
  ob.Node("MatMul", {"ln", "wq"}, {"q"});
  ob.Node("MatMul", {"ln", "wv"}, {"v"});
  ob.Node("Reshape", {"q", "heads"}, {"q4"});
  ob.Node("Transpose", {"q4"}, {"qh"}, {AInts("perm", {0, 2, 1, 3})});
  ob.Node("Transpose", {"q4"}, {"kt"}, {AInts("perm", {0, 2, 3, 1})});
  ob.Node("Reshape", {"v", "heads"}, {"v4"});
  ob.Node("Transpose", {"v4"}, {"vh"}, {AInts("perm", {0, 2, 1, 3})});
  ob.Node("MatMul", {"qh", "kt"}, {"qk"});
  ob.Node("Mul", {"qk", "scale"}, {"scores"});
  // Mask: [1,S] int64 -> [1,1,1,S] -> [1,1,S,S] -> where(1 - m != 0, min, 1 - m).
  ob.Node("Unsqueeze", {"attention_mask", "mask_axes"}, {"m4"});
  ob.Init(Int64Tensor("mask_shape", {4}, {1, 1, S, S}));
  ob.Node("Expand", {"m4", "mask_shape"}, {"mexp"});
  ob.Node("Cast", {"mexp"}, {"mf"}, {AInt("to", 1)});
  ob.Node("Sub", {"one", "mf"}, {"inv"});
  ob.Node("Cast", {"inv"}, {"invb"}, {AInt("to", 9)});
  ob.Node("Where", {"invb", "neg", "inv"}, {"madd"});
  ob.Node("Add", {"scores", "madd"}, {"masked"});
  ob.Node("Softmax", {"masked"}, {"probs"}, {AInt("axis", -1)});
  ob.Node("MatMul", {"probs", "vh"}, {"ctx"});
  ob.Node("Transpose", {"ctx"}, {"ctx_t"}, {AInts("perm", {0, 2, 1, 3})});
  ob.Node("Reshape", {"ctx_t", "merge"}, {"x"});
  // GELU, erf form, in the orders PyTorch's exporters write.
  ob.Node("Div", {"x", "sqrt2"}, {"xs"});
  ob.Node("Erf", {"xs"}, {"e"});
  ob.Node("Add", {"e", "one"}, {"e1"});
  if (gelu_order == 1) {
    ob.Node("Mul", {"x", "half"}, {"xh"});
    ob.Node("Mul", {"xh", "e1"}, {"y"});
  } else if (gelu_order == 2) {  // the dynamo exporter's order
    ob.Node("Mul", {"half", "e1"}, {"he"});
    ob.Node("Mul", {"x", "he"}, {"y"});
  } else {
    ob.Node("Mul", {"x", "e1"}, {"xe"});
    ob.Node("Mul", {"xe", "half"}, {"y"});
  }
  ob.Node("Gather", {"y", "zero_i"}, {"first"}, {AInt("axis", 1)});  // hidden[:, 0]
  ob.Output("y");
  ob.Output("first");
  return ob.Build(17);
}

std::vector<double> NaiveEncoder(const Fixture& f) {
  std::vector<double> ln(S * D);
  for (int s = 0; s < S; ++s) {
    double e[D], mean = 0, var = 0;
    for (int d = 0; d < D; ++d) {
      e[d] = static_cast<double>(f.table[f.ids[s] * D + d]) + f.pos[s * D + d];
      mean += e[d] / D;
    }
    for (int d = 0; d < D; ++d) var += (e[d] - mean) * (e[d] - mean) / D;
    for (int d = 0; d < D; ++d) ln[s * D + d] = (e[d] - mean) / std::sqrt(var + 1e-5) * f.gamma[d] + f.beta[d];
  }
  auto proj = [&](const std::vector<float>& w) {
    std::vector<double> r(S * D, 0.0);
    for (int s = 0; s < S; ++s)
      for (int o = 0; o < D; ++o)
        for (int i = 0; i < D; ++i) r[s * D + o] += ln[s * D + i] * w[i * D + o];
    return r;
  };
  const std::vector<double> q = proj(f.wq), v = proj(f.wv);
  std::vector<double> x(S * D, 0.0);
  for (int h = 0; h < H; ++h)
    for (int i = 0; i < S; ++i) {
      double sc[S], mx = -1e300, sum = 0;
      for (int j = 0; j < S; ++j) {
        double dot = 0;
        for (int k = 0; k < Dh; ++k) dot += q[i * D + h * Dh + k] * q[j * D + h * Dh + k];
        sc[j] = f.mask[j] ? dot * 0.5 : -3.4028234663852886e38;
        mx = std::max(mx, sc[j]);
      }
      for (int j = 0; j < S; ++j) sum += (sc[j] = std::exp(sc[j] - mx));
      for (int j = 0; j < S; ++j)
        for (int k = 0; k < Dh; ++k) x[i * D + h * Dh + k] += sc[j] / sum * v[j * D + h * Dh + k];
    }
  for (double& e : x) e = 0.5 * e * (1.0 + std::erf(e / std::sqrt(2.0)));
  return x;
}

}  // namespace

TEST_CASE("onnx import: BERT-style attention block with int64 ids and mask matches a naive computation",
          "[onnx][importer][transformer]") {
  const Fixture f;
  const std::vector<double> want = NaiveEncoder(f);
  const std::vector<double> want_first(want.begin(), want.begin() + D);
  for (int order = 0; order < 3; ++order) {
    INFO("GELU written in order " << order << " (0: 0.5 last, 1: 0.5 times x first, 2: 0.5 times 1 + erf)");
    OnnxImportOptions opts;
    opts.dims["sequence"] = S;
    const std::vector<uint8_t> file = BuildEncoder(f, order);
    struct Imp : import_test::ImportedModel {
      Imp(const std::vector<uint8_t>& onnx, const OnnxImportOptions& o) {
        Status s = ImportOnnx(onnx.data(), onnx.size(), o, &ert, &report);
        INFO(s.message());
        REQUIRE(s.ok());
        Load();
      }
    } im(file, opts);
    CHECK(im.Count("GELU") == 1);
    CHECK(im.Count("LAYER_NORM") == 1);
    CHECK(im.Count("BATCH_MATMUL") == 2);
    CHECK(im.Count("SELECT") == 1);
    CHECK(im.Count("DIV") == 0);  // the GELU chain left nothing behind
    REQUIRE(im.interp->input(0)->dtype == DType::kI64);
    im.Feed(0, f.ids);
    im.Feed(1, f.mask);
    im.Invoke();
    const std::vector<float> y = im.Out(0), first = im.Out(1);
    REQUIRE(y.size() == want.size());
    REQUIRE(first.size() == want_first.size());
    for (size_t i = 0; i < y.size(); ++i) {
      INFO("element " << i);
      CHECK(std::fabs(y[i] - want[i]) <= 1e-5 * (1.0 + std::fabs(want[i])));
    }
    for (size_t i = 0; i < first.size(); ++i) CHECK(first[i] == y[i]);
  }
}

TEST_CASE("onnx import: Erf outside the GELU pattern is refused clearly",
          "[onnx][importer][transformer]") {
  {
    OnnxBuilder ob;
    ob.Input("x", {1, 4});
    ob.Node("Erf", {"x"}, {"y"});
    ob.Output("y");
    const std::vector<uint8_t> file = ob.Build(17);
    std::vector<uint8_t> ert;
    ImportReport report;
    const Status s = ImportOnnx(file.data(), file.size(), OnnxImportOptions(), &ert, &report);
    CHECK(s.code() == StatusCode::kUnsupported);
    CHECK(s.message().find("Erf is supported only inside GELU") != std::string::npos);
  }
}

}  // namespace edgert
