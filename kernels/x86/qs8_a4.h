// The A quads of the c4 (VNNI) int8 GEMM microkernels: four bytes of an A row
// as one 32-bit word, or its last 1..3 bytes with the rest zero (meeting zero
// weights past K). Not yet offset by 128.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace edgert {
namespace x86 {

inline int32_t ReadA4(const int8_t* a) {
  int32_t v;
  std::memcpy(&v, a, 4);
  return v;
}

inline int32_t ReadPartialA4(const int8_t* a, size_t n) {
  uint32_t v = 0;
  for (size_t i = 0; i < n; ++i) v |= static_cast<uint32_t>(static_cast<uint8_t>(a[i])) << (8 * i);
  return static_cast<int32_t>(v);
}

}  // namespace x86
}  // namespace edgert
