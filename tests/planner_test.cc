// Memory planner: property tests on random lifetimes and random graphs.
#include <catch2/catch.hpp>

#include <random>

#include "runtime/planner.h"

using namespace edgert;

TEST_CASE("greedy planner: buffers live at the same time never overlap (random lifetimes)", "[planner]") {
  std::mt19937 rng(42);
  for (int trial = 0; trial < 300; ++trial) {
    GreedyBySizePlanner p;
    const int steps = 1 + static_cast<int>(rng() % 40);
    const int n = 1 + static_cast<int>(rng() % 60);
    for (int i = 0; i < n; ++i) {
      const int a = static_cast<int>(rng() % steps), b = static_cast<int>(rng() % steps);
      const size_t size = (rng() % 4 == 0) ? 0 : 1 + rng() % 100000;
      p.AddBuffer(size, std::min(a, b), std::max(a, b));
    }
    REQUIRE(p.Plan().ok());
    std::string why;
    INFO("trial " << trial);
    REQUIRE(PlanIsValid(p.buffers(), p.arena_size(), &why));
    REQUIRE(p.arena_size() >= ArenaLowerBound(p.buffers()));
    REQUIRE(p.arena_size() % kArenaAlignment == 0);
  }
}

TEST_CASE("greedy planner reuses memory of dead buffers", "[planner]") {
  GreedyBySizePlanner p;
  // A chain a -> b -> c -> d: each buffer lives two steps; two buffers suffice.
  for (int i = 0; i < 4; ++i) p.AddBuffer(1000, i, i + 1);
  REQUIRE(p.Plan().ok());
  REQUIRE(p.arena_size() == 2 * AlignUp(1000, 64));
  REQUIRE(ArenaLowerBound(p.buffers()) == 2000);
}

TEST_CASE("greedy planner respects fixed buffers", "[planner]") {
  GreedyBySizePlanner p;
  p.AddFixedBuffer(128, 0, 3, 64);
  p.AddBuffer(64, 1, 2);
  p.AddBuffer(256, 0, 0);
  REQUIRE(p.Plan().ok());
  REQUIRE(p.offset(0) == 64);
  std::string why;
  REQUIRE(PlanIsValid(p.buffers(), p.arena_size(), &why));
}

TEST_CASE("the plan checker finds overlaps and misalignment", "[planner]") {
  std::vector<PlannedBuffer> bad = {{100, 0, 2, 0}, {100, 1, 3, 64}};
  std::string why;
  REQUIRE_FALSE(PlanIsValid(bad, 256, &why));
  REQUIRE(why.find("overlap") != std::string::npos);
  std::vector<PlannedBuffer> disjoint_in_time = {{100, 0, 1, 0}, {100, 2, 3, 0}};
  REQUIRE(PlanIsValid(disjoint_in_time, 128, &why));
  std::vector<PlannedBuffer> misaligned = {{10, 0, 1, 8}};
  REQUIRE_FALSE(PlanIsValid(misaligned, 128, &why));
  std::vector<PlannedBuffer> outside = {{100, 0, 1, 64}};
  REQUIRE_FALSE(PlanIsValid(outside, 128, &why));
}

TEST_CASE("lower bound is the peak of simultaneously live sizes", "[planner]") {
  std::vector<PlannedBuffer> b = {{10, 0, 0, -1}, {20, 0, 1, -1}, {30, 1, 2, -1}, {5, 2, 2, -1}};
  REQUIRE(ArenaLowerBound(b) == 50);  // step 1: 20 + 30
}
