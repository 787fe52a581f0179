// int8 / uint8 helpers shared by the aarch64 quantized pooling, resizing,
// conversion and sum microkernels: one name per operation for both types
// (overloads on int8_t / uint8_t), widening of 8 or 16 stored values to int32
// or float lanes, and narrowing of int32 lanes already within the type's
// range back to bytes.
#pragma once

#include <arm_neon.h>

#include <cstddef>
#include <cstdint>

namespace edgert {
namespace neon {

template <typename T>
struct X8;

template <>
struct X8<int8_t> {
  using V16 = int8x16_t;
  using V8 = int8x8_t;
  static V16 Load16(const int8_t* p) { return vld1q_s8(p); }
  static V8 Load8(const int8_t* p) { return vld1_s8(p); }
  static void Store16(int8_t* p, V16 v) { vst1q_s8(p, v); }
  static void Store8(int8_t* p, V8 v) { vst1_s8(p, v); }
  static V16 Dup16(int32_t x) { return vdupq_n_s8(static_cast<int8_t>(x)); }
  static V8 Low(V16 v) { return vget_low_s8(v); }
  static V16 Max16(V16 a, V16 b) { return vmaxq_s8(a, b); }
  static V16 Min16(V16 a, V16 b) { return vminq_s8(a, b); }
  static V8 Max8(V8 a, V8 b) { return vmax_s8(a, b); }
  static V8 Min8(V8 a, V8 b) { return vmin_s8(a, b); }
  // 8 values widened to int16 lanes.
  static int16x8_t Widen8(V8 v) { return vmovl_s8(v); }
  // int16 lanes within int8's range back to bytes.
  static V8 Narrow8(int16x8_t v) { return vmovn_s16(v); }
};

template <>
struct X8<uint8_t> {
  using V16 = uint8x16_t;
  using V8 = uint8x8_t;
  static V16 Load16(const uint8_t* p) { return vld1q_u8(p); }
  static V8 Load8(const uint8_t* p) { return vld1_u8(p); }
  static void Store16(uint8_t* p, V16 v) { vst1q_u8(p, v); }
  static void Store8(uint8_t* p, V8 v) { vst1_u8(p, v); }
  static V16 Dup16(int32_t x) { return vdupq_n_u8(static_cast<uint8_t>(x)); }
  static V8 Low(V16 v) { return vget_low_u8(v); }
  static V16 Max16(V16 a, V16 b) { return vmaxq_u8(a, b); }
  static V16 Min16(V16 a, V16 b) { return vminq_u8(a, b); }
  static V8 Max8(V8 a, V8 b) { return vmax_u8(a, b); }
  static V8 Min8(V8 a, V8 b) { return vmin_u8(a, b); }
  static int16x8_t Widen8(V8 v) { return vreinterpretq_s16_u16(vmovl_u8(v)); }
  static V8 Narrow8(int16x8_t v) { return vqmovun_s16(v); }  // values within [0, 255]: exact
};

// 8 stored values as two int32x4_t (lanes 0-3, 4-7).
template <typename T>
inline void Widen8To32(const T* p, int32x4_t* lo, int32x4_t* hi) {
  const int16x8_t w = X8<T>::Widen8(X8<T>::Load8(p));
  *lo = vmovl_s16(vget_low_s16(w));
  *hi = vmovl_s16(vget_high_s16(w));
}

// Stores two int32x4_t whose lanes are within T's range as 8 bytes.
template <typename T>
inline void Store8From32(T* p, int32x4_t lo, int32x4_t hi) {
  X8<T>::Store8(p, X8<T>::Narrow8(vcombine_s16(vmovn_s32(lo), vmovn_s32(hi))));
}

}  // namespace neon
}  // namespace edgert
