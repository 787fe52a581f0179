// A model run so that every activation can be read after an invoke: each op
// output becomes a model output too (the planner then keeps them all). Used
// by the fidelity report and by bias correction to compare a float model and
// its quantized form tensor by tensor (matched by name).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "runtime/importers/quantizer/calibration.h"
#include "runtime/interpreter.h"
#include "runtime/model.h"
#include "runtime/op_resolver.h"
#include "runtime/status.h"

namespace edgert {

struct Probe {
  Probe() = default;
  Probe(const Probe&) = delete;  // the interpreter points at `resolver`
  Probe& operator=(const Probe&) = delete;

  std::vector<uint8_t> file;
  std::shared_ptr<const Model> model;
  OpResolver resolver;
  std::unique_ptr<Interpreter> interp;
  std::map<std::string, int> by_name;            // activation name -> tensor index in the probe model
  std::map<std::string, std::string> producer;   // activation name -> label of the op writing it

  // Builds the probe model of `ert` and prepares it (default kernels, 1 thread). Once per object.
  Status Init(const std::vector<uint8_t>& ert);
  // Copies the sample into the inputs (sizes checked) and invokes.
  Status Run(const CalibrationSample& s);
  // The activation called `name` after Run, or nullptr.
  const Tensor* Find(const std::string& name) const;
};

// The values of t as doubles (int8 / uint8 with one scale dequantized); false
// for other types and per-channel quantized tensors.
bool TensorValues(const Tensor& t, std::vector<double>* v);

}  // namespace edgert
