// QS8 GEMM microkernel, 8 rows x 16 columns, K in quads (c4), AVX-512 VNNI.
// Contract: QS8GemmUkernelFn with the c4 packing of KernelIsa::qs8_gemm_c4
// (kernels/dispatch.h). Compiled with -mavx2 -mfma -mavx512f -mavx512vnni.
//
// _mm512_dpbusd_epi32 multiplies unsigned by signed bytes, so each A byte is
// offset by 128 (x ^ 0x80 = x + 128 as uint8) and the packing folds
// -128 * sum(w) into acc0. The instruction adds 4 products (at most
// 255 * 128 each) to each int32 lane without saturation, so the int32 sums are
// the exact accumulators modulo 2^32, exact where the caller guarantees they
// fit (kernels/optimized/qs8_conv.h). Each 64-byte weight row feeds 8
// dot products; A quads are broadcast from memory and offset in the vector
// domain. The output stage is kernels/x86/qs8_requant_avx512.h, 16 lanes at
// once.
#include <immintrin.h>

#include <cstdint>
#include <cstring>

#include "kernels/x86/qs8_requant_avx512.h"
#include "kernels/x86/ukernels.h"

namespace edgert {

namespace {

constexpr int kMr = 8;

// The last n (1..3) bytes of an A row as a quad (the rest zero, meeting zero
// weights), broadcast to all 16 dwords (not yet offset).
inline __m512i LoadPartialA4(const int8_t* a, size_t n) {
  uint32_t v = 0;
  for (size_t i = 0; i < n; ++i) v |= static_cast<uint32_t>(static_cast<uint8_t>(a[i])) << (8 * i);
  return _mm512_set1_epi32(static_cast<int32_t>(v));
}

inline __m512i LoadA4(const int8_t* a) {
  int32_t v;
  std::memcpy(&v, a, 4);
  return _mm512_set1_epi32(v);
}

}  // namespace

void qs8_gemm_minmax_ukernel_8x16c4__avx512vnni(size_t mr, size_t nc, size_t kc, const int8_t* a, size_t a_stride,
                                                const void* w, int8_t* c, size_t c_stride,
                                                const QS8ConvParams* params) {
  // Rows past mr alias the previous row (computed; stored last-first so the real row wins).
  const int8_t* a0 = a;
  const int8_t* a1 = mr > 1 ? a0 + a_stride : a0;
  const int8_t* a2 = mr > 2 ? a1 + a_stride : a1;
  const int8_t* a3 = mr > 3 ? a2 + a_stride : a2;
  const int8_t* a4 = mr > 4 ? a3 + a_stride : a3;
  const int8_t* a5 = mr > 5 ? a4 + a_stride : a4;
  const int8_t* a6 = mr > 6 ? a5 + a_stride : a5;
  const int8_t* a7 = mr > 7 ? a6 + a_stride : a6;
  int8_t* cp[kMr];
  cp[0] = c;
  for (int i = 1; i < kMr; ++i) cp[i] = static_cast<size_t>(i) < mr ? cp[i - 1] + c_stride : cp[i - 1];
  const size_t kc4 = (kc + 3) & ~size_t{3};
  const size_t panel_bytes = 16 * kQS8ChannelWords * sizeof(int32_t) + kc4 * 16;
  const qs8_avx512::OutputStage16 out = qs8_avx512::LoadOutputStage16(params->output_zp, params->min, params->max);
  const __m512i offset = _mm512_set1_epi32(static_cast<int32_t>(0x80808080u));
  const uint8_t* panel = static_cast<const uint8_t*>(w);

  for (size_t col = 0; col < nc; col += 16, panel += panel_bytes) {
    const int32_t* header = reinterpret_cast<const int32_t*>(panel);
    __m512i acc0 = _mm512_loadu_si512(header);
    __m512i acc1 = acc0, acc2 = acc0, acc3 = acc0, acc4 = acc0, acc5 = acc0, acc6 = acc0, acc7 = acc0;
    const uint8_t* wp = panel + 16 * kQS8ChannelWords * sizeof(int32_t);
    size_t k = 0;
    for (; k + 4 <= kc; k += 4, wp += 64) {
      const __m512i vw = _mm512_loadu_si512(wp);
      acc0 = _mm512_dpbusd_epi32(acc0, _mm512_xor_si512(LoadA4(a0 + k), offset), vw);
      acc1 = _mm512_dpbusd_epi32(acc1, _mm512_xor_si512(LoadA4(a1 + k), offset), vw);
      acc2 = _mm512_dpbusd_epi32(acc2, _mm512_xor_si512(LoadA4(a2 + k), offset), vw);
      acc3 = _mm512_dpbusd_epi32(acc3, _mm512_xor_si512(LoadA4(a3 + k), offset), vw);
      acc4 = _mm512_dpbusd_epi32(acc4, _mm512_xor_si512(LoadA4(a4 + k), offset), vw);
      acc5 = _mm512_dpbusd_epi32(acc5, _mm512_xor_si512(LoadA4(a5 + k), offset), vw);
      acc6 = _mm512_dpbusd_epi32(acc6, _mm512_xor_si512(LoadA4(a6 + k), offset), vw);
      acc7 = _mm512_dpbusd_epi32(acc7, _mm512_xor_si512(LoadA4(a7 + k), offset), vw);
    }
    if (k < kc) {
      const size_t n = kc - k;
      const __m512i vw = _mm512_loadu_si512(wp);
      acc0 = _mm512_dpbusd_epi32(acc0, _mm512_xor_si512(LoadPartialA4(a0 + k, n), offset), vw);
      acc1 = _mm512_dpbusd_epi32(acc1, _mm512_xor_si512(LoadPartialA4(a1 + k, n), offset), vw);
      acc2 = _mm512_dpbusd_epi32(acc2, _mm512_xor_si512(LoadPartialA4(a2 + k, n), offset), vw);
      acc3 = _mm512_dpbusd_epi32(acc3, _mm512_xor_si512(LoadPartialA4(a3 + k, n), offset), vw);
      acc4 = _mm512_dpbusd_epi32(acc4, _mm512_xor_si512(LoadPartialA4(a4 + k, n), offset), vw);
      acc5 = _mm512_dpbusd_epi32(acc5, _mm512_xor_si512(LoadPartialA4(a5 + k, n), offset), vw);
      acc6 = _mm512_dpbusd_epi32(acc6, _mm512_xor_si512(LoadPartialA4(a6 + k, n), offset), vw);
      acc7 = _mm512_dpbusd_epi32(acc7, _mm512_xor_si512(LoadPartialA4(a7 + k, n), offset), vw);
    }

    const qs8_avx512::Requant16 q = qs8_avx512::LoadRequant16(header, 16, 0);
    const size_t cols = nc - col < 16 ? nc - col : 16;
    qs8_avx512::StoreInt8(cp[7] + col, qs8_avx512::Requantize16(acc7, q, out), cols);
    qs8_avx512::StoreInt8(cp[6] + col, qs8_avx512::Requantize16(acc6, q, out), cols);
    qs8_avx512::StoreInt8(cp[5] + col, qs8_avx512::Requantize16(acc5, q, out), cols);
    qs8_avx512::StoreInt8(cp[4] + col, qs8_avx512::Requantize16(acc4, q, out), cols);
    qs8_avx512::StoreInt8(cp[3] + col, qs8_avx512::Requantize16(acc3, q, out), cols);
    qs8_avx512::StoreInt8(cp[2] + col, qs8_avx512::Requantize16(acc2, q, out), cols);
    qs8_avx512::StoreInt8(cp[1] + col, qs8_avx512::Requantize16(acc1, q, out), cols);
    qs8_avx512::StoreInt8(cp[0] + col, qs8_avx512::Requantize16(acc0, q, out), cols);
  }
}

}  // namespace edgert
