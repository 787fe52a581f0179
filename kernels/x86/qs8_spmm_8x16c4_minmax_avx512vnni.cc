// Block-sparse QS8 GEMM microkernel, 8 rows x blocks of 16 columns, AVX-512
// VNNI. Contract: QS8GemmUkernelFn with the sparse c4 packing of
// KernelIsa::qs8_spmm (kernels/dispatch.h). Compiled with -mavx2 -mfma
// -mavx512f -mavx512bw -mavx512vnni.
//
// A block's stored quads (4 consecutive input channels x 16 output channels
// with a non-zero weight) are walked in order: one 64-byte weight load, then
// per row the 4 A bytes at the quad's offset broadcast and one vpdpbusd, as
// the dense c4 GEMM does for every quad (kernels/x86/qs8_gemm_8x32c4_minmax_avx512vnni.cc).
// vpdpbusd multiplies unsigned by signed bytes, so A is offset by 128
// (x ^ 0x80) and the packing folds -128 * sum(w) into acc0. With K up to
// kMaxBufferedK the rows are offset once per call into a stack buffer (every
// block reads them); longer rows are offset per quad in the vector domain.
// Results equal the dense GEMM's: the quads left out contribute 0 and int32
// sums are exact (the caller checks that they fit, kernels/optimized/qs8_conv.h).
#include <immintrin.h>

#include <cstdint>

#include "kernels/x86/qs8_a4.h"
#include "kernels/x86/qs8_requant_avx512.h"
#include "kernels/x86/ukernels.h"
#include "kernels/x86/vnni_dot.h"

