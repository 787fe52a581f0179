// Parallel tiles of the GEMM-based conv paths (f32 and QS8 CONV_2D).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "kernels/common/parallel_tile.h"

namespace edgert {
namespace opt {

// Tiles of `pixels` x `out_c` outputs with k multiply-adds each, for an mr x nr
// microkernel: pixel tiles of whole mr groups over all channels, unless that
// gives the threads too few tiles (small images, deep layers): then the
// channels are split into groups of whole nr panels too.
inline void ChooseGemmTiles(int64_t pixels, int out_c, int64_t k, int mr, int nr, int threads, size_t* tile_pixels,
                            size_t* tile_channels) {
  const size_t np = static_cast<size_t>(pixels), oc = static_cast<size_t>(out_c), kk = static_cast<size_t>(k);
  const size_t nrs = static_cast<size_t>(nr);
  *tile_pixels = ParallelTile(np, kk * oc, threads, static_cast<size_t>(mr));
  *tile_channels = oc;
  const size_t pixel_tiles = (np + *tile_pixels - 1) / *tile_pixels;
  const size_t wanted = static_cast<size_t>(threads) * kParallelTilesPerThread;
  const size_t panels = (oc + nrs - 1) / nrs;
  if (threads <= 1 || pixel_tiles >= wanted || panels < 2) return;
  const size_t channel_tiles = std::min(panels, (wanted + pixel_tiles - 1) / pixel_tiles);
  const size_t tile_work = std::min(*tile_pixels, np) * kk * nrs;  // per panel
  const size_t min_panels = (kParallelMinTileCost + tile_work - 1) / std::max<size_t>(tile_work, 1);
  const size_t tile_panels = std::max((panels + channel_tiles - 1) / channel_tiles, min_panels);
  *tile_channels = std::min(tile_panels * nrs, oc);
}

}  // namespace opt
}  // namespace edgert
