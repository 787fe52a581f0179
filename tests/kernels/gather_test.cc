// GATHER: compared with a naive gather written here, which builds every
// output coordinate from (params prefix, indices coordinate, params suffix)
// and reads params at the looked-up coordinate.
#include <catch2/catch.hpp>

#include <cstdint>
#include <random>
#include <vector>

#include "kernels/reference/reference_kernels.h"
#include "tests/kernels/shape_test_util.h"
#include "tests/op_test.h"

namespace edgert {
namespace {

using namespace testing;  // OpTest and the shape test helpers

template <typename T, typename I>
std::vector<T> NaiveGather(const std::vector<T>& params, const Dims& pshape, const std::vector<I>& indices,
                           const Dims& ishape, int axis, int batch_dims, Dims* out_shape) {
  out_shape->clear();
  for (int d = 0; d < axis; ++d) out_shape->push_back(pshape[d]);
  for (size_t d = batch_dims; d < ishape.size(); ++d) out_shape->push_back(ishape[d]);
  for (size_t d = axis + 1; d < pshape.size(); ++d) out_shape->push_back(pshape[d]);
  const int irank_tail = static_cast<int>(ishape.size()) - batch_dims;
  std::vector<T> y;
  for (int64_t k = 0; k < Count(*out_shape); ++k) {
    const std::vector<int64_t> o = Unravel(k, *out_shape);
    // Index coordinate: the batch dims come from the front of o.
    std::vector<int64_t> ic;
    for (int d = 0; d < batch_dims; ++d) ic.push_back(o[d]);
    for (int d = 0; d < irank_tail; ++d) ic.push_back(o[axis + d]);
    int64_t idx = static_cast<int64_t>(indices[Ravel(ic, ishape)]);
    if (idx < 0) idx += pshape[axis];
    std::vector<int64_t> pc;
    for (int d = 0; d < axis; ++d) pc.push_back(o[d]);
    pc.push_back(idx);
    for (size_t d = axis + 1; d < pshape.size(); ++d) pc.push_back(o[axis + irank_tail + (d - axis - 1)]);
    y.push_back(params[Ravel(pc, pshape)]);
  }
  return y;
}

template <typename T, typename I>
Status RunGather(const std::vector<T>& params, const Dims& pshape, DType dt, const std::vector<I>& indices,
                 const Dims& ishape, int axis, int batch_dims, bool const_indices, std::vector<T>* y, Dims* out,
                 const QuantSpec& q = {}) {
  OpTest t(schema::OpType_GATHER);
  InputOf(t, dt, pshape, params, q);
  if (const_indices)
    t.Const<I>(ishape, indices);
  else
    t.Input<I>(ishape, indices);
  t.Output(dt, q);
  t.SetOptions(schema::OpOptions_GatherOptions, schema::CreateGatherOptions(t.fbb(), axis, batch_dims).Union());
  return RunAndFetch(t, ref::Register_GATHER(), y, out);
}

}  // namespace

TEST_CASE("GATHER float along every axis with indices of rank 0 to 2", "[kernels][gather]") {
  std::mt19937 rng(71);
  const Dims pshape = {5, 7, 3};
  const std::vector<float> params = RandomFloats(Count(pshape), rng, -9.f, 9.f);
  const Dims ishapes[] = {{}, {4}, {2, 3}};
  for (int axis = -3; axis < 3; ++axis) {
    const int a = axis < 0 ? axis + 3 : axis;
    for (const Dims& ishape : ishapes) {
      for (int use_i64 = 0; use_i64 < 2; ++use_i64) {
        std::vector<int32_t> idx32(static_cast<size_t>(Count(ishape)));
        for (auto& v : idx32) v = static_cast<int32_t>(rng() % (2 * pshape[a])) - pshape[a];  // [-dim, dim)
        std::vector<float> y;
        Dims out, es;
        if (use_i64) {
          const std::vector<int64_t> idx(idx32.begin(), idx32.end());
          REQUIRE(RunGather<float, int64_t>(params, pshape, DType::kF32, idx, ishape, axis, 0, true, &y, &out).ok());
          CHECK(y == NaiveGather(params, pshape, idx, ishape, a, 0, &es));
        } else {
          REQUIRE(RunGather<float, int32_t>(params, pshape, DType::kF32, idx32, ishape, axis, 0, false, &y, &out)
                      .ok());
          CHECK(y == NaiveGather(params, pshape, idx32, ishape, a, 0, &es));
        }
        CHECK(out == es);
      }
    }
  }
}

TEST_CASE("GATHER with batch_dims", "[kernels][gather]") {
  std::mt19937 rng(72);
  const Dims pshape = {2, 3, 5, 4};
  std::vector<float> params(static_cast<size_t>(Count(pshape)));
  for (auto& v : params) v = static_cast<float>(rng() % 10000);
  struct Case {
    Dims ishape;
    int axis, batch_dims;
  };
  const Case cases[] = {{{2, 4}, 2, 1}, {{2, 3, 2}, 2, 2}, {{2, 3, 6}, 3, -1}, {{2, 7}, 1, 1}};
  for (const Case& c : cases) {
    const int bd = c.batch_dims < 0 ? c.batch_dims + static_cast<int>(c.ishape.size()) : c.batch_dims;
    std::vector<int32_t> idx(static_cast<size_t>(Count(c.ishape)));
    for (auto& v : idx) v = static_cast<int32_t>(rng() % pshape[c.axis]);
    std::vector<float> y;
    Dims out, es;
    REQUIRE(RunGather<float, int32_t>(params, pshape, DType::kF32, idx, c.ishape, c.axis, c.batch_dims, false, &y,
                                      &out)
                .ok());
    CHECK(y == NaiveGather(params, pshape, idx, c.ishape, c.axis, bd, &es));
    CHECK(out == es);
  }
}

TEST_CASE("GATHER other dtypes", "[kernels][gather]") {
  std::mt19937 rng(73);
  const Dims pshape = {6, 17};
  const Dims ishape = {3, 2};
  std::vector<int32_t> idx(6);
  for (auto& v : idx) v = static_cast<int32_t>(rng() % 6);
  {
    const std::vector<int8_t> p = RandomBits<int8_t>(Count(pshape), rng);
    std::vector<int8_t> y;
    Dims out, es;
    REQUIRE(RunGather<int8_t, int32_t>(p, pshape, DType::kI8, idx, ishape, 0, 0, true, &y, &out,
                                       QuantSpec::PerTensor(0.07f, 5))
                .ok());
    CHECK(y == NaiveGather(p, pshape, idx, ishape, 0, 0, &es));
  }
  {
    std::vector<uint8_t> p(static_cast<size_t>(Count(pshape)));
    for (auto& v : p) v = static_cast<uint8_t>(rng() & 1);
    std::vector<uint8_t> y;
    Dims out, es;
    REQUIRE(RunGather<uint8_t, int32_t>(p, pshape, DType::kBool, idx, ishape, 0, 0, true, &y, &out).ok());
    CHECK(y == NaiveGather(p, pshape, idx, ishape, 0, 0, &es));
  }
  {
    std::vector<int64_t> p(static_cast<size_t>(Count(pshape)));
    for (auto& v : p) v = static_cast<int64_t>(rng()) << 12;
    std::vector<int32_t> cols = {16, 0, -17, 3};
    std::vector<int64_t> y;
    Dims out, es;
    REQUIRE(RunGather<int64_t, int32_t>(p, pshape, DType::kI64, cols, {4}, 1, 0, true, &y, &out).ok());
    CHECK(out == (Dims{6, 4}));
    CHECK(y == NaiveGather(p, pshape, cols, {4}, 1, 0, &es));
  }
}

TEST_CASE("GATHER out-of-range runtime index fails in eval", "[kernels][gather]") {
  const std::vector<float> params = {0, 1, 2, 3, 4, 5};
  std::vector<float> y;
  Dims out;
  Status st = RunGather<float, int32_t>(params, {3, 2}, DType::kF32, {0, 3}, {2}, 0, 0, false, &y, &out);
  CHECK_FALSE(st.ok());
  CHECK_THAT(st.message(), Catch::Contains("index 3"));
  CHECK_THAT(st.message(), Catch::Contains("out of range"));
  st = RunGather<float, int64_t>(params, {3, 2}, DType::kF32, {-4}, {1}, 0, 0, false, &y, &out);
  CHECK_FALSE(st.ok());
  CHECK_THAT(st.message(), Catch::Contains("index -4"));
  st = RunGather<float, int64_t>(params, {3, 2}, DType::kF32, {int64_t{1} << 40}, {1}, 1, 0, false, &y, &out);
  CHECK_FALSE(st.ok());
  CHECK_THAT(st.message(), Catch::Contains("out of range"));
  // -dim is the first element.
  st = RunGather<float, int32_t>(params, {3, 2}, DType::kF32, {-3, 2}, {2}, 0, 0, false, &y, &out);
  REQUIRE(st.ok());
  CHECK(y == std::vector<float>{0, 1, 4, 5});
}

TEST_CASE("GATHER rejects bad options and types", "[kernels][gather]") {
  const std::vector<float> params(6, 1.f);
  std::vector<float> y;
  Dims out;
  Status st = RunGather<float, int32_t>(params, {3, 2}, DType::kF32, {0}, {1}, 2, 0, true, &y, &out);
  CHECK_FALSE(st.ok());
  CHECK_THAT(st.message(), Catch::Contains("axis"));
  st = RunGather<float, int32_t>(params, {3, 2}, DType::kF32, {0, 1, 2}, {3}, 0, 1, true, &y, &out);
  CHECK_FALSE(st.ok());
  CHECK_THAT(st.message(), Catch::Contains("batch_dims"));
  st = RunGather<float, int32_t>(params, {3, 2}, DType::kF32, {0, 1}, {2, 1}, 1, 1, true, &y, &out);
  CHECK_FALSE(st.ok());
  CHECK_THAT(st.message(), Catch::Contains("batch dimension"));
  {
    OpTest t(schema::OpType_GATHER);
    t.Input<float>({3, 2}, params);
    t.Const<float>({1}, {0.f});
    t.Output(DType::kF32);
    t.SetOptions(schema::OpOptions_GatherOptions, schema::CreateGatherOptions(t.fbb()).Union());
    st = t.Run(ref::Register_GATHER());
    CHECK_FALSE(st.ok());
    CHECK_THAT(st.message(), Catch::Contains("i32 or i64"));
  }
}

}  // namespace edgert
