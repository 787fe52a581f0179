#include "runtime/importers/quantizer/probe.h"

#include <cstring>

#include "runtime/importers/optimizer/graph.h"

namespace edgert {

Status Probe::Init(const std::vector<uint8_t>& ert) {
  graph::Graph g;
  EDGERT_RETURN_IF_ERROR(graph::Graph::FromBuffer(ert.data(), ert.size(), &g));
  for (const graph::GOp& op : g.ops)
    for (int32_t t : op.outputs)
      if (t >= 0 && !g.IsGraphOutput(t)) g.outputs.push_back(t);
  std::vector<int> map;
  EDGERT_RETURN_IF_ERROR(g.Serialize(&file, &map));
  EDGERT_RETURN_IF_ERROR(Model::LoadBuffer(file.data(), file.size(), /*copy=*/false, &model));
  AddDefaultKernels(&resolver);
  interp.reset(new Interpreter(model, &resolver));
  EDGERT_RETURN_IF_ERROR(interp->Prepare());
  by_name.clear();
  producer.clear();
  for (size_t i = 0; i < g.tensors.size(); ++i)
    if (map[i] >= 0 && !g.tensors[i].is_constant) by_name[g.tensors[i].name] = map[i];
  for (const NodeInfo& n : model->nodes())
    for (int32_t t : n.outputs)
      if (t >= 0) producer[model->tensors()[static_cast<size_t>(t)].name] = n.label;
  return Status::Ok();
}

Status Probe::Run(const CalibrationSample& s) {
  if (static_cast<int>(s.inputs.size()) != interp->num_inputs())
    return Status(StatusCode::kInvalidArgument, "a sample's input count differs from the model's");
  for (int i = 0; i < interp->num_inputs(); ++i) {
    Tensor* in = interp->input(i);
    if (s.inputs[static_cast<size_t>(i)].size() != in->bytes)
      return Status::Error(StatusCode::kInvalidArgument, "sample input %d has %zu bytes; '%s' needs %zu", i,
                           s.inputs[static_cast<size_t>(i)].size(), in->name, in->bytes);
    std::memcpy(in->data, s.inputs[static_cast<size_t>(i)].data(), in->bytes);
  }
  return interp->Invoke();
}

const Tensor* Probe::Find(const std::string& name) const {
  auto it = by_name.find(name);
  return it == by_name.end() ? nullptr : interp->tensor(it->second);
}

bool TensorValues(const Tensor& t, std::vector<double>* v) {
  const int64_t n = t.NumElements();
  v->resize(static_cast<size_t>(n));
  if (t.dtype == DType::kF32) {
    for (int64_t i = 0; i < n; ++i) (*v)[static_cast<size_t>(i)] = t.data_as<float>()[i];
    return true;
  }
  if ((t.dtype == DType::kI8 || t.dtype == DType::kU8) && t.quant.count == 1) {
    const double s = t.quant.scale[0];
    const int32_t zp = t.quant.zero_point[0];
    for (int64_t i = 0; i < n; ++i) {
      const int32_t q = t.dtype == DType::kI8 ? t.data_as<int8_t>()[i] : t.data_as<uint8_t>()[i];
      (*v)[static_cast<size_t>(i)] = s * (q - zp);
    }
    return true;
  }
  return false;
}

}  // namespace edgert
