// A MobileNetV2-style float32 classifier built in code (deterministic random
// weights): the default model of the tools until real models are imported.
#pragma once

#include <cstdint>
#include <vector>

namespace edgert {

// Input [1, size, size, 3] float32 -> output [1, classes] probabilities.
std::vector<uint8_t> BuildDemoMobileNet(int input_size = 128, int classes = 1000);
// A few-kilobyte model with the same op types (one block, 8 channels): a seed for fuzzing.
// sparse_storage: its 1x1 weights stored with a zero mask (8 outputs) or
// block-sparse (16 outputs), format version 4.
std::vector<uint8_t> BuildTinyDemoNet(bool sparse_storage = false);

}  // namespace edgert
