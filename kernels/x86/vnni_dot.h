// vpdpbusd for the VNNI GEMM microkernels, issued so that each row's offset A
// operand has a register of its own.
//
// Written as `acc[i] = _mm512_dpbusd_epi32(acc[i], a ^ 0x80.., w)` per row,
// GCC 12 computes every row's A operand into one and the same register right
// before its vpdpbusd; the 8x16 GEMM then ran its classifier-size shapes 20%
// below the form where the eight operands are computed first into eight
// registers (measured on AMD Zen 4, edgert_microbench BM_qs8_conv). The empty
// volatile asm below pins each operand in a register at that point, and the
// volatile vpdpbusd statements keep their order after those pins, so all the
// operands of a K step are live at once.
// Semantics are the instruction's: each int32 lane of acc gains the four
// products of a's unsigned and w's signed bytes, without saturation.
// Include only from files compiled with -mavx512f -mavx512vnni.
#pragma once

#include <immintrin.h>

namespace edgert {
namespace x86 {

// v computed into a register here (no instruction).
inline void PinRegister(__m512i& v) { asm volatile("" : "+v"(v)); }  // NOLINT(runtime/references)

inline void DotAddU8S8(__m512i& acc, __m512i a_u8, __m512i w_s8) {  // NOLINT(runtime/references)
  asm volatile("vpdpbusd %2, %1, %0" : "+v"(acc) : "v"(a_u8), "v"(w_s8));
}

}  // namespace x86
}  // namespace edgert
