// LSTM: the reference kernel against a naive step-by-step LSTM written here in
// double (gate order input, output, forget, cell), with constant weights (packed
// path) and runtime weights (in-place path), with and without bias and initial
// states, several sequence lengths, batches and odd hidden sizes.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "kernels/reference/reference_kernels.h"
#include "tests/kernels/conv_test_util.h"
#include "tests/op_test.h"

namespace edgert {
namespace {

using namespace conv_test;  // NOLINT: OpTest and tests/kernels/conv_test_util.h

struct LstmCase {
  int seq, batch, in, hidden;
  bool bias, h0, c0, const_weights;
};

double Sig(double x) { return 1.0 / (1.0 + std::exp(-x)); }

// Y [seq][batch][H], then h and c of the last step.
void NaiveLstm(const LstmCase& c, const std::vector<float>& x, const std::vector<float>& w, const std::vector<float>& r,
               const std::vector<float>& b, const std::vector<float>& h0, const std::vector<float>& c0,
               std::vector<double>* y, std::vector<double>* h_last, std::vector<double>* c_last) {
  const int H = c.hidden;
  std::vector<double> h(static_cast<size_t>(c.batch * H), 0.0), cs(h.size(), 0.0);
  for (size_t k = 0; k < h.size(); ++k) {
    if (c.h0) h[k] = h0[k];
    if (c.c0) cs[k] = c0[k];
  }
  y->assign(static_cast<size_t>(c.seq * c.batch * H), 0.0);
  for (int t = 0; t < c.seq; ++t) {
    std::vector<double> hn(h.size());
    for (int bb = 0; bb < c.batch; ++bb) {
      std::vector<double> g(static_cast<size_t>(4 * H));
      for (int j = 0; j < 4 * H; ++j) {
        double acc = c.bias ? b[static_cast<size_t>(j)] : 0.0;
        for (int k = 0; k < c.in; ++k)
          acc += static_cast<double>(w[static_cast<size_t>(j * c.in + k)]) * x[static_cast<size_t>((t * c.batch + bb) * c.in + k)];
        for (int k = 0; k < H; ++k)
          acc += static_cast<double>(r[static_cast<size_t>(j * H + k)]) * h[static_cast<size_t>(bb * H + k)];
        g[static_cast<size_t>(j)] = acc;
      }
      for (int j = 0; j < H; ++j) {
        const double i = Sig(g[static_cast<size_t>(j)]), o = Sig(g[static_cast<size_t>(H + j)]);
        const double f = Sig(g[static_cast<size_t>(2 * H + j)]), cc = std::tanh(g[static_cast<size_t>(3 * H + j)]);
        double& cell = cs[static_cast<size_t>(bb * H + j)];
        cell = f * cell + i * cc;
        hn[static_cast<size_t>(bb * H + j)] = o * std::tanh(cell);
        (*y)[static_cast<size_t>((t * c.batch + bb) * H + j)] = hn[static_cast<size_t>(bb * H + j)];
      }
    }
    h = hn;
  }
  *h_last = h;
  *c_last = cs;
}

void RunCase(const LstmCase& c, uint32_t seed) {
  std::mt19937 rng(seed);
  const int H = c.hidden;
  const auto x = RandomFloats(rng, static_cast<size_t>(c.seq * c.batch * c.in), -2.f, 2.f);
  const auto w = RandomFloats(rng, static_cast<size_t>(4 * H * c.in));
  const auto r = RandomFloats(rng, static_cast<size_t>(4 * H * H));
  const auto b = RandomFloats(rng, static_cast<size_t>(4 * H));
  const auto h0 = RandomFloats(rng, static_cast<size_t>(c.batch * H));
  const auto c0 = RandomFloats(rng, static_cast<size_t>(c.batch * H), -3.f, 3.f);
  OpTest t(schema::OpType_LSTM);
  t.Input<float>({c.seq, c.batch, c.in}, x);
  if (c.const_weights) {
    t.Const<float>({4 * H, c.in}, w);
    t.Const<float>({4 * H, H}, r);
  } else {
    t.Input<float>({4 * H, c.in}, w);
    t.Input<float>({4 * H, H}, r);
  }
  ConstOrOmit(t, c.bias, {4 * H}, b);
  if (c.h0) t.Input<float>({c.batch, H}, h0);
  else t.OmitInput();
  if (c.c0) t.Input<float>({c.batch, H}, c0);
  else t.OmitInput();
  t.Output(DType::kF32);
  t.Output(DType::kF32);
  t.Output(DType::kF32);
  RequireRun(t, ref::Register_LSTM());
  REQUIRE(t.OutputShape(0) == Shape{c.seq, c.batch, H});
  REQUIRE(t.OutputShape(1) == Shape{c.batch, H});
  REQUIRE(t.OutputShape(2) == Shape{c.batch, H});
  std::vector<double> y, hl, cl;
  NaiveLstm(c, x, w, r, b, h0, c0, &y, &hl, &cl);
  const auto gy = t.OutputData<float>(0), gh = t.OutputData<float>(1), gc = t.OutputData<float>(2);
  REQUIRE(gy.size() == y.size());
  for (size_t k = 0; k < y.size(); ++k) REQUIRE(gy[k] == Approx(y[k]).margin(2e-5));
  for (size_t k = 0; k < hl.size(); ++k) {
    REQUIRE(gh[k] == Approx(hl[k]).margin(2e-5));
    REQUIRE(gc[k] == Approx(cl[k]).margin(5e-5));
  }
}

TEST_CASE("LSTM matches a naive LSTM", "[kernels][lstm]") {
  const std::vector<LstmCase> cases = {
      {1, 1, 3, 1, true, true, true, true},     {1, 1, 8, 5, false, false, false, true},
      {3, 2, 7, 5, true, true, false, true},    {5, 1, 4, 17, true, false, true, true},
      {4, 3, 5, 3, true, true, true, false},    {2, 2, 1, 9, false, true, true, false},
      {6, 1, 16, 16, true, true, true, true},
  };
  uint32_t seed = 1;
  for (const LstmCase& c : cases) {
    INFO("seq " << c.seq << " batch " << c.batch << " in " << c.in << " hidden " << c.hidden << " bias " << c.bias
                << " h0 " << c.h0 << " c0 " << c.c0 << " const weights " << c.const_weights);
    RunCase(c, seed++);
  }
}

TEST_CASE("LSTM rejects mismatched weights and states", "[kernels][lstm]") {
  std::vector<float> x(2 * 1 * 3, 0.5f), w(4 * 2 * 3, 0.1f), r_bad(4 * 2 * 3, 0.1f), r(4 * 2 * 2, 0.1f);
  {
    OpTest t(schema::OpType_LSTM);
    t.Input<float>({2, 1, 3}, x);
    t.Const<float>({8, 3}, w);
    t.Const<float>({8, 3}, r_bad);  // R must be [4H, H]
    t.Output(DType::kF32);
    t.Output(DType::kF32);
    t.Output(DType::kF32);
    const Status s = t.Run(ref::Register_LSTM());
    REQUIRE(s.code() == StatusCode::kInvalidModel);
    REQUIRE(s.message().find("[4H, H]") != std::string::npos);
  }
  {
    OpTest t(schema::OpType_LSTM);
    t.Input<float>({2, 1, 3}, x);
    t.Const<float>({8, 3}, w);
    t.Const<float>({8, 2}, r);
    t.OmitInput();
    t.Input<float>({2, 2}, std::vector<float>(4, 0.f));  // h0 must be [batch, H] = [1, 2]
    t.Output(DType::kF32);
    t.Output(DType::kF32);
    t.Output(DType::kF32);
    const Status s = t.Run(ref::Register_LSTM());
    REQUIRE(s.code() == StatusCode::kInvalidModel);
    REQUIRE(s.message().find("initial state") != std::string::npos);
  }
}

}  // namespace
}  // namespace edgert
