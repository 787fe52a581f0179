// Small models built in code for runtime tests.
#pragma once

#include <cstdint>
#include <vector>

#include "runtime/builder.h"

namespace edgert {
namespace testing {

// x[1,4,4,2] -> ADD(x, c) -> RELU -> RESHAPE [1,32] -> y; c is a constant [2].
inline std::vector<uint8_t> BuildAddReluReshape(bool with_plan = false) {
  ModelBuilder b;
  const int x = b.AddInput("x", DType::kF32, {1, 4, 4, 2});
  const int c = b.AddConstant<float>("c", DType::kF32, {2}, std::vector<float>{0.5f, -1.f});
  const int a = b.AddTensor("sum", DType::kF32, {1, 4, 4, 2});
  const int r = b.AddTensor("relu", DType::kF32, {1, 4, 4, 2});
  const int y = b.AddTensor("y", DType::kF32, {1, 32});
  b.AddOp(schema::OpType_ADD, {x, c}, {a}, schema::OpOptions_BinaryOptions, schema::CreateBinaryOptions(b.fbb()).Union(), "add");
  b.AddOp(schema::OpType_RELU, {a}, {r}, schema::OpOptions_NONE, 0, "relu");
  b.AddOp(schema::OpType_RESHAPE, {r}, {y}, schema::OpOptions_ReshapeOptions,
          schema::CreateReshapeOptions(b.fbb(), b.fbb().CreateVector(std::vector<int32_t>{1, -1})).Union(), "flatten");
  b.MarkOutput(y);
  if (with_plan) b.SetMemoryPlan(384, {0, -1, 128, 256, 256});  // x, c, sum, relu, y (= relu)
  return b.Finish();
}

}  // namespace testing
}  // namespace edgert
