// Tile sizes for KernelContext::ParallelFor: enough tiles for the threads to
// balance (a thread slowed by other processes hands its tiles to the others),
// each large enough that the per-tile cost of the pool (an atomic or two and a
// call) stays negligible.
#pragma once

#include <algorithm>
#include <cstddef>

namespace edgert {

// Tiles per thread aimed at, and the least work (about one multiply-add per
// unit) worth a tile of its own: 2^14 multiply-adds take well under a
// microsecond on one core, against 0.1-0.3 us for a parallel loop of an
// invoke (ThreadPool::RunRegion: the pool threads spin on one word between
// the ops), so an op is split only when it has at least twice that.
// (Measured on 2 threads with runtime/thread_pool's region loops, medians of
// 7 interleaved runs: 2^16 -> 2^14 took mobilenet_v2_035_96_int8 from 0.164
// to 0.147 ms, mobilenet_v1_025_128_int8 0.152 -> 0.137, face_detection_
// short_range 0.549 -> 0.513; 2^13 changed them by under 2%. With one
// pthreadpool call per loop, 0.45-0.8 us each, 2^16 had been best.)
constexpr size_t kParallelTilesPerThread = 4;
constexpr size_t kParallelMinTileCost = size_t{1} << 14;

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
