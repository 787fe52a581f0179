// Tile sizes for KernelContext::ParallelFor: enough tiles for the threads to
// balance (a thread slowed by other processes hands its tiles to the others),
// each large enough that the per-tile cost of the pool (an atomic or two and a
// call) stays negligible.
#pragma once

#include <algorithm>
#include <cstddef>

namespace edgert {

// Tiles per thread aimed at, and the least work (about one multiply-add per
// unit) worth a tile of its own: 2^16 multiply-adds take some 2-3 us on one
// AVX2 core, against well under a microsecond to hand a tile to a pool thread
// that spin-waits between the ops of an invoke (runtime/thread_pool.h), so an
// op is split only when it has at least twice that. (Measured on 2 threads:
// 2^18 left face_detection_short_range at 0.87 ms, 2^16 gives 0.74 ms; 2^14
// was slower again.)
constexpr size_t kParallelTilesPerThread = 4;
constexpr size_t kParallelMinTileCost = size_t{1} << 16;

// Items per tile when `range` items of about `item_cost` work units each are
// split across `threads`: a multiple of `align` (>= 1), at least
// kParallelMinTileCost work, aiming at kParallelTilesPerThread tiles per
// thread. One thread gets one tile covering the whole range.
inline size_t ParallelTile(size_t range, size_t item_cost, int threads, size_t align) {
  align = std::max<size_t>(align, 1);
  const size_t whole = (std::max<size_t>(range, 1) + align - 1) / align * align;
  if (threads <= 1) return whole;
  const size_t tiles = static_cast<size_t>(threads) * kParallelTilesPerThread;
  size_t tile = (range + tiles - 1) / tiles;
  const size_t min_items = (kParallelMinTileCost + std::max<size_t>(item_cost, 1) - 1) / std::max<size_t>(item_cost, 1);
  tile = std::max(tile, min_items);
  tile = (tile + align - 1) / align * align;
  return std::min(tile, whole);
}

}  // namespace edgert
