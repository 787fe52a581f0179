// RESIZE_BILINEAR and RESIZE_NEAREST_NEIGHBOR: hand-computed TensorFlow
// examples, plus random shapes compared with a naive implementation written
// here in double precision from the TensorFlow coordinate definitions
// (align_corners, half_pixel_centers). Quantized bilinear results are
// compared with the double computation rounded to nearest: the kernel
// interpolates in float like TFLite's reference, so it may differ by one step
// where the exact value sits at a rounding tie.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
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
const OpKernel* BilinearKernel() {
  return g_optimized ? opt::Register_RESIZE_BILINEAR() : ref::Register_RESIZE_BILINEAR();
}

using namespace testing;  // OpTest and the shape test helpers

struct Mode {
  bool align_corners;
  bool half_pixel_centers;
};

double Scale(int in, int out, bool align_corners) {
  return (align_corners && out > 1) ? static_cast<double>(in - 1) / (out - 1) : static_cast<double>(in) / out;
}

// Bilinear in double: TensorFlow's source coordinate and weights.
std::vector<double> NaiveBilinear(const std::vector<double>& x, const Dims& in, int oh, int ow, Mode m) {
  const int n = in[0], ih = in[1], iw = in[2], c = in[3];
  const double sy = Scale(ih, oh, m.align_corners), sx = Scale(iw, ow, m.align_corners);
  std::vector<double> y;
  for (int b = 0; b < n; ++b)
    for (int oy = 0; oy < oh; ++oy)
      for (int ox = 0; ox < ow; ++ox)
        for (int ch = 0; ch < c; ++ch) {
          const double fy = m.half_pixel_centers ? (oy + 0.5) * sy - 0.5 : oy * sy;
          const double fx = m.half_pixel_centers ? (ox + 0.5) * sx - 0.5 : ox * sx;
          const int y0 = std::max(0, static_cast<int>(std::floor(fy)));
          const int x0 = std::max(0, static_cast<int>(std::floor(fx)));
          const int y1 = std::min(ih - 1, static_cast<int>(std::ceil(fy)));
          const int x1 = std::min(iw - 1, static_cast<int>(std::ceil(fx)));
          const double dy = fy - y0, dx = fx - x0;
          auto at = [&](int yy, int xx) { return x[((static_cast<size_t>(b) * ih + yy) * iw + xx) * c + ch]; };
          y.push_back(at(y0, x0) * (1 - dy) * (1 - dx) + at(y1, x0) * dy * (1 - dx) + at(y0, x1) * (1 - dy) * dx +
                      at(y1, x1) * dy * dx);
        }
  return y;
}

// Nearest source index in exact rational arithmetic: the source coordinate is
// (2*o + h) * num / (2 * den) with h = 1 for half-pixel centres and num/den the
// scale; floor, or round half away from zero with align_corners.
int NearestIndex(int o, int in, int out, Mode m) {
  const bool ac = m.align_corners && out > 1;
  const int64_t num = ac ? in - 1 : in, den = ac ? out - 1 : out;
  const int64_t n = (2 * static_cast<int64_t>(o) + (m.half_pixel_centers ? 1 : 0)) * num;
  const int64_t d = 2 * den;
  int64_t i = m.align_corners ? (2 * n + d) / (2 * d) : n / d;
  i = std::min<int64_t>(i, in - 1);
  if (m.half_pixel_centers) i = std::max<int64_t>(i, 0);
  return static_cast<int>(i);
}

template <typename T>
std::vector<T> NaiveNearest(const std::vector<T>& x, const Dims& in, int oh, int ow, Mode m) {
  const int n = in[0], ih = in[1], iw = in[2], c = in[3];
  std::vector<T> y;
  for (int b = 0; b < n; ++b)
    for (int oy = 0; oy < oh; ++oy)
      for (int ox = 0; ox < ow; ++ox)
        for (int ch = 0; ch < c; ++ch) {
          const int iy = NearestIndex(oy, ih, oh, m), ix = NearestIndex(ox, iw, ow, m);
          y.push_back(x[((static_cast<size_t>(b) * ih + iy) * iw + ix) * c + ch]);
        }
  return y;
}

