// The interpreter's worker threads (a pthreadpool) and the parallel loops that
// kernels reach through KernelContext::ParallelFor / ParallelFor2D.
//
// A loop splits its range into tiles and runs task(arg, worker, ...) once per
// tile on the pool's threads (the calling thread included). `worker` is a slot
// in [0, num_threads) that no other tile running at the same time holds, so
// kernels index per-worker scratch with it.
//
// Two ways a loop reaches the threads:
// - Inside ThreadPool::RunRegion (the interpreter runs each invoke's ops
//   there): one pthreadpool call for the whole invoke puts every thread in the
//   region; the region's body (the ops) runs on the calling thread, and each of
//   its loops is published through one atomic word that the other threads spin
//   on. A loop then costs a few cache-line transfers instead of a pthreadpool
//   call (a mutex, a futex wake system call and a futex wait: 0.45-0.7 us per
//   loop on the 2-core development machine, more than many ops of a small model
//   take on each thread). The worker slot of a thread is its region item.
// - Elsewhere (prepare): one pthreadpool call per loop. Slots are handed out
//   through one atomic bit mask that lives on the caller's stack for the
//   duration of the loop (pthreadpool tells a task neither its thread nor a
//   thread index): a tile takes the lowest free bit when it starts and clears
//   it when it ends. At most num_threads tiles run at once, one per thread, so
//   a free bit always exists.
// Nothing here allocates after the pool is created.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <utility>

#include "runtime/status.h"

struct pthreadpool;

namespace edgert {

// task(arg, worker, start, count): items [start, start + count) of a 1D range.
using ParallelTask1D = void (*)(void* arg, int worker, size_t start, size_t count);
// task(arg, worker, i, j, count_i, count_j): items [i, i + count_i) x [j, j + count_j) of a 2D range.
using ParallelTask2D = void (*)(void* arg, int worker, size_t i, size_t j, size_t count_i, size_t count_j);

class ThreadPool {
 public:
  // The most threads an interpreter may ask for (worker slots are bits of a 64-bit mask).
  static constexpr int kMaxThreads = 64;

  // A pool of num_threads threads in all: the caller plus num_threads - 1
  // workers. num_threads must be in [2, kMaxThreads].
  static Status Create(int num_threads, std::unique_ptr<ThreadPool>* out);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int num_threads() const { return num_threads_; }

  // Runs body(arg) on the calling thread while the pool's other threads wait
  // in the region for its parallel loops, spinning (a loop must not pay a
  // wake-up); they sleep again when body returns. Returns body's status. Not
  // reentrant: body must not call RunRegion.
  Status RunRegion(Status (*body)(void*), void* arg);

  // Loops outside a region leave the pool threads spin-waiting for the next
  // one (pthreadpool's default, for milliseconds); Park puts them to sleep.
  // Cheap when no such loop ran since the last Park.
  void Park();

 private:
  friend void ParallelFor1D(ThreadPool*, size_t, size_t, ParallelTask1D, void*);
  friend void ParallelFor2D(ThreadPool*, size_t, size_t, size_t, size_t, ParallelTask2D, void*);
  friend void RegionItem(void* context, size_t item);

  // The loop being run inside a region. Written by the body's thread before it
  // publishes the loop; read by a thread only after it saw the loop published
  // (the next loop is not written before every tile of this one is finished).
  struct RegionLoop {
    ParallelTask1D task1d;
    ParallelTask2D task2d;  // null for a 1D loop
    void* arg;
    size_t range_i, range_j, tile_i, tile_j;
    size_t tiles_j;  // tiles along j (1 for a 1D loop)
  };
  // Whether the loop fits the share words; if so publishes it and runs tiles
  // on this thread until every tile is finished.
  bool RunInRegion(const RegionLoop& loop, size_t tiles);
  size_t RunRegionTiles(int worker, uint64_t generation);
  void RunRegionTile(int worker, size_t tile) const;
  void RegionWorker(int worker);

  // One thread's share of a region loop's tiles (see thread_pool.cc), on a
  // cache line of its own.
  struct alignas(64) Share {
    std::atomic<uint64_t> word{0};
  };

  ThreadPool(pthreadpool* pool, int num_threads, std::unique_ptr<Share[]> shares)
      : pool_(pool), num_threads_(num_threads), shares_(std::move(shares)) {}
  pthreadpool* pool_;
  int num_threads_;
  bool spinning_ = false;  // a loop outside a region ran since the last Park

  // Region state. A loop is published by writing every thread's share word,
  // then the loop's generation in published_, on which the pool threads spin
  // (it changes once per loop). A share word carries its generation, so a
  // thread that read an old loop's word can never take a tile of a newer one.
  std::unique_ptr<Share[]> shares_;  // num_threads_
  bool in_region_ = false;  // read and written by the body's thread only
  Status (*region_body_)(void*) = nullptr;
  void* region_arg_ = nullptr;
  Status region_status_;
  RegionLoop loop_{};
  alignas(64) std::atomic<uint64_t> published_{0};  // generation of the newest loop
  alignas(64) std::atomic<size_t> finished_{0};  // tiles of the current loop finished
  alignas(64) std::atomic<bool> region_done_{false};
};

// Runs task over tiles of `tile` items (the last may be shorter; tile 0 counts
// as 1) that cover [0, range) once each, on pool's threads, or inline in order
// with worker 0 when pool is nullptr. Returns when every tile is done. Tasks
// must not call these functions again (no nesting).
void ParallelFor1D(ThreadPool* pool, size_t range, size_t tile, ParallelTask1D task, void* arg);
// Same over [0, range_i) x [0, range_j) in tiles of tile_i x tile_j.
void ParallelFor2D(ThreadPool* pool, size_t range_i, size_t range_j, size_t tile_i, size_t tile_j,
                   ParallelTask2D task, void* arg);

}  // namespace edgert
