// The sparse c4 packing of int8 weights for the block-sparse QS8 GEMM
// (KernelIsa::qs8_spmm, layout in kernels/dispatch.h): per block of 16 output
// channels, only the quads (4 consecutive input channels) holding a non-zero
// weight are stored, each with its byte offset into an A row. It is packed
// from the dense weights (a constant stored block-sparse in the model is
// densified by the loader), so it serves any int8 weights with enough zero
// quads: pruned ones above all (edgert-convert --prune).
#include <algorithm>
#include <atomic>
#include <vector>

#include "kernels/optimized/qs8_conv.h"

namespace edgert {
namespace opt {
namespace {

// SetQS8SpmmMinZeroQuadsForTesting's value; negative: the table's.
std::atomic<double> g_min_zero_quads{-1.0};

// Whether quad [k0, k0 + 4) of block [c0, c0 + 16) holds a weight other than
// its channel's zero point.
bool QuadUsed(const ConvQuantParams& q, const int8_t* w, int out_c, int64_t k, int c0, int64_t k0) {
  for (int c = c0; c < std::min(out_c, c0 + static_cast<int>(kQS8SpmmBlock)); ++c)
    for (int64_t i = k0; i < std::min(k, k0 + 4); ++i)
      if (w[static_cast<size_t>(c) * static_cast<size_t>(k) + static_cast<size_t>(i)] != q.weight_zp[c]) return true;
  return false;
}

}  // namespace

double SetQS8SpmmMinZeroQuadsForTesting(double fraction) {
  return g_min_zero_quads.exchange(fraction, std::memory_order_relaxed);
}

Status PackQS8Spmm(KernelContext* ctx, const ConvQuantParams& q, const int8_t* w, int out_c, int64_t k,
                   const int32_t* bias, QS8PackedGemm* out) {
  *out = QS8PackedGemm();
  const KernelIsa& isa = GetKernelIsa();
  // Fewer than 16 K values leave at most 3 quads to skip per block (no gain
  // measured, bench/qs8_spmm_bench.cc); at most 8 columns run faster on the
  // dense GEMM with NR = 8 where the level has one.
  if (isa.qs8_spmm.fn == nullptr || out_c <= 0 || k < 16 || k > INT32_MAX - 4 ||
      (out_c <= 8 && isa.qs8_gemm_c4_nr8.fn != nullptr))
    return Status::Ok();
  const size_t blocks = (static_cast<size_t>(out_c) + kQS8SpmmBlock - 1) / kQS8SpmmBlock;
  const size_t k_quads = static_cast<size_t>((k + 3) / 4);
  // The stored quads of each block.
  std::vector<std::vector<int32_t>> used(blocks);
  size_t stored = 0, bytes = 0;
  for (size_t b = 0; b < blocks; ++b) {
    for (size_t t = 0; t < k_quads; ++t)
      if (QuadUsed(q, w, out_c, k, static_cast<int>(b * kQS8SpmmBlock), static_cast<int64_t>(4 * t)))
        used[b].push_back(static_cast<int32_t>(4 * t));
    stored += used[b].size();
    bytes += QS8SpmmBlockBytes(used[b].size());
  }
  const double zero = 1.0 - static_cast<double>(stored) / static_cast<double>(blocks * k_quads);
  // The dense alternative: the quad GEMM, or (large K at the AMX level) the tile GEMM.
  const bool dense_on_tiles = isa.qs8_gemm_c4.k_round == 64 &&
                              !(isa.qs8_gemm_c4_short_k.fn != nullptr && k <= isa.qs8_gemm_c4_short_k.max_k);
  double min_zero = dense_on_tiles ? isa.qs8_spmm.min_zero_quads_vs_tiles : kQS8SpmmMinZeroQuads;
  if (g_min_zero_quads.load(std::memory_order_relaxed) >= 0.0) min_zero = g_min_zero_quads.load();
  if (zero < min_zero) return Status::Ok();

  bool short_rounding = true;
  std::vector<QS8ChannelWords> words(static_cast<size_t>(out_c));
  std::vector<int64_t> sums(static_cast<size_t>(out_c));
  for (int c = 0; c < out_c; ++c) {
    const int8_t* col = w + static_cast<size_t>(c) * static_cast<size_t>(k);
    const int32_t b = bias != nullptr ? bias[c] : 0;
    // An int32 accumulator might overflow: the reference runs this node.
    if (!MakeQS8ChannelWords(q, c, col, static_cast<size_t>(k), 1, b, &words[static_cast<size_t>(c)],
                             &sums[static_cast<size_t>(c)]))
      return Status::Ok();
    short_rounding = short_rounding && QS8ChannelRoundsInInt32(q, c, b, k);
    if (q.weight_zp[c] != 0)  // stored quads are int8 weights minus the zero point
      for (int64_t i = 0; i < k; ++i)
        if (col[i] - q.weight_zp[c] < -128 || col[i] - q.weight_zp[c] > 127) return Status::Ok();
  }

  const int32_t a_offset = isa.qs8_spmm.a_offset;
  bool filled = false;
  uint8_t* packed = static_cast<uint8_t*>(
      ctx->AllocatePacked(bytes, PackedLayoutKey("qs8-spmm-c4", {k, a_offset}), &filled));
  size_t* offsets = static_cast<size_t*>(ctx->AllocatePersistent(blocks * sizeof(size_t)));
  if (packed == nullptr || offsets == nullptr)
    return ctx->Error(StatusCode::kOutOfMemory, "out of memory for %zu bytes of sparse int8 weights", bytes);
  constexpr size_t kHeaderWords = kQS8SpmmBlock * kQS8ChannelWords;
  size_t at = 0;
  for (size_t b = 0; b < blocks; ++b) {
    offsets[b] = at;
    const std::vector<int32_t>& quads = used[b];
    if (!filled) {
      int32_t* header = reinterpret_cast<int32_t*>(packed + at);  // zeroed: padding stays 0
      int32_t* list = header + kHeaderWords;
      int8_t* values = reinterpret_cast<int8_t*>(list + QS8SpmmOffsetWords(quads.size()));
      list[0] = static_cast<int32_t>(quads.size());
      std::copy(quads.begin(), quads.end(), list + 1);
      for (size_t j = 0; j < kQS8SpmmBlock && b * kQS8SpmmBlock + j < static_cast<size_t>(out_c); ++j) {
        const int c = static_cast<int>(b * kQS8SpmmBlock + j);
        const int8_t* col = w + static_cast<size_t>(c) * static_cast<size_t>(k);
        for (size_t t = 0; t < quads.size(); ++t)
          for (int64_t i = quads[t]; i < std::min<int64_t>(k, quads[t] + 4); ++i)
            values[(t * kQS8SpmmBlock + j) * 4 + static_cast<size_t>(i - quads[t])] =
                static_cast<int8_t>(col[i] - q.weight_zp[c]);
        const QS8ChannelWords& cw = words[static_cast<size_t>(c)];
        // The microkernel adds a_offset * sum(w) (A offset by a_offset); int32 wraps and cancels exactly.
        header[j] = static_cast<int32_t>(static_cast<uint32_t>(cw.acc0) -
                                         static_cast<uint32_t>(sums[static_cast<size_t>(c)] * a_offset));
        header[kQS8SpmmBlock + j] = cw.multiplier;
        header[2 * kQS8SpmmBlock + j] = cw.left;
        header[3 * kQS8SpmmBlock + j] = cw.right;
      }
    }
    at += QS8SpmmBlockBytes(quads.size());
  }
  out->gemm = isa.qs8_spmm.fn;
  out->mr = isa.qs8_spmm.mr;
  out->nr = static_cast<int>(kQS8SpmmBlock);
  out->packed = packed;
  out->panel_offsets = offsets;
  out->short_rounding = short_rounding;
  out->c4 = true;
  out->k_work = static_cast<int64_t>(4 * stored / blocks) + 1;
  return Status::Ok();
}

}  // namespace opt
}  // namespace edgert
