// Activation memory planning: buffers with lifetimes get offsets in one arena.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "runtime/status.h"

namespace edgert {

constexpr size_t kArenaAlignment = 64;

struct PlannedBuffer {
  size_t size = 0;
  int first_use = 0;  // first step that touches the buffer
  int last_use = 0;   // last step that touches it (inclusive)
  int64_t offset = -1;  // set by the planner; preset (>= 0) for fixed buffers
};

class MemoryPlanner {
 public:
  virtual ~MemoryPlanner() = default;
  // A buffer live over steps [first_use, last_use]; returns its id.
  virtual int AddBuffer(size_t size, int first_use, int last_use) = 0;
  // A buffer whose offset is decided already (an ahead-of-time plan).
  virtual int AddFixedBuffer(size_t size, int first_use, int last_use, size_t offset) = 0;
  virtual Status Plan() = 0;
  virtual size_t offset(int id) const = 0;
  virtual size_t arena_size() const = 0;
};

// Greedy by size: the largest buffers are placed first, each at the lowest
// aligned offset that does not overlap a placed buffer live at the same time.
class GreedyBySizePlanner : public MemoryPlanner {
 public:
  int AddBuffer(size_t size, int first_use, int last_use) override;
  int AddFixedBuffer(size_t size, int first_use, int last_use, size_t offset) override;
  Status Plan() override;
  size_t offset(int id) const override { return static_cast<size_t>(buffers_[id].offset); }
  size_t arena_size() const override { return arena_size_; }
  const std::vector<PlannedBuffer>& buffers() const { return buffers_; }

 private:
  std::vector<PlannedBuffer> buffers_;
  size_t arena_size_ = 0;
};

// The largest sum of sizes of simultaneously live buffers: no plan can be smaller.
size_t ArenaLowerBound(const std::vector<PlannedBuffer>& buffers);
// True when no two buffers that are live at the same step overlap in memory and all
// offsets are aligned and inside arena_size. Explains the first conflict in *why.
bool PlanIsValid(const std::vector<PlannedBuffer>& buffers, size_t arena_size, std::string* why);

inline size_t AlignUp(size_t v, size_t a) { return (v + a - 1) / a * a; }

}  // namespace edgert
