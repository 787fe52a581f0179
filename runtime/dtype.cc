#include "runtime/dtype.h"

#include <cstring>

#include "edgert_generated.h"

namespace edgert {

static_assert(static_cast<int>(DType::kF32) == schema::DType_F32, "dtype numbering");
static_assert(static_cast<int>(DType::kF16) == schema::DType_F16, "dtype numbering");
static_assert(static_cast<int>(DType::kBF16) == schema::DType_BF16, "dtype numbering");
static_assert(static_cast<int>(DType::kI8) == schema::DType_I8, "dtype numbering");
static_assert(static_cast<int>(DType::kU8) == schema::DType_U8, "dtype numbering");
static_assert(static_cast<int>(DType::kI16) == schema::DType_I16, "dtype numbering");
static_assert(static_cast<int>(DType::kI32) == schema::DType_I32, "dtype numbering");
static_assert(static_cast<int>(DType::kI64) == schema::DType_I64, "dtype numbering");
static_assert(static_cast<int>(DType::kBool) == schema::DType_BOOL, "dtype numbering");
static_assert(kNumDTypes == schema::DType_MAX + 1, "dtype count");

namespace {
const DTypeInfo kInfo[kNumDTypes] = {
    {"f32", 4, true, false},  {"f16", 2, true, false},  {"bf16", 2, true, false},
    {"i8", 1, false, true},   {"u8", 1, false, true},   {"i16", 2, false, true},
    {"i32", 4, false, true},  {"i64", 8, false, true},  {"bool", 1, false, false},
};
}  // namespace

const DTypeInfo& GetDTypeInfo(DType t) { return kInfo[static_cast<int>(t)]; }

float HalfToFloat(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  uint32_t exp = (h >> 10) & 0x1f;
  uint32_t mant = h & 0x3ffu;
  uint32_t bits;
  if (exp == 0) {
    if (mant == 0) {
      bits = sign;
    } else {  // subnormal: normalize
      exp = 127 - 15 + 1;
      while ((mant & 0x400u) == 0) {
        mant <<= 1;
        --exp;
      }
      mant &= 0x3ffu;
      bits = sign | (exp << 23) | (mant << 13);
    }
  } else if (exp == 31) {
    bits = sign | 0x7f800000u | (mant << 13);
  } else {
    bits = sign | ((exp + 127 - 15) << 23) | (mant << 13);
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

uint16_t FloatToHalf(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  const uint32_t sign = (x >> 16) & 0x8000u;
  const uint32_t absx = x & 0x7fffffffu;
  if (absx >= 0x7f800000u) {  // inf or nan
    return static_cast<uint16_t>(sign | 0x7c00u | (absx > 0x7f800000u ? 0x200u : 0));
  }
  if (absx >= 0x477ff000u) return static_cast<uint16_t>(sign | 0x7c00u);  // overflow -> inf
  if (absx < 0x38800000u) {  // result is subnormal or zero
    if (absx < 0x33000000u) return static_cast<uint16_t>(sign);
    const uint32_t e = absx >> 23;
    const uint32_t m = (absx & 0x7fffffu) | 0x800000u;
    const uint32_t shift = 126 - e;  // 14 - (e - 127) + 13 - 1 ... total shift to 10-bit mantissa
    const uint32_t shifted = m >> (shift - 0);
    const uint32_t rem = m & ((1u << shift) - 1);
    const uint32_t half = 1u << (shift - 1);
    uint32_t r = shifted;
    if (rem > half || (rem == half && (r & 1u))) ++r;
    return static_cast<uint16_t>(sign | r);
  }
  uint32_t r = ((absx >> 13) - ((127 - 15) << 10));
  const uint32_t rem = absx & 0x1fffu;
  if (rem > 0x1000u || (rem == 0x1000u && (r & 1u))) ++r;
  return static_cast<uint16_t>(sign | r);
}

float BF16ToFloat(uint16_t b) {
  const uint32_t bits = static_cast<uint32_t>(b) << 16;
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

uint16_t FloatToBF16(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  if ((x & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((x >> 16) | 0x40u);  // quiet nan
  const uint32_t lsb = (x >> 16) & 1u;
  x += 0x7fffu + lsb;
  return static_cast<uint16_t>(x >> 16);
}

}  // namespace edgert
