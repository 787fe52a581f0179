#include "runtime/thread_pool.h"

#include <pthreadpool.h>

#include <atomic>
#include <cstdint>
#include <new>
#include <utility>

namespace edgert {
namespace {

// One parallel loop in flight: the caller's task and the worker-slot mask.
template <typename Task>
struct Loop {
  Task task;
  void* arg;
  uint64_t all_slots;  // num_threads low bits set
  std::atomic<uint64_t> busy{0};

  int AcquireSlot() {
    uint64_t mask = busy.load(std::memory_order_relaxed);
    for (;;) {
      const uint64_t free = ~mask & all_slots;
      // No free slot cannot happen (at most num_threads tiles run at once); reload and retry if it ever did.
      if (free == 0) {
        mask = busy.load(std::memory_order_relaxed);
        continue;
      }
      const uint64_t bit = free & (~free + 1);
      if (busy.compare_exchange_weak(mask, mask | bit, std::memory_order_acquire, std::memory_order_relaxed))
        return __builtin_ctzll(bit);
    }
  }
  void ReleaseSlot(int slot) { busy.fetch_and(~(uint64_t{1} << slot), std::memory_order_release); }
};

void RunTile1D(void* context, size_t start, size_t count) {
  auto* loop = static_cast<Loop<ParallelTask1D>*>(context);
  const int slot = loop->AcquireSlot();
  loop->task(loop->arg, slot, start, count);
  loop->ReleaseSlot(slot);
}

void RunTile2D(void* context, size_t i, size_t j, size_t count_i, size_t count_j) {
  auto* loop = static_cast<Loop<ParallelTask2D>*>(context);
  const int slot = loop->AcquireSlot();
  loop->task(loop->arg, slot, i, j, count_i, count_j);
  loop->ReleaseSlot(slot);
}

// Between loops the pool threads spin-wait for the next one (pthreadpool's
// default): waking a sleeping thread costs tens of microseconds, more than
// many ops of a small model take, and a model ran slower on 2 threads than on
// 1 that way. ThreadPool::Park puts them to sleep afterwards, so that they
// take no CPU time from other work (pthreadpool alone would keep spinning for
// milliseconds). A region's single call yields instead: its threads sleep as
// soon as it ends.
constexpr uint32_t kLoopFlags = 0;

// A thread's share of a region loop is one word: generation (bits 44-63),
// first unclaimed tile (bits 22-43), end of the share (bits 0-21). The owner
// claims from the front (adds 1 << 22), the others steal from the back
// (subtract 1), both with compare-and-swap while first < end.
constexpr int kTileBits = 22;
constexpr uint64_t kTileMask = (uint64_t{1} << kTileBits) - 1;
constexpr int kGenerationShift = 2 * kTileBits;
constexpr uint64_t kMaxRegionTiles = kTileMask;
inline uint64_t Generation(uint64_t share) { return share >> kGenerationShift; }
inline size_t FirstTile(uint64_t share) { return static_cast<size_t>((share >> kTileBits) & kTileMask); }
inline size_t EndTile(uint64_t share) { return static_cast<size_t>(share & kTileMask); }

// Claims one tile of `share` for generation g: the first (front) or the last.
// Returns false when the share is empty or of another generation.
inline bool ClaimTile(std::atomic<uint64_t>& share, uint64_t g, bool front, size_t* tile) {
  uint64_t c = share.load(std::memory_order_relaxed);
  while (Generation(c) == g && FirstTile(c) < EndTile(c)) {
    const uint64_t next = front ? c + (uint64_t{1} << kTileBits) : c - 1;
    if (share.compare_exchange_weak(c, next, std::memory_order_relaxed)) {
      *tile = front ? FirstTile(c) : EndTile(c) - 1;
      return true;
    }
  }
  return false;
}

// A spin-wait hint to the core.
inline void CpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

void NoTask(void*, size_t) {}

uint64_t AllSlots(int n) { return n >= 64 ? ~uint64_t{0} : (uint64_t{1} << n) - 1; }

}  // namespace

// Item 0 of a region runs the body (pthreadpool gives the calling thread the
// first item), the others wait for its loops until it ends.
void RegionItem(void* context, size_t item) {
  auto* pool = static_cast<ThreadPool*>(context);
  if (item != 0) {
    pool->RegionWorker(static_cast<int>(item));
    return;
  }
  pool->in_region_ = true;
  pool->region_status_ = pool->region_body_(pool->region_arg_);
  pool->in_region_ = false;
  pool->region_done_.store(true, std::memory_order_release);
}

Status ThreadPool::RunRegion(Status (*body)(void*), void* arg) {
  region_body_ = body;
  region_arg_ = arg;
  region_status_ = Status::Ok();
  region_done_.store(false, std::memory_order_relaxed);  // published by pthreadpool's start of the call
  pthreadpool_parallelize_1d(pool_, RegionItem, this, static_cast<size_t>(num_threads_), PTHREADPOOL_FLAG_YIELD_WORKERS);
  return region_status_;
}

void ThreadPool::RunRegionTile(int worker, size_t tile) const {
  const RegionLoop& l = loop_;
  if (l.task2d == nullptr) {
    const size_t start = tile * l.tile_i;
    l.task1d(l.arg, worker, start, l.range_i - start < l.tile_i ? l.range_i - start : l.tile_i);
    return;
  }
  const size_t i = tile / l.tiles_j * l.tile_i, j = tile % l.tiles_j * l.tile_j;
  l.task2d(l.arg, worker, i, j, l.range_i - i < l.tile_i ? l.range_i - i : l.tile_i,
           l.range_j - j < l.tile_j ? l.range_j - j : l.tile_j);
}

// Runs tiles of generation g's loop on worker slot `worker`: its own share
// from the front, then the others' from the back, until none is left.
// Returns how many it ran.
size_t ThreadPool::RunRegionTiles(int worker, uint64_t g) {
  size_t ran = 0, tile = 0;
  while (ClaimTile(shares_[worker].word, g, true, &tile)) {
    RunRegionTile(worker, tile);
    ++ran;
  }
  for (int k = 1; k < num_threads_; ++k) {
    std::atomic<uint64_t>& other = shares_[(worker + k) % num_threads_].word;
    while (ClaimTile(other, g, false, &tile)) {
      RunRegionTile(worker, tile);
      ++ran;
    }
  }
  return ran;
}

// A pool thread in a region: spins on `published_` (written once per loop, so
// the spinning does not slow the claims), runs tiles of each new loop, and
// returns when the body has ended. The acquire of `published_` pairs with the
// body's release when it published the loop, so the loop's description, the
// shares and everything the ops wrote before are visible; the release of
// `finished_` hands the tiles' writes back.
void ThreadPool::RegionWorker(int worker) {
  uint64_t seen = 0;
  for (;;) {
    const uint64_t g = published_.load(std::memory_order_acquire);
    if (g != seen) {
      seen = g;
      const size_t ran = RunRegionTiles(worker, g);
      if (ran != 0) finished_.fetch_add(ran, std::memory_order_release);
      continue;
    }
    if (region_done_.load(std::memory_order_acquire)) return;
    CpuRelax();
  }
}

bool ThreadPool::RunInRegion(const RegionLoop& loop, size_t tiles) {
  if (tiles > kMaxRegionTiles) return false;
  // Every tile of the previous loop is finished, so no thread reads loop_ now.
  loop_ = loop;
  finished_.store(0, std::memory_order_relaxed);
  // Generations count 1, 2, ... and wrap past 0, which a pool thread entering
  // the region takes as already seen.
  uint64_t g = (published_.load(std::memory_order_relaxed) + 1) & ((uint64_t{1} << (64 - kGenerationShift)) - 1);
  if (g == 0) g = 1;
  // Thread k's share is the k-th of num_threads contiguous blocks (the first
  // tiles % num_threads one tile longer), as pthreadpool splits a range: a
  // thread keeps working on the same part of consecutive ops' tensors, which
  // its cache still holds.
  const size_t n = static_cast<size_t>(num_threads_), base = tiles / n, extra = tiles % n;
  size_t first = 0;
  for (size_t k = 0; k < n; ++k) {
    const size_t end = first + base + (k < extra ? 1 : 0);
    shares_[k].word.store(g << kGenerationShift | static_cast<uint64_t>(first) << kTileBits | end,
                          std::memory_order_relaxed);
    first = end;
  }
  published_.store(g, std::memory_order_release);
  const size_t ran = RunRegionTiles(0, g);
  while (finished_.load(std::memory_order_acquire) != tiles - ran) CpuRelax();
  return true;
}

Status ThreadPool::Create(int num_threads, std::unique_ptr<ThreadPool>* out) {
  if (num_threads < 2 || num_threads > kMaxThreads)
    return Status::Error(StatusCode::kInvalidArgument, "a thread pool needs 2 to %d threads, not %d", kMaxThreads,
                         num_threads);
  pthreadpool_t pool = pthreadpool_create(static_cast<size_t>(num_threads));
  if (pool == nullptr)
    return Status::Error(StatusCode::kRuntimeError, "cannot start a pool of %d threads", num_threads);
  std::unique_ptr<Share[]> shares(new (std::nothrow) Share[static_cast<size_t>(num_threads)]);
  if (shares == nullptr) {
    pthreadpool_destroy(pool);
    return Status::Error(StatusCode::kOutOfMemory, "out of memory for a pool of %d threads", num_threads);
  }
  out->reset(new ThreadPool(pool, num_threads, std::move(shares)));
  return Status::Ok();
}

ThreadPool::~ThreadPool() { pthreadpool_destroy(pool_); }

void ThreadPool::Park() {
  if (!spinning_) return;
  spinning_ = false;
  // One item per thread with the yield flag: every thread takes part, then sleeps.
  pthreadpool_parallelize_1d(pool_, NoTask, nullptr, static_cast<size_t>(num_threads_),
                             PTHREADPOOL_FLAG_YIELD_WORKERS);
}

void ParallelFor1D(ThreadPool* pool, size_t range, size_t tile, ParallelTask1D task, void* arg) {
  if (tile == 0) tile = 1;
  if (pool == nullptr || range <= tile) {
    for (size_t start = 0; start < range; start += tile) task(arg, 0, start, range - start < tile ? range - start : tile);
    return;
  }
  if (pool->in_region_ &&
      pool->RunInRegion({task, nullptr, arg, range, 1, tile, 1, 1}, (range + tile - 1) / tile))
    return;
  Loop<ParallelTask1D> loop{task, arg, AllSlots(pool->num_threads_)};
  pool->spinning_ = true;
  pthreadpool_parallelize_1d_tile_1d(pool->pool_, RunTile1D, &loop, range, tile, kLoopFlags);
}

void ParallelFor2D(ThreadPool* pool, size_t range_i, size_t range_j, size_t tile_i, size_t tile_j,
                   ParallelTask2D task, void* arg) {
  if (tile_i == 0) tile_i = 1;
  if (tile_j == 0) tile_j = 1;
  if (pool == nullptr || (range_i <= tile_i && range_j <= tile_j)) {
    for (size_t i = 0; i < range_i; i += tile_i)
      for (size_t j = 0; j < range_j; j += tile_j)
        task(arg, 0, i, j, range_i - i < tile_i ? range_i - i : tile_i, range_j - j < tile_j ? range_j - j : tile_j);
    return;
  }
  if (pool->in_region_) {
    const size_t tiles_i = (range_i + tile_i - 1) / tile_i, tiles_j = (range_j + tile_j - 1) / tile_j;
    if (tiles_i <= kMaxRegionTiles && tiles_j <= kMaxRegionTiles &&
        pool->RunInRegion({nullptr, task, arg, range_i, range_j, tile_i, tile_j, tiles_j}, tiles_i * tiles_j))
      return;
  }
  Loop<ParallelTask2D> loop{task, arg, AllSlots(pool->num_threads_)};
  pool->spinning_ = true;
  pthreadpool_parallelize_2d_tile_2d(pool->pool_, RunTile2D, &loop, range_i, range_j, tile_i, tile_j, kLoopFlags);
}

}  // namespace edgert
