#include "runtime/planner.h"

#include <algorithm>
#include <numeric>
#include <string>

namespace edgert {

namespace {
bool LifetimesOverlap(const PlannedBuffer& a, const PlannedBuffer& b) {
  return a.first_use <= b.last_use && b.first_use <= a.last_use;
}
}  // namespace

int GreedyBySizePlanner::AddBuffer(size_t size, int first_use, int last_use) {
  buffers_.push_back(PlannedBuffer{size, first_use, last_use, -1});
  return static_cast<int>(buffers_.size()) - 1;
}

int GreedyBySizePlanner::AddFixedBuffer(size_t size, int first_use, int last_use, size_t offset) {
  buffers_.push_back(PlannedBuffer{size, first_use, last_use, static_cast<int64_t>(offset)});
  return static_cast<int>(buffers_.size()) - 1;
}

Status GreedyBySizePlanner::Plan() {
  const size_t n = buffers_.size();
  std::vector<int> order;
  std::vector<int> placed;
  order.reserve(n);
  placed.reserve(n);
  arena_size_ = 0;
  for (size_t i = 0; i < n; ++i) {
    if (buffers_[i].offset >= 0) {
      placed.push_back(static_cast<int>(i));
      arena_size_ = std::max(arena_size_, static_cast<size_t>(buffers_[i].offset) + buffers_[i].size);
    } else {
      order.push_back(static_cast<int>(i));
    }
  }
  // Largest first; ties by earlier first use for a stable, deterministic plan.
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
    if (buffers_[a].size != buffers_[b].size) return buffers_[a].size > buffers_[b].size;
    return buffers_[a].first_use < buffers_[b].first_use;
  });
  std::vector<std::pair<size_t, size_t>> busy;  // [begin, end) of conflicting placed buffers
  for (int id : order) {
    PlannedBuffer& buf = buffers_[id];
    busy.clear();
    for (int p : placed) {
      const PlannedBuffer& o = buffers_[p];
      if (LifetimesOverlap(buf, o) && o.size > 0)
        busy.emplace_back(static_cast<size_t>(o.offset), static_cast<size_t>(o.offset) + o.size);
    }
    std::sort(busy.begin(), busy.end());
    size_t candidate = 0;
    for (const auto& r : busy) {
      if (candidate + buf.size <= r.first) break;  // fits in the gap before r
      candidate = std::max(candidate, AlignUp(r.second, kArenaAlignment));
    }
    buf.offset = static_cast<int64_t>(candidate);
    arena_size_ = std::max(arena_size_, candidate + buf.size);
    placed.push_back(id);
  }
  arena_size_ = AlignUp(arena_size_, kArenaAlignment);
  return Status::Ok();
}

size_t ArenaLowerBound(const std::vector<PlannedBuffer>& buffers) {
  int last = -1;
  for (const auto& b : buffers) last = std::max(last, b.last_use);
  if (last < 0) return 0;
  std::vector<size_t> live(static_cast<size_t>(last) + 2, 0);
  for (const auto& b : buffers) {
    if (b.first_use < 0) continue;
    live[b.first_use] += b.size;
    live[b.last_use + 1] -= b.size;
  }
  size_t cur = 0, best = 0;
  for (size_t t = 0; t + 1 < live.size(); ++t) {
    cur += live[t];
    best = std::max(best, cur);
  }
  return best;
}

bool PlanIsValid(const std::vector<PlannedBuffer>& buffers, size_t arena_size, std::string* why) {
  for (size_t i = 0; i < buffers.size(); ++i) {
    const PlannedBuffer& a = buffers[i];
    if (a.offset < 0 || static_cast<size_t>(a.offset) % kArenaAlignment != 0 ||
        static_cast<size_t>(a.offset) > arena_size || a.size > arena_size - static_cast<size_t>(a.offset)) {
      if (why) *why = "buffer " + std::to_string(i) + " at offset " + std::to_string(a.offset) + " size " +
                      std::to_string(a.size) + " is misaligned or outside the arena of " + std::to_string(arena_size);
      return false;
    }
    for (size_t j = i + 1; j < buffers.size(); ++j) {
      const PlannedBuffer& b = buffers[j];
      if (!LifetimesOverlap(a, b) || a.size == 0 || b.size == 0) continue;
      const size_t a0 = static_cast<size_t>(a.offset), b0 = static_cast<size_t>(b.offset);
      if (a0 < b0 + b.size && b0 < a0 + a.size) {
        if (why) *why = "buffers " + std::to_string(i) + " and " + std::to_string(j) + " are live together and overlap";
        return false;
      }
    }
  }
  return true;
}

}  // namespace edgert
