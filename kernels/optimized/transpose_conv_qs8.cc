// The QS8 path of the optimized TRANSPOSE_CONV kernel
// (kernels/optimized/qs8_conv.h): int8 input and output, constant int8
// weights (per-channel or per-tensor) and bias, when the filter taps tile the
// output exactly: stride equal to the filter size, no padding, output size =
// input size * stride (the upsampling layers of segmentation decoders). Then
// every output pixel receives exactly one tap: output row y * KH + ky is,
// for input row y, one GEMM of the row's in_w pixels (M) by the weights of
// filter row ky (N = KW * O columns, column kx * O + o, each with the output
// stage of channel o and its bias), whose rows of N land contiguously in the
// output row. The accumulator is the reference's exact one (bias plus
// (x - input_zp) * (w - weight_zp) over the pixel's tap), requantized the same
// way, so results are bit-identical. Output rows run in parallel; the
// arithmetic of a value does not depend on the tiling.
#include <algorithm>
#include <climits>
#include <vector>

#include "kernels/common/parallel_tile.h"
#include "kernels/optimized/qs8_conv.h"

namespace edgert {
namespace opt {

namespace {

// The node's shapes (input is, weights ws [O, KH, KW, I]), the packed sets
// (per filter row) and the output rows per parallel tile.
void SetGeometry(KernelContext* ctx, const Shape& is, const Shape& ws, const uint8_t* const* sets,
                 QS8TransposeConv* s) {
  s->batches = is[0];
  s->in_h = is[1];
  s->in_w = is[2];
  s->in_c = ws[3];
  s->out_c = ws[0];
  s->filter_h = ws[1];
  s->filter_w = ws[2];
  s->packed = sets;
  const size_t n = static_cast<size_t>(s->filter_w) * static_cast<size_t>(s->out_c);
  s->tile_rows = ParallelTile(static_cast<size_t>(s->batches) * s->in_h * s->filter_h,
                              static_cast<size_t>(s->in_w) * n * static_cast<size_t>(s->in_c), ctx->num_threads(), 1);
}

// The few-column form: per filter row ky, the 16 output-stage words of its
// n = KW * O columns (column kx * O + o: channel o's) and their int8 weights
// in QS8Dot4UkernelFn's layout. Sets nothing (s->dot4 stays nullptr) where a
// weight minus its zero point leaves int8 or a sum might leave int32: the
// GEMM form runs.
Status PrepareDot4(KernelContext* ctx, const ConvQuantParams& q, QS8TransposeConv* s) {
  const auto& dot = GetKernelIsa().qs8_dot4;
  const Tensor* input = ctx->input(0);
  const Tensor* weights = ctx->input(1);
  const Tensor* bias = ctx->input(2);
  const Shape& ws = weights->shape;
  const int fh = ws[1], fw = ws[2], oc = ws[0], ic = ws[3];
  const size_t kc16 = (static_cast<size_t>(ic) + 15) & ~size_t{15};
  const size_t set_bytes = 16 * sizeof(int32_t) + 4 * kc16;
  const int8_t* w = weights->data_as<int8_t>();
  const int32_t* b = bias != nullptr ? bias->data_as<int32_t>() : nullptr;
  // A cached packing passed the checks below when it was made: the weights
  // are not read again (the first filter row's block is taken here, the
  // others by AllocatePacked below, in order).
  const uint64_t layout = PackedLayoutKey("qs8-dot4", {fw, oc, ic, dot.a_offset});
  const void* first_cached = ctx->FindPacked(set_bytes, layout);
  bool short_rounding = q.act_min == -128 && q.act_max == 127;
  for (int o = 0; o < oc; ++o) {
    for (int t = 0; t < fh * fw && first_cached == nullptr; ++t) {  // weights[o][ky][kx][:], t = ky * KW + kx
      int64_t abs_sum = 0;
      const int8_t* col = w + (static_cast<size_t>(o) * fh * fw + t) * ic;
      for (int k = 0; k < ic; ++k) {
        const int32_t v = col[k] - q.weight_zp[o];
        if (v < -128 || v > 127) return Status::Ok();
        abs_sum += v < 0 ? -v : v;
      }
      const int64_t bias_abs = b != nullptr ? (b[o] < 0 ? -int64_t{b[o]} : b[o]) : 0;
      const int64_t start = bias_abs + abs_sum * (q.input_zp + dot.a_offset < 0 ? -int64_t{q.input_zp + dot.a_offset}
                                                                                : int64_t{q.input_zp + dot.a_offset});
      if (start + abs_sum * 255 > INT32_MAX) return Status::Ok();
    }
    short_rounding = short_rounding && QS8ChannelRoundsInInt32(q, o, b != nullptr ? b[o] : 0, ic);
  }
  auto** sets = static_cast<const uint8_t**>(ctx->AllocatePersistent(static_cast<size_t>(fh) * sizeof(uint8_t*)));
  if (sets == nullptr) return ctx->Error(StatusCode::kOutOfMemory, "out of memory for packed weight tables");
  for (int ky = 0; ky < fh; ++ky) {
    bool filled = ky == 0 && first_cached != nullptr;
    auto* packed = filled ? static_cast<uint8_t*>(const_cast<void*>(first_cached))
                          : static_cast<uint8_t*>(ctx->AllocatePacked(set_bytes, layout, &filled));
    if (packed == nullptr) return ctx->Error(StatusCode::kOutOfMemory, "out of memory for packed weights");
    sets[ky] = packed;
    if (filled) continue;
    auto* words = reinterpret_cast<int32_t*>(packed);
    auto* bytes = reinterpret_cast<int8_t*>(words + 16);
    for (int kx = 0; kx < fw; ++kx)
      for (int o = 0; o < oc; ++o) {
        const int j = kx * oc + o;
        const int8_t* col = w + ((static_cast<size_t>(o) * fh + ky) * fw + kx) * ic;
        QS8ChannelWords cw;
        int64_t sum = 0;
        MakeQS8ChannelWords(q, o, col, static_cast<size_t>(ic), 1, b != nullptr ? b[o] : 0, &cw, &sum);
        words[j] = static_cast<int32_t>(cw.acc0 - dot.a_offset * sum);
        words[4 + j] = cw.multiplier;
        words[8 + j] = cw.left;
        words[12 + j] = cw.right;
        for (int k = 0; k < ic; ++k)
          bytes[static_cast<size_t>(j) * kc16 + k] = static_cast<int8_t>(col[k] - q.weight_zp[o]);
      }
  }
  SetGeometry(ctx, input->shape, weights->shape, sets, s);
  s->params = {q.output_zp, q.act_min, q.act_max, short_rounding ? 1 : 0};
  s->dot4 = dot.fn;
  ctx->MarkInputPacked(1);
  ctx->MarkInputPacked(2);
  return Status::Ok();
}

}  // namespace

Status PrepareQS8TransposeConv(KernelContext* ctx, int pad_top, int pad_left, QS8TransposeConv* s) {
  if (GetKernelIsa().qs8_gemm.fn == nullptr || !QS8WithConstantWeights(ctx)) return Status::Ok();
  const Tensor* input = ctx->input(0);
  const Tensor* weights = ctx->input(1);
  const Tensor* bias = ctx->input(2);
  const Tensor* output = ctx->output(0);
  const auto* opt = ctx->options<schema::TransposeConvOptions>();
  const Shape& is = input->shape;
  const Shape& ws = weights->shape;
  const Shape& os = output->shape;
  const int fh = ws[1], fw = ws[2], oc = ws[0], ic = ws[3];
  if (opt->stride_h() != fh || opt->stride_w() != fw || pad_top != 0 || pad_left != 0 ||
      static_cast<int64_t>(os[1]) != static_cast<int64_t>(is[1]) * fh ||
      static_cast<int64_t>(os[2]) != static_cast<int64_t>(is[2]) * fw || is[3] != ic)
    return Status::Ok();
  ConvQuantParams q;
  EDGERT_RETURN_IF_ERROR(PrepareConvQuant(ctx, input, weights, bias, output, 0, oc, opt->activation(), &q));

  const int n = fw * oc;
  if (n <= 4 && GetKernelIsa().qs8_dot4.fn != nullptr) {
    EDGERT_RETURN_IF_ERROR(PrepareDot4(ctx, q, s));
    if (s->dot4 != nullptr) return Status::Ok();
  }
  auto** sets = static_cast<const uint8_t**>(ctx->AllocatePersistent(static_cast<size_t>(fh) * sizeof(uint8_t*)));
  if (sets == nullptr) return ctx->Error(StatusCode::kOutOfMemory, "out of memory for packed weight tables");
  const int8_t* w = weights->data_as<int8_t>();
  std::vector<const int8_t*> cols(static_cast<size_t>(n));
  std::vector<int> channels(static_cast<size_t>(n));
  QS8PackedGemm pg;
  for (int ky = 0; ky < fh; ++ky) {
    for (int kx = 0; kx < fw; ++kx)
      for (int o = 0; o < oc; ++o) {
        const size_t col = static_cast<size_t>(kx) * oc + o;
        cols[col] = w + ((static_cast<size_t>(o) * fh + ky) * fw + kx) * ic;  // weights[o][ky][kx][:]
        channels[col] = o;
      }
    EDGERT_RETURN_IF_ERROR(PackQS8GemmColumns(ctx, q, n, ic, cols.data(), channels.data(),
                                              bias != nullptr ? bias->data_as<int32_t>() : nullptr, &pg));
    if (pg.gemm == nullptr) return Status::Ok();  // an accumulator might overflow: the reference runs
    sets[ky] = pg.packed;
  }
  s->mr = pg.mr;
  SetGeometry(ctx, is, ws, sets, s);
  s->params = {q.output_zp, q.act_min, q.act_max};
  s->gemm = pg.gemm;
  s->release = pg.release;
  return Status::Ok();
}

void EvalQS8TransposeConv(KernelContext* ctx, const QS8TransposeConv& s) {
  const int8_t* in = ctx->input(0)->data_as<int8_t>();
  int8_t* out = ctx->output(0)->data_as<int8_t>();
  const size_t ic = static_cast<size_t>(s.in_c), in_w = static_cast<size_t>(s.in_w);
  const size_t n = static_cast<size_t>(s.filter_w) * static_cast<size_t>(s.out_c);  // output row: in_w * n values
  const size_t mr = static_cast<size_t>(s.mr), fh = static_cast<size_t>(s.filter_h);
  if (s.dot4 != nullptr) {  // rows of n = KW * O values, written in place
    ctx->ParallelFor(static_cast<size_t>(s.batches) * s.in_h * fh, s.tile_rows, [&](int, size_t start, size_t count) {
      for (size_t r = start; r < start + count; ++r)
        s.dot4(in_w, n, ic, in + (r / fh) * in_w * ic, ic, s.packed[r % fh], out + r * in_w * n, n, &s.params);
    });
    return;
  }
  // Output row r: input row r / fh (over all images), filter row r % fh.
  ctx->ParallelFor(static_cast<size_t>(s.batches) * s.in_h * fh, s.tile_rows, [&](int, size_t start, size_t count) {
    for (size_t r = start; r < start + count; ++r) {
      const int8_t* a = in + (r / fh) * in_w * ic;
      int8_t* c = out + r * in_w * n;
      const uint8_t* w = s.packed[r % fh];
      for (size_t x = 0; x < in_w; x += mr)
        s.gemm(std::min(mr, in_w - x), n, ic, a + x * ic, ic, w, c + x * n, n, &s.params);
    }
    ReleaseGemm(s.release);
  });
}

}  // namespace opt
}  // namespace edgert
