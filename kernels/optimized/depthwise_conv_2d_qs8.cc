// The QS8 path of the optimized DEPTHWISE_CONV_2D kernel
// (kernels/optimized/qs8_conv.h): depth_multiplier 1, any filter size, stride,
// dilation and padding, when the ISA table has a QS8 depthwise microkernel.
//
// Prepare packs the weights [1,KH,KW,C] once into persistent memory in the
// microkernel's layout (QS8DwconvUkernelFn): groups of CT channels (the last
// one overlapping the one before where CT does not divide C), each the
// channels' output-stage words then round_up(KH*KW, 2) / 2 blocks of CT int16
// tap pairs (for a single_taps microkernel, KH*KW blocks of CT words of one
// tap each, the weight in the low or high half by channel parity), in the
// microkernel's channel order; or, for the level's tap-quad microkernel where
// the weights fit int8 (KernelIsa::qs8_dwconv_quads), ceil(KH*KW / 4) blocks
// of CT words of four int8 taps each, channels in order. Eval is the f32 path's
// (kernels/optimized/depthwise_conv_2d.cc): per output row an indirection
// buffer of input-pixel pointers (kernels/common/depthwise_rows.h), padding
// taps pointing at a persistent row of the input zero point; rows are split by
// ctx->ParallelFor and do not depend on the tiling.
#include <climits>
#include <cstring>

#include "kernels/common/conv_util.h"
#include "kernels/common/depthwise_rows.h"
#include "kernels/common/parallel_tile.h"
#include "kernels/optimized/qs8_conv.h"