template <typename T>
Status RunResize(schema::OpType type, const std::vector<T>& x, const Dims& shape, DType dt, int oh, int ow, Mode m,
                 std::vector<T>* y, Dims* out, const QuantSpec& q = {}) {
  OpTest t(type);
  InputOf(t, dt, shape, x, q);
  t.Const<int32_t>({2}, {oh, ow});
  t.Output(dt, q);
  t.SetOptions(schema::OpOptions_ResizeOptions,
               schema::CreateResizeOptions(t.fbb(), m.align_corners, m.half_pixel_centers).Union());
  return RunAndFetch(t,
                     type == schema::OpType_RESIZE_BILINEAR ? BilinearKernel()
                                                            : ref::Register_RESIZE_NEAREST_NEIGHBOR(),
                     y, out);
}

const Mode kModes[] = {{false, false}, {true, false}, {false, true}};

struct Geometry {
  Dims in;
  int oh, ow;
};
const Geometry kGeometries[] = {
    {{1, 5, 7, 3}, 8, 4}, {{2, 3, 4, 2}, 7, 9}, {{1, 4, 4, 1}, 2, 2}, {{1, 1, 6, 17}, 3, 11}, {{1, 6, 5, 1}, 1, 1}};

}  // namespace

TEST_CASE("RESIZE_BILINEAR hand-computed examples", "[kernels][resize_bilinear]") {
  EDGERT_KERNEL_VARIANTS(g_optimized);
  const std::vector<float> x = {1, 2, 3, 4};  // [1,2,2,1]
  std::vector<float> y;
  Dims out;
  // Upscale 2x2 -> 4x4, legacy coordinates: rows at 0, .5, 1, 1.5 (clamped).
  REQUIRE(RunResize<float>(schema::OpType_RESIZE_BILINEAR, x, {1, 2, 2, 1}, DType::kF32, 4, 4, {false, false}, &y,
                           &out)
              .ok());
  CHECK(out == (Dims{1, 4, 4, 1}));
  const std::vector<float> legacy = {1, 1.5f, 2, 2, 2, 2.5f, 3, 3, 3, 3.5f, 4, 4, 3, 3.5f, 4, 4};
  CHECK(y == legacy);
  // align_corners 2x2 -> 3x3: the centre is the mean.
  REQUIRE(RunResize<float>(schema::OpType_RESIZE_BILINEAR, x, {1, 2, 2, 1}, DType::kF32, 3, 3, {true, false}, &y,
                           &out)
              .ok());
  CHECK(y == std::vector<float>{1, 1.5f, 2, 2, 2.5f, 3, 3, 3.5f, 4});
  // half_pixel_centers 2x2 -> 4x4: coordinates -0.25, 0.25, 0.75, 1.25.
  REQUIRE(RunResize<float>(schema::OpType_RESIZE_BILINEAR, x, {1, 2, 2, 1}, DType::kF32, 4, 4, {false, true}, &y,
                           &out)
              .ok());
  CHECK(y[0] == Approx(1.0));
  CHECK(y[1] == Approx(1.25));
  CHECK(y[5] == Approx(1.75));
  CHECK(y[15] == Approx(4.0));
}

TEST_CASE("RESIZE_BILINEAR float random shapes in every mode", "[kernels][resize_bilinear]") {
  EDGERT_KERNEL_VARIANTS(g_optimized);
  std::mt19937 rng(81);
  for (const Geometry& g : kGeometries) {
    const std::vector<float> x = RandomFloats(Count(g.in), rng, -5.f, 5.f);
    const std::vector<double> xd(x.begin(), x.end());
    for (const Mode& m : kModes) {
      std::vector<float> y;
      Dims out;
      REQUIRE(RunResize<float>(schema::OpType_RESIZE_BILINEAR, x, g.in, DType::kF32, g.oh, g.ow, m, &y, &out).ok());
      CHECK(out == (Dims{g.in[0], g.oh, g.ow, g.in[3]}));
      const std::vector<double> e = NaiveBilinear(xd, g.in, g.oh, g.ow, m);
      REQUIRE(y.size() == e.size());
      for (size_t i = 0; i < y.size(); ++i) CHECK(y[i] == Approx(e[i]).margin(1e-5));
    }
  }
}

