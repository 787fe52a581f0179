// ONNX (.onnx, protobuf ModelProto) -> .ert importer, without libprotobuf.
//
//   std::vector<uint8_t> ert;
//   ImportReport report;
//   OnnxImportOptions opts;
//   opts.dims["batch"] = 1;   // values of symbolic input dims
//   Status s = ImportOnnx(data, size, opts, &ert, &report);
//
// Scope: float32 CNN classifiers as PyTorch exports them (opsets 11-18) and
// streaming audio models such as silero VAD. The
// protobuf is read with a bounds-checked wire reader (protobuf_reader.h); every
// input is treated as hostile and the result goes through the .ert verifying
// loader before it is returned.
//
// Layout: ONNX is NCHW, edgert is NHWC. A rank-4 graph input keeps its NCHW
// shape and is followed by a TRANSPOSE into NHWC; rank-4 activations inside are
// NHWC (axis attributes remapped; constants feeding broadcasting ops are permuted)
// and rank-4 graph outputs are transposed back to NCHW. Flatten / Reshape / MatMul
// of a rank-4 activation first restore NCHW element order (TRANSPOSE, skipped
// when C == 1 or H * W == 1, where both orders agree).
//
// Rewrites: BatchNormalization after a Conv whose output has no other consumer is
// folded into the Conv's weights and bias (else MUL + ADD); Relu / Clip(0, 6) after
// a Conv are fused as its activation; Gemm / MatMul with constant weights become
// FULLY_CONNECTED; GlobalAveragePool becomes MEAN over H, W; Clip becomes RELU,
// RELU6 or MAXIMUM / MINIMUM; HardSigmoid becomes MUL, ADD, RELU6, MUL;
// Identity, Dropout and Constant emit nothing; Shape, and Gather / Unsqueeze /
// Squeeze / Concat / Cast whose inputs are all constant, are folded.
// Control flow: an If whose condition folds to a constant is replaced by its
// taken branch (subgraphs may read outer values and nest); other If nodes fail
// naming the node. Graph inputs can be fixed to values (input_values,
// --input-value), which removes them and lets folding decide such conditions
// (silero VAD: sr=16000). Folding covers Shape, Size, Gather, Slice, Concat,
// Transpose, Reshape, (Un)Squeeze, Cast, ConstantOfShape, Equal, Not and
// arithmetic on constants; Equal / Not / Size / ConstantOfShape are supported
// only when folded.
// Sequence / audio ops: LSTM (forward, layout 0, default activations; see
// onnx_ops_rnn.cc) becomes the LSTM op; 1-D Conv ([N,C,L]) runs as a 2-D Conv
// over [N,C,1,L]; Pad (constant / reflect / edge), Slice, Split, Gather with
// constant indices, Pow with exponent 2 / 0.5 / -0.5, ReduceMean / Sum / Max /
// Min work on activations of any rank (logical layout).
// Quantized models (onnx_ops_qdq.cc): QDQ models as ONNX Runtime's static
// quantizer writes them run as int8 ops (DequantizeLinear -> Conv / Gemm /
// MatMul / Add / Mul / pools / Concat / reshapes -> QuantizeLinear groups fold
// into one int8 op; uint8 activations are held as int8 with zero point - 128);
// groups without an int8 kernel stay float between DEQUANTIZE and QUANTIZE and
// are listed in the report's warnings. ONNX Runtime's dynamic quantization
// (DynamicQuantizeLinear + MatMulInteger + Cast + Mul) runs as float
// FULLY_CONNECTED with the int8 weights dequantized at import.
// Any op without a mapping makes the import fail with one message listing every
// unsupported op type and its count (subgraphs included).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "runtime/importers/import_report.h"
#include "runtime/status.h"

namespace edgert {

struct OnnxImportOptions {
  // Values of symbolic input dimensions (dim_param), e.g. {"batch_size", 1}.
  // An input dimension that is symbolic and not listed here fails the import.
  std::map<std::string, int64_t> dims;
  // Whole shapes of graph inputs by name, e.g. {"input", {1, 512}}: needed for
  // dims that are neither fixed nor named, and overriding the model's shape.
  std::map<std::string, std::vector<int64_t>> input_shapes;
  // Graph inputs fixed to constant values (row-major, as many as the input's
  // shape holds), e.g. {"sr", {16000}}. Such an input leaves the model and its
  // value takes part in constant folding, so If nodes that branch on it are
  // resolved at conversion time. Integer inputs need integral values.
  std::map<std::string, std::vector<double>> input_values;
  // Fold BatchNormalization into the preceding Conv when possible.
  bool fold_batchnorm = true;
  // Load the produced .ert through the verifying loader before returning it.
  bool verify_output = true;
  // Run the shared graph optimizer (constant folding, activation fusion,
  // transpose/reshape simplification, dead-op removal) on the result.
  bool optimize = true;
};

// Imports a serialized ONNX ModelProto held in memory into a complete .ert file.
// `report` may be null.
Status ImportOnnx(const void* data, size_t size, const OnnxImportOptions& opts, std::vector<uint8_t>* ert_file,
                  ImportReport* report);

// True when `data` parses at the top level as an ONNX ModelProto with a graph
// (ONNX files have no magic number; use this after ruling out other formats).
bool IsOnnxBuffer(const void* data, size_t size);

// Parses "NAME=N" (N >= 1) into opts->dims; false when malformed.
bool ParseOnnxDimOption(const std::string& arg, OnnxImportOptions* opts);
// Parses "NAME=D0,D1,..." (each >= 1; "NAME=" for a scalar) into opts->input_shapes.
bool ParseOnnxInputShapeOption(const std::string& arg, OnnxImportOptions* opts);
// Parses "NAME=V0,V1,..." (numbers) into opts->input_values.
bool ParseOnnxInputValueOption(const std::string& arg, OnnxImportOptions* opts);

}  // namespace edgert
