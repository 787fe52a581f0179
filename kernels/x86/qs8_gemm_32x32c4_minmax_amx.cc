// QS8 GEMM microkernel on AMX tiles: 32 rows x 32 columns (two 16-column
// panels) per pass, K in steps of 64. Contract: QS8GemmUkernelFn with the c4
// packing and k_round 64 (KernelIsa::qs8_gemm_c4 at the avx512amx level,
// kernels/dispatch.h). Compiled with -mavx2 -mfma -mavx512f -mavx512bw
// -mamx-tile -mamx-int8; selected only where the CPU and OS provide AMX-INT8.
//
// A c4 panel's 16 rows of quads for 64 K values (16 columns x 4 bytes per
// row) are exactly a B tile of TDPBUSD, so the panels are read as packed.
// TDPBUSD multiplies unsigned A by signed B bytes: A rows are offset by 128
// (x ^ 0x80) into a stack buffer of 64-byte rounded rows (bytes past kc read
// as A = 0 and meet zero weights), and the packing folds -128 * sum(w) into
// acc0, as for the VNNI kernel. Tiles: C of rows 0-15 and 16-31 for both
// panels (4), A of rows 0-15 and 16-31, B of both panels. Each C tile starts
// as the panel's acc0 row loaded with stride 0, accumulates exactly in int32
// (the caller excludes nodes whose sums might not fit), and is stored to the
// stack for the AVX-512 output stage (kernels/x86/qs8_requant_avx512.h), one
// row of 16 at a time. Rows past mr alias the last row (computed, not stored).
// K past kMaxBufferedK is taken in chunks of it, each offset into the buffer
// once per pair of panels.
#include <immintrin.h>

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "kernels/x86/qs8_requant_avx512.h"
#include "kernels/x86/ukernels.h"

