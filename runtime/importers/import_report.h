// The summary an importer (TFLite, ONNX) fills while converting a model to .ert.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "runtime/importers/optimizer/optimizer.h"

namespace edgert {

// Fields that do not apply to a source format stay at their defaults.
struct ImportReport {
  uint32_t source_version = 0;   // TFLite: Model.version; ONNX: ir_version
  std::string source_description;
  int source_ops = 0;            // operators in the imported subgraph
  int source_tensors = 0;
  std::map<std::string, int> source_op_counts;  // source op name (TFLite "CONV_2D", "CUSTOM:Foo"; ONNX "Conv") -> count
  std::map<std::string, int> op_counts;         // emitted edgert op name -> count
  int num_ops = 0;               // emitted ops
  int num_tensors = 0;           // emitted tensors (activations + constants)
  int num_constants = 0;
  uint64_t constant_bytes = 0;   // bytes of constant data in the .ert
  int folded_dequantize = 0;     // DEQUANTIZE ops folded into float32 constants
  int densified = 0;             // sparse constants densified
  int separate_activations = 0;  // fused activations emitted as separate ops
  int folded_batchnorm = 0;      // ONNX BatchNormalization folded into the preceding Conv
  OptimizeStats optimizer;       // the shared graph optimizer's rewrites (ran == false when off)
  int inlined_if = 0;            // ONNX If nodes replaced by their taken branch
  int fixed_inputs = 0;          // ONNX graph inputs fixed to constant values (input_values)
  int qdq_int8_groups = 0;       // ONNX DequantizeLinear -> op -> QuantizeLinear groups run as int8 ops
  int qdq_float_groups = 0;      // such groups left in float32 (no int8 kernel; listed in warnings)
  int dynamic_quant_matmuls = 0; // ONNX dynamic-quantization MatMul chains run as float with dequantized weights
  std::vector<std::string> warnings;
  // "NAME xCOUNT" for every op without a mapping (the import fails when not empty).
  std::vector<std::string> unsupported;
};

}  // namespace edgert
