// QS8 GEMM microkernel, 8 rows x 32 columns (two 16-column panels of the c4
// packing at a time), K in quads (c4), AVX-512 VNNI. Contract:
// QS8GemmUkernelFn with the c4 packing of KernelIsa::qs8_gemm_c4 (NR = 16;
// kernels/dispatch.h). Compiled with -mavx2 -mfma -mavx512f -mavx512vnni.
//
// _mm512_dpbusd_epi32 multiplies unsigned by signed bytes, so each A byte is
// offset by 128 (x ^ 0x80 = x + 128 as uint8) and the packing folds
// -128 * sum(w) into acc0. The instruction adds 4 products (at most
// 255 * 128 each) to each int32 lane without saturation, so the int32 sums are
// the exact accumulators modulo 2^32, exact where the caller guarantees they
// fit (kernels/optimized/qs8_conv.h). Full 8-row tiles of several panels and
// K >= 16 offset their A rows once into a stack buffer and walk two panels
// per pass (Gemm8Buffered below: 61-67% of the VNNI peak on an Intel core
// against 37-39% for one panel with the offset in the loop); other tiles
// broadcast A quads from memory and offset them in the vector domain, one
// panel at a time. The output stage is kernels/x86/qs8_requant_avx512.h, 16
// lanes at once.
#include <immintrin.h>

#include <cstdint>
#include <cstring>

#include "kernels/x86/qs8_a4.h"
#include "kernels/x86/qs8_requant_avx512.h"
#include "kernels/x86/ukernels.h"
#include "kernels/x86/vnni_dot.h"

