// Small float models shared by the quantizer tests (library and C API).
#pragma once

#include <catch2/catch.hpp>

#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include "runtime/builder.h"
#include "runtime/importers/quantizer/calibration.h"
#include "runtime/interpreter.h"
#include "runtime/model.h"
#include "runtime/op_resolver.h"

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

// A calibration sample of one float32 input.
inline CalibrationSample Sample(const std::vector<float>& x) {
  CalibrationSample s;
  s.inputs.emplace_back(reinterpret_cast<const uint8_t*>(x.data()),
                        reinterpret_cast<const uint8_t*>(x.data()) + x.size() * sizeof(float));
  return s;
}

// Output 0 (float32) of `file` on the float32 input x, with the reference kernels.
inline std::vector<float> Run(const std::vector<uint8_t>& file, const std::vector<float>& x) {
  std::shared_ptr<const Model> m;
  REQUIRE(Model::LoadBuffer(file.data(), file.size(), true, &m).ok());
  OpResolver r;
  AddReferenceKernels(&r);
  Interpreter interp(m, &r);
  Status s = interp.Prepare();
  INFO(s.message());
  REQUIRE(s.ok());
  std::memcpy(interp.input(0)->data, x.data(), x.size() * sizeof(float));
  s = interp.Invoke();
  INFO(s.message());
  REQUIRE(s.ok());
  const Tensor* t = interp.output(0);
  return std::vector<float>(t->data_as<float>(), t->data_as<float>() + t->NumElements());
}

}  // namespace testing
}  // namespace edgert
