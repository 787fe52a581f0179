// PAD: hand-computed numpy.pad cases for each mode, plus random shapes compared
// with a naive implementation written here (mirror positions found by walking
// back and forth, not by a closed formula).
#include <catch2/catch.hpp>

#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include "kernels/optimized/optimized_kernels.h"
#include "kernels/reference/reference_kernels.h"
#include "tests/kernels/kernel_variants.h"
#include "tests/kernels/shape_test_util.h"
#include "tests/op_test.h"

namespace edgert {
namespace {

// Which kernel the running test case uses (EDGERT_KERNEL_VARIANTS).
bool g_optimized = false;
const OpKernel* PadKernel() { return g_optimized ? opt::Register_PAD() : ref::Register_PAD(); }

using namespace testing;  // OpTest and the shape test helpers

// Source index for position j (relative to the data start) in a dimension of
// size n, or -1 for the constant; mirror modes bounce off the ends step by step.
int64_t SourceIndex(int64_t j, int64_t n, schema::PadMode mode) {
  if (j >= 0 && j < n) return j;
  if (mode == schema::PadMode_CONSTANT) return -1;
  if (mode == schema::PadMode_EDGE) return j < 0 ? 0 : n - 1;
  // Walk from the nearest end outwards, mirroring.
  const bool sym = mode == schema::PadMode_SYMMETRIC;
  int64_t pos = j < 0 ? 0 : n - 1;
  int dir = j < 0 ? 1 : -1;  // direction of travel inside the data while moving away
  int64_t steps = j < 0 ? -j : j - (n - 1);
  if (sym) --steps;  // the edge element is repeated once
  for (int64_t s = 0; s < steps; ++s) pos += dir;
  return pos;
}

template <typename T>
std::vector<T> NaivePad(const std::vector<T>& x, const Dims& in, const std::vector<int>& pads, schema::PadMode mode,
                        T value, Dims* out_shape) {
  const int rank = static_cast<int>(in.size());
  out_shape->resize(rank);
  for (int d = 0; d < rank; ++d) (*out_shape)[d] = in[d] + pads[2 * d] + pads[2 * d + 1];
  std::vector<T> y;
  std::vector<int64_t> src(rank);
  for (int64_t k = 0; k < Count(*out_shape); ++k) {
    const std::vector<int64_t> o = Unravel(k, *out_shape);
    bool pad = false;
    for (int d = 0; d < rank; ++d) {
      src[d] = SourceIndex(o[d] - pads[2 * d], in[d], mode);
      if (src[d] < 0) pad = true;
    }
    y.push_back(pad ? value : x[Ravel(src, in)]);
  }
  return y;
}

template <typename T>
Status RunPad(const std::vector<T>& x, const Dims& shape, DType dt, const std::vector<int>& pads, schema::PadMode mode,
              const T* value, std::vector<T>* y, Dims* out, const QuantSpec& q = {}, bool pads_i64 = false) {
  OpTest t(schema::OpType_PAD);
  InputOf(t, dt, shape, x, q);
  const int32_t rank = static_cast<int32_t>(shape.size());
  if (pads_i64)
    t.Const<int64_t>({rank, 2}, std::vector<int64_t>(pads.begin(), pads.end()));
  else
    t.Const<int32_t>({rank, 2}, std::vector<int32_t>(pads.begin(), pads.end()));
  if (value) t.Const(dt, {}, value, sizeof(T), q);
  t.Output(dt, q);
  t.SetOptions(schema::OpOptions_PadOptions, schema::CreatePadOptions(t.fbb(), mode).Union());
  return RunAndFetch(t, PadKernel(), y, out);
}

}  // namespace

TEST_CASE("PAD numpy examples for every mode", "[kernels][pad]") {
  EDGERT_KERNEL_VARIANTS(g_optimized);
  const std::vector<float> x = {1, 2, 3, 4, 5};
  std::vector<float> y;
  Dims out;
  REQUIRE(RunPad<float>(x, {5}, DType::kF32, {2, 3}, schema::PadMode_CONSTANT, nullptr, &y, &out).ok());
  CHECK(y == std::vector<float>{0, 0, 1, 2, 3, 4, 5, 0, 0, 0});
  const float v = -7.5f;
  REQUIRE(RunPad<float>(x, {5}, DType::kF32, {2, 3}, schema::PadMode_CONSTANT, &v, &y, &out).ok());
  CHECK(y == std::vector<float>{v, v, 1, 2, 3, 4, 5, v, v, v});
  REQUIRE(RunPad<float>(x, {5}, DType::kF32, {2, 3}, schema::PadMode_REFLECT, nullptr, &y, &out).ok());
  CHECK(y == std::vector<float>{3, 2, 1, 2, 3, 4, 5, 4, 3, 2});
  REQUIRE(RunPad<float>(x, {5}, DType::kF32, {2, 3}, schema::PadMode_SYMMETRIC, nullptr, &y, &out).ok());
  CHECK(y == std::vector<float>{2, 1, 1, 2, 3, 4, 5, 5, 4, 3});
  REQUIRE(RunPad<float>(x, {5}, DType::kF32, {2, 3}, schema::PadMode_EDGE, nullptr, &y, &out).ok());
  CHECK(y == std::vector<float>{1, 1, 1, 2, 3, 4, 5, 5, 5, 5});
  // Negative padding crops.
  REQUIRE(RunPad<float>(x, {5}, DType::kF32, {-1, 2}, schema::PadMode_CONSTANT, nullptr, &y, &out).ok());
  CHECK(y == std::vector<float>{2, 3, 4, 5, 0, 0});
  REQUIRE(RunPad<float>(x, {5}, DType::kF32, {1, -3}, schema::PadMode_REFLECT, nullptr, &y, &out).ok());
  CHECK(y == std::vector<float>{2, 1, 2});
}

TEST_CASE("PAD float random shapes and modes", "[kernels][pad]") {
  EDGERT_KERNEL_VARIANTS(g_optimized);
  std::mt19937 rng(41);
  const schema::PadMode modes[] = {schema::PadMode_CONSTANT, schema::PadMode_REFLECT, schema::PadMode_SYMMETRIC,
                                   schema::PadMode_EDGE};
  const Dims shapes[] = {{1, 7, 5, 3}, {2, 3, 4}, {17}, {3, 1, 2, 2, 3}};
  for (const Dims& shape : shapes) {
    const std::vector<float> x = RandomFloats(Count(shape), rng, -4.f, 4.f);
    for (schema::PadMode mode : modes) {
      for (int iter = 0; iter < 4; ++iter) {
        std::vector<int> pads;
        for (int32_t n : shape) {
          const int limit = mode == schema::PadMode_REFLECT ? n - 1 : (mode == schema::PadMode_SYMMETRIC ? n : 4);
          pads.push_back(static_cast<int>(rng() % (limit + 1)));
          pads.push_back(static_cast<int>(rng() % (limit + 1)));
        }
        const float value = mode == schema::PadMode_CONSTANT && iter % 2 ? 2.25f : 0.f;
        std::vector<float> y;
        Dims out, expected_shape;
        const Status st = RunPad<float>(x, shape, DType::kF32, pads, mode, iter % 2 ? &value : nullptr, &y, &out,
                                        {}, iter == 3);
        REQUIRE(st.ok());
        const std::vector<float> expected = NaivePad(x, shape, pads, mode, value, &expected_shape);
        CHECK(out == expected_shape);
        CHECK(y == expected);
      }
    }
  }
}

TEST_CASE("PAD quantized default is the zero point", "[kernels][pad]") {
  EDGERT_KERNEL_VARIANTS(g_optimized);
  std::mt19937 rng(42);
  const Dims shape = {1, 3, 4, 2};
  const std::vector<int> pads = {0, 0, 1, 2, 2, 1, 0, 1};
  {
    const std::vector<int8_t> x = RandomBits<int8_t>(Count(shape), rng);
    std::vector<int8_t> y;
    Dims out, es;
    REQUIRE(RunPad<int8_t>(x, shape, DType::kI8, pads, schema::PadMode_CONSTANT, nullptr, &y, &out,
                           QuantSpec::PerTensor(0.05f, -17))
                .ok());
    CHECK(y == NaivePad<int8_t>(x, shape, pads, schema::PadMode_CONSTANT, -17, &es));
    // An explicit value in the same quantization.
    const int8_t v = 100;
    REQUIRE(RunPad<int8_t>(x, shape, DType::kI8, pads, schema::PadMode_CONSTANT, &v, &y, &out,
                           QuantSpec::PerTensor(0.05f, -17))
                .ok());
    CHECK(y == NaivePad<int8_t>(x, shape, pads, schema::PadMode_CONSTANT, 100, &es));
  }
  {
    const std::vector<uint8_t> x = RandomBits<uint8_t>(Count(shape), rng);
    std::vector<uint8_t> y;
    Dims out, es;
    REQUIRE(RunPad<uint8_t>(x, shape, DType::kU8, pads, schema::PadMode_CONSTANT, nullptr, &y, &out,
                            QuantSpec::PerTensor(0.5f, 131))
                .ok());
    CHECK(y == NaivePad<uint8_t>(x, shape, pads, schema::PadMode_CONSTANT, 131, &es));
    REQUIRE(RunPad<uint8_t>(x, shape, DType::kU8, pads, schema::PadMode_SYMMETRIC, nullptr, &y, &out,
                            QuantSpec::PerTensor(0.5f, 131))
                .ok());
    CHECK(y == NaivePad<uint8_t>(x, shape, pads, schema::PadMode_SYMMETRIC, 0, &es));
  }
}

TEST_CASE("PAD other dtypes by element size", "[kernels][pad]") {
  EDGERT_KERNEL_VARIANTS(g_optimized);
  std::mt19937 rng(43);
  const Dims shape = {3, 5};
  const std::vector<int> pads = {1, 2, 3, 0};
  {
    std::vector<int64_t> x(15);
    for (auto& v : x) v = static_cast<int64_t>(rng()) << 16;
    const int64_t value = -(int64_t{1} << 40);
    std::vector<int64_t> y;
    Dims out, es;
    REQUIRE(RunPad<int64_t>(x, shape, DType::kI64, pads, schema::PadMode_CONSTANT, &value, &y, &out).ok());
    CHECK(y == NaivePad<int64_t>(x, shape, pads, schema::PadMode_CONSTANT, value, &es));
  }
  {
    const std::vector<uint16_t> x = RandomBits<uint16_t>(15, rng);  // f16 bit patterns
    const uint16_t one = FloatToHalf(1.0f);
    std::vector<uint16_t> y;
    Dims out, es;
    REQUIRE(RunPad<uint16_t>(x, shape, DType::kF16, pads, schema::PadMode_CONSTANT, &one, &y, &out).ok());
    CHECK(y == NaivePad<uint16_t>(x, shape, pads, schema::PadMode_CONSTANT, one, &es));
    REQUIRE(RunPad<uint16_t>(x, shape, DType::kF16, pads, schema::PadMode_EDGE, nullptr, &y, &out).ok());
    CHECK(y == NaivePad<uint16_t>(x, shape, pads, schema::PadMode_EDGE, 0, &es));
  }
  {
    std::vector<uint8_t> x(15);
    for (auto& v : x) v = static_cast<uint8_t>(rng() & 1);
    std::vector<uint8_t> y;
    Dims out, es;
    REQUIRE(RunPad<uint8_t>(x, shape, DType::kBool, pads, schema::PadMode_REFLECT, nullptr, &y, &out).ok());
    CHECK(y == NaivePad<uint8_t>(x, shape, pads, schema::PadMode_REFLECT, 0, &es));
  }
}

// Channel-only and spatial-only NHWC padding (the optimized kernel's short-row
// loop and its merged dimensions) for every element size, odd channel counts
// around the 16-byte moves and rows past 64 bytes, with and without a value.
template <typename T>
void CheckNhwcPads(DType dt, std::mt19937& rng, const QuantSpec& q = {}) {
  std::uniform_int_distribution<int> pad(0, 5), hw(1, 7);
  for (int c : {1, 2, 3, 4, 5, 7, 8, 9, 13, 15, 16, 17, 24, 28, 31, 33, 40, 63, 65}) {
    for (int style = 0; style < 3; ++style) {  // 0: channels, 1: H and W, 2: all four
      const Dims shape = {1 + style % 2, hw(rng), hw(rng), c};
      std::vector<int> pads(8, 0);
      for (int d = 0; d < 4; ++d) {
        const bool padded = style == 2 || (style == 0 && d == 3) || (style == 1 && (d == 1 || d == 2));
        if (padded) pads[2 * d] = pad(rng), pads[2 * d + 1] = pad(rng);
      }
      std::vector<T> x(static_cast<size_t>(Count(shape)));
      for (T& v : x) v = static_cast<T>(rng());
      const T value = static_cast<T>(rng());
      for (bool with_value : {false, true}) {
        INFO("channels " << c << " style " << style << " value " << with_value);
        std::vector<T> y;
        Dims out, es;
        REQUIRE(RunPad<T>(x, shape, dt, pads, schema::PadMode_CONSTANT, with_value ? &value : nullptr, &y, &out, q)
                    .ok());
        const T fill = with_value ? value : (q.zero_point.empty() ? T{0} : static_cast<T>(q.zero_point[0]));
        CHECK(y == NaivePad<T>(x, shape, pads, schema::PadMode_CONSTANT, fill, &es));
        CHECK(out == es);
      }
    }
  }
}

TEST_CASE("PAD of NHWC channels or H and W on every element size", "[kernels][pad]") {
  EDGERT_KERNEL_VARIANTS(g_optimized);
  std::mt19937 rng(44);
  CheckNhwcPads<int8_t>(DType::kI8, rng, QuantSpec::PerTensor(0.25f, -3));
  CheckNhwcPads<uint16_t>(DType::kF16, rng);
  CheckNhwcPads<int32_t>(DType::kI32, rng);
  CheckNhwcPads<int64_t>(DType::kI64, rng);
}

TEST_CASE("PAD rejects bad paddings and values", "[kernels][pad]") {
  EDGERT_KERNEL_VARIANTS(g_optimized);
  const std::vector<float> x(12, 1.f);
  std::vector<float> y;
  Dims out;
  Status st = RunPad<float>(x, {3, 4}, DType::kF32, {0, 3, 0, 0}, schema::PadMode_REFLECT, nullptr, &y, &out);
  CHECK_FALSE(st.ok());
  CHECK_THAT(st.message(), Catch::Contains("REFLECT"));
  st = RunPad<float>(x, {3, 4}, DType::kF32, {0, 4, 0, 0}, schema::PadMode_SYMMETRIC, nullptr, &y, &out);
  CHECK_FALSE(st.ok());
  CHECK_THAT(st.message(), Catch::Contains("SYMMETRIC"));
  st = RunPad<float>(x, {3, 4}, DType::kF32, {-2, -2, 0, 0}, schema::PadMode_CONSTANT, nullptr, &y, &out);
  CHECK_FALSE(st.ok());
  CHECK_THAT(st.message(), Catch::Contains("output size"));
  {  // paddings of the wrong shape
    OpTest t(schema::OpType_PAD);
    t.Input<float>({3, 4}, x);
    t.Const<int32_t>({4}, {1, 1, 1, 1});
    t.Output(DType::kF32);
    t.SetOptions(schema::OpOptions_PadOptions, schema::CreatePadOptions(t.fbb()).Union());
    st = t.Run(PadKernel());
    CHECK_FALSE(st.ok());
    CHECK_THAT(st.message(), Catch::Contains("[2,2]"));
  }
  {  // paddings must be constant
    OpTest t(schema::OpType_PAD);
    t.Input<float>({3, 4}, x);
    t.Input<int32_t>({2, 2}, {1, 1, 1, 1});
    t.Output(DType::kF32);
    t.SetOptions(schema::OpOptions_PadOptions, schema::CreatePadOptions(t.fbb()).Union());
    st = t.Run(PadKernel());
    CHECK_FALSE(st.ok());
    CHECK_THAT(st.message(), Catch::Contains("constant"));
  }
  {  // value of another dtype
    OpTest t(schema::OpType_PAD);
    t.Input<float>({3, 4}, x);
    t.Const<int32_t>({2, 2}, {1, 1, 1, 1});
    t.Const<int32_t>({}, {5});
    t.Output(DType::kF32);
    t.SetOptions(schema::OpOptions_PadOptions, schema::CreatePadOptions(t.fbb()).Union());
    st = t.Run(PadKernel());
    CHECK_FALSE(st.ok());
    CHECK_THAT(st.message(), Catch::Contains("dtype"));
  }
  {  // value with different quantization
    OpTest t(schema::OpType_PAD);
    t.Input<int8_t>({2, 2}, {1, 2, 3, 4}, QuantSpec::PerTensor(0.5f, 1));
    t.Const<int32_t>({2, 2}, {1, 1, 1, 1});
    t.Const<int8_t>({}, {5}, QuantSpec::PerTensor(0.25f, 1));
    t.Output(DType::kI8, QuantSpec::PerTensor(0.5f, 1));
    t.SetOptions(schema::OpOptions_PadOptions, schema::CreatePadOptions(t.fbb()).Union());
    st = t.Run(PadKernel());
    CHECK_FALSE(st.ok());
    CHECK_THAT(st.message(), Catch::Contains("quantization"));
  }
}

}  // namespace edgert
