// The parallel loops of runtime/thread_pool: every item is covered exactly
// once by tiles of the requested size, worker indices stay below the thread
// count and are never held by two running tiles at once, inside a region and
// outside one, and without a pool the tiles run inline, in order, on worker 0.
#include <catch2/catch.hpp>

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "runtime/thread_pool.h"

namespace edgert {
namespace {

// Records, per item, how often it was visited, and checks worker exclusivity:
// a tile marks its worker busy while it runs and fails if it already was.
struct Probe {
  explicit Probe(size_t items, int threads) : hits(items), busy(static_cast<size_t>(threads)) {}
  std::vector<std::atomic<int>> hits;
  std::vector<std::atomic<int>> busy;
  std::atomic<int> bad_worker{0}, overlap{0}, bad_tile{0}, tiles{0};
  std::atomic<uint64_t> workers_seen{0};

  void Enter(int worker) {
    if (worker < 0 || worker >= static_cast<int>(busy.size())) {
      ++bad_worker;
      return;
    }
    if (busy[static_cast<size_t>(worker)].exchange(1) != 0) ++overlap;
    workers_seen |= uint64_t{1} << worker;
    ++tiles;
  }
  void Leave(int worker) {
    if (worker >= 0 && worker < static_cast<int>(busy.size())) busy[static_cast<size_t>(worker)] = 0;
  }
  // Some work, so that tiles overlap in time on several threads.
  static void Spin() {
    volatile uint64_t x = 0;
    for (int i = 0; i < 20000; ++i) x = x + static_cast<uint64_t>(i);
  }
  void CheckAllOnce() const {
    int wrong = 0;
    for (const auto& h : hits) wrong += h.load() != 1;
    CHECK(wrong == 0);
    CHECK(bad_worker == 0);
    CHECK(overlap == 0);
    CHECK(bad_tile == 0);
  }
};

struct Loop1D {
  Probe* probe;
  size_t range, tile;
};

void Task1D(void* arg, int worker, size_t start, size_t count) {
  auto* l = static_cast<Loop1D*>(arg);
  l->probe->Enter(worker);
  if (start % l->tile != 0 || count == 0 || count > l->tile || (count < l->tile && start + count != l->range))
    ++l->probe->bad_tile;
  for (size_t i = start; i < start + count && i < l->range; ++i) ++l->probe->hits[i];
  Probe::Spin();
  l->probe->Leave(worker);
}

struct Loop2D {
  Probe* probe;
  size_t range_i, range_j, tile_i, tile_j;
};

void Task2D(void* arg, int worker, size_t i0, size_t j0, size_t ci, size_t cj) {
  auto* l = static_cast<Loop2D*>(arg);
  l->probe->Enter(worker);
  if (i0 % l->tile_i != 0 || j0 % l->tile_j != 0 || ci == 0 || cj == 0 || ci > l->tile_i || cj > l->tile_j)
    ++l->probe->bad_tile;
  for (size_t i = i0; i < i0 + ci && i < l->range_i; ++i)
    for (size_t j = j0; j < j0 + cj && j < l->range_j; ++j) ++l->probe->hits[i * l->range_j + j];
  Probe::Spin();
  l->probe->Leave(worker);
}

// Loops of many shapes (tile sizes dividing the range or not, more tiles than
// threads and fewer), each checked for coverage and worker exclusivity.
void CheckLoopShapes(ThreadPool* pool, int threads) {
  for (int repeat = 0; repeat < 5; ++repeat) {
    for (size_t tile : {size_t{1}, size_t{3}, size_t{7}, size_t{64}, size_t{1000}}) {
      const size_t range = 257;
      INFO("1D tile " << tile);
      Probe probe(range, threads);
      Loop1D loop{&probe, range, tile};
      ParallelFor1D(pool, range, tile, Task1D, &loop);
      probe.CheckAllOnce();
      CHECK(probe.tiles == static_cast<int>((range + tile - 1) / tile));
    }
    for (size_t ti : {size_t{1}, size_t{4}, size_t{50}}) {
      for (size_t tj : {size_t{1}, size_t{16}, size_t{40}}) {
        const size_t ri = 37, rj = 33;
        INFO("2D tiles " << ti << " x " << tj);
        Probe probe(ri * rj, threads);
        Loop2D loop{&probe, ri, rj, ti, tj};
        ParallelFor2D(pool, ri, rj, ti, tj, Task2D, &loop);
        probe.CheckAllOnce();
        CHECK(probe.tiles == static_cast<int>(((ri + ti - 1) / ti) * ((rj + tj - 1) / tj)));
      }
    }
  }
}

TEST_CASE("parallel loops cover every item once with exclusive workers", "[thread_pool]") {
  const int threads = GENERATE(2, 3, 4);
  INFO("threads " << threads);
  std::unique_ptr<ThreadPool> pool;
  REQUIRE(ThreadPool::Create(threads, &pool).ok());
  REQUIRE(pool->num_threads() == threads);
  CheckLoopShapes(pool.get(), threads);
}

// A region's loops go through the share words instead of pthreadpool calls:
// the same coverage and exclusivity, over many back-to-back loops (a thread
// still finishing one loop's scan must not take a tile of the next), the
// body's status passed back, and plain loops working again afterwards.
struct RegionArg {
  ThreadPool* pool;
  int threads;
  uint64_t workers_seen = 0;
  int wrong_loops = 0;
};

TEST_CASE("loops inside a region cover every item once with exclusive workers", "[thread_pool]") {
  const int threads = GENERATE(2, 3, 4);
  INFO("threads " << threads);
  std::unique_ptr<ThreadPool> pool;
  REQUIRE(ThreadPool::Create(threads, &pool).ok());
  RegionArg arg{pool.get(), threads};
  Status s = pool->RunRegion(
      [](void* a) {
        auto* r = static_cast<RegionArg*>(a);
        CheckLoopShapes(r->pool, r->threads);
        // 3000 short loops of 1 to 9 one-item tiles, each counted exactly.
        for (int n = 0; n < 3000; ++n) {
          const size_t range = 1 + static_cast<size_t>(n % 9);
          Probe probe(range, r->threads);
          Loop1D loop{&probe, range, 1};
          ParallelFor1D(r->pool, range, 1, [](void* l, int worker, size_t start, size_t count) {
            auto* loop = static_cast<Loop1D*>(l);
            loop->probe->Enter(worker);
            for (size_t i = start; i < start + count; ++i) ++loop->probe->hits[i];
            loop->probe->Leave(worker);
          }, &loop);
          int wrong = probe.bad_worker + probe.overlap;
          for (const auto& h : probe.hits) wrong += h.load() != 1;
          r->wrong_loops += wrong != 0;
          r->workers_seen |= probe.workers_seen;
        }
        return Status::Error(StatusCode::kRuntimeError, "body result %d", 7);
      },
      &arg);
  CHECK(arg.wrong_loops == 0);
  CHECK(s.code() == StatusCode::kRuntimeError);
  CHECK(s.message() == "body result 7");
  CHECK((arg.workers_seen & 1) != 0);  // the body's thread is worker 0

  // Outside the region again, and a second region.
  CheckLoopShapes(pool.get(), threads);
  CHECK(pool->RunRegion([](void*) { return Status::Ok(); }, nullptr).ok());
}

TEST_CASE("a region's pool threads take tiles when there is enough work", "[thread_pool]") {
  // Not a timing assertion: with many slow tiles, a second thread of the pool
  // takes some. Only checked when the machine has a second core to run it.
  if (std::thread::hardware_concurrency() < 2) return;
  std::unique_ptr<ThreadPool> pool;
  REQUIRE(ThreadPool::Create(2, &pool).ok());
  RegionArg arg{pool.get(), 2};
  for (int attempt = 0; attempt < 20 && arg.workers_seen != 3; ++attempt) {
    REQUIRE(pool->RunRegion(
                    [](void* a) {
                      auto* r = static_cast<RegionArg*>(a);
                      Probe probe(4000, 2);
                      Loop1D loop{&probe, 4000, 1};
                      ParallelFor1D(r->pool, 4000, 1, Task1D, &loop);
                      probe.CheckAllOnce();
                      r->workers_seen |= probe.workers_seen;
                      return Status::Ok();
                    },
                    &arg)
                .ok());
  }
  CHECK(arg.workers_seen == 3);
}

TEST_CASE("parallel loops use more than one worker when there is enough work", "[thread_pool]") {
  // Not a timing assertion: with many slow tiles, a second thread of the pool
  // takes some. Only checked when the machine has a second core to run it.
  if (std::thread::hardware_concurrency() < 2) return;
  std::unique_ptr<ThreadPool> pool;
  REQUIRE(ThreadPool::Create(2, &pool).ok());
  uint64_t seen = 0;
  for (int attempt = 0; attempt < 20 && seen != 3; ++attempt) {
    Probe probe(4000, 2);
    Loop1D loop{&probe, 4000, 1};
    ParallelFor1D(pool.get(), 4000, 1, Task1D, &loop);
    probe.CheckAllOnce();
    seen |= probe.workers_seen;
  }
  CHECK(seen == 3);
}

TEST_CASE("parallel loops without a pool run inline in order on worker 0", "[thread_pool]") {
  std::vector<size_t> starts;
  struct Arg {
    std::vector<size_t>* starts;
    int bad_worker;
  } arg{&starts, 0};
  ParallelFor1D(nullptr, 10, 4, [](void* a, int worker, size_t start, size_t count) {
    auto* p = static_cast<Arg*>(a);
    p->starts->push_back(start);
    p->starts->push_back(count);
    if (worker != 0) ++p->bad_worker;
  }, &arg);
  CHECK(starts == std::vector<size_t>{0, 4, 4, 4, 8, 2});
  CHECK(arg.bad_worker == 0);

  starts.clear();
  ParallelFor2D(nullptr, 3, 5, 2, 3, [](void* a, int worker, size_t i, size_t j, size_t ci, size_t cj) {
    auto* p = static_cast<Arg*>(a);
    for (size_t v : {i, j, ci, cj}) p->starts->push_back(v);
    if (worker != 0) ++p->bad_worker;
  }, &arg);
  CHECK(starts == std::vector<size_t>{0, 0, 2, 3, 0, 3, 2, 2, 2, 0, 1, 3, 2, 3, 1, 2});
  CHECK(arg.bad_worker == 0);

  // An empty range runs nothing; tile 0 counts as 1.
  starts.clear();
  ParallelFor1D(nullptr, 0, 4, [](void* a, int, size_t start, size_t) {
    static_cast<Arg*>(a)->starts->push_back(start);
  }, &arg);
  CHECK(starts.empty());
  ParallelFor1D(nullptr, 2, 0, [](void* a, int, size_t start, size_t count) {
    static_cast<Arg*>(a)->starts->push_back(start);
    static_cast<Arg*>(a)->starts->push_back(count);
  }, &arg);
  CHECK(starts == std::vector<size_t>{0, 1, 1, 1});
}

TEST_CASE("a thread pool rejects thread counts outside [2, 64]", "[thread_pool]") {
  std::unique_ptr<ThreadPool> pool;
  for (int n : {-1, 0, 1, ThreadPool::kMaxThreads + 1}) {
    const Status s = ThreadPool::Create(n, &pool);
    CHECK(s.code() == StatusCode::kInvalidArgument);
    CHECK(s.message().find("threads") != std::string::npos);
    CHECK(pool == nullptr);
  }
}

}  // namespace
}  // namespace edgert
