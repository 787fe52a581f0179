#include "tools/inputs.h"

#include <cstring>

#include "tools/npy.h"

namespace edgert {

bool ParseInputArg(const std::string& arg, std::pair<std::string, std::string>* out) {
  const size_t eq = arg.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == arg.size()) return false;
  *out = {arg.substr(0, eq), arg.substr(eq + 1)};
  return true;
}

int FindInput(Interpreter& interp, const std::string& name) {
  for (int i = 0; i < interp.num_inputs(); ++i)
    if (name == interp.input(i)->name) return i;
  if (!name.empty() && name.find_first_not_of("0123456789") == std::string::npos) {
    const int i = std::stoi(name);
    if (i < interp.num_inputs()) return i;
  }
  return -1;
}

Status LoadInputs(Interpreter& interp, const std::vector<std::pair<std::string, std::string>>& specs,
                  std::vector<std::vector<uint8_t>>* data, const U8ToFloat& u8_to_float) {
  data->assign(interp.num_inputs(), {});
  for (const auto& spec : specs) {
    const int i = FindInput(interp, spec.first);
    if (i < 0) {
      std::string names;
      for (int k = 0; k < interp.num_inputs(); ++k) names += std::string(k ? ", " : "") + interp.input(k)->name;
      return Status::Error(StatusCode::kInvalidArgument, "the model has no input '%s' (inputs: %s)", spec.first.c_str(),
                           names.c_str());
    }
    NpyArray a;
    EDGERT_RETURN_IF_ERROR(ReadNpy(spec.second, &a));
    const Tensor* t = interp.input(i);
    if (u8_to_float.enabled && a.dtype == DType::kU8 && t->dtype == DType::kF32) {
      std::vector<uint8_t> f(a.data.size() * sizeof(float));
      const float step = (u8_to_float.max - u8_to_float.min) / 255.f;
      for (size_t k = 0; k < a.data.size(); ++k) {
        const float v = u8_to_float.min + static_cast<float>(a.data[k]) * step;
        std::memcpy(f.data() + k * sizeof(float), &v, sizeof(float));
      }
      a.data = std::move(f);
      a.dtype = DType::kF32;
    }
    if (a.dtype != t->dtype)
      return Status::Error(StatusCode::kInvalidArgument, "input '%s' is %s in the model, but '%s' holds %s", t->name,
                           DTypeName(t->dtype), spec.second.c_str(), DTypeName(a.dtype));
    if (static_cast<int>(a.shape.size()) > kMaxRank)
      return Status::Error(StatusCode::kInvalidArgument, "'%s' has rank %zu", spec.second.c_str(), a.shape.size());
    Shape s;
    s.rank = static_cast<int>(a.shape.size());
    for (int d = 0; d < s.rank; ++d) s.dims[d] = static_cast<int32_t>(a.shape[d]);
    EDGERT_RETURN_IF_ERROR(interp.ResizeInput(i, s));
    (*data)[i] = std::move(a.data);
  }
  return Status::Ok();
}

void FeedInputs(Interpreter& interp, const std::vector<std::vector<uint8_t>>& data) {
  for (int i = 0; i < interp.num_inputs(); ++i) {
    Tensor* t = interp.input(i);
    if (i < static_cast<int>(data.size()) && !data[i].empty()) {
      std::memcpy(t->data, data[i].data(), std::min(data[i].size(), t->bytes));
      continue;
    }
    uint32_t state = 12345u + static_cast<uint32_t>(i);
    auto next = [&state]() {
      state = state * 1664525u + 1013904223u;
      return state >> 8;  // 24 random bits
    };
    const int64_t n = t->NumElements();
    for (int64_t k = 0; k < n; ++k) {
      const uint32_t r = next();
      switch (t->dtype) {
        case DType::kF32: t->data_as<float>()[k] = static_cast<float>(r) / 16777216.f; break;
        case DType::kF16: t->data_as<uint16_t>()[k] = FloatToHalf(static_cast<float>(r) / 16777216.f); break;
        case DType::kBF16: t->data_as<uint16_t>()[k] = FloatToBF16(static_cast<float>(r) / 16777216.f); break;
        case DType::kI8: t->data_as<int8_t>()[k] = static_cast<int8_t>(r & 0xff); break;
        case DType::kU8: t->data_as<uint8_t>()[k] = static_cast<uint8_t>(r & 0xff); break;
        case DType::kI16: t->data_as<int16_t>()[k] = static_cast<int16_t>(r & 0xffff); break;
        case DType::kI32: t->data_as<int32_t>()[k] = static_cast<int32_t>(r % 16); break;
        case DType::kI64: t->data_as<int64_t>()[k] = static_cast<int64_t>(r % 16); break;
        case DType::kBool: t->data_as<uint8_t>()[k] = static_cast<uint8_t>(r & 1); break;
      }
    }
  }
}

}  // namespace edgert
