// Facts about element types, in one table indexed by the type enum.
#pragma once

#include <cstddef>
#include <cstdint>

namespace edgert {

// Same numbering as schema::DType (checked by static_assert in dtype.cc).
enum class DType : uint8_t { kF32 = 0, kF16, kBF16, kI8, kU8, kI16, kI32, kI64, kBool };
constexpr int kNumDTypes = 9;

struct DTypeInfo {
  const char* name;
  size_t size;        // bytes per element
  bool is_float;
  bool is_integer;
};

const DTypeInfo& GetDTypeInfo(DType t);
inline size_t DTypeSize(DType t) { return GetDTypeInfo(t).size; }
inline const char* DTypeName(DType t) { return GetDTypeInfo(t).name; }
inline bool IsValidDType(int t) { return t >= 0 && t < kNumDTypes; }

template <typename T> struct DTypeOf;
template <> struct DTypeOf<float> { static constexpr DType value = DType::kF32; };
template <> struct DTypeOf<int8_t> { static constexpr DType value = DType::kI8; };
template <> struct DTypeOf<uint8_t> { static constexpr DType value = DType::kU8; };
template <> struct DTypeOf<int16_t> { static constexpr DType value = DType::kI16; };
template <> struct DTypeOf<int32_t> { static constexpr DType value = DType::kI32; };
template <> struct DTypeOf<int64_t> { static constexpr DType value = DType::kI64; };
template <> struct DTypeOf<bool> { static constexpr DType value = DType::kBool; };

// IEEE half and bfloat16 conversions (round to nearest even).
float HalfToFloat(uint16_t h);
uint16_t FloatToHalf(float f);
float BF16ToFloat(uint16_t b);
uint16_t FloatToBF16(float f);

}  // namespace edgert
