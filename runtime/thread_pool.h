// The interpreter's worker threads (a pthreadpool) and the parallel loops that
// kernels reach through KernelContext::ParallelFor / ParallelFor2D.
//
// A loop splits its range into tiles and runs task(arg, worker, ...) once per
// tile on the pool's threads (the calling thread included). `worker` is a slot
// in [0, num_threads) that no other tile running at the same time holds, so
// kernels index per-worker scratch with it. Slots are handed out through one
// atomic bit mask that lives on the caller's stack for the duration of the loop
// (pthreadpool tells a task neither its thread nor a thread index): a tile takes
// the lowest free bit when it starts and clears it when it ends. At most
// num_threads tiles run at once, one per thread, so a free bit always exists.
// Nothing here allocates after the pool is created.
#pragma once

#include <cstddef>
#include <memory>

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

  // The pool threads spin-wait between loops, so that consecutive ops do not
  // pay a wake-up each; Park puts them to sleep (the interpreter calls it at
  // the end of every invoke). Cheap when no loop ran since the last Park.
  void Park();

 private:
  friend void ParallelFor1D(ThreadPool*, size_t, size_t, ParallelTask1D, void*);
  friend void ParallelFor2D(ThreadPool*, size_t, size_t, size_t, size_t, ParallelTask2D, void*);
  ThreadPool(pthreadpool* pool, int num_threads) : pool_(pool), num_threads_(num_threads) {}
  pthreadpool* pool_;
  int num_threads_;
  bool spinning_ = false;  // a loop ran since the last Park
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
