#include "runtime/weight_cache.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstdio>
#include <cstring>

namespace edgert {

namespace {

constexpr char kMagic[8] = {'E', 'R', 'T', 'W', 'C', 'A', 'C', 'H'};
constexpr uint32_t kFormatVersion = 1;
constexpr size_t kHeaderBytes = 64;
constexpr size_t kEntryBytes = 32;
constexpr size_t kBlockAlignment = 64;

constexpr uint64_t kMul = 0x9E3779B97F4A7C15ull;

inline uint64_t Rotl(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }

inline uint64_t Load64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

// Final mix: every input bit affects every output bit.
inline uint64_t Avalanche(uint64_t h) {
  h ^= h >> 30;
  h *= 0xBF58476D1CE4E5B9ull;
  h ^= h >> 27;
  h *= 0x94D049BB133111EBull;
  return h ^ (h >> 31);
}

struct Header {
  char magic[8];
  uint32_t version, block_count;
  uint64_t model_hash, model_bytes, build_hash, file_bytes, table_hash, header_hash;
};
static_assert(sizeof(Header) == kHeaderBytes, "cache header layout");

struct Entry {
  uint32_t node, zero;
  uint64_t layout, offset, bytes;
};
static_assert(sizeof(Entry) == kEntryBytes, "cache entry layout");

uint64_t HashHeader(const Header& h) { return HashBytes(&h, offsetof(Header, header_hash), 0x51); }

size_t AlignBlock(size_t n) { return (n + kBlockAlignment - 1) / kBlockAlignment * kBlockAlignment; }

}  // namespace

uint64_t HashBytes(const void* data, size_t size, uint64_t seed) {
  const uint8_t* p = static_cast<const uint8_t*>(data);
  // Eight lanes, so the multiplications of consecutive words do not wait on
  // each other.
  uint64_t lane[8];
  for (int i = 0; i < 8; ++i) lane[i] = seed + kMul * static_cast<uint64_t>(i + 1);
  size_t n = size;
  for (; n >= 64; n -= 64, p += 64)
    for (int i = 0; i < 8; ++i) lane[i] = Rotl(lane[i] ^ Load64(p + 8 * i), 29) * kMul;
  for (int i = 0; n >= 8; n -= 8, p += 8, ++i) lane[i] = Rotl(lane[i] ^ Load64(p), 29) * kMul;
  uint64_t tail = 0;
  for (size_t i = 0; i < n; ++i) tail |= static_cast<uint64_t>(p[i]) << (8 * i);
  uint64_t h = Avalanche(seed ^ (size * kMul));
  for (int i = 0; i < 8; ++i) h = Rotl(h ^ Avalanche(lane[i]), 23) * kMul;
  return Avalanche(h ^ Avalanche(tail + n));
}

uint64_t PackedLayoutKey(const char* name, std::initializer_list<int64_t> params) {
  uint64_t h = HashBytes(name, std::strlen(name), 0x1a);
  for (int64_t v : params) h = HashBytes(&v, sizeof(v), h);
  return h;
}

WeightCache::~WeightCache() { Close(); }

void WeightCache::Close() {
  if (base_ != nullptr) munmap(base_, size_);
  base_ = nullptr;
  size_ = 0;
  blocks_.clear();
}

bool WeightCache::Open(const std::string& path, const Identity& id, std::string* why) {
  Close();
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    *why = errno == ENOENT ? "no cache file yet" : std::string("cannot open it: ") + std::strerror(errno);
    return false;
  }
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    *why = "not a regular file";
    return false;
  }
  const size_t size = static_cast<size_t>(st.st_size);
  if (size < kHeaderBytes) {
    ::close(fd);
    *why = "shorter than its header";
    return false;
  }
  void* base = mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  ::close(fd);
  if (base == MAP_FAILED) {
    *why = std::string("cannot map it: ") + std::strerror(errno);
    return false;
  }
  base_ = base;
  size_ = size;
  const uint8_t* bytes = static_cast<const uint8_t*>(base);
  Header h;
  std::memcpy(&h, bytes, sizeof(h));
  auto fail = [&](const std::string& reason) {
    Close();
    *why = reason;
    return false;
  };
  if (std::memcmp(h.magic, kMagic, sizeof(kMagic)) != 0) return fail("not a weight cache file");
  if (h.header_hash != HashHeader(h)) return fail("its header is corrupted");
  if (h.version != kFormatVersion) return fail("written by another cache format version");
  if (h.build_hash != id.build_hash) return fail("written by another library build or ISA level");
  if (h.model_bytes != id.model_bytes || h.model_hash != id.model_hash) return fail("written for another model");
  if (h.file_bytes != size) return fail("its size is not the size it was written with");
  const uint64_t table_bytes = static_cast<uint64_t>(h.block_count) * kEntryBytes;
  if (table_bytes > size - kHeaderBytes) return fail("its block table runs past the end");
  if (HashBytes(bytes + kHeaderBytes, table_bytes, 0x52) != h.table_hash) return fail("its block table is corrupted");
  std::vector<Block> blocks(h.block_count);
  uint64_t end = kHeaderBytes + table_bytes;
  for (uint32_t i = 0; i < h.block_count; ++i) {
    Entry e;
    std::memcpy(&e, bytes + kHeaderBytes + i * kEntryBytes, sizeof(e));
    if (e.offset % kBlockAlignment != 0 || e.offset < end || e.bytes > size || e.offset > size - e.bytes)
      return fail("block " + std::to_string(i) + " lies outside the file");
    end = e.offset + e.bytes;
    blocks[i] = Block{static_cast<int>(e.node), e.layout, static_cast<size_t>(e.bytes), bytes + e.offset};
  }
  blocks_ = std::move(blocks);
  return true;
}

