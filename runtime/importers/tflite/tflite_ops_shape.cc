// SHAPE and PACK: the pieces of the shape arithmetic Keras emits for a
// flexible batch (SHAPE -> STRIDED_SLICE -> PACK -> RESHAPE).
//
// SHAPE becomes a constant holding the input's static shape: an .ert model has
// static shapes (a dynamic dimension of the file is fixed to its stored size,
// 1 for the batch), so a graph that derives sizes from SHAPE sees the sizes of
// the imported model. PACK of constants becomes a constant; PACK of
// activations becomes a RESHAPE of each input (a new axis of size 1) and a
// CONCATENATION along that axis.
#include <cstring>

#include "runtime/importers/tflite/tflite_import_internal.h"
#include "runtime/tensor.h"

namespace edgert {
namespace tflite_import {

Status MapShape(OpContext& c) {
  EDGERT_RETURN_IF_ERROR(c.Arity(1, 1, 1, 1));
  std::vector<int32_t> shape;
  EDGERT_RETURN_IF_ERROR(c.InputShape(0, &shape));
  // The output tensor's type decides (ShapeOptions.out_type repeats it).
  DType type;
  EDGERT_RETURN_IF_ERROR(c.OutputDType(0, &type));
  const std::vector<int32_t> dims = {static_cast<int32_t>(shape.size())};
  std::vector<uint8_t> bytes;
  if (type == DType::kI64) {
    std::vector<int64_t> v(shape.begin(), shape.end());
    bytes.resize(v.size() * sizeof(int64_t));
    if (!v.empty()) std::memcpy(bytes.data(), v.data(), bytes.size());
    return c.SetConstOutput(0, ConstTensor::Owned(DType::kI64, dims, std::move(bytes)));
  }
  if (type != DType::kI32) return c.Unsupported("output type %s (only int32 and int64)", DTypeName(type));
  bytes.resize(shape.size() * sizeof(int32_t));
  if (!shape.empty()) std::memcpy(bytes.data(), shape.data(), bytes.size());
  return c.SetConstOutput(0, ConstTensor::Owned(DType::kI32, dims, std::move(bytes)));
}

Status MapPack(OpContext& c) {
  EDGERT_RETURN_IF_ERROR(c.Arity(1, -1, 1, 1));
  const auto* o = c.options<tfl::PackOptions>();
  const int n = c.num_inputs();
  if (o != nullptr && o->values_count() != n)
    return c.Invalid("values_count is %d but the op has %d inputs", o->values_count(), n);
  std::vector<int32_t> shape;
  EDGERT_RETURN_IF_ERROR(c.InputShape(0, &shape));
  const int rank = static_cast<int>(shape.size());
  if (rank + 1 > kMaxRank) return c.Unsupported("the result would have rank %d", rank + 1);
  int axis = o != nullptr ? o->axis() : 0;
  if (axis < 0) axis += rank + 1;
  if (axis < 0 || axis > rank) return c.Invalid("axis %d is out of range for inputs of rank %d", o->axis(), rank);
  bool all_const = true;
  for (int i = 0; i < n; ++i) {
    std::vector<int32_t> si;
    EDGERT_RETURN_IF_ERROR(c.InputShape(i, &si));
    if (si != shape) return c.Invalid("input %d has a different shape from input 0", i);
    all_const = all_const && c.IsConstInput(i);
  }
  std::vector<int32_t> out_shape = shape;
  out_shape.insert(out_shape.begin() + axis, n);

  if (all_const) {
    // out[outer][i][inner] = in_i[outer][inner]
    std::vector<ConstTensor> ins(static_cast<size_t>(n));
    for (int i = 0; i < n; ++i) EDGERT_RETURN_IF_ERROR(c.ConstInput(i, &ins[static_cast<size_t>(i)]));
    const DType dt = ins[0].dtype;
    for (const ConstTensor& t : ins)
      if (t.dtype != dt) return c.Invalid("inputs have different element types");
    int64_t outer = 1, inner = 1;
    for (int d = 0; d < axis; ++d) outer *= shape[static_cast<size_t>(d)];
    for (int d = axis; d < rank; ++d) inner *= shape[static_cast<size_t>(d)];
    const size_t chunk = static_cast<size_t>(inner) * DTypeSize(dt);
    for (const ConstTensor& t : ins)
      if (t.bytes != static_cast<size_t>(outer) * chunk) return c.Invalid("an input's data does not match its shape");
    std::vector<uint8_t> bytes(static_cast<size_t>(outer) * static_cast<size_t>(n) * chunk);
    size_t at = 0;
    for (int64_t a = 0; a < outer; ++a)
      for (int i = 0; i < n; ++i, at += chunk)
        if (chunk != 0) std::memcpy(bytes.data() + at, ins[static_cast<size_t>(i)].data + static_cast<size_t>(a) * chunk, chunk);
    ConstTensor r = ConstTensor::Owned(dt, out_shape, std::move(bytes));
    r.quant = ins[0].quant;
    return c.SetConstOutput(0, std::move(r));
  }

  std::vector<int32_t> expanded_shape = shape;
  expanded_shape.insert(expanded_shape.begin() + axis, 1);
  std::vector<int32_t> parts;
  for (int i = 0; i < n; ++i) {
    int32_t x;
    EDGERT_RETURN_IF_ERROR(c.RequiredIn(i, &x));
    const int e = c.Intermediate(x, "/pack_" + std::to_string(i));
    auto v = c.fbb().CreateVector(expanded_shape);
    c.Emit(schema::OpType_RESHAPE, {x}, {e}, schema::OpOptions_ReshapeOptions,
           schema::CreateReshapeOptions(c.fbb(), v).Union());
    parts.push_back(e);
  }
  int32_t out;
  EDGERT_RETURN_IF_ERROR(c.Out(0, &out));
  c.Emit(schema::OpType_CONCATENATION, parts, {out}, schema::OpOptions_ConcatenationOptions,
         schema::CreateConcatenationOptions(c.fbb(), axis).Union());
  return Status::Ok();
}

}  // namespace tflite_import
}  // namespace edgert
