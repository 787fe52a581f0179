// The indirection pointers of a depthwise node's output rows
// (FillDepthwiseRowPointers: out_w * taps input-pixel pointers per row),
// shared by the f32 and int8 optimized DEPTHWISE_CONV_2D paths.
//
// The pointers depend only on the geometry and on the input's and padding
// row's addresses, which stay the same from one invoke to the next unless the
// caller supplies another input buffer. Building every row on every Eval took
// about a third of a small depthwise layer's time ([48,48,16] int8 and
// [112,112,32] f32, 3x3 stride 1, AVX-512); the share falls as channels grow,
// since a pointer serves all of a pixel's channels. So for nodes of at most
// kMaxCachedRowChannels channels whose pointers take at most
// kMaxCachedRowBytes, they live in persistent memory, built during the first
// Eval (each row by the worker that runs it) and again only when the input's
// address changes; slot 0 holds the address they were built for. Other nodes
// keep building each row in the worker's scratch slice on every Eval.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "kernels/common/conv_util.h"
#include "runtime/kernel_api.h"

namespace edgert {

constexpr size_t kMaxCachedRowBytes = size_t{2} << 20;
constexpr int kMaxCachedRowChannels = 64;

template <typename T>
struct DepthwiseRows {
  size_t row_pointers = 0;    // out_w * taps
  const T** cache = nullptr;  // slot 0: the input address; then every row's pointers (nullptr: not cached)
  int scratch = -1;           // row_pointers per worker, when not cached
};

// Pointers of one output row of window g: out_w * taps.
inline size_t DepthwiseRowPointerCount(const Window2D& g) {
  return static_cast<size_t>(g.out_w) * static_cast<size_t>(g.filter_h) * static_cast<size_t>(g.filter_w);
}

// Chooses the cache or the per-worker scratch for window g.
template <typename T>
Status PrepareDepthwiseRows(KernelContext* ctx, const Window2D& g, DepthwiseRows<T>* d) {
  d->row_pointers = DepthwiseRowPointerCount(g);
  const size_t rows = static_cast<size_t>(g.batches) * static_cast<size_t>(g.out_h);
  const size_t bytes = (1 + rows * d->row_pointers) * sizeof(const T*);
  if (g.in_c <= kMaxCachedRowChannels && rows * d->row_pointers <= kMaxCachedRowBytes / sizeof(const T*)) {
    d->cache = static_cast<const T**>(ctx->AllocatePersistent(bytes));  // zeroed: built for no input yet
    if (d->cache == nullptr) return ctx->Error(StatusCode::kOutOfMemory, "out of memory for %zu indirection bytes", bytes);
    // Written here so that its pages are resident before the first invoke
    // (a large zeroed block is mapped lazily; faulting it in during the first
    // run made that run up to twice the median on the small models).
    std::memset(static_cast<void*>(d->cache), 0, bytes);
    return Status::Ok();
  }
  return ctx->RequestScratch(d->row_pointers * sizeof(const T*) * static_cast<size_t>(ctx->num_threads()),
                             &d->scratch);
}

// Whether the cached rows were built for input `in` (read before the rows'
// ParallelFor; MarkDepthwiseRowsBuilt after it).
template <typename T>
bool DepthwiseRowsBuilt(const DepthwiseRows<T>& d, const T* in) {
  return d.cache != nullptr && d.cache[0] == in;
}
template <typename T>
void MarkDepthwiseRowsBuilt(const DepthwiseRows<T>& d, const T* in) {
  if (d.cache != nullptr) d.cache[0] = in;
}

// Output row r's pointers (batch r / out_h, row r % out_h), built first unless
// `built`.
template <typename T>
const T* const* DepthwiseRowPointers(KernelContext* ctx, const DepthwiseRows<T>& d, bool built, int worker, size_t r,
                                     const Window2D& g, const T* in, const T* pad) {
  const T** p = d.cache != nullptr
                    ? d.cache + 1 + r * d.row_pointers
                    : static_cast<const T**>(ctx->scratch(d.scratch)) + static_cast<size_t>(worker) * d.row_pointers;
  if (!built) {
    const size_t out_h = static_cast<size_t>(g.out_h);
    FillDepthwiseRowPointers(g, in, static_cast<int64_t>(r / out_h), static_cast<int>(r % out_h), pad, p);
  }
  return p;
}

}  // namespace edgert