Status WeightCache::Write(const std::string& path, const Identity& id, const std::vector<Block>& blocks) {
  Header h;
  std::memcpy(h.magic, kMagic, sizeof(kMagic));
  h.version = kFormatVersion;
  h.block_count = static_cast<uint32_t>(blocks.size());
  h.model_hash = id.model_hash;
  h.model_bytes = id.model_bytes;
  h.build_hash = id.build_hash;
  std::vector<Entry> table(blocks.size());
  size_t offset = AlignBlock(kHeaderBytes + blocks.size() * kEntryBytes);
  for (size_t i = 0; i < blocks.size(); ++i) {
    table[i] = Entry{static_cast<uint32_t>(blocks[i].node), 0, blocks[i].layout, offset, blocks[i].bytes};
    offset = AlignBlock(offset + blocks[i].bytes);
  }
  h.file_bytes = offset;
  h.table_hash = HashBytes(table.data(), table.size() * kEntryBytes, 0x52);
  h.header_hash = HashHeader(h);

  // A name no other writer uses (other processes, other interpreters here).
  static std::atomic<unsigned> writes{0};
  const std::string tmp = path + ".tmp" + std::to_string(static_cast<long>(getpid())) + "-" +
                          std::to_string(writes.fetch_add(1));
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Status::Error(StatusCode::kIoError, "cannot create '%s': %s", tmp.c_str(), std::strerror(errno));
  size_t written = 0;
  auto put = [&](const void* data, size_t n) {
    const uint8_t* p = static_cast<const uint8_t*>(data);
    while (n > 0) {
      const ssize_t w = ::write(fd, p, n);
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) return false;
      p += w;
      n -= static_cast<size_t>(w);
      written += static_cast<size_t>(w);
    }
    return true;
  };
  static const uint8_t kZeros[kBlockAlignment] = {};
  bool ok = put(&h, sizeof(h)) && put(table.data(), table.size() * kEntryBytes);
  for (size_t i = 0; ok && i < blocks.size(); ++i)
    ok = put(kZeros, static_cast<size_t>(table[i].offset) - written) && put(blocks[i].data, blocks[i].bytes);
  if (ok) ok = put(kZeros, offset - written);
  // On disk before it takes the name: after a crash the name holds either the
  // old file or the whole new one, never a torn one.
  if (ok && ::fsync(fd) != 0) ok = false;
  const int saved = errno;
  if (::close(fd) != 0) ok = false;
  if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = ok ? errno : saved;
    std::remove(tmp.c_str());
    return Status::Error(StatusCode::kIoError, "cannot write '%s': %s", path.c_str(), std::strerror(err));
  }
  return Status::Ok();
}

}  // namespace edgert
