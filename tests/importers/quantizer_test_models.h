// Small float models shared by the quantizer tests (library and C API).
#pragma once

#include <cstdint>
#include <vector>

#include "runtime/builder.h"

namespace edgert {
namespace testing {

// x [1,3] -> FULLY_CONNECTED (w [2,3], b [2]) -> h -> RELU -> y; the
// quantizer's hand-computed test states its exact int8 parameters.
inline std::vector<uint8_t> SmallFcModel() {
  ModelBuilder b;
  const int x = b.AddInput("x", DType::kF32, {1, 3});
  const int w = b.AddConstant("w", DType::kF32, {2, 3}, std::vector<float>{0.5f, -1.f, 0.25f, 2.f, 0.f, -0.5f});
  const int bias = b.AddConstant("b", DType::kF32, {2}, std::vector<float>{0.1f, -0.2f});
  const int h = b.AddTensor("h", DType::kF32, {1, 2});
  const int y = b.AddTensor("y", DType::kF32, {1, 2});
  b.AddOp(schema::OpType_FULLY_CONNECTED, {x, w, bias}, {h}, schema::OpOptions_FullyConnectedOptions,
          schema::CreateFullyConnectedOptions(b.fbb()).Union());
  b.AddOp(schema::OpType_RELU, {h}, {y});
  b.MarkOutput(y);
  return b.Finish();
}

}  // namespace testing
}  // namespace edgert
