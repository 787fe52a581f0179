// SELECT (ONNX Where): compared with a naive select written here that maps every
// output coordinate to each input's coordinate (broadcast dims read index 0).
#include <catch2/catch.hpp>

#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include "kernels/reference/reference_kernels.h"
#include "tests/kernels/shape_test_util.h"
#include "tests/op_test.h"

namespace edgert {
namespace {

using namespace testing;

// Coordinate of output element `o` in an input of shape `s` (right-aligned, broadcast dims -> 0).
int64_t SourceIndex(const std::vector<int64_t>& o, const Dims& s) {
  std::vector<int64_t> c;
  const size_t off = o.size() - s.size();
  for (size_t d = 0; d < s.size(); ++d) c.push_back(s[d] == 1 ? 0 : o[off + d]);
  return Ravel(c, s);
}

template <typename T>
std::vector<T> NaiveSelect(const std::vector<uint8_t>& c, const Dims& cs, const std::vector<T>& x, const Dims& xs,
                           const std::vector<T>& y, const Dims& ys, const Dims& out) {
  std::vector<T> r;
  for (int64_t k = 0; k < Count(out); ++k) {
    const std::vector<int64_t> o = Unravel(k, out);
    r.push_back(c[SourceIndex(o, cs)] ? x[SourceIndex(o, xs)] : y[SourceIndex(o, ys)]);
  }
  return r;
}

template <typename T>
Status RunSelect(const std::vector<uint8_t>& c, const Dims& cs, DType dt, const std::vector<T>& x, const Dims& xs,
                 const std::vector<T>& y, const Dims& ys, bool const_y, std::vector<T>* r, Dims* out) {
  OpTest t(schema::OpType_SELECT);
  InputOf(t, DType::kBool, cs, c);
  InputOf(t, dt, xs, x);
  if (const_y)
    t.Const(dt, ys, y.data(), y.size() * sizeof(T));
  else
    InputOf(t, dt, ys, y);
  t.Output(dt);
  return RunAndFetch(t, ref::Register_SELECT(), r, out);
}

std::vector<uint8_t> RandomMask(int64_t n, std::mt19937& rng) {
  std::vector<uint8_t> m(static_cast<size_t>(n));
  for (auto& v : m) v = static_cast<uint8_t>(rng() % 3 == 0 ? 0 : 1 + rng() % 200);  // nonzero bytes count as true
  return m;
}

}  // namespace

TEST_CASE("SELECT float with broadcasting of every operand", "[kernels][select]") {
  std::mt19937 rng(91);
  struct Case {
    Dims c, x, y, out;
  };
  const Case cases[] = {
      {{2, 3, 5}, {2, 3, 5}, {2, 3, 5}, {2, 3, 5}},
      {{2, 1, 1, 7}, {1}, {2, 4, 7, 7}, {2, 4, 7, 7}},  // attention mask: [B,1,1,S] against scores
      {{3, 1}, {1, 5}, {}, {3, 5}},
      {{1}, {4, 1, 3}, {2, 1}, {4, 2, 3}},
      {{5, 1, 9}, {5, 6, 9}, {6, 1}, {5, 6, 9}},
  };
  for (const Case& cs : cases) {
    for (int const_y = 0; const_y < 2; ++const_y) {
      const std::vector<uint8_t> c = RandomMask(Count(cs.c), rng);
      const std::vector<float> x = RandomFloats(Count(cs.x), rng, -5.f, 5.f);
      std::vector<float> y = RandomFloats(Count(cs.y), rng, -5.f, 5.f);
      if (!y.empty()) y[0] = -std::numeric_limits<float>::max();
      std::vector<float> r;
      Dims out;
      REQUIRE(RunSelect(c, cs.c, DType::kF32, x, cs.x, y, cs.y, const_y != 0, &r, &out).ok());
      CHECK(out == cs.out);
      CHECK(r == NaiveSelect(c, cs.c, x, cs.x, y, cs.y, cs.out));
    }
  }
}

TEST_CASE("SELECT other dtypes and errors", "[kernels][select]") {
  std::mt19937 rng(92);
  const Dims s = {3, 7};
  const std::vector<uint8_t> c = RandomMask(21, rng);
  {
    std::vector<int64_t> x(21), y(21), r;
    for (auto& v : x) v = static_cast<int64_t>(rng()) << 20;
    for (auto& v : y) v = -static_cast<int64_t>(rng());
    Dims out;
    REQUIRE(RunSelect(c, s, DType::kI64, x, s, y, s, false, &r, &out).ok());
    CHECK(r == NaiveSelect(c, s, x, s, y, s, s));
  }
  {
    std::vector<uint8_t> x(21, 1), y(7, 0), r;
    Dims out;
    REQUIRE(RunSelect(c, s, DType::kBool, x, s, y, {7}, true, &r, &out).ok());
    CHECK(r == NaiveSelect(c, s, x, s, y, {7}, s));
  }
  {  // shapes that do not broadcast
    std::vector<float> x(21), y(4), r;
    Dims out;
    const Status st = RunSelect(c, s, DType::kF32, x, s, y, {4}, false, &r, &out);
    CHECK(st.code() == StatusCode::kInvalidModel);
    CHECK(st.message().find("do not broadcast") != std::string::npos);
  }
  {  // condition must be bool
    OpTest t(schema::OpType_SELECT);
    t.Input<float>({2}, {1.f, 0.f});
    t.Input<float>({2}, {1.f, 2.f});
    t.Input<float>({2}, {3.f, 4.f});
    t.Output(DType::kF32);
    const Status st = t.Run(ref::Register_SELECT());
    CHECK(st.code() == StatusCode::kInvalidModel);
    CHECK(st.message().find("must be bool") != std::string::npos);
  }
}

}  // namespace edgert
