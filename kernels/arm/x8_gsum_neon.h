// Per-channel int32 sums of up to 256 pixels of int8 / uint8 values
// (QS8GSumUkernelFn and QU8GSumUkernelFn in kernels/dispatch.h) with Advanced
// SIMD: 16 channels per step, each pixel's values added into int16 lanes by
// widening adds (256 values of at most 255 in magnitude fit: 255 * 256 < 2^16
// as uint16 for uint8, -128 * 256 = -2^15 for int8), in two chains (even and
// odd pixels), widened to int32 once at the end; the last 1..15 channels
// through a zeroed 16-byte copy per pixel. Exact.
#pragma once

#include <arm_neon.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace edgert {
namespace neon {

// The 16-lane widening accumulation of one type: int16 lanes for int8 sums,
// uint16 for uint8 sums.
template <typename T>
struct X8Sum16;

template <>
struct X8Sum16<int8_t> {
  int16x8_t lo = vdupq_n_s16(0), hi = vdupq_n_s16(0);
  void Add(const int8_t* p) {
    const int8x16_t v = vld1q_s8(p);
    lo = vaddw_s8(lo, vget_low_s8(v));
    hi = vaddw_high_s8(hi, v);
  }
  void Add(const X8Sum16& o) {
    lo = vaddq_s16(lo, o.lo);
    hi = vaddq_s16(hi, o.hi);
  }
  void Store(int32_t* dst) const {
    vst1q_s32(dst, vmovl_s16(vget_low_s16(lo)));
    vst1q_s32(dst + 4, vmovl_high_s16(lo));
    vst1q_s32(dst + 8, vmovl_s16(vget_low_s16(hi)));
    vst1q_s32(dst + 12, vmovl_high_s16(hi));
  }
};

template <>
struct X8Sum16<uint8_t> {
  uint16x8_t lo = vdupq_n_u16(0), hi = vdupq_n_u16(0);
  void Add(const uint8_t* p) {
    const uint8x16_t v = vld1q_u8(p);
    lo = vaddw_u8(lo, vget_low_u8(v));
    hi = vaddw_high_u8(hi, v);
  }
  void Add(const X8Sum16& o) {
    lo = vaddq_u16(lo, o.lo);
    hi = vaddq_u16(hi, o.hi);
  }
  void Store(int32_t* dst) const {
    vst1q_s32(dst, vreinterpretq_s32_u32(vmovl_u16(vget_low_u16(lo))));
    vst1q_s32(dst + 4, vreinterpretq_s32_u32(vmovl_high_u16(lo)));
    vst1q_s32(dst + 8, vreinterpretq_s32_u32(vmovl_u16(vget_low_u16(hi))));
    vst1q_s32(dst + 12, vreinterpretq_s32_u32(vmovl_high_u16(hi)));
  }
};

template <typename T>
inline void X8GSumC16(size_t pixels, size_t channels, const T* input, size_t pixel_stride, int32_t* sums) {
  size_t c = 0;
  for (; c + 16 <= channels; c += 16) {
    X8Sum16<T> even, odd;
    const T* p = input + c;
    size_t i = 0;
    for (; i + 2 <= pixels; i += 2, p += 2 * pixel_stride) {
      even.Add(p);
      odd.Add(p + pixel_stride);
    }
    if (i < pixels) even.Add(p);
    even.Add(odd);
    even.Store(sums + c);
  }
  if (c < channels) {
    const size_t n = channels - c;
    X8Sum16<T> acc;
    const T* p = input + c;
    for (size_t i = 0; i < pixels; ++i, p += pixel_stride) {
      T tmp[16] = {};
      std::memcpy(tmp, p, n * sizeof(T));
      acc.Add(tmp);
    }
    int32_t out[16];
    acc.Store(out);
    std::memcpy(sums + c, out, n * sizeof(int32_t));
  }
}

}  // namespace neon
}  // namespace edgert
