// NumPy .npy files (format versions 1-3, little-endian, C order).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "runtime/dtype.h"
#include "runtime/status.h"

namespace edgert {

struct NpyArray {
  DType dtype = DType::kF32;
  std::vector<int64_t> shape;
  std::vector<uint8_t> data;
};

Status ReadNpy(const std::string& path, NpyArray* out);
Status WriteNpy(const std::string& path, DType dtype, const std::vector<int64_t>& shape, const void* data,
                size_t bytes);

}  // namespace edgert
