// QS8 GEMM microkernel, 4 rows x 16 columns, K in quads (c4), AVX-512 VNNI.
// Contract: QS8GemmUkernelFn with the c4 packing of KernelIsa::qs8_gemm_c4
// (kernels/dispatch.h). Compiled with -mavx2 -mfma -mavx512f -mavx512vnni.
//
// _mm512_dpbusd_epi32 multiplies unsigned by signed bytes, so each A byte is
// offset by 128 (x ^ 0x80 = x + 128 as uint8) and the packing folds
// -128 * sum(w) into acc0. The instruction adds 4 products (at most
// 255 * 128 each) to each int32 lane without saturation, so the int32 sums are
// the exact accumulators modulo 2^32, exact where the caller guarantees they
// fit (kernels/optimized/qs8_conv.h). The output stage is
// kernels/x86/qs8_requant_avx512.h, 16 lanes at once.
#include <immintrin.h>

#include <cstdint>
#include <cstring>

#include "kernels/x86/qs8_requant_avx512.h"
#include "kernels/x86/ukernels.h"

namespace edgert {

namespace {

// 4 bytes of an A row (n < 4 reads only n; the rest are zero and meet zero
// weights), offset to uint8 and broadcast to all 16 dwords.
inline __m512i LoadA4(const int8_t* a, size_t n) {
  uint32_t v = 0;
  if (n >= 4)
    std::memcpy(&v, a, 4);
  else
    for (size_t i = 0; i < n; ++i) v |= static_cast<uint32_t>(static_cast<uint8_t>(a[i])) << (8 * i);
  return _mm512_set1_epi32(static_cast<int32_t>(v ^ 0x80808080u));
}

}  // namespace

void qs8_gemm_minmax_ukernel_4x16c4__avx512vnni(size_t mr, size_t nc, size_t kc, const int8_t* a, size_t a_stride,
                                                const void* w, int8_t* c, size_t c_stride,
                                                const QS8ConvParams* params) {
  // Rows past mr alias the last row (computed, not stored).
  const int8_t* a0 = a;
  const int8_t* a1 = mr > 1 ? a0 + a_stride : a0;
  const int8_t* a2 = mr > 2 ? a1 + a_stride : a1;
  const int8_t* a3 = mr > 3 ? a2 + a_stride : a2;
  int8_t* c0 = c;
  int8_t* c1 = mr > 1 ? c0 + c_stride : c0;
  int8_t* c2 = mr > 2 ? c1 + c_stride : c1;
  int8_t* c3 = mr > 3 ? c2 + c_stride : c2;
  const size_t kc4 = (kc + 3) & ~size_t{3};
  const size_t panel_bytes = 16 * kQS8ChannelWords * sizeof(int32_t) + kc4 * 16;
  const qs8_avx512::OutputStage16 out = qs8_avx512::LoadOutputStage16(params->output_zp, params->min, params->max);
  const uint8_t* panel = static_cast<const uint8_t*>(w);

  for (size_t col = 0; col < nc; col += 16, panel += panel_bytes) {
    const int32_t* header = reinterpret_cast<const int32_t*>(panel);
    const __m512i bias = _mm512_loadu_si512(header);
    __m512i acc0 = bias, acc1 = bias, acc2 = bias, acc3 = bias;
    const uint8_t* wp = panel + 16 * kQS8ChannelWords * sizeof(int32_t);
    size_t k = 0;
    for (; k + 4 <= kc; k += 4, wp += 64) {
      const __m512i vw = _mm512_loadu_si512(wp);
      acc0 = _mm512_dpbusd_epi32(acc0, LoadA4(a0 + k, 4), vw);
      acc1 = _mm512_dpbusd_epi32(acc1, LoadA4(a1 + k, 4), vw);
      acc2 = _mm512_dpbusd_epi32(acc2, LoadA4(a2 + k, 4), vw);
      acc3 = _mm512_dpbusd_epi32(acc3, LoadA4(a3 + k, 4), vw);
    }
    if (k < kc) {
      const size_t n = kc - k;
      const __m512i vw = _mm512_loadu_si512(wp);
      acc0 = _mm512_dpbusd_epi32(acc0, LoadA4(a0 + k, n), vw);
      acc1 = _mm512_dpbusd_epi32(acc1, LoadA4(a1 + k, n), vw);
      acc2 = _mm512_dpbusd_epi32(acc2, LoadA4(a2 + k, n), vw);
      acc3 = _mm512_dpbusd_epi32(acc3, LoadA4(a3 + k, n), vw);
    }

    const qs8_avx512::Requant16 q = qs8_avx512::LoadRequant16(header, 16, 0);
    const __m512i r0 = qs8_avx512::Requantize16(acc0, q, out), r1 = qs8_avx512::Requantize16(acc1, q, out);
    const __m512i r2 = qs8_avx512::Requantize16(acc2, q, out), r3 = qs8_avx512::Requantize16(acc3, q, out);
    const size_t cols = nc - col < 16 ? nc - col : 16;
    // Stored last row first: aliased rows then hold the right values.
    qs8_avx512::StoreInt8(c3 + col, r3, cols);
    qs8_avx512::StoreInt8(c2 + col, r2, cols);
    qs8_avx512::StoreInt8(c1 + col, r1, cols);
    qs8_avx512::StoreInt8(c0 + col, r0, cols);
  }
}

}  // namespace edgert