namespace edgert {

namespace {

constexpr size_t kMaxBufferedK = 2048;  // K bytes per row of the stack buffer

// The tile configuration of palette 1 (64 bytes, as LDTILECFG reads it).
struct alignas(64) TileConfig {
  uint8_t palette_id;
  uint8_t start_row;
  uint8_t reserved[14];
  uint16_t colsb[16];
  uint8_t rows[16];
};

template <typename Stage>
void GemmAmx(size_t mr, size_t nc, size_t kc, const int8_t* a, size_t a_stride, const void* w, int8_t* c,
             size_t c_stride, const QS8ConvParams* params) {
  TileConfig cfg = {};
  cfg.palette_id = 1;
  for (int t = 0; t < 8; ++t) {
    cfg.rows[t] = 16;
    cfg.colsb[t] = 64;
  }
  // LDTILECFG costs about 130 cycles, as much as a 32 x 32 x 64 tile pass:
  // skipped when the thread's tiles already have this configuration (the
  // previous call's; STTILECFG, about 20 cycles, reads it back, all zeros
  // when the tiles were released).
  TileConfig current;
  _tile_storeconfig(&current);
  if (std::memcmp(&current, &cfg, sizeof(cfg)) != 0) _tile_loadconfig(&cfg);

  const size_t k64 = (kc + 63) & ~size_t{63};
  const size_t chunk = std::min(k64, kMaxBufferedK);
  const size_t panel_bytes = 16 * kQS8ChannelWords * sizeof(int32_t) + k64 * 16;
  const size_t header_bytes = 16 * kQS8ChannelWords * sizeof(int32_t);
  const bool two_row_tiles = mr > 16;
  const size_t rows = two_row_tiles ? 32 : 16;
  alignas(64) uint8_t abuf[32 * kMaxBufferedK];
  alignas(64) int32_t cbuf[16 * 16];
  const __m512i offset = _mm512_set1_epi32(static_cast<int32_t>(0x80808080u));

  // A bytes [k0, k0 + len) of every row, offset, into the buffer (row i at
  // abuf + i * chunk); len a multiple of 64.
  auto copy_a = [&](size_t k0, size_t len) {
    for (size_t i = 0; i < rows; ++i) {
      const int8_t* src = a + std::min(i, mr - 1) * a_stride;
      uint8_t* dst = abuf + i * chunk;
      for (size_t k = 0; k < len; k += 64) {
        const size_t at = k0 + k;
        __m512i v;
        if (at + 64 <= kc)
          v = _mm512_loadu_si512(src + at);
        else if (at < kc)
          v = _mm512_maskz_loadu_epi8(_cvtu64_mask64(~uint64_t{0} >> (64 - (kc - at))), src + at);
        else
          v = _mm512_setzero_si512();
        _mm512_store_si512(dst + k, _mm512_xor_si512(v, offset));
      }
    }
  };

  const qs8_avx512::OutputStage16 out = qs8_avx512::LoadOutputStage16(params->output_zp, params->min, params->max);
  // The output stage of the C tile now in cbuf: rows [r0, r0 + 16) of the
  // panel with header h at column col (cols of them).
  auto store = [&](const int32_t* h, size_t r0, size_t col, size_t cols) {
    const Stage stage(_mm512_loadu_si512(h + 16), _mm512_loadu_si512(h + 32), _mm512_loadu_si512(h + 48), out);
    for (size_t i = 0; i < 16 && r0 + i < mr; ++i)
      stage.Store(c + (r0 + i) * c_stride + col, _mm512_load_si512(cbuf + 16 * i), cols);
  };

  const bool one_chunk = k64 <= kMaxBufferedK;
  if (one_chunk) copy_a(0, k64);
  const uint8_t* panel = static_cast<const uint8_t*>(w);
  for (size_t col = 0; col < nc; col += 32, panel += 2 * panel_bytes) {
    const bool two_panels = col + 16 < nc;
    const int32_t* h0 = reinterpret_cast<const int32_t*>(panel);
    const int32_t* h1 = reinterpret_cast<const int32_t*>(panel + panel_bytes);
    const uint8_t* b0 = panel + header_bytes;
    const uint8_t* b1 = panel + panel_bytes + header_bytes;
    _tile_loadd(0, h0, 0);
    if (two_row_tiles) _tile_loadd(2, h0, 0);
    if (two_panels) {
      _tile_loadd(1, h1, 0);
      if (two_row_tiles) _tile_loadd(3, h1, 0);
    }
    for (size_t k0 = 0; k0 < k64; k0 += chunk) {
      const size_t len = std::min(chunk, k64 - k0);
      if (!one_chunk) copy_a(k0, len);
      for (size_t k = 0; k < len; k += 64) {
        _tile_loadd(4, abuf + k, static_cast<long>(chunk));
        _tile_loadd(6, b0 + (k0 + k) * 16, 64);
        _tile_dpbusd(0, 4, 6);
        if (two_panels) {
          _tile_loadd(7, b1 + (k0 + k) * 16, 64);
          _tile_dpbusd(1, 4, 7);
        }
        if (two_row_tiles) {
          _tile_loadd(5, abuf + 16 * chunk + k, static_cast<long>(chunk));
          _tile_dpbusd(2, 5, 6);
          if (two_panels) _tile_dpbusd(3, 5, 7);
        }
      }
    }
    const size_t cols0 = std::min<size_t>(16, nc - col);
    _tile_stored(0, cbuf, 64);
    store(h0, 0, col, cols0);
    if (two_row_tiles) {
      _tile_stored(2, cbuf, 64);
      store(h0, 16, col, cols0);
    }
    if (two_panels) {
      const size_t cols1 = std::min<size_t>(16, nc - col - 16);
      _tile_stored(1, cbuf, 64);
      store(h1, 0, col + 16, cols1);
      if (two_row_tiles) {
        _tile_stored(3, cbuf, 64);
        store(h1, 16, col + 16, cols1);
      }
    }
  }
  // The tiles stay configured for the thread's next call; the caller
  // releases them after its last one (qs8_gemm_release__amx).
}

}  // namespace

void qs8_gemm_release__amx() { _tile_release(); }

void qs8_gemm_minmax_ukernel_32x32c4__amx(size_t mr, size_t nc, size_t kc, const int8_t* a, size_t a_stride,
                                          const void* w, int8_t* c, size_t c_stride, const QS8ConvParams* params) {
  if (params->full_range_short_rounding != 0)
    GemmAmx<qs8_avx512::ShortStage16>(mr, nc, kc, a, a_stride, w, c, c_stride, params);
  else
    GemmAmx<qs8_avx512::ExactStage16>(mr, nc, kc, a, a_stride, w, c, c_stride, params);
}

}  // namespace edgert
