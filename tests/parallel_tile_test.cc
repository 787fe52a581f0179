// kernels/common/parallel_tile.h: tile sizes are multiples of the alignment,
// never below the least worthwhile work, one tile on one thread, and cut
// further only where the slowest thread finishes sooner. The expected tiles
// below are worked out by hand from the rules in the header.
#include <catch2/catch.hpp>

#include <algorithm>
#include <vector>

#include "kernels/common/parallel_tile.h"

namespace edgert {
namespace {

// The slowest thread's items when every tile is taken greedily by the least
// loaded thread (the region loops' stealing), counted independently of
// ParallelMakespan.
size_t SlowestItems(size_t range, size_t tile, size_t threads) {
  std::vector<size_t> load(threads, 0);
  for (size_t start = 0; start < range; start += tile) {
    size_t* least = &load[0];
    for (size_t& l : load)
      if (l < *least) least = &l;
    *least += std::min(tile, range - start);
  }
  size_t most = 0;
  for (size_t l : load) most = std::max(most, l);
  return most;
}

TEST_CASE("parallel tiles balance the threads", "[thread_pool]") {
  // One thread: the whole range, rounded up to the alignment.
  CHECK(ParallelTile(14, 1000000, 1, 1) == 14);
  CHECK(ParallelTile(196, 1000, 1, 12) == 204);

  // 14 depthwise rows of 72576 multiply-adds on 2 threads: the aim of 8 tiles
  // gives tiles of 2 (7 tiles: 8 rows on one thread); rows of 1 give 7.
  const size_t dw = ParallelTile(14, 72576, 2, 1);
  CHECK(dw == 1);
  CHECK(SlowestItems(14, dw, 2) == 7);

  // 196 GEMM rows in multiples of 12 (K 576 x N 96 per row): the aim gives 36
  // (108 rows on one thread). 24 rows (9 tiles, 100 rows) is the largest tile
  // with the shortest slowest thread; 12 is as short, with twice the tiles.
  const size_t gemm = ParallelTile(196, 576 * 96, 2, 12);
  CHECK(gemm == 24);
  CHECK(SlowestItems(196, gemm, 2) == 100);
  CHECK(SlowestItems(196, 36, 2) == 108);

  // Cheap items: never below kParallelMinTileCost of work per tile.
  const size_t cheap = ParallelTile(1000, 100, 2, 1);
  CHECK(cheap * 100 >= kParallelMinTileCost);

  // Every tile is a multiple of the alignment and no larger than the range
  // rounded up; it never leaves the slowest thread more work than the aim did.
  for (size_t range : {1, 7, 13, 14, 49, 100, 196, 3136, 12544})
    for (size_t cost : {1, 64, 4096, 72576, 1000000})
      for (int threads : {2, 3, 4, 8})
        for (size_t align : {1, 4, 12}) {
          const size_t tile = ParallelTile(range, cost, threads, align);
          INFO("range " << range << " cost " << cost << " threads " << threads << " align " << align);
          CHECK(tile % align == 0);
          CHECK(tile >= align);
          CHECK(tile <= (range + align - 1) / align * align);
          const size_t aim = std::min(
              (std::max((range + threads * kParallelTilesPerThread - 1) / (threads * kParallelTilesPerThread),
                        (kParallelMinTileCost + cost - 1) / cost) +
               align - 1) / align * align,
              (range + align - 1) / align * align);
          CHECK(ParallelMakespan(range, tile, cost, threads) <= ParallelMakespan(range, aim, cost, threads));
          CHECK(SlowestItems(range, tile, threads) <= SlowestItems(range, aim, threads) + align);
        }
}

}  // namespace
}  // namespace edgert
