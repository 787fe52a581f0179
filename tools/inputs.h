// Input handling shared by edgert-run and edgert-bench.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "runtime/interpreter.h"

namespace edgert {

// Parses "NAME=file.npy" arguments.
bool ParseInputArg(const std::string& arg, std::pair<std::string, std::string>* out);
// Index of the subgraph input called `name` (or given as a number), or -1.
int FindInput(Interpreter& interp, const std::string& name);
// Optional conversion of uint8 files (images) into float32 inputs:
// x = min + u * (max - min) / 255.
struct U8ToFloat {
  bool enabled = false;
  float min = 0.f, max = 1.f;
};

// Loads .npy files for named inputs, resizing inputs whose shapes differ. Call
// before Prepare; the data is copied by FeedInputs after it.
Status LoadInputs(Interpreter& interp, const std::vector<std::pair<std::string, std::string>>& specs,
                  std::vector<std::vector<uint8_t>>* data, const U8ToFloat& u8_to_float = {});
// Copies loaded data into the inputs; inputs without data get deterministic
// values (a fixed pseudo-random sequence in [0, 1) for floats, the full range for integers).
void FeedInputs(Interpreter& interp, const std::vector<std::vector<uint8_t>>& data);

}  // namespace edgert
