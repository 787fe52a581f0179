#include "runtime/thread_pool.h"

#include <pthreadpool.h>

#include <atomic>
#include <cstdint>

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

// Between the loops of one invoke the pool threads spin-wait for the next
// loop (pthreadpool's default): waking a sleeping thread costs tens of
// microseconds, more than many ops of a small model take, and a model ran
// slower on 2 threads than on 1 that way. When the invoke ends,
// ThreadPool::Park puts them to sleep, so that they take no CPU time from
// other work (pthreadpool alone would keep spinning for milliseconds).
constexpr uint32_t kLoopFlags = 0;

void NoTask(void*, size_t) {}

uint64_t AllSlots(int n) { return n >= 64 ? ~uint64_t{0} : (uint64_t{1} << n) - 1; }

}  // namespace

Status ThreadPool::Create(int num_threads, std::unique_ptr<ThreadPool>* out) {
  if (num_threads < 2 || num_threads > kMaxThreads)
    return Status::Error(StatusCode::kInvalidArgument, "a thread pool needs 2 to %d threads, not %d", kMaxThreads,
                         num_threads);
  pthreadpool_t pool = pthreadpool_create(static_cast<size_t>(num_threads));
  if (pool == nullptr)
    return Status::Error(StatusCode::kRuntimeError, "cannot start a pool of %d threads", num_threads);
  out->reset(new ThreadPool(pool, num_threads));
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
  Loop<ParallelTask2D> loop{task, arg, AllSlots(pool->num_threads_)};
  pool->spinning_ = true;
  pthreadpool_parallelize_2d_tile_2d(pool->pool_, RunTile2D, &loop, range_i, range_j, tile_i, tile_j, kLoopFlags);
}

}  // namespace edgert
