// QS8 GEMM microkernel, 16 rows x 8 columns, K in quads (c4), AVX-512 VNNI:
// for products of at most 8 columns (a stem convolution with 8 output
// channels), where the 16-column kernel would leave half of every vector, and
// half of its output stage, to padding.
// Contract: QS8GemmUkernelFn with the c4 packing and NR = 8
// (KernelIsa::qs8_gemm_c4_nr8, kernels/dispatch.h). Compiled with -mavx2 -mfma
// -mavx512f -mavx512vnni.
//
// Rows go in pairs: lanes 0-7 of an accumulator hold row 2i's 8 columns,
// lanes 8-15 row 2i + 1's. The panel's 32-byte weight quad row is broadcast to
// both halves once per K quad and serves all pairs; a pair's A operand is row
// 2i's quad in the low half and row 2i + 1's in the high half (a broadcast and
// a masked broadcast), offset by 128 as in the 16-column kernel (its file
// comment gives the arithmetic). The output stage (qs8_requant_avx512.h, its
// short form under QS8ConvParams::full_range_short_rounding) runs once per
// pair, with the channels' constants in both halves.
#include <immintrin.h>

#include <cstdint>

#include "kernels/x86/qs8_a4.h"
#include "kernels/x86/qs8_requant_avx512.h"
#include "kernels/x86/ukernels.h"
#include "kernels/x86/vnni_dot.h"

namespace edgert {

namespace {

constexpr int kMr = 16;

// 8 words in both 256-bit halves.
inline __m512i Both8(const int32_t* p) {
  return _mm512_broadcast_i64x4(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
}

// Rows [0, 2 * kPairs) (rows past mr alias row mr - 1; their results are not
// stored) of one 8-column panel, nc (1..8) of its columns stored.
template <int kPairs, typename Stage>
void Panel(size_t mr, size_t nc, size_t kc, const int8_t* a, size_t a_stride, const void* w, int8_t* c,
           size_t c_stride, const QS8ConvParams* params) {
  const int8_t* ap[2 * kPairs];
  ap[0] = a;
#pragma GCC unroll 16
  for (int i = 1; i < 2 * kPairs; ++i) ap[i] = static_cast<size_t>(i) < mr ? ap[i - 1] + a_stride : ap[i - 1];
  const int32_t* header = static_cast<const int32_t*>(w);
  const uint8_t* wp = reinterpret_cast<const uint8_t*>(header + 8 * kQS8ChannelWords);
  const __m512i offset = _mm512_set1_epi32(static_cast<int32_t>(0x80808080u));
  __m512i acc[kPairs];
  acc[0] = Both8(header);
#pragma GCC unroll 8
  for (int i = 1; i < kPairs; ++i) acc[i] = acc[0];
  auto pair = [&](int32_t lo, int32_t hi) {
    return _mm512_xor_si512(_mm512_mask_set1_epi32(_mm512_set1_epi32(lo), 0xFF00, hi), offset);
  };
  size_t k = 0;
  for (; k + 4 <= kc; k += 4, wp += 32) {
    const __m512i vw = _mm512_broadcast_i64x4(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(wp)));
    __m512i av[kPairs];  // all pairs' A operands first, each in its own register (kernels/x86/vnni_dot.h)
#pragma GCC unroll 8
    for (int i = 0; i < kPairs; ++i) {
      av[i] = pair(x86::ReadA4(ap[2 * i] + k), x86::ReadA4(ap[2 * i + 1] + k));
      x86::PinRegister(av[i]);
    }
#pragma GCC unroll 8
    for (int i = 0; i < kPairs; ++i) x86::DotAddU8S8(acc[i], av[i], vw);
  }
  if (k < kc) {
    const size_t n = kc - k;
    const __m512i vw = _mm512_broadcast_i64x4(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(wp)));
#pragma GCC unroll 8
    for (int i = 0; i < kPairs; ++i)
      acc[i] = _mm512_dpbusd_epi32(
          acc[i], pair(x86::ReadPartialA4(ap[2 * i] + k, n), x86::ReadPartialA4(ap[2 * i + 1] + k, n)), vw);
  }

  const Stage stage(Both8(header + 8), Both8(header + 16), Both8(header + 24),
                    qs8_avx512::LoadOutputStage16(params->output_zp, params->min, params->max));
#pragma GCC unroll 8
  for (int i = 0; i < kPairs; ++i) {
    const __m128i y = stage.Bytes(acc[i]);
    const size_t row = 2 * static_cast<size_t>(i);
    if (row >= mr) break;
    int8_t* out = c + row * c_stride;
    if (nc == 8) {
      _mm_storel_epi64(reinterpret_cast<__m128i*>(out), y);
      if (row + 1 < mr) _mm_storel_epi64(reinterpret_cast<__m128i*>(out + c_stride), _mm_srli_si128(y, 8));
    } else {  // fewer columns (a tail the tests reach; the stems have 8)
      alignas(16) int8_t bytes[16];
      _mm_store_si128(reinterpret_cast<__m128i*>(bytes), y);
      for (size_t j = 0; j < nc; ++j) out[j] = bytes[j];
      if (row + 1 < mr)
        for (size_t j = 0; j < nc; ++j) out[c_stride + j] = bytes[8 + j];
    }
  }
}

template <int kPairs, typename Stage>
void Gemm(size_t mr, size_t nc, size_t kc, const int8_t* a, size_t a_stride, const void* w, int8_t* c,
          size_t c_stride, const QS8ConvParams* params) {
  const size_t panel_bytes = 8 * kQS8ChannelWords * sizeof(int32_t) + ((kc + 3) & ~size_t{3}) * 8;
  const uint8_t* panel = static_cast<const uint8_t*>(w);
  for (size_t col = 0; col < nc; col += 8, panel += panel_bytes)
    Panel<kPairs, Stage>(mr, nc - col < 8 ? nc - col : 8, kc, a, a_stride, panel, c + col, c_stride, params);
}

template <typename Stage>
void GemmRows(size_t mr, size_t nc, size_t kc, const int8_t* a, size_t a_stride, const void* w, int8_t* c,
              size_t c_stride, const QS8ConvParams* params) {
  if (mr > 8) {
    Gemm<kMr / 2, Stage>(mr, nc, kc, a, a_stride, w, c, c_stride, params);
  } else if (mr > 4) {
    Gemm<4, Stage>(mr, nc, kc, a, a_stride, w, c, c_stride, params);
  } else if (mr > 2) {
    Gemm<2, Stage>(mr, nc, kc, a, a_stride, w, c, c_stride, params);
  } else {
    Gemm<1, Stage>(mr, nc, kc, a, a_stride, w, c, c_stride, params);
  }
}

}  // namespace

void qs8_gemm_minmax_ukernel_16x8c4__avx512vnni(size_t mr, size_t nc, size_t kc, const int8_t* a, size_t a_stride,
                                                const void* w, int8_t* c, size_t c_stride,
                                                const QS8ConvParams* params) {
  if (params->full_range_short_rounding != 0)
    GemmRows<qs8_avx512::ShortStage16>(mr, nc, kc, a, a_stride, w, c, c_stride, params);
  else
    GemmRows<qs8_avx512::ExactStage16>(mr, nc, kc, a, a_stride, w, c, c_stride, params);
}

}  // namespace edgert