namespace edgert {

namespace {

constexpr int kMr = 8;

// A quads broadcast to all 16 dwords (kernels/x86/qs8_a4.h).
inline __m512i LoadPartialA4(const int8_t* a, size_t n) { return _mm512_set1_epi32(x86::ReadPartialA4(a, n)); }
inline __m512i LoadA4(const int8_t* a) { return _mm512_set1_epi32(x86::ReadA4(a)); }

// The GEMM for rows [0, kRows) (kRows >= mr; rows past mr alias the previous
// row, are computed and stored last-first so the real row wins). The kernel
// below picks the smallest of 1, 2, 4 and 8 rows that covers mr: a short tile
// (the last pixels of a layer, a classifier on one pixel) then issues one
// multiply-add per row it needs rather than eight.
// With fewer than 8 rows, each row's K quads are split over kChains
// accumulators (quad q into chain q % kChains, summed before the output
// stage): one chain per row would wait out vpdpbusd's latency at every quad
// (a 1-row tail ran at a quarter of the 8-row rate).
template <int kRows, typename Stage>
void Gemm(size_t mr, size_t nc, size_t kc, const int8_t* a, size_t a_stride, const void* w, int8_t* c,
          size_t c_stride, const QS8ConvParams* params) {
  constexpr int kChains = kRows >= 8 ? 1 : (kRows == 4 ? 2 : 4);
  const int8_t* ap[kRows];
  int8_t* cp[kRows];
  ap[0] = a;
  cp[0] = c;
#pragma GCC unroll 8
  for (int i = 1; i < kRows; ++i) {
    ap[i] = static_cast<size_t>(i) < mr ? ap[i - 1] + a_stride : ap[i - 1];
    cp[i] = static_cast<size_t>(i) < mr ? cp[i - 1] + c_stride : cp[i - 1];
  }
  const size_t kc4 = (kc + 3) & ~size_t{3};
  const size_t panel_bytes = 16 * kQS8ChannelWords * sizeof(int32_t) + kc4 * 16;
  const qs8_avx512::OutputStage16 out = qs8_avx512::LoadOutputStage16(params->output_zp, params->min, params->max);
  const __m512i offset = _mm512_set1_epi32(static_cast<int32_t>(0x80808080u));
  const uint8_t* panel = static_cast<const uint8_t*>(w);

  for (size_t col = 0; col < nc; col += 16, panel += panel_bytes) {
    const int32_t* header = reinterpret_cast<const int32_t*>(panel);
    __m512i acc[kChains][kRows];
#pragma GCC unroll 8
    for (int i = 0; i < kRows; ++i) {
      acc[0][i] = _mm512_loadu_si512(header);
#pragma GCC unroll 4
      for (int j = 1; j < kChains; ++j) acc[j][i] = _mm512_setzero_si512();
    }
    const uint8_t* wp = panel + 16 * kQS8ChannelWords * sizeof(int32_t);
    size_t k = 0;
    if (kChains > 1) {
      for (; k + 4 * kChains <= kc; k += 4 * kChains, wp += 64 * kChains) {
#pragma GCC unroll 4
        for (int j = 0; j < kChains; ++j) {  // a K step of chain j: quad k + j of every row
          const __m512i vw = _mm512_loadu_si512(wp + 64 * j);
#pragma GCC unroll 8
          for (int i = 0; i < kRows; ++i)
            x86::DotAddU8S8(acc[j][i], _mm512_xor_si512(LoadA4(ap[i] + k + 4 * j), offset), vw);
        }
      }
    }
    for (; k + 4 <= kc; k += 4, wp += 64) {
      const __m512i vw = _mm512_loadu_si512(wp);
      __m512i av[kRows];  // all rows' A operands first, each in its own register (kernels/x86/vnni_dot.h)
#pragma GCC unroll 8
      for (int i = 0; i < kRows; ++i) {
        av[i] = _mm512_xor_si512(LoadA4(ap[i] + k), offset);
        x86::PinRegister(av[i]);
      }
#pragma GCC unroll 8
      for (int i = 0; i < kRows; ++i) x86::DotAddU8S8(acc[0][i], av[i], vw);
    }
    if (k < kc) {
      const size_t n = kc - k;
      const __m512i vw = _mm512_loadu_si512(wp);
#pragma GCC unroll 8
      for (int i = 0; i < kRows; ++i)
        acc[0][i] = _mm512_dpbusd_epi32(acc[0][i], _mm512_xor_si512(LoadPartialA4(ap[i] + k, n), offset), vw);
    }
#pragma GCC unroll 4
    for (int j = 1; j < kChains; ++j)
#pragma GCC unroll 8
      for (int i = 0; i < kRows; ++i) acc[0][i] = _mm512_add_epi32(acc[0][i], acc[j][i]);

    const size_t cols = nc - col < 16 ? nc - col : 16;
    const Stage stage(_mm512_loadu_si512(header + 16), _mm512_loadu_si512(header + 32),
                      _mm512_loadu_si512(header + 48), out);
#pragma GCC unroll 8
    for (int i = kRows - 1; i >= 0; --i) stage.Store(cp[i] + col, acc[0][i], cols);
  }
}

// K (rounded up to quads) up to which the 8-row form copies its A rows, offset,
// to the stack (16 KiB).
constexpr size_t kMaxBufferedK = 2048;

// The 8-row GEMM for kc <= kMaxBufferedK and more than one panel (one panel
// reads each A quad once: the buffer would only add its copy). The offset A rows (x ^ 0x80) are
// computed once per call into a stack buffer, padded to whole quads with 0x80
// (A = 0, meeting the zero weights past K), instead of once per panel and quad
// in the vector domain: the xor took one of the two vector ports that
// vpdpbusd needs, as many slots as the products. Panels are walked two at a
// time (16 accumulators, each A broadcast feeding 2 products, so vpdpbusd's
// latency is covered on both ports); an odd last panel runs alone.
template <typename Stage>
void Gemm8Buffered(size_t mr, size_t nc, size_t kc, const int8_t* a, size_t a_stride, const void* w, int8_t* c,
                   size_t c_stride, const QS8ConvParams* params) {
  constexpr int kRows = 8;
  const size_t kc4 = (kc + 3) & ~size_t{3};
  alignas(64) uint8_t abuf[kRows * kMaxBufferedK];
  int8_t* cp[kRows];
  const int8_t* row = a;
  cp[0] = c;
  for (int i = 0; i < kRows; ++i) {
    if (i > 0) {
      row = static_cast<size_t>(i) < mr ? row + a_stride : row;
      cp[i] = static_cast<size_t>(i) < mr ? cp[i - 1] + c_stride : cp[i - 1];
    }
    uint8_t* dst = abuf + i * kc4;
    size_t k = 0;
    const __m512i offset = _mm512_set1_epi32(static_cast<int32_t>(0x80808080u));
    for (; k + 64 <= kc; k += 64)
      _mm512_storeu_si512(dst + k, _mm512_xor_si512(_mm512_loadu_si512(row + k), offset));
    if (k < kc4) {
      // The last 1..63 bytes by one masked load (bytes past kc are neither
      // read nor faulted on; they load as 0 and store as 0x80, A = 0) and one
      // masked store of the whole quads.
      const __mmask64 load = _cvtu64_mask64(~uint64_t{0} >> (64 - (kc - k)));
      const __mmask64 store = _cvtu64_mask64(~uint64_t{0} >> (64 - (kc4 - k)));
      _mm512_mask_storeu_epi8(dst + k, store, _mm512_xor_si512(_mm512_maskz_loadu_epi8(load, row + k), offset));
    }
  }
  const size_t panel_bytes = 16 * kQS8ChannelWords * sizeof(int32_t) + kc4 * 16;
  const size_t header_bytes = 16 * kQS8ChannelWords * sizeof(int32_t);
  const qs8_avx512::OutputStage16 out = qs8_avx512::LoadOutputStage16(params->output_zp, params->min, params->max);
  const uint8_t* panel = static_cast<const uint8_t*>(w);
  // Every row's offset A quad k, broadcast, each in a register of its own (kernels/x86/vnni_dot.h).
  auto load_a = [&](size_t k, __m512i* av) {
#pragma GCC unroll 8
    for (int i = 0; i < kRows; ++i) {
      av[i] = _mm512_set1_epi32(x86::ReadA4(reinterpret_cast<const int8_t*>(abuf + i * kc4 + k)));
      x86::PinRegister(av[i]);
    }
  };
  // The output stage of one panel (header h) for columns [col, col + cols), the last row first.
  auto store = [&](const int32_t* h, const __m512i* acc, size_t col, size_t cols) {
    const Stage stage(_mm512_loadu_si512(h + 16), _mm512_loadu_si512(h + 32), _mm512_loadu_si512(h + 48), out);
#pragma GCC unroll 8
    for (int i = kRows - 1; i >= 0; --i) stage.Store(cp[i] + col, acc[i], cols);
  };

  size_t col = 0;
  for (; col + 16 < nc; col += 32, panel += 2 * panel_bytes) {
    const int32_t* ha = reinterpret_cast<const int32_t*>(panel);
    const int32_t* hb = reinterpret_cast<const int32_t*>(panel + panel_bytes);
    __m512i x[kRows], y[kRows];
#pragma GCC unroll 8
    for (int i = 0; i < kRows; ++i) {
      x[i] = _mm512_loadu_si512(ha);
      y[i] = _mm512_loadu_si512(hb);
    }
    const uint8_t* wa = panel + header_bytes;
    const uint8_t* wb = panel + panel_bytes + header_bytes;
    for (size_t k = 0; k < kc4; k += 4, wa += 64, wb += 64) {
      const __m512i va = _mm512_loadu_si512(wa);
      const __m512i vb = _mm512_loadu_si512(wb);
      __m512i av[kRows];
      load_a(k, av);
#pragma GCC unroll 8
      for (int i = 0; i < kRows; ++i) {
        x86::DotAddU8S8(x[i], av[i], va);
        x86::DotAddU8S8(y[i], av[i], vb);
      }
    }
    store(ha, x, col, 16);
    store(hb, y, col + 16, nc - col - 16 < 16 ? nc - col - 16 : 16);
  }
  if (col < nc) {  // one panel of 1..16 columns left
    const int32_t* ha = reinterpret_cast<const int32_t*>(panel);
    __m512i x[kRows];
#pragma GCC unroll 8
    for (int i = 0; i < kRows; ++i) x[i] = _mm512_loadu_si512(ha);
    const uint8_t* wa = panel + header_bytes;
    for (size_t k = 0; k < kc4; k += 4, wa += 64) {
      const __m512i va = _mm512_loadu_si512(wa);
      __m512i av[kRows];
      load_a(k, av);
#pragma GCC unroll 8
      for (int i = 0; i < kRows; ++i) x86::DotAddU8S8(x[i], av[i], va);
    }
    store(ha, x, col, nc - col);
  }
}

template <typename Stage>
void GemmRows(size_t mr, size_t nc, size_t kc, const int8_t* a, size_t a_stride, const void* w, int8_t* c,
              size_t c_stride, const QS8ConvParams* params) {
  if (mr > 4 && nc > 16 && kc >= 16 && kc <= kMaxBufferedK) {
    Gemm8Buffered<Stage>(mr, nc, kc, a, a_stride, w, c, c_stride, params);
  } else if (mr > 4) {
    Gemm<kMr, Stage>(mr, nc, kc, a, a_stride, w, c, c_stride, params);
  } else if (mr > 2) {
    Gemm<4, Stage>(mr, nc, kc, a, a_stride, w, c, c_stride, params);
  } else if (mr == 2) {
    Gemm<2, Stage>(mr, nc, kc, a, a_stride, w, c, c_stride, params);
  } else {
    Gemm<1, Stage>(mr, nc, kc, a, a_stride, w, c, c_stride, params);
  }
}

}  // namespace

void qs8_gemm_minmax_ukernel_8x32c4__avx512vnni(size_t mr, size_t nc, size_t kc, const int8_t* a, size_t a_stride,
                                                const void* w, int8_t* c, size_t c_stride,
                                                const QS8ConvParams* params) {
  // Under full_range_short_rounding the output stage takes 12 vector
  // instructions per 16 outputs (the int8 pack included) instead of about 17,
  // and keeps 5 constant vectors per panel instead of 12
  // (qs8_requant_avx512.h).
  if (params->full_range_short_rounding != 0)
    GemmRows<qs8_avx512::ShortStage16>(mr, nc, kc, a, a_stride, w, c, c_stride, params);
  else
    GemmRows<qs8_avx512::ExactStage16>(mr, nc, kc, a, a_stride, w, c, c_stride, params);
}

}  // namespace edgert
