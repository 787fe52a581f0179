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

// Per-tile cost of a parallel loop in the work units above (a claim, a call
// and the tile's own start-up), used to weigh more tiles against balance.
constexpr size_t kParallelTileOverhead = kParallelMinTileCost / 2;

// Time of the slowest thread, in work units, when `range` items are cut into
// tiles of `tile` items (the last one shorter) and the threads take them as the
// region loops do (each a share, the idle ones taking the others' tiles): the
// full tiles go round the threads, and the short last one joins a thread that
// has one full tile fewer when there is one.
inline size_t ParallelMakespan(size_t range, size_t tile, size_t item_cost, size_t threads) {
  const size_t full = range / tile, last = range % tile;
  const size_t tile_cost = tile * item_cost + kParallelTileOverhead;
  const size_t rounds = full / threads;
  if (full % threads != 0) return (rounds + 1) * tile_cost;  // the short tile fits beside
  return rounds * tile_cost + (last != 0 ? last * item_cost + kParallelTileOverhead : 0);
}

// Items per tile when `range` items of about `item_cost` work units each are
// split across `threads`: a multiple of `align` (>= 1), at least
// kParallelMinTileCost work, aiming at kParallelTilesPerThread tiles per
// thread. One thread gets one tile covering the whole range.
//
// Few tiles balance badly: 14 rows in tiles of 2 are 7 tiles, so one of two
// threads runs 4 (8 rows against 7 for tiles of 1 row; mobilenet_v2's
// 14x14x576 depthwise ran 1.13x faster on 2 threads than on 1). So from that
// aim, the tile is cut further (up to kParallelTilesPerThread times as many
// tiles) while that shortens the slowest thread's time, per-tile overhead
// included (ParallelMakespan).
inline size_t ParallelTile(size_t range, size_t item_cost, int threads, size_t align) {
  align = std::max<size_t>(align, 1);
  item_cost = std::max<size_t>(item_cost, 1);
  const size_t whole = (std::max<size_t>(range, 1) + align - 1) / align * align;
  if (threads <= 1) return whole;
  const size_t tiles = static_cast<size_t>(threads) * kParallelTilesPerThread;
  size_t tile = (range + tiles - 1) / tiles;
  const size_t min_items = (kParallelMinTileCost + item_cost - 1) / item_cost;
  tile = std::max(tile, min_items);
  tile = std::min((tile + align - 1) / align * align, whole);
  if (range <= 1) return tile;
  const size_t t = static_cast<size_t>(threads);
  const size_t least = std::max((min_items + align - 1) / align * align, align);
  size_t best = tile, best_time = ParallelMakespan(range, tile, item_cost, t);
  for (size_t n = (range + tile - 1) / tile + 1; n <= tiles * kParallelTilesPerThread; ++n) {
    const size_t cut = ((range + n - 1) / n + align - 1) / align * align;
    if (cut < least) break;
    const size_t time = ParallelMakespan(range, cut, item_cost, t);
    if (time < best_time) {
      best = cut;
      best_time = time;
    }
  }
  return best;
}

}  // namespace edgert
