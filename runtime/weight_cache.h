// The weight cache: a file holding the packed weights of a prepared model, so
// that the next prepare of the same model maps them instead of packing again.
//
// Start-up is then a hash of the model and a map of the file, not megabytes of
// packing into fresh memory, and the packed weights are clean file-backed pages
// the system can drop and read again, rather than process memory.
//
// A cache file is used only when everything its blocks depend on matches:
//  - the model's bytes (a 64-bit hash of the whole file, and its size);
//  - the library build: version, kernel ISA level, cache format version;
//  - for each block, in the order the kernels ask for them: the node, the
//    layout key the kernel gives (everything else the packed bytes depend on)
//    and the size.
// The header and the block table carry hashes, and every block must lie inside
// the file, so a file that was cut short, corrupted in its structure or written
// for something else is rejected (with a note saying why) and the weights are
// packed as without a cache. The packed data itself is trusted as the model's
// weights are: it is not hashed at open (that would read every page of it
// before the first invoke needs it); the writer syncs the file before renaming
// it into place, so a crash cannot leave a torn cache under the name.
//
// File layout, little-endian (the file is only ever read on the machine that
// wrote it):
//   header, 64 bytes: magic "ERTWCACH", u32 format version, u32 block count,
//     u64 model hash, u64 model bytes, u64 build hash, u64 file bytes,
//     u64 table hash, u64 header hash (of the 56 bytes before it)
//   block table: per block u32 node, u32 zero, u64 layout, u64 offset, u64 bytes
//   block data: each block at a 64-byte aligned offset
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include "runtime/status.h"

namespace edgert {

// 64-bit hash of a byte range (not cryptographic; detects changed and
// corrupted data). Reads 32 bytes per step in four independent lanes.
uint64_t HashBytes(const void* data, size_t size, uint64_t seed = 0);

// Key for a packed layout: a name and the parameters the packing depends on
// besides the constant inputs themselves (tile sizes, reduction length, ...).
uint64_t PackedLayoutKey(const char* name, std::initializer_list<int64_t> params);

class WeightCache {
 public:
  struct Identity {
    uint64_t model_hash = 0;
    uint64_t model_bytes = 0;
    uint64_t build_hash = 0;
  };
  struct Block {
    int node = 0;
    uint64_t layout = 0;
    size_t bytes = 0;
    const void* data = nullptr;
  };

  WeightCache() = default;
  ~WeightCache();
  WeightCache(const WeightCache&) = delete;
  WeightCache& operator=(const WeightCache&) = delete;

  // Maps `path` and checks it against `id`. Returns false, with the reason in
  // *why, when the file is missing or not usable; the cache is then empty.
  bool Open(const std::string& path, const Identity& id, std::string* why);
  void Close();
  bool is_open() const { return base_ != nullptr; }
  const std::vector<Block>& blocks() const { return blocks_; }

  // Writes the blocks to `path` for `id` (through a temporary file renamed
  // into place, so a reader never sees a half-written cache).
  static Status Write(const std::string& path, const Identity& id, const std::vector<Block>& blocks);

 private:
  void* base_ = nullptr;
  size_t size_ = 0;
  std::vector<Block> blocks_;
};

}  // namespace edgert
