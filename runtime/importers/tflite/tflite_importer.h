// TensorFlow Lite (.tflite, FlatBuffer "TFL3") -> .ert importer.
//
//   std::vector<uint8_t> ert;
//   ImportReport report;
//   Status s = ImportTflite(data, size, TfliteImportOptions(), &ert, &report);
//
// Every input is treated as hostile: the FlatBuffers verifier runs first, every
// index, size and offset is checked, and the result is loaded through the .ert
// verifying loader before it is returned. Subgraph 0 is imported through
// ModelBuilder; ops are mapped one to one where edgert has the op (see
// runtime/importers/tflite/tflite_ops.cc for the list), with these rewrites:
// - fused activations edgert has (RELU, RELU_N1_TO_1, RELU6) stay fused; TANH
//   becomes a separate TANH op;
// - TRANSPOSE_CONV inputs (output_shape, weights, input, bias) are reordered to
//   (input, weights, bias) with the constant output_shape in the options;
// - SQUEEZE / EXPAND_DIMS become RESHAPE with the static shape; SPLIT's axis
//   tensor and SPLIT_V's axis tensor move into SplitOptions;
// - sparse constants are densified; DENSIFY disappears (its output is the dense
//   constant); a float16 / bfloat16 constant feeding DEQUANTIZE is folded into a
//   float32 constant unless fold_fp16 is false;
// - MediaPipe's custom op "Convolution2DTransposeBias" becomes TRANSPOSE_CONV.
// Any op without a mapping makes the import fail with one message listing every
// unsupported op and its count.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "runtime/importers/import_report.h"
#include "runtime/status.h"

namespace edgert {

struct TfliteImportOptions {
  // Fold float16 / bfloat16 constants that feed DEQUANTIZE into float32 constants
  // (no DEQUANTIZE op at run time). false keeps the 16-bit constant and the op.
  bool fold_fp16 = true;
  // Which subgraph to import (0 is the main graph).
  int subgraph = 0;
  // Upper bound on the dense size of one densified sparse constant; larger ones
  // are rejected (a corrupt file must not make the importer allocate gigabytes).
  uint64_t max_dense_bytes = uint64_t{1} << 31;
  // Load the produced .ert through the verifying loader before returning it.
  bool verify_output = true;
  // Run the shared graph optimizer (constant folding, activation fusion,
  // transpose/reshape simplification, dead-op removal) on the result.
  bool optimize = true;
};

// True when `data` starts like a TFLite FlatBuffer (file identifier "TFL3" at bytes 4..7).
bool IsTfliteBuffer(const void* data, size_t size);

// Imports a .tflite model held in memory into a complete .ert file. `report` may be null.
Status ImportTflite(const void* data, size_t size, const TfliteImportOptions& opts, std::vector<uint8_t>* ert_file,
                    ImportReport* report);

// TFLite's name for a builtin operator code ("CONV_2D"), or "BUILTIN_<n>" when unknown.
std::string TfliteBuiltinName(int code);

}  // namespace edgert