namespace edgert {
namespace opt {
namespace {

// Larger filters (hostile models) stay on the reference kernel.
constexpr int64_t kMaxTaps = 1024;

}  // namespace

Status PrepareQS8DepthwiseConv2D(KernelContext* ctx, QS8DepthwiseConv2D* s) {
  const KernelIsa& isa = GetKernelIsa();
  const Tensor* input = ctx->input(0);
  const Tensor* weights = ctx->input(1);
  const Tensor* bias = ctx->input(2);
  const auto* opt = ctx->options<schema::DepthwiseConv2DOptions>();
  const Shape& is = input->shape;
  const Shape& ws = weights->shape;
  const int64_t taps = static_cast<int64_t>(ws[1]) * ws[2];
  if (isa.qs8_dwconv.fn == nullptr || !QS8WithConstantWeights(ctx) || opt->depth_multiplier() != 1 ||
      taps > kMaxTaps)
    return Status::Ok();

  const int c = is[3];
  ConvQuantParams q;
  EDGERT_RETURN_IF_ERROR(PrepareConvQuant(ctx, input, weights, bias, ctx->output(0), 3, c, opt->activation(), &q));
  EDGERT_RETURN_IF_ERROR(PrepareWindow2D(ctx, is, opt->padding(), opt->pads(), ws[1], ws[2], opt->stride_h(),
                                         opt->stride_w(), opt->dilation_h(), opt->dilation_w(), &s->window));

  const int8_t* w = weights->data_as<int8_t>();
  const int32_t* b = bias != nullptr ? bias->data_as<int32_t>() : nullptr;
  // The tap-quad microkernel where the level has one and every weight minus
  // its zero point fits int8 (always so with TFLite's zero weight zero
  // points) and its accumulators, which start from acc0 - a_offset * sum and
  // add (x + a_offset) * w, stay within int32. A cached quad packing passed
  // these checks when it was made: the weights are not read again.
  const auto& quad_kernel = isa.qs8_dwconv_quads;
  bool quads = quad_kernel.fn != nullptr && c >= quad_kernel.min_channels;
  auto packing = [&](bool q4, int* ct, size_t* group_words, uint64_t* layout) {
    *ct = q4 ? quad_kernel.channel_tile : isa.qs8_dwconv.channel_tile;
    const uint8_t* order = q4 ? nullptr : isa.qs8_dwconv.channel_order;
    const bool single = isa.qs8_dwconv.single_taps;
    // int32 words of weights per channel: quads of int8, pairs of int16, or one tap each
    const size_t tap_words = static_cast<size_t>(q4 ? (taps + 3) / 4 : single ? taps : (taps + 1) / 2);
    *group_words = static_cast<size_t>(*ct) * (kQS8ChannelWords + tap_words);
    int64_t order_code = 0;  // the channel order, 4 bits per position
    for (int j = 0; j < *ct && j < 16; ++j)
      order_code |= static_cast<int64_t>(order != nullptr ? order[j] : j) << (4 * j);
    *layout = q4 ? PackedLayoutKey("qs8-dwconv-tap-quads", {*ct, taps, quad_kernel.a_offset})
                 : PackedLayoutKey("qs8-dwconv-overlapping-last-group", {*ct, taps, order_code, single ? 1 : 2});
    return static_cast<size_t>((c + *ct - 1) / *ct) * *group_words * sizeof(int32_t);
  };
  int ct = 0;
  size_t group_words = 0;
  uint64_t layout = 0;
  size_t packed_bytes = quads ? packing(true, &ct, &group_words, &layout) : 0;
  const void* cached = quads ? ctx->FindPacked(packed_bytes, layout) : nullptr;
  for (int ch = 0; ch < c && quads && cached == nullptr; ++ch) {
    int64_t abs_sum = 0;
    for (int64_t t = 0; t < taps && quads; ++t) {
      const int32_t v = w[t * c + ch] - q.weight_zp[ch];
      quads = v >= -128 && v <= 127;
      abs_sum += v < 0 ? -v : v;
    }
    const int64_t bias_abs = b != nullptr ? (b[ch] < 0 ? -int64_t{b[ch]} : b[ch]) : 0;
    const int64_t start_abs = bias_abs + abs_sum * (q.input_zp + quad_kernel.a_offset < 0
                                                        ? -int64_t{q.input_zp + quad_kernel.a_offset}
                                                        : int64_t{q.input_zp + quad_kernel.a_offset});
    quads = quads && start_abs + abs_sum * 255 <= INT32_MAX;
  }
  if (!quads) {
    packed_bytes = packing(false, &ct, &group_words, &layout);
    cached = ctx->FindPacked(packed_bytes, layout);
  }
  // Pack: group gi holds channels [start, start + ct) (start = gi * ct, the
  // last group of a channel count above ct ending at c), channel start + j at
  // position order[j].
  const uint8_t* order = quads ? nullptr : isa.qs8_dwconv.channel_order;
  const bool single = isa.qs8_dwconv.single_taps;
  const int groups = (c + ct - 1) / ct;
  // A cached packing was made from these weights after the overflow check
  // below passed, so they need not be read again.
  bool filled = cached != nullptr;
  QS8ChannelWords cw;
  for (int ch = 0; ch < c && !filled; ++ch)  // an int32 accumulator might overflow: the reference runs this node
    if (!MakeQS8ChannelWords(q, ch, w + ch, static_cast<size_t>(taps), static_cast<size_t>(c), b ? b[ch] : 0, &cw))
      return Status::Ok();
  int32_t* packed = filled ? static_cast<int32_t*>(const_cast<void*>(cached))
                           : static_cast<int32_t*>(ctx->AllocatePacked(packed_bytes, layout, &filled));
  int8_t* padding = static_cast<int8_t*>(ctx->AllocatePersistent(static_cast<size_t>(c)));
  if (packed == nullptr || padding == nullptr)
    return ctx->Error(StatusCode::kOutOfMemory, "out of memory for %d packed weight groups", groups);
  for (int gi = 0; gi < groups && !filled; ++gi) {
    int32_t* header = packed + gi * group_words;  // zeroed: padding channels stay 0
    int16_t* pairs = reinterpret_cast<int16_t*>(header + static_cast<size_t>(ct) * kQS8ChannelWords);
    int8_t* bytes = reinterpret_cast<int8_t*>(pairs);
    const int start = static_cast<int>(QS8DwconvGroupStart(static_cast<size_t>(gi), static_cast<size_t>(c),
                                                           static_cast<size_t>(ct)));
    for (int j = 0; j < ct && start + j < c; ++j) {
      const int ch = start + j;
      const size_t pos = order != nullptr ? order[j] : static_cast<size_t>(j);
      int64_t sum = 0;
      MakeQS8ChannelWords(q, ch, w + ch, static_cast<size_t>(taps), static_cast<size_t>(c), b != nullptr ? b[ch] : 0,
                          &cw, &sum);
      header[pos] = quads ? static_cast<int32_t>(cw.acc0 - quad_kernel.a_offset * sum) : cw.acc0;
      header[ct + pos] = cw.multiplier;
      header[2 * ct + pos] = cw.left;
      header[3 * ct + pos] = cw.right;
      for (int64_t t = 0; t < taps; ++t) {
        const int32_t v = w[t * c + ch] - q.weight_zp[ch];
        if (quads) {  // block t / 4, channel j's word, byte t % 4
          bytes[(static_cast<size_t>(t / 4) * ct + pos) * 4 + static_cast<size_t>(t % 4)] = static_cast<int8_t>(v);
          continue;
        }
        // single taps: (w, 0) for even j, (0, w) for odd j
        const size_t word = single ? static_cast<size_t>(t) : static_cast<size_t>(t / 2);
        pairs[(word * ct + pos) * 2 + static_cast<size_t>(single ? j % 2 : t % 2)] = static_cast<int16_t>(v);
      }
    }
  }
  std::memset(padding, q.input_zp, static_cast<size_t>(c));

  EDGERT_RETURN_IF_ERROR(PrepareDepthwiseRows(ctx, s->window, &s->rows));
  const size_t rows = static_cast<size_t>(s->window.batches) * static_cast<size_t>(s->window.out_h);
  s->tile_rows = ParallelTile(rows, s->rows.row_pointers * static_cast<size_t>(c), ctx->num_threads(), 1);
  s->padding = padding;
  s->packed = packed;
  ctx->MarkInputPacked(1);  // weights and bias live in the packed groups
  ctx->MarkInputPacked(2);
  s->params = {q.output_zp, q.act_min, q.act_max};
  bool short_rounding = q.act_min == -128 && q.act_max == 127;
  for (int ch = 0; ch < c && short_rounding; ++ch)
    short_rounding = QS8ChannelRoundsInInt32(q, ch, b != nullptr ? b[ch] : 0, taps);
  s->params.full_range_short_rounding = short_rounding ? 1 : 0;
  s->dwconv = quads ? quad_kernel.fn : isa.qs8_dwconv.fn;
  return Status::Ok();
}

void EvalQS8DepthwiseConv2D(KernelContext* ctx, const QS8DepthwiseConv2D& s) {
  const Window2D& g = s.window;
  const int8_t* in = ctx->input(0)->data_as<int8_t>();
  int8_t* out = ctx->output(0)->data_as<int8_t>();
  const size_t taps = static_cast<size_t>(g.filter_h) * g.filter_w;
  const size_t c = static_cast<size_t>(g.in_c);
  const size_t rows = static_cast<size_t>(g.batches) * static_cast<size_t>(g.out_h);
  const bool built = DepthwiseRowsBuilt(s.rows, in);
  // Rows [r0, r0 + nrows) of the batches x out_h output rows.
  ctx->ParallelFor(rows, s.tile_rows, [&](int worker, size_t r0, size_t nrows) {
    for (size_t r = r0; r < r0 + nrows; ++r) {
      const int8_t* const* ptrs = DepthwiseRowPointers(ctx, s.rows, built, worker, r, g, in, s.padding);
      s.dwconv(static_cast<size_t>(g.out_w), c, taps, ptrs, s.packed, out + r * static_cast<size_t>(g.out_w) * c,
               &s.params);
    }
  });
  MarkDepthwiseRowsBuilt(s.rows, in);
}

}  // namespace opt
}  // namespace edgert
