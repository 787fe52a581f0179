// f32 CONV_2D (1x1 and indirect) and FULLY_CONNECTED whose weights and bias the model
// stores as float16 (f16 constants feeding DEQUANTIZE, folded at prepare),
// through the optimized kernels at every ISA level this CPU supports:
//  - with InterpreterOptions::f16_arithmetic off, within f32 rounding of a
//    naive double-precision sum over the f16 values;
//  - with it on, on levels with an f16 GEMM (ARMv8.2 FP16 arithmetic), within
//    f16 rounding of that sum, and different from the f32 results somewhere
//    (the half-precision path ran); on other levels identical to them;
//  - the same weights stored as f32 constants never take the f16 path.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <vector>

#include "kernels/dispatch.h"
#include "kernels/optimized/optimized_kernels.h"
#include "runtime/dtype.h"
#include "tests/kernels/kernel_test_util.h"
#include "tests/kernels/ukernel_test_util.h"
#include "tests/op_test.h"

namespace edgert {
namespace {

using namespace testing;  // NOLINT: tests/kernels/kernel_test_util.h

float Half(float v) { return HalfToFloat(FloatToHalf(v)); }

// CONV_2D: input [1, h, w, k], weights [n, kh, kw, k], SAME padding, stride
// `stride`, RELU6; FULLY_CONNECTED (kh 0): input [h, k], weights [n, k].
struct Case {
  schema::OpType op;
  int h, w, k, n, kh, stride;
};

int OutSize(int in, int stride) { return (in + stride - 1) / stride; }

std::vector<float> RunCase(const Case& c, const std::vector<float>& x, const std::vector<float>& w,
                           const std::vector<float>& bias, bool weights_f16, bool f16_arithmetic) {
  OpTest t(c.op);
  const bool conv = c.op == schema::OpType_CONV_2D;
  const std::vector<int32_t> ws = conv ? std::vector<int32_t>{c.n, c.kh, c.kh, c.k} : std::vector<int32_t>{c.n, c.k};
  t.Input<float>(conv ? std::vector<int32_t>{1, c.h, c.w, c.k} : std::vector<int32_t>{c.h, c.k}, x);
  if (weights_f16) {
    t.ConstF16(ws, w);
    t.ConstF16({c.n}, bias);
  } else {
    t.Const<float>(ws, w);
    t.Const<float>({c.n}, bias);
  }
  if (conv)
    t.SetOptions(schema::OpOptions_Conv2DOptions,
                 schema::CreateConv2DOptions(t.fbb(), schema::Padding_SAME, c.stride, c.stride, 1, 1,
                                             schema::Activation_RELU6)
                     .Union());
  else
    t.SetOptions(schema::OpOptions_FullyConnectedOptions,
                 schema::CreateFullyConnectedOptions(t.fbb(), schema::Activation_NONE).Union());
  t.Output(DType::kF32);
  t.SetF16Arithmetic(f16_arithmetic);
  const Status s = t.Run(conv ? opt::Register_CONV_2D() : opt::Register_FULLY_CONNECTED());
  INFO(s.message());
  REQUIRE(s.ok());
  return t.OutputData<float>(0);
}

// Output (row r, channel j) of the case as an exact sum and the sum of its
// terms' magnitudes. Row r is an output pixel (CONV_2D) or input row.
void Exact(const Case& c, const std::vector<float>& x, const std::vector<float>& w, const std::vector<float>& bias,
           int r, int j, double* sum, double* mag) {
  *sum = bias[static_cast<size_t>(j)];
  *mag = std::fabs(*sum);
  auto add = [&](float a, float b) {
    const double term = static_cast<double>(a) * b;
    *sum += term;
    *mag += std::fabs(term);
  };
  if (c.op != schema::OpType_CONV_2D) {
    for (int kk = 0; kk < c.k; ++kk)
      add(x[static_cast<size_t>(r * c.k + kk)], w[static_cast<size_t>(j * c.k + kk)]);
    return;
  }
  const int ow = OutSize(c.w, c.stride), oy = r / ow, ox = r % ow;
  const int pad_h = std::max((OutSize(c.h, c.stride) - 1) * c.stride + c.kh - c.h, 0) / 2;
  const int pad_w = std::max((ow - 1) * c.stride + c.kh - c.w, 0) / 2;
  for (int ky = 0; ky < c.kh; ++ky) {
    for (int kx = 0; kx < c.kh; ++kx) {
      const int iy = oy * c.stride + ky - pad_h, ix = ox * c.stride + kx - pad_w;
      if (iy < 0 || iy >= c.h || ix < 0 || ix >= c.w) continue;
      for (int kk = 0; kk < c.k; ++kk)
        add(x[static_cast<size_t>((iy * c.w + ix) * c.k + kk)],
            w[static_cast<size_t>(((j * c.kh + ky) * c.kh + kx) * c.k + kk)]);
    }
  }
}

TEST_CASE("CONV_2D 1x1 and FULLY_CONNECTED with float16-stored weights: f16 arithmetic where the CPU has it",
          "[kernels][f16]") {
  // 1x1 convolutions (direct GEMM), strided and small-channel 3x3 ones (the
  // indirect GEMM: no Winograd below stride 1 and 16 channels), FULLY_CONNECTED
  // with one row (the 1-row kernel) and several.
  const Case cases[] = {{schema::OpType_CONV_2D, 7, 5, 3, 1, 1, 1},
                        {schema::OpType_CONV_2D, 7, 5, 17, 16, 1, 1},
                        {schema::OpType_CONV_2D, 8, 5, 40, 23, 1, 1},
                        {schema::OpType_CONV_2D, 2, 5, 96, 40, 1, 1},
                        {schema::OpType_CONV_2D, 9, 11, 3, 16, 3, 2},
                        {schema::OpType_CONV_2D, 6, 7, 8, 21, 3, 1},
                        {schema::OpType_CONV_2D, 10, 9, 5, 7, 5, 2},
                        {schema::OpType_FULLY_CONNECTED, 1, 0, 64, 37, 0, 1},
                        {schema::OpType_FULLY_CONNECTED, 7, 0, 33, 16, 0, 1},
                        {schema::OpType_FULLY_CONNECTED, 13, 0, 9, 5, 0, 1}};
  std::vector<IsaLevel> levels = SupportedMicrokernelLevels();
  levels.push_back(IsaLevel::kReference);
  size_t f16_levels = 0;
  for (IsaLevel level : levels) {
    ScopedIsaLevel scope(level);
    const bool has_f16 = GetKernelIsa().f16_gemm.fn != nullptr;
    f16_levels += has_f16 ? 1 : 0;
    uint32_t seed = 900;
    for (const Case& c : cases) {
      const bool conv = c.op == schema::OpType_CONV_2D;
      INFO("ISA " << GetKernelIsa().name << (conv ? ", CONV_2D " : ", FULLY_CONNECTED ") << c.h << "x" << c.w
                  << " k " << c.k << " n " << c.n << " filter " << c.kh << " stride " << c.stride);
      const int rows = conv ? OutSize(c.h, c.stride) * OutSize(c.w, c.stride) : c.h;
      const int in_rows = conv ? c.h * c.w : c.h;
      const int taps = conv ? c.kh * c.kh : 1;
      const std::vector<float> x = RandomFloats(static_cast<size_t>(in_rows * c.k), -2.f, 2.f, seed++);
      std::vector<float> w = RandomFloats(static_cast<size_t>(c.n * taps * c.k), -1.f, 1.f, seed++);
      std::vector<float> bias = RandomFloats(static_cast<size_t>(c.n), -1.f, 1.f, seed++);
      for (float& v : w) v = Half(v);  // the values the model holds
      for (float& v : bias) v = Half(v);
      const float lo = conv ? 0.f : -INFINITY, hi = conv ? 6.f : INFINITY;

      const std::vector<float> y32 = RunCase(c, x, w, bias, /*weights_f16=*/true, /*f16_arithmetic=*/false);
      const std::vector<float> y16 = RunCase(c, x, w, bias, true, true);
      const std::vector<float> f32_weights = RunCase(c, x, w, bias, false, true);
      REQUIRE(f32_weights == y32);  // f32 constants: f32 arithmetic, allowed or not
      REQUIRE(y16.size() == static_cast<size_t>(rows * c.n));
      size_t differ = 0, bad32 = 0, bad16 = 0;
      for (int r = 0; r < rows; ++r) {
        for (int j = 0; j < c.n; ++j) {
          double sum = 0, mag = 0;
          Exact(c, x, w, bias, r, j, &sum, &mag);
          const double want = std::min<double>(std::max<double>(sum, lo), hi);
          const size_t i = static_cast<size_t>(r * c.n + j);
          bad32 += std::fabs(y32[i] - want) <= 4e-6 * mag + 1e-7 ? 0 : 1;
          // f16: A rounded (2^-11) and K + 1 rounded multiply-adds.
          bad16 += std::fabs(y16[i] - want) <= (taps * c.k + 2) / 2048.0 * mag ? 0 : 1;
          differ += y16[i] != y32[i] ? 1 : 0;
        }
      }
      CHECK(bad32 == 0);
      CHECK(bad16 == 0);
      if (has_f16)
        CHECK(differ > 0);  // the half-precision path ran
      else
        CHECK(differ == 0);  // no f16 arithmetic at this level
    }
  }
  if (f16_levels == 0) WARN("no level of this CPU has an f16 GEMM (ARMv8.2 FP16 arithmetic): f32 paths only");
}

}  // namespace
}  // namespace edgert
