// The interpreter's own activation arena: memory whose pages are all made
// resident when it is allocated (at prepare; InterpreterOptions::
// prefault_arena), so that the first invoke does not take a page fault per
// 4 KB page of activations. The cost moves into
// prepare, where one populating mmap is cheaper than the faults it replaces.
// (Transparent huge pages were tried: where the system compacts memory for
// them on demand, a prepare sometimes stalled for tens of milliseconds.)
#pragma once

#include <cstddef>

namespace edgert {

class ArenaMemory {
 public:
  ArenaMemory() = default;
  ~ArenaMemory() { Release(); }
  ArenaMemory(const ArenaMemory&) = delete;
  ArenaMemory& operator=(const ArenaMemory&) = delete;

  // Makes data() at least `bytes` bytes, page-aligned (zero when fresh) and,
  // with `resident` and at most 64 MB, made resident; keeps the current block
  // when it is large enough. False when the memory cannot be had; the object is then empty.
  bool Reserve(size_t bytes, bool resident);
  void Release();

  void* data() const { return data_; }

 private:
  void* data_ = nullptr;  // an anonymous mapping of size_ bytes (whole pages)
  size_t size_ = 0;
};

}  // namespace edgert