template <typename T>
void CheckQuantizedBilinear(uint32_t seed, DType dt, int32_t zp) {
  std::mt19937 rng(seed);
  for (const Geometry& g : kGeometries) {
    const std::vector<T> x = RandomBits<T>(Count(g.in), rng);
    const std::vector<double> xd(x.begin(), x.end());
    for (const Mode& m : kModes) {
      std::vector<T> y;
      Dims out;
      REQUIRE(RunResize<T>(schema::OpType_RESIZE_BILINEAR, x, g.in, dt, g.oh, g.ow, m, &y, &out,
                           QuantSpec::PerTensor(0.1f, zp))
                  .ok());
      const std::vector<double> e = NaiveBilinear(xd, g.in, g.oh, g.ow, m);
      REQUIRE(y.size() == e.size());
      int exact = 0;
      for (size_t i = 0; i < y.size(); ++i) {
        const double r = std::floor(e[i] + 0.5);
        CHECK(std::abs(static_cast<double>(y[i]) - r) <= 1.0);
        exact += static_cast<double>(y[i]) == r;
      }
      // Ties are rare: nearly every value must match the rounded exact result.
      CHECK(exact >= static_cast<int>(y.size() * 95 / 100));
    }
  }
}

TEST_CASE("RESIZE_BILINEAR int8 and uint8", "[kernels][resize_bilinear]") {
  EDGERT_KERNEL_VARIANTS(g_optimized);
  CheckQuantizedBilinear<int8_t>(82, DType::kI8, -4);
  CheckQuantizedBilinear<uint8_t>(83, DType::kU8, 128);
  // Rounding of exact halves: pixels (1, -1) and (2, -2); the align_corners midpoint is (1.5, -1.5) -> (2, -1).
  std::vector<int8_t> y;
  Dims out;
  REQUIRE(RunResize<int8_t>(schema::OpType_RESIZE_BILINEAR, {1, -1, 2, -2}, {1, 1, 2, 2}, DType::kI8, 1, 3,
                            {true, false}, &y, &out, QuantSpec::PerTensor(1.f, 0))
              .ok());
  CHECK(y == std::vector<int8_t>{1, -1, 2, -1, 2, -2});
}

TEST_CASE("RESIZE_NEAREST_NEIGHBOR hand-computed examples", "[kernels][resize_nearest_neighbor]") {
  const std::vector<float> x = {1, 2, 3, 4};
  std::vector<float> y;
  Dims out;
  REQUIRE(RunResize<float>(schema::OpType_RESIZE_NEAREST_NEIGHBOR, x, {1, 2, 2, 1}, DType::kF32, 4, 4,
                           {false, false}, &y, &out)
              .ok());
  CHECK(y == std::vector<float>{1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4});
  // align_corners 2 -> 3: source = round(o * 1/2) = 0, 1 (0.5 rounds away from zero), 1.
  REQUIRE(RunResize<float>(schema::OpType_RESIZE_NEAREST_NEIGHBOR, x, {1, 2, 2, 1}, DType::kF32, 3, 3, {true, false},
                           &y, &out)
              .ok());
  CHECK(y == std::vector<float>{1, 2, 2, 3, 4, 4, 3, 4, 4});
  // half_pixel 3 -> 2 on a row: source floor((o + .5) * 1.5) = 0, 2.
  REQUIRE(RunResize<float>(schema::OpType_RESIZE_NEAREST_NEIGHBOR, {5, 6, 7}, {1, 1, 3, 1}, DType::kF32, 1, 2,
                           {false, true}, &y, &out)
              .ok());
  CHECK(y == std::vector<float>{5, 7});
}

TEST_CASE("RESIZE_NEAREST_NEIGHBOR random shapes, float and quantized", "[kernels][resize_nearest_neighbor]") {
  std::mt19937 rng(84);
  const Mode modes[] = {{false, false}, {true, false}, {false, true}, {true, true}};
  for (const Geometry& g : kGeometries) {
    std::vector<float> x(static_cast<size_t>(Count(g.in)));
    for (auto& v : x) v = static_cast<float>(rng() % 1000);
    const std::vector<int8_t> x8 = RandomBits<int8_t>(Count(g.in), rng);
    const std::vector<uint8_t> xu = RandomBits<uint8_t>(Count(g.in), rng);
    for (const Mode& m : modes) {
      std::vector<float> y;
      Dims out;
      REQUIRE(RunResize<float>(schema::OpType_RESIZE_NEAREST_NEIGHBOR, x, g.in, DType::kF32, g.oh, g.ow, m, &y, &out)
                  .ok());
      CHECK(out == (Dims{g.in[0], g.oh, g.ow, g.in[3]}));
      CHECK(y == NaiveNearest(x, g.in, g.oh, g.ow, m));
      std::vector<int8_t> y8;
      REQUIRE(RunResize<int8_t>(schema::OpType_RESIZE_NEAREST_NEIGHBOR, x8, g.in, DType::kI8, g.oh, g.ow, m, &y8,
                                &out, QuantSpec::PerTensor(0.5f, 3))
                  .ok());
      CHECK(y8 == NaiveNearest(x8, g.in, g.oh, g.ow, m));
      std::vector<uint8_t> yu;
      REQUIRE(RunResize<uint8_t>(schema::OpType_RESIZE_NEAREST_NEIGHBOR, xu, g.in, DType::kU8, g.oh, g.ow, m, &yu,
                                 &out, QuantSpec::PerTensor(0.5f, 130))
                  .ok());
      CHECK(yu == NaiveNearest(xu, g.in, g.oh, g.ow, m));
    }
  }
}

