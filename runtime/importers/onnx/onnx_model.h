// The subset of ONNX's protobuf messages (onnx/onnx.proto) the importer reads,
// parsed with the bounds-checked wire reader in protobuf_reader.h. Unknown
// fields are skipped; malformed input gives an error status.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "runtime/status.h"

namespace edgert {
namespace onnx_import {

// TensorProto.DataType values.
enum OnnxDataType : int32_t {
  kOnnxUndefined = 0,
  kOnnxFloat = 1,
  kOnnxUint8 = 2,
  kOnnxInt8 = 3,
  kOnnxUint16 = 4,
  kOnnxInt16 = 5,
  kOnnxInt32 = 6,
  kOnnxInt64 = 7,
  kOnnxString = 8,
  kOnnxBool = 9,
  kOnnxFloat16 = 10,
  kOnnxDouble = 11,
  kOnnxUint32 = 12,
  kOnnxUint64 = 13,
};

// AttributeProto.AttributeType values.
enum OnnxAttrType : int32_t {
  kAttrUndefined = 0,
  kAttrFloat = 1,
  kAttrInt = 2,
  kAttrString = 3,
  kAttrTensor = 4,
  kAttrGraph = 5,
  kAttrFloats = 6,
  kAttrInts = 7,
  kAttrStrings = 8,
};

struct OnnxTensor {
  std::string name;
  std::vector<int64_t> dims;
  int32_t data_type = kOnnxUndefined;
  std::vector<float> float_data;
  std::vector<int64_t> int32_data;  // int32_data (varints; also holds int8/16, uint8/16, bool, fp16 bits)
  std::vector<int64_t> int64_data;
  std::vector<double> double_data;
  std::string raw_data;
  bool has_raw_data = false;
  bool external = false;  // data_location == EXTERNAL or external_data present
};

struct OnnxGraph;

struct OnnxAttribute {
  std::string name;
  int32_t type = kAttrUndefined;
  float f = 0.f;
  int64_t i = 0;
  std::string s;
  bool has_t = false;
  OnnxTensor t;
  std::vector<float> floats;
  std::vector<int64_t> ints;
  std::vector<std::string> strings;
  bool has_g = false;  // a subgraph (GRAPH attribute, e.g. If's branches) is present
  std::shared_ptr<const OnnxGraph> g;
};

struct OnnxNode {
  std::vector<std::string> inputs, outputs;
  std::string name, op_type, domain;
  std::vector<OnnxAttribute> attributes;

  const OnnxAttribute* attr(const std::string& n) const {
    for (const OnnxAttribute& a : attributes)
      if (a.name == n) return &a;
    return nullptr;
  }
};

struct OnnxDim {
  bool has_value = false;
  int64_t value = 0;
  std::string param;  // dim_param (symbolic); empty when neither is set
};

struct OnnxValueInfo {
  std::string name;
  bool has_tensor_type = false;
  int32_t elem_type = kOnnxUndefined;
  bool has_shape = false;
  std::vector<OnnxDim> dims;
};

struct OnnxGraph {
  std::string name;
  std::vector<OnnxNode> nodes;
  std::vector<OnnxTensor> initializers;
  std::vector<OnnxValueInfo> inputs, outputs, value_info;
};

struct OnnxOpset {
  std::string domain;
  int64_t version = 0;
};

struct OnnxModel {
  int64_t ir_version = 0;
  std::string producer_name, producer_version;
  std::vector<OnnxOpset> opset_import;
  bool has_graph = false;
  OnnxGraph graph;
};

// Parses a serialized ModelProto.
Status ParseOnnxModel(const uint8_t* data, size_t size, OnnxModel* model);

// Exposed for tests.
Status ParseOnnxTensor(const uint8_t* data, size_t size, int depth, OnnxTensor* t);

// The number of elements of `dims` (1 for a scalar); false when a dim is negative
// or the product exceeds `limit`.
bool ElementCount(const std::vector<int64_t>& dims, int64_t limit, int64_t* count);

// The tensor's values as float (float, double, int32-family and int64 types),
// checked against the element count of its dims. `what` names it in errors.
Status TensorToFloats(const OnnxTensor& t, std::vector<float>* out);
// The tensor's values as int64 (int64, int32-family, uint8, bool).
Status TensorToInt64s(const OnnxTensor& t, std::vector<int64_t>* out);

const char* OnnxDataTypeName(int32_t t);

}  // namespace onnx_import
}  // namespace edgert