namespace edgert {

namespace {

// K (rounded up to quads) up to which the rows are offset into a stack buffer
// of kRows * kMaxBufferedK bytes.
constexpr size_t kMaxBufferedK = 2048;

// Rows [0, kRows) (kRows >= mr; rows past mr alias the previous row, are
// computed and stored last-first so the real row wins). kBuffered: the offset
// rows come from the stack buffer.
template <int kRows, bool kBuffered, typename Stage>
void Spmm(size_t mr, size_t nc, size_t kc, const int8_t* a, size_t a_stride, const void* w, int8_t* c,
          size_t c_stride, const QS8ConvParams* params) {
  const size_t kc4 = (kc + 3) & ~size_t{3};
  const __m512i offset = _mm512_set1_epi32(static_cast<int32_t>(0x80808080u));
  alignas(64) uint8_t abuf[kBuffered ? kRows * kMaxBufferedK : 64];
  const int8_t* ap[kRows];
  int8_t* cp[kRows];
  ap[0] = a;
  cp[0] = c;
#pragma GCC unroll 8
  for (int i = 1; i < kRows; ++i) {
    ap[i] = static_cast<size_t>(i) < mr ? ap[i - 1] + a_stride : ap[i - 1];
    cp[i] = static_cast<size_t>(i) < mr ? cp[i - 1] + c_stride : cp[i - 1];
  }
  if (kBuffered) {
    for (int i = 0; i < kRows; ++i) {
      uint8_t* dst = abuf + i * kc4;
      size_t k = 0;
      for (; k + 64 <= kc; k += 64)
        _mm512_storeu_si512(dst + k, _mm512_xor_si512(_mm512_loadu_si512(ap[i] + k), offset));
      if (k < kc4) {  // the last 1..63 bytes; bytes past kc become 0x80 (A = 0, zero weights there)
        const __mmask64 load = _cvtu64_mask64(~uint64_t{0} >> (64 - (kc - k)));
        const __mmask64 store = _cvtu64_mask64(~uint64_t{0} >> (64 - (kc4 - k)));
        _mm512_mask_storeu_epi8(dst + k, store, _mm512_xor_si512(_mm512_maskz_loadu_epi8(load, ap[i] + k), offset));
      }
    }
  }
  // Every row's offset A quad at byte o, broadcast, each in a register of its own (kernels/x86/vnni_dot.h).
  auto load_a = [&](size_t o, __m512i* av) {
#pragma GCC unroll 8
    for (int i = 0; i < kRows; ++i) {
      if (kBuffered)
        av[i] = _mm512_set1_epi32(x86::ReadA4(reinterpret_cast<const int8_t*>(abuf + i * kc4 + o)));
      else
        av[i] = _mm512_xor_si512(
            _mm512_set1_epi32(o + 4 <= kc ? x86::ReadA4(ap[i] + o) : x86::ReadPartialA4(ap[i] + o, kc - o)), offset);
      x86::PinRegister(av[i]);
    }
  };

  const qs8_avx512::OutputStage16 out = qs8_avx512::LoadOutputStage16(params->output_zp, params->min, params->max);
  const uint8_t* block = static_cast<const uint8_t*>(w);
  for (size_t col = 0; col < nc; col += kQS8SpmmBlock) {
    const int32_t* header = reinterpret_cast<const int32_t*>(block);
    const int32_t* words = header + kQS8SpmmBlock * kQS8ChannelWords;
    const size_t quads = static_cast<size_t>(words[0]);
    const int32_t* offsets = words + 1;
    const uint8_t* wq = reinterpret_cast<const uint8_t*>(words + QS8SpmmOffsetWords(quads));
    __m512i acc[kRows];
#pragma GCC unroll 8
    for (int i = 0; i < kRows; ++i) acc[i] = _mm512_loadu_si512(header);
    for (size_t t = 0; t < quads; ++t, wq += 64) {
      const __m512i vw = _mm512_loadu_si512(wq);
      __m512i av[kRows];
      load_a(static_cast<size_t>(offsets[t]), av);
#pragma GCC unroll 8
      for (int i = 0; i < kRows; ++i) x86::DotAddU8S8(acc[i], av[i], vw);
    }
    const size_t cols = nc - col < kQS8SpmmBlock ? nc - col : kQS8SpmmBlock;
    const Stage stage(_mm512_loadu_si512(header + 16), _mm512_loadu_si512(header + 32),
                      _mm512_loadu_si512(header + 48), out);
#pragma GCC unroll 8
    for (int i = kRows - 1; i >= 0; --i) stage.Store(cp[i] + col, acc[i], cols);
    block = wq;
  }
}

template <bool kBuffered, typename Stage>
void SpmmRows(size_t mr, size_t nc, size_t kc, const int8_t* a, size_t a_stride, const void* w, int8_t* c,
              size_t c_stride, const QS8ConvParams* params) {
  if (mr > 4)
    Spmm<8, kBuffered, Stage>(mr, nc, kc, a, a_stride, w, c, c_stride, params);
  else if (mr > 2)
    Spmm<4, kBuffered, Stage>(mr, nc, kc, a, a_stride, w, c, c_stride, params);
  else if (mr == 2)
    Spmm<2, kBuffered, Stage>(mr, nc, kc, a, a_stride, w, c, c_stride, params);
  else
    Spmm<1, kBuffered, Stage>(mr, nc, kc, a, a_stride, w, c, c_stride, params);
}

template <typename Stage>
void SpmmAny(size_t mr, size_t nc, size_t kc, const int8_t* a, size_t a_stride, const void* w, int8_t* c,
             size_t c_stride, const QS8ConvParams* params) {
  if (kc <= kMaxBufferedK)
    SpmmRows<true, Stage>(mr, nc, kc, a, a_stride, w, c, c_stride, params);
  else
    SpmmRows<false, Stage>(mr, nc, kc, a, a_stride, w, c, c_stride, params);
}

}  // namespace

void qs8_spmm_minmax_ukernel_8x16c4__avx512vnni(size_t mr, size_t nc, size_t kc, const int8_t* a, size_t a_stride,
                                                const void* w, int8_t* c, size_t c_stride,
                                                const QS8ConvParams* params) {
  if (params->full_range_short_rounding != 0)
    SpmmAny<qs8_avx512::ShortStage16>(mr, nc, kc, a, a_stride, w, c, c_stride, params);
  else
    SpmmAny<qs8_avx512::ExactStage16>(mr, nc, kc, a, a_stride, w, c, c_stride, params);
}

}  // namespace edgert
