#include "kernels/optimized/qs8_conv.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace edgert {
namespace opt {

bool MakeQS8ChannelWords(const ConvQuantParams& q, int c, const int8_t* w, size_t k, size_t stride, int32_t bias,
                         QS8ChannelWords* out, int64_t* weight_sum) {
  const int32_t wzp = q.weight_zp[c];
  int64_t sum = 0, abs_sum = 0;
  for (size_t i = 0; i < k; ++i) {
    const int64_t v = w[i * stride] - wzp;
    sum += v;
    abs_sum += v < 0 ? -v : v;
  }
  if (weight_sum != nullptr) *weight_sum = sum;
  const int64_t max_dev = std::max<int64_t>(127 - q.input_zp, q.input_zp + 128);
  const int64_t bound = (bias < 0 ? -static_cast<int64_t>(bias) : bias) + abs_sum * max_dev;
  if (bound > INT32_MAX) return false;
  out->acc0 = static_cast<int32_t>(bias - q.input_zp * sum);  // |acc0| <= bound
  out->multiplier = q.multiplier[c];
  out->left = std::max(q.shift[c], 0);
  out->right = std::max(-q.shift[c], 0);
  return true;
}

bool QS8ChannelRoundsInInt32(const ConvQuantParams& q, int c, int32_t bias, int64_t k) {
  const int64_t bound = (bias < 0 ? -static_cast<int64_t>(bias) : bias) + k * 255 * 255;
  return QS8RoundsInInt32(bound, std::max(q.shift[c], 0), std::max(-q.shift[c], 0), q.output_zp);
}

Status PackQS8Gemm(KernelContext* ctx, const ConvQuantParams& q, const int8_t* w, int out_c, int64_t k,
                   const int32_t* b, QS8PackedGemm* out) {
  std::vector<const int8_t*> cols(static_cast<size_t>(out_c));
  std::vector<int> channels(static_cast<size_t>(out_c));
  for (int oc = 0; oc < out_c; ++oc) {
    cols[static_cast<size_t>(oc)] = w + static_cast<size_t>(oc) * static_cast<size_t>(k);
    channels[static_cast<size_t>(oc)] = oc;
  }
  return PackQS8GemmColumns(ctx, q, out_c, k, cols.data(), channels.data(), b, out);
}

namespace {

// K bytes per group of the c4 family's packing at this level: 4 (c4), 8 (c8)
// or 16 (c16) (4 where the level has no such microkernel: the value is then unused).
int64_t QS8KGroup() {
  const int g = GetKernelIsa().qs8_gemm_c4.k_group;
  return g == 8 || g == 16 ? g : 4;
}

// Bytes of one packed panel of nr columns of k weights, K rounded up to
// k_round in the c4 family's packing.
size_t QS8PanelBytes(bool c4, int nr, int64_t k, int64_t k_round) {
  const size_t weight_bytes = c4 ? static_cast<size_t>((k + k_round - 1) / k_round * k_round) * static_cast<size_t>(nr)
                                 : static_cast<size_t>((k + 7) / 8 * 8) * static_cast<size_t>(nr) * sizeof(int16_t);
  return static_cast<size_t>(nr) * kQS8ChannelWords * sizeof(int32_t) + weight_bytes;
}

uint64_t QS8PackedLayout(bool c4, int nr, int64_t k, int64_t k_round) {
  const int64_t g = QS8KGroup();
  return PackedLayoutKey(c4 ? (g == 16 ? "qs8-gemm-c16" : g == 8 ? "qs8-gemm-c8" : "qs8-gemm-c4") : "qs8-gemm-c2",
                         {nr, k, c4 ? GetKernelIsa().qs8_gemm_c4.a_offset : 0, c4 ? k_round : 0});
}

}  // namespace

Status PackQS8GemmColumns(KernelContext* ctx, const ConvQuantParams& q, int n, int64_t k, const int8_t* const* cols,
                          const int* channels, const int32_t* b, QS8PackedGemm* out) {
  *out = QS8PackedGemm();
  const KernelIsa& isa = GetKernelIsa();
  if (isa.qs8_gemm.fn == nullptr) return Status::Ok();
  bool short_rounding = true;
  for (int j = 0; j < n && short_rounding; ++j)
    short_rounding = QS8ChannelRoundsInInt32(q, channels[j], b != nullptr ? b[channels[j]] : 0, k);
  // The microkernel for a packing: c2, c4, or c4 with NR = 8 for at most 8
  // columns where the level has one.
  // (k_round: K rounded up to it in the c4 packing; the NR = 8 kernel reads quads.)
  struct Choice {
    QS8GemmUkernelFn fn;
    int mr, nr;
    int64_t k_round;
  };
  auto choose = [&](bool c4) {
    if (c4 && n <= 8 && isa.qs8_gemm_c4_nr8.fn != nullptr)
      return Choice{isa.qs8_gemm_c4_nr8.fn, isa.qs8_gemm_c4_nr8.mr, isa.qs8_gemm_c4_nr8.nr, 4};
    if (c4 && isa.qs8_gemm_c4_short_k.fn != nullptr && k <= isa.qs8_gemm_c4_short_k.max_k)
      return Choice{isa.qs8_gemm_c4_short_k.fn, isa.qs8_gemm_c4_short_k.mr, isa.qs8_gemm_c4_short_k.nr, 4};
    return c4 ? Choice{isa.qs8_gemm_c4.fn, isa.qs8_gemm_c4.mr, isa.qs8_gemm_c4.nr, isa.qs8_gemm_c4.k_round}
              : Choice{isa.qs8_gemm.fn, isa.qs8_gemm.mr, isa.qs8_gemm.nr, 0};
  };
  auto finish = [&](bool c4, const void* packed) {
    const Choice ch = choose(c4);
    out->short_rounding = short_rounding;
    out->gemm = ch.fn;
    out->release = isa.qs8_gemm_release;
    out->mr = ch.mr;
    out->nr = ch.nr;
    out->c4 = c4;
    out->panel_bytes = QS8PanelBytes(c4, out->nr, k, ch.k_round);
    out->packed = static_cast<const uint8_t*>(packed);
    out->k_work = k;
    return Status::Ok();
  };
  // The c4 family where the level has it and K is long enough for it.
  const bool c4_usable = isa.qs8_gemm_c4.fn != nullptr && k >= isa.qs8_gemm_c4.min_k;
  // A cached packing was made from these very weights after the checks below
  // passed, so they need not be read again.
  for (bool c4 : {true, false}) {
    if (c4 && !c4_usable) continue;
    const Choice ch = choose(c4);
    const size_t bytes = static_cast<size_t>((n + ch.nr - 1) / ch.nr) * QS8PanelBytes(c4, ch.nr, k, ch.k_round);
    if (const void* cached = ctx->FindPacked(bytes, QS8PackedLayout(c4, ch.nr, k, ch.k_round)))
      return finish(c4, cached);
  }
  std::vector<QS8ChannelWords> words(static_cast<size_t>(n));
  std::vector<int64_t> sums(static_cast<size_t>(n));
  for (int j = 0; j < n; ++j) {  // an int32 accumulator might overflow: the reference runs this node
    const int c = channels[j];
    if (!MakeQS8ChannelWords(q, c, cols[j], static_cast<size_t>(k), 1, b ? b[c] : 0, &words[static_cast<size_t>(j)],
                             &sums[static_cast<size_t>(j)]))
      return Status::Ok();
  }

  bool c4 = c4_usable;
  // The c4 family's weights: int8 (without -128 for no_min_weight kernels).
  const int32_t w_min = isa.qs8_gemm_c4.no_min_weight ? -127 : -128;
  for (int j = 0; c4 && j < n; ++j) {
    const int32_t wzp = q.weight_zp[channels[j]];
    if (wzp == 0 && w_min == -128) continue;  // int8 values minus 0 fit
    for (int64_t i = 0; c4 && i < k; ++i) {
      const int32_t v = cols[j][i] - wzp;
      c4 = v >= w_min && v <= 127;
    }
  }
  const int nr = choose(c4).nr;
  const int64_t k_round = choose(c4).k_round;
  const int64_t group = QS8KGroup();  // c4: K bytes per packed group (4, or 8 / 16 for c8 / c16)

  // Pack: panel p holds columns [p*nr, p*nr + nr).
  const size_t header_words = static_cast<size_t>(nr) * kQS8ChannelWords;
  const size_t panel_bytes = QS8PanelBytes(c4, nr, k, k_round);
  const int panels = (n + nr - 1) / nr;
  bool filled = false;
  uint8_t* packed = static_cast<uint8_t*>(
      ctx->AllocatePacked(panels * panel_bytes, QS8PackedLayout(c4, nr, k, k_round), &filled));
  if (packed == nullptr)
    return ctx->Error(StatusCode::kOutOfMemory, "out of memory for %d packed weight panels", panels);
  for (int p = 0; p < panels && !filled; ++p) {
    int32_t* header = reinterpret_cast<int32_t*>(packed + p * panel_bytes);  // zeroed: padding stays 0
    int16_t* pairs = reinterpret_cast<int16_t*>(header + header_words);
    int8_t* quads = reinterpret_cast<int8_t*>(header + header_words);
    for (int j = 0; j < nr && p * nr + j < n; ++j) {
      const int col = p * nr + j, c = channels[col];
      const int8_t* src = cols[col];
      const QS8ChannelWords& cw = words[static_cast<size_t>(col)];
      const int32_t wzp = q.weight_zp[c];
      const int64_t sum = sums[static_cast<size_t>(col)];
      // Column j's K values: group r (g values) at element (r * nr + j) * g.
      const int64_t g = c4 ? group : 2;
      const size_t step = static_cast<size_t>(nr * g);
      size_t at = static_cast<size_t>(j * g);
      for (int64_t k0 = 0; k0 < k; k0 += g, at += step) {
        const size_t len = static_cast<size_t>(std::min(g, k - k0));
        if (c4 && wzp == 0) {
          std::memcpy(quads + at, src + k0, len);
          continue;
        }
        for (size_t i = 0; i < len; ++i) {
          const int32_t v = src[k0 + static_cast<int64_t>(i)] - wzp;
          if (c4)
            quads[at + i] = static_cast<int8_t>(v);
          else
            pairs[at + i] = static_cast<int16_t>(v);
        }
      }
      // c4: the microkernel adds a_offset * sum(w) (A offset by a_offset:
      // 128 for VNNI, 0 for SDOT); int32 wraps and cancels exactly.
      header[j] = c4 ? static_cast<int32_t>(static_cast<uint32_t>(cw.acc0) -
                                            static_cast<uint32_t>(sum * isa.qs8_gemm_c4.a_offset))
                     : cw.acc0;
      header[nr + j] = cw.multiplier;
      header[2 * nr + j] = cw.left;
      header[3 * nr + j] = cw.right;
    }
  }
  return finish(c4, packed);
}

bool QS8WithConstantWeights(KernelContext* ctx) {
  const Tensor* bias = ctx->input(2);
  return ctx->input(0)->dtype == DType::kI8 && ctx->output(0)->dtype == DType::kI8 &&
         ctx->input(1)->dtype == DType::kI8 && ctx->input(1)->is_constant && (bias == nullptr || bias->is_constant);
}

}  // namespace opt
}  // namespace edgert
