// RESHAPE: the output holds the input's bytes unchanged under the new shape.
// The expected values are the input values themselves (row-major order is
// preserved); shapes are checked against hand-computed ones.
#include <catch2/catch.hpp>

#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "kernels/reference/reference_kernels.h"
#include "tests/kernels/shape_test_util.h"
#include "tests/op_test.h"

namespace edgert {
namespace {

using namespace testing;  // OpTest and the shape test helpers

std::vector<float> SeededFloats(int64_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  return RandomFloats(n, rng, -10.f, 10.f);
}

void SetNewShape(OpTest& t, const std::vector<int32_t>* new_shape) {
  auto& fbb = t.fbb();
  flatbuffers::Offset<flatbuffers::Vector<int32_t>> ns = 0;
  if (new_shape) ns = fbb.CreateVector(*new_shape);
  t.SetOptions(schema::OpOptions_ReshapeOptions, schema::CreateReshapeOptions(fbb, ns).Union());
}

// The kernel with the aliasing flag removed, so that the interpreter gives the
// output its own buffer and eval must copy.
const OpKernel* CopyingReshape() {
  static OpKernel k = [] {
    OpKernel c = *ref::Register_RESHAPE();
    c.flags = kNoFlags;
    return c;
  }();
  return &k;
}

}  // namespace

TEST_CASE("RESHAPE registration allows aliasing", "[kernels][reshape]") {
  CHECK((ref::Register_RESHAPE()->flags & kOutputMayAliasInput0) != 0);
  CHECK(std::string(ref::Register_RESHAPE()->name) == "RESHAPE/reference");
}

TEST_CASE("RESHAPE float from new_shape with -1", "[kernels][reshape]") {
  const std::vector<float> x = SeededFloats(7 * 5 * 3, 1);
  for (int copy = 0; copy < 2; ++copy) {
    OpTest t(schema::OpType_RESHAPE);
    t.Input<float>({1, 7, 5, 3}, x);
    t.Output(DType::kF32);
    const std::vector<int32_t> ns = {5, -1, 3};
    SetNewShape(t, &ns);
    const Status st = t.Run(copy ? CopyingReshape() : ref::Register_RESHAPE());
    REQUIRE(st.ok());
    CHECK(ShapeDims(t.OutputShape(0)) == Dims{5, 7, 3});
    CHECK(t.OutputData<float>(0) == x);
    if (copy) {
      CHECK(t.output(0).data != t.interpreter().input(0)->data);
    } else {
      // The planner shares the memory; eval must leave it alone.
      CHECK(t.output(0).data == t.interpreter().input(0)->data);
    }
  }
}

TEST_CASE("RESHAPE shape from constant input, i32 and i64", "[kernels][reshape]") {
  const std::vector<float> x = SeededFloats(2 * 3 * 4, 2);
  {
    OpTest t(schema::OpType_RESHAPE);
    t.Input<float>({2, 3, 4}, x);
    t.Const<int32_t>({2}, {4, 6});
    t.Output(DType::kF32);
    SetNewShape(t, nullptr);
    REQUIRE(t.Run(CopyingReshape()).ok());
    CHECK(ShapeDims(t.OutputShape(0)) == Dims{4, 6});
    CHECK(t.OutputData<float>(0) == x);
  }
  {
    OpTest t(schema::OpType_RESHAPE);
    t.Input<float>({2, 3, 4}, x);
    t.Const<int64_t>({4}, {-1, 1, 2, 1});
    t.Output(DType::kF32);
    SetNewShape(t, nullptr);
    REQUIRE(t.Run(ref::Register_RESHAPE()).ok());
    CHECK(ShapeDims(t.OutputShape(0)) == Dims{12, 1, 2, 1});
    CHECK(t.OutputData<float>(0) == x);
  }
}

TEST_CASE("RESHAPE the shape input wins over new_shape", "[kernels][reshape]") {
  const std::vector<float> x = SeededFloats(6, 3);
  OpTest t(schema::OpType_RESHAPE);
  t.Input<float>({6}, x);
  t.Const<int32_t>({2}, {3, 2});
  t.Output(DType::kF32);
  const std::vector<int32_t> ns = {2, 3};
  SetNewShape(t, &ns);
  REQUIRE(t.Run(ref::Register_RESHAPE()).ok());
  CHECK(ShapeDims(t.OutputShape(0)) == Dims{3, 2});
}

TEST_CASE("RESHAPE to and from scalars", "[kernels][reshape]") {
  OpTest t(schema::OpType_RESHAPE);
  t.Input<float>({1, 1}, {4.5f});
  t.Output(DType::kF32);
  const std::vector<int32_t> ns = {};
  SetNewShape(t, &ns);
  REQUIRE(t.Run(CopyingReshape()).ok());
  CHECK(t.OutputShape(0).rank == 0);
  CHECK(t.OutputData<float>(0) == std::vector<float>{4.5f});

  OpTest u(schema::OpType_RESHAPE);
  u.Input<float>({}, {-2.f});
  u.Output(DType::kF32);
  const std::vector<int32_t> ns2 = {1, -1, 1};
  SetNewShape(u, &ns2);
  REQUIRE(u.Run(CopyingReshape()).ok());
  CHECK(ShapeDims(u.OutputShape(0)) == Dims{1, 1, 1});
  CHECK(u.OutputData<float>(0) == std::vector<float>{-2.f});
}

TEST_CASE("RESHAPE moves any dtype and keeps quantization", "[kernels][reshape]") {
  std::mt19937 rng(4);
  const std::vector<int8_t> x8 = RandomBits<int8_t>(30, rng);
  {
    OpTest t(schema::OpType_RESHAPE);
    t.Input<int8_t>({5, 6}, x8, QuantSpec::PerTensor(0.25f, -3));
    t.Output(DType::kI8, QuantSpec::PerTensor(0.25f, -3));
    const std::vector<int32_t> ns = {3, 10};
    SetNewShape(t, &ns);
    REQUIRE(t.Run(CopyingReshape()).ok());
    CHECK(t.OutputData<int8_t>(0) == x8);
  }
  {
    std::vector<int64_t> x64(12);
    for (auto& v : x64) v = static_cast<int64_t>(rng()) * 1000003;
    OpTest t(schema::OpType_RESHAPE);
    t.Input<int64_t>({3, 4}, x64);
    t.Output(DType::kI64);
    const std::vector<int32_t> ns = {2, 2, 3};
    SetNewShape(t, &ns);
    REQUIRE(t.Run(CopyingReshape()).ok());
    CHECK(t.OutputData<int64_t>(0) == x64);
  }
  {
    const std::vector<uint16_t> h = RandomBits<uint16_t>(8, rng);
    OpTest t(schema::OpType_RESHAPE);
    InputOf(t, DType::kF16, {8}, h);
    t.Output(DType::kF16);
    const std::vector<int32_t> ns = {2, 4};
    SetNewShape(t, &ns);
    REQUIRE(t.Run(CopyingReshape()).ok());
    CHECK(t.OutputData<uint16_t>(0) == h);
  }
}

TEST_CASE("RESHAPE rejects bad shapes and types", "[kernels][reshape]") {
  const std::vector<float> x = SeededFloats(12, 5);
  auto run = [&](const std::vector<int32_t>& ns) {
    OpTest t(schema::OpType_RESHAPE);
    t.Input<float>({3, 4}, x);
    t.Output(DType::kF32);
    SetNewShape(t, &ns);
    return t.Run(ref::Register_RESHAPE());
  };
  Status st = run({5, 3});
  CHECK_FALSE(st.ok());
  CHECK_THAT(st.message(), Catch::Contains("elements"));
  st = run({-1, -1});
  CHECK_FALSE(st.ok());
  CHECK_THAT(st.message(), Catch::Contains("-1"));
  st = run({5, -1});
  CHECK_FALSE(st.ok());
  CHECK_THAT(st.message(), Catch::Contains("infer"));
  st = run({-2, -6});
  CHECK_FALSE(st.ok());
  CHECK_THAT(st.message(), Catch::Contains(">= 0"));

  {  // no shape at all
    OpTest t(schema::OpType_RESHAPE);
    t.Input<float>({3, 4}, x);
    t.Output(DType::kF32);
    SetNewShape(t, nullptr);
    st = t.Run(ref::Register_RESHAPE());
    CHECK_FALSE(st.ok());
    CHECK_THAT(st.message(), Catch::Contains("new_shape"));
  }
  {  // the shape must be constant
    OpTest t(schema::OpType_RESHAPE);
    t.Input<float>({3, 4}, x);
    t.Input<int32_t>({2}, {4, 3});
    t.Output(DType::kF32);
    SetNewShape(t, nullptr);
    st = t.Run(ref::Register_RESHAPE());
    CHECK_FALSE(st.ok());
    CHECK_THAT(st.message(), Catch::Contains("constant"));
  }
  {  // output dtype
    OpTest t(schema::OpType_RESHAPE);
    t.Input<float>({3, 4}, x);
    t.Output(DType::kI32);
    const std::vector<int32_t> ns = {12};
    SetNewShape(t, &ns);
    st = t.Run(ref::Register_RESHAPE());
    CHECK_FALSE(st.ok());
    CHECK_THAT(st.message(), Catch::Contains("dtype"));
  }
  {  // quantization must be preserved
    OpTest t(schema::OpType_RESHAPE);
    t.Input<int8_t>({4}, {1, 2, 3, 4}, QuantSpec::PerTensor(0.5f, 0));
    t.Output(DType::kI8, QuantSpec::PerTensor(0.25f, 0));
    const std::vector<int32_t> ns = {2, 2};
    SetNewShape(t, &ns);
    st = t.Run(ref::Register_RESHAPE());
    CHECK_FALSE(st.ok());
    CHECK_THAT(st.message(), Catch::Contains("quantization"));
  }
}

}  // namespace edgert