TEST_CASE("RESIZE_BILINEAR rejects bad inputs", "[kernels][resize_bilinear]") {
  EDGERT_KERNEL_VARIANTS(g_optimized);
  const std::vector<float> x(12, 0.f);
  std::vector<float> y;
  Dims out;
  Status st = RunResize<float>(schema::OpType_RESIZE_BILINEAR, x, {1, 2, 2, 3}, DType::kF32, 4, 4, {true, true}, &y,
                               &out);
  CHECK_FALSE(st.ok());
  CHECK_THAT(st.message(), Catch::Contains("align_corners"));
  st = RunResize<float>(schema::OpType_RESIZE_BILINEAR, x, {1, 2, 2, 3}, DType::kF32, 0, 4, {false, false}, &y, &out);
  CHECK_FALSE(st.ok());
  CHECK_THAT(st.message(), Catch::Contains("positive"));
  st = RunResize<float>(schema::OpType_RESIZE_BILINEAR, x, {4, 3}, DType::kF32, 2, 2, {false, false}, &y, &out);
  CHECK_FALSE(st.ok());
  CHECK_THAT(st.message(), Catch::Contains("4-D"));
  std::vector<int32_t> yi;
  st = RunResize<int32_t>(schema::OpType_RESIZE_BILINEAR, std::vector<int32_t>(4, 1), {1, 2, 2, 1}, DType::kI32, 2, 2,
                          {false, false}, &yi, &out);
  CHECK_FALSE(st.ok());
  CHECK_THAT(st.message(), Catch::Contains("i32"));
  {
    OpTest t(schema::OpType_RESIZE_BILINEAR);
    t.Input<float>({1, 2, 2, 3}, x);
    t.Input<int32_t>({2}, {4, 4});
    t.Output(DType::kF32);
    t.SetOptions(schema::OpOptions_ResizeOptions, schema::CreateResizeOptions(t.fbb()).Union());
    st = t.Run(BilinearKernel());
    CHECK_FALSE(st.ok());
    CHECK_THAT(st.message(), Catch::Contains("constant"));
  }
  {
    OpTest t(schema::OpType_RESIZE_BILINEAR);
    t.Input<int8_t>({1, 1, 1, 1}, {0}, QuantSpec::PerTensor(1.f, 0));
    t.Const<int32_t>({2}, {2, 2});
    t.Output(DType::kI8, QuantSpec::PerTensor(2.f, 0));
    t.SetOptions(schema::OpOptions_ResizeOptions, schema::CreateResizeOptions(t.fbb()).Union());
    st = t.Run(BilinearKernel());
    CHECK_FALSE(st.ok());
    CHECK_THAT(st.message(), Catch::Contains("quantization"));
  }
}

TEST_CASE("RESIZE_NEAREST_NEIGHBOR rejects bad inputs", "[kernels][resize_nearest_neighbor]") {
  std::vector<float> y;
  Dims out;
  Status st = RunResize<float>(schema::OpType_RESIZE_NEAREST_NEIGHBOR, std::vector<float>(6, 0.f), {1, 2, 3}, DType::kF32,
                               2, 2, {false, false}, &y, &out);
  CHECK_FALSE(st.ok());
  CHECK_THAT(st.message(), Catch::Contains("4-D"));
  OpTest t(schema::OpType_RESIZE_NEAREST_NEIGHBOR);
  t.Input<float>({1, 2, 2, 1}, {1, 2, 3, 4});
  t.Const<int32_t>({3}, {2, 2, 2});
  t.Output(DType::kF32);
  t.SetOptions(schema::OpOptions_ResizeOptions, schema::CreateResizeOptions(t.fbb()).Union());
  st = t.Run(ref::Register_RESIZE_NEAREST_NEIGHBOR());
  CHECK_FALSE(st.ok());
  CHECK_THAT(st.message(), Catch::Contains("size"));
}

}  // namespace edgert
