#include "runtime/arena_memory.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>

namespace edgert {
namespace {

// Larger arenas are not made resident at prepare: a model that needs this much
// activation memory runs long enough for the first invoke's faults not to
// matter, and a corrupt or hostile model that asks for gigabytes must not get
// them resident before it has run at all.
constexpr size_t kMaxResidentBytes = size_t{64} << 20;

}  // namespace

void ArenaMemory::Release() {
  if (data_ != nullptr) munmap(data_, size_);
  data_ = nullptr;
  size_ = 0;
}

bool ArenaMemory::Reserve(size_t bytes, bool resident) {
  if (data_ != nullptr && size_ >= bytes) return true;
  Release();
  const long page_size = sysconf(_SC_PAGESIZE);
  const size_t page = page_size > 0 ? static_cast<size_t>(page_size) : 4096;
  if (bytes == 0) bytes = 1;
  if (bytes > SIZE_MAX - page) return false;
  const size_t rounded = (bytes + page - 1) / page * page;
  if (rounded > kMaxResidentBytes) resident = false;
  int flags = MAP_PRIVATE | MAP_ANONYMOUS;
#ifdef MAP_POPULATE
  if (resident) flags |= MAP_POPULATE;  // every page resident when mmap returns
#endif
  void* m = mmap(nullptr, rounded, PROT_READ | PROT_WRITE, flags, -1, 0);
  if (m == MAP_FAILED) return false;
  data_ = m;
  size_ = rounded;
#ifndef MAP_POPULATE
  volatile uint8_t* p = static_cast<uint8_t*>(m);  // fault each page in now
  for (size_t i = 0; resident && i < rounded; i += page) p[i] = 0;
#endif
  return true;
}

}  // namespace edgert
