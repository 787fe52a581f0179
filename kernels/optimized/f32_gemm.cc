#include "kernels/optimized/f32_gemm.h"

#include <algorithm>

#include "kernels/common/parallel_tile.h"

namespace edgert {
namespace opt {

F32Gemm GetF32Gemm() {
  const KernelIsa& isa = GetKernelIsa();
  F32Gemm g;
  if (isa.f32_gemm.fn == nullptr) return g;
  g.gemm = isa.f32_gemm.fn;
  g.mr = static_cast<size_t>(isa.f32_gemm.mr);
  g.nr = static_cast<size_t>(isa.f32_gemm.nr);
  // A 1-row kernel is usable only with the same panel width.
  if (isa.f32_gemv.fn != nullptr && isa.f32_gemv.nr == isa.f32_gemm.nr) g.gemv = isa.f32_gemv.fn;
  return g;
}

F32Gemm GetF32Gemm(size_t n) {
  const KernelIsa& isa = GetKernelIsa();
  if (n > 8 || isa.f32_gemm_nr8.fn == nullptr) return GetF32Gemm();
  F32Gemm g;
  g.gemm = isa.f32_gemm_nr8.fn;
  g.mr = static_cast<size_t>(isa.f32_gemm_nr8.mr);
  g.nr = static_cast<size_t>(isa.f32_gemm_nr8.nr);
  return g;
}

void PackGemmB(size_t n, size_t k, const float* b, size_t k_stride, size_t n_stride, const float* bias, size_t nr,
               float* packed) {
  PackGemmPanels(n, k, b, k_stride, n_stride, bias, nr, [](float v) { return v; }, packed);
}

// Weight bytes from which a product's weights, not its arithmetic, decide the tiling.
constexpr size_t kWeightBoundBytes = size_t{1} << 20;

void ChooseGemmTiles(size_t m, size_t n, size_t k, size_t mr, size_t nr, int threads, size_t* tile_m,
                     size_t* tile_n) {
  const size_t panels = (n + nr - 1) / nr;
  if (threads > 1 && n > m && k * n * sizeof(float) >= kWeightBoundBytes && panels >= static_cast<size_t>(threads)) {
    // Megabytes of weights for fewer rows of A than columns (the late layers
    // of a CNN, fully connected layers): tiles of whole panels over all rows,
    // so that each thread reads only its share of the weights, and each once
    // (a row tile would read every weight of its columns again: resnet18's
    // 3x3 convolutions of [7,7,512] read their 9.4 MB of weights 7 times).
    // Tiles of an even number of panels (the AVX-512 kernels walk two at a
    // time; an odd one runs a lone panel at half speed), the size that
    // finishes soonest on `threads` (ParallelMakespan): mobilenet_v2's
    // [7,7,960] -> 320 took tiles of 3 of its 20 panels (7 tiles: one thread
    // ran 12 panels, the other 8; 2 threads 1.58x faster than one).
    *tile_m = std::max<size_t>(m, 1);
    const size_t panel_work = std::max<size_t>(m * k * nr, 1);
    const size_t min_panels = (kParallelMinTileCost + panel_work - 1) / panel_work;
    size_t best = panels, best_time = ParallelMakespan(panels, panels, panel_work, static_cast<size_t>(threads));
    for (size_t tp = std::max<size_t>((min_panels + 1) / 2 * 2, 2); tp < panels; tp += 2) {
      const size_t time = ParallelMakespan(panels, tp, panel_work, static_cast<size_t>(threads));
      if (time < best_time) {
        best = tp;
        best_time = time;
      }
    }
    *tile_n = std::min(best * nr, n);
    return;
  }
  *tile_m = ParallelTile(m, k * n, threads, mr);
  *tile_n = n;
  const size_t row_tiles = (m + *tile_m - 1) / *tile_m;
  const size_t wanted = static_cast<size_t>(threads) * kParallelTilesPerThread;
  if (threads <= 1 || row_tiles >= wanted || panels < 2) return;
  const size_t col_tiles = std::min(panels, (wanted + row_tiles - 1) / row_tiles);
  const size_t tile_work = std::min(*tile_m, m) * k * nr;  // per panel
  const size_t min_panels = (kParallelMinTileCost + tile_work - 1) / std::max<size_t>(tile_work, 1);
  const size_t tile_panels = std::max((panels + col_tiles - 1) / col_tiles, min_panels);
  *tile_n = std::min(tile_panels * nr, n);
}

void RunGemmTile(const F32Gemm& g, size_t m, size_t m0, size_t rows, size_t n0, size_t cols, size_t k,
                 const float* a, size_t a_stride, const float* packed, float* c, size_t c_stride,
                 const F32MinMaxParams* minmax) {
  RunGemmTileWith(g.gemm, g.gemv, g.mr, g.nr, m, m0, rows, n0, cols, k, a, a_stride, packed, c, c_stride, minmax);
}

}  // namespace opt
}  // namespace edgert
