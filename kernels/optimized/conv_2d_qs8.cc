// The QS8 path of the optimized CONV_2D kernel (kernels/optimized/qs8_conv.h):
// groups 1, any stride, dilation and padding, when the ISA table has a QS8 GEMM
// microkernel.
//
// Prepare packs the weights [O,KH,KW,I] once into persistent memory in the
// microkernel's layout (QS8GemmUkernelFn): panels of NR output channels, each
// the NR channels' output-stage words then round_up(K, 8) / 2 rows of NR int16
// pairs, or, for the c4 (VNNI) microkernel when the weights fit int8,
// round_up(K, 4) / 4 rows of NR int8 quads. Eval is the f32 path's (kernels/optimized/conv_2d.cc): the GEMM runs
// straight on the input for 1x1 / stride 1 / no padding, otherwise on MR-pixel
// im2col tiles gathered into the worker's scratch slice, with taps outside the
// input filled with the input zero point (rows padded to a multiple of 4 bytes
// for the c4 microkernels; patch rows up to 64 bytes, such as a 3-channel stem's,
// are moved 16 bytes at a time, see GatherPatch). Tiles are split by
// ctx->ParallelFor2D; every output value comes from the same arithmetic
// whatever the tiling, so all thread counts give identical results.
#include <algorithm>
#include <cstring>

#include "kernels/optimized/f32_gemm.h"
#include "kernels/optimized/qs8_conv.h"

namespace edgert {
namespace opt {
namespace {

// Larger patches (hostile filters) stay on the reference kernel.
constexpr int64_t kMaxPatch = 1 << 20;  // bytes per im2col row
// Bytes after a worker's im2col tile that wide gathers may write (at most 15
// past a run), and the most 16-byte moves a wide run takes.
constexpr size_t kGatherSlack = 16;
constexpr int kMaxGatherChunks = 4;

// Bytes of one worker's im2col slice: whole cache lines, so that two threads
// gathering into neighbouring slices never write the same line (a 3-channel
// stem's 8 x 28-byte tiles shared lines and ran slower on 2 threads than on 1).
size_t WorkerBytes(size_t mr, size_t a_stride) { return (mr * a_stride + kGatherSlack + 63) / 64 * 64; }

// memcpy for the short runs of a patch (a few channels): fixed-size moves, no call.
inline void CopyBytes(int8_t* dst, const int8_t* src, size_t n) {
  if (n > 16) {
    std::memcpy(dst, src, n);
  } else if (n >= 8) {  // two overlapping 8-byte moves
    uint64_t a, b;
    std::memcpy(&a, src, 8);
    std::memcpy(&b, src + n - 8, 8);
    std::memcpy(dst, &a, 8);
    std::memcpy(dst + n - 8, &b, 8);
  } else {
    for (size_t i = 0; i < n; ++i) dst[i] = src[i];
  }
}

// `chunks` 16-byte moves from src to dst (fixed sizes: no call).
template <int chunks>
inline void MoveChunks(int8_t* dst, const int8_t* src) {
  for (int i = 0; i < chunks; ++i) std::memcpy(dst + 16 * i, src + 16 * i, 16);
}

// Writes the k = KH*KW*C patch of output pixel `o` into dst, the input zero
// point for taps outside the input. A row of taps that lies inside the input
// with dilation 1 is one contiguous run of KW*C input bytes. With `chunks`
// > 0 (KW*C <= 16 * chunks, chunks the least such), such a run is moved as
// 16 * chunks bytes where the input has that many bytes from its start: the
// up to 15 bytes past the run land where the patch's next run, the next patch
// or the tile's slack is written later, and after the last run they may also
// fill the patch's padding to a multiple of 4, whose weights are zero.
template <int chunks>
void GatherPatch(const Window2D& g, const int8_t* in, const int8_t* in_end, const PixelPos& o, int8_t zp,
                 int8_t* dst) {
  const int64_t y0 = static_cast<int64_t>(o.y) * g.stride_h - g.pad_top;
  const int64_t x0 = static_cast<int64_t>(o.x) * g.stride_w - g.pad_left;
  const size_t c = static_cast<size_t>(g.in_c);
  const bool row_span = g.dilation_w == 1 && x0 >= 0 && x0 + g.filter_w <= g.in_w;
  for (int ky = 0; ky < g.filter_h; ++ky) {
    const int64_t y = y0 + static_cast<int64_t>(ky) * g.dilation_h;
    const bool row_in = y >= 0 && y < g.in_h;
    if (row_in && row_span) {
      const int8_t* src = in + ((o.b * g.in_h + y) * g.in_w + x0) * g.in_c;
      if (chunks > 0 && in_end - src >= 16 * chunks)
        MoveChunks<chunks>(dst, src);
      else
        CopyBytes(dst, src, c * static_cast<size_t>(g.filter_w));
      dst += c * static_cast<size_t>(g.filter_w);
      continue;
    }
    for (int kx = 0; kx < g.filter_w; ++kx, dst += c) {
      const int64_t x = x0 + static_cast<int64_t>(kx) * g.dilation_w;
      if (row_in && x >= 0 && x < g.in_w)
        CopyBytes(dst, in + ((o.b * g.in_h + y) * g.in_w + x) * g.in_c, c);
      else
        std::memset(dst, zp, c);
    }
  }
}

// The patches of `rows` output pixels from *o on (which it steps past them),
// a_stride bytes apart.
template <int chunks>
void GatherTile(const Window2D& g, const int8_t* in, const int8_t* in_end, size_t rows, int8_t zp, int8_t* a,
                size_t a_stride, PixelPos* o) {
  if (chunks == 0) {
    for (size_t r = 0; r < rows; ++r, StepPixel(g, o)) GatherPatch<0>(g, in, in_end, *o, zp, a + r * a_stride);
    return;
  }
  // Wide runs (KW*C <= 16 * chunks, dilation_w 1): a patch whose taps all lie
  // inside the input, with 16 * chunks bytes readable after its last run's
  // start, is filter_h chunk moves from one pointer, which moves stride_w
  // pixels from one output column to the next. The pixels of one output row are walked as
  // a segment: its interior columns (found once per segment, no per-pixel
  // position arithmetic) take those moves, its border columns GatherPatch.
  // (Per-pixel bounds and pointer arithmetic made this gather cost as much as
  // the GEMM of a 3-channel stem.)
  const size_t run = static_cast<size_t>(g.filter_w) * static_cast<size_t>(g.in_c);
  const int64_t row_step = static_cast<int64_t>(g.dilation_h) * g.in_w * g.in_c;  // bytes between filter rows
  const int64_t last_row = static_cast<int64_t>(g.filter_h - 1) * row_step;
  const int64_t y_span = static_cast<int64_t>(g.filter_h - 1) * g.dilation_h;
  const int64_t col_step = static_cast<int64_t>(g.stride_w) * g.in_c;  // input bytes per output column
  const int fh = g.filter_h;
  size_t r = 0;
  while (r < rows) {
    const size_t n = std::min(rows - r, static_cast<size_t>(g.out_w - o->x));  // this output row's pixels
    const int64_t y0 = static_cast<int64_t>(o->y) * g.stride_h - g.pad_top;
    // Interior columns [x_lo, x_hi) of the segment: all taps inside the
    // input and 16 * chunks bytes readable from the last run's start.
    int64_t x_lo = o->x + static_cast<int64_t>(n), x_hi = x_lo;
    if (y0 >= 0 && y0 + y_span < g.in_h) {
      const int64_t first = (g.pad_left + g.stride_w - 1) / g.stride_w;   // least x with x0 >= 0
      const int64_t width_room = static_cast<int64_t>(g.in_w) - g.filter_w + g.pad_left;
      const int64_t last = width_room < 0 ? -1 : width_room / g.stride_w;  // greatest x with x0 + KW <= in_w
      const int8_t* row0 = in + (o->b * g.in_h + y0) * g.in_w * g.in_c;
      // greatest x whose last run has its readable bytes: row0 + last_row + x0 * C + 16 * chunks <= in_end
      const int64_t room = (in_end - row0) - last_row - 16 * chunks;
      const int64_t last_read = room < 0 ? -1 : (room / g.in_c + g.pad_left) / g.stride_w;
      x_lo = std::max<int64_t>(o->x, first);
      x_hi = std::min<int64_t>({o->x + static_cast<int64_t>(n), last + 1, last_read + 1});
      if (x_hi < x_lo) x_lo = x_hi = o->x + static_cast<int64_t>(n);
    }
    auto border = [&](int64_t from, int64_t to) {
      for (int64_t x = from; x < to; ++x, ++r) {
        PixelPos p = *o;
        p.x = static_cast<int>(x);
        GatherPatch<chunks>(g, in, in_end, p, zp, a + r * a_stride);
      }
    };
    border(o->x, x_lo);
    if (x_lo < x_hi) {
      const int8_t* src = in + ((o->b * g.in_h + y0) * g.in_w + (x_lo * g.stride_w - g.pad_left)) * g.in_c;
      int8_t* dst = a + r * a_stride;
      const size_t count = static_cast<size_t>(x_hi - x_lo);
      if (fh == 3) {
        for (size_t i = 0; i < count; ++i, src += col_step, dst += a_stride) {
          MoveChunks<chunks>(dst, src);
          MoveChunks<chunks>(dst + run, src + row_step);
          MoveChunks<chunks>(dst + 2 * run, src + 2 * row_step);
        }
      } else {
        for (size_t i = 0; i < count; ++i, src += col_step, dst += a_stride)
          for (int ky = 0; ky < fh; ++ky) MoveChunks<chunks>(dst + ky * run, src + ky * row_step);
      }
      r += count;
    }
    border(x_hi, o->x + static_cast<int64_t>(n));
    // Past the segment: the next output row (or batch).
    o->x += static_cast<int>(n) - 1;
    StepPixel(g, o);
  }
}

}  // namespace

Status PrepareQS8Conv2D(KernelContext* ctx, QS8Conv2D* s) {
  const KernelIsa& isa = GetKernelIsa();
  const Tensor* input = ctx->input(0);
  const Tensor* weights = ctx->input(1);
  const Tensor* bias = ctx->input(2);
  const auto* opt = ctx->options<schema::Conv2DOptions>();
  const Shape& is = input->shape;
  const Shape& ws = weights->shape;
  const int64_t k = static_cast<int64_t>(ws[1]) * ws[2] * ws[3];
  if (isa.qs8_gemm.fn == nullptr || !QS8WithConstantWeights(ctx) || ws[3] != is[3] || k > kMaxPatch)
    return Status::Ok();

  ConvQuantParams q;
  EDGERT_RETURN_IF_ERROR(PrepareConvQuant(ctx, input, weights, bias, ctx->output(0), 0, ws[0], opt->activation(), &q));
  EDGERT_RETURN_IF_ERROR(PrepareWindow2D(ctx, is, opt->padding(), opt->pads(), ws[1], ws[2], opt->stride_h(),
                                         opt->stride_w(), opt->dilation_h(), opt->dilation_w(), &s->window));
  const Window2D& g = s->window;
  const int out_c = ws[0];

  // Weights with enough all-zero 16 x 4 blocks (pruned ones) run on the
  // block-sparse GEMM, others on the dense one.
  QS8PackedGemm pg;
  const int32_t* bias_data = bias != nullptr ? bias->data_as<int32_t>() : nullptr;
  EDGERT_RETURN_IF_ERROR(PackQS8Spmm(ctx, q, weights->data_as<int8_t>(), out_c, k, bias_data, &pg));
  if (pg.gemm == nullptr) EDGERT_RETURN_IF_ERROR(PackQS8Gemm(ctx, q, weights->data_as<int8_t>(), out_c, k, bias_data, &pg));
  if (pg.gemm == nullptr) return Status::Ok();
  const int mr = pg.mr, nr = pg.nr;

  s->direct = ws[1] == 1 && ws[2] == 1 && g.stride_h == 1 && g.stride_w == 1 && g.pad_top == 0 &&
              g.pad_left == 0 && g.out_h == g.in_h && g.out_w == g.in_w;
  const int threads = ctx->num_threads();
  // The c4 microkernels read K in quads; patches padded to a multiple of 4
  // bytes (zero weights there) need no partial last quad.
  const bool c4 = pg.c4;
  s->a_stride = c4 ? (k + 3) / 4 * 4 : k;
  const int64_t run = static_cast<int64_t>(ws[2]) * is[3];
  s->gather_chunks = run <= 16 * kMaxGatherChunks && opt->dilation_w() == 1 ? static_cast<int>((run + 15) / 16) : 0;
  if (!s->direct)
    EDGERT_RETURN_IF_ERROR(ctx->RequestScratch(
        WorkerBytes(static_cast<size_t>(mr), static_cast<size_t>(s->a_stride)) * static_cast<size_t>(threads),
        &s->scratch));
  ChooseGemmTiles(static_cast<size_t>(g.out_pixels()), static_cast<size_t>(out_c), static_cast<size_t>(pg.k_work),
                  static_cast<size_t>(mr), static_cast<size_t>(nr), threads, &s->tile_pixels, &s->tile_channels);
  s->mr = mr;
  s->nr = nr;
  s->out_c = out_c;
  s->k = static_cast<int>(k);
  s->weights = pg;
  ctx->MarkInputPacked(1);  // the bias is folded into the packed panels
  ctx->MarkInputPacked(2);
  s->input_zp = static_cast<int8_t>(q.input_zp);
  s->params = QS8GemmParams(q, pg);
  s->gemm = pg.gemm;
  // Both paths write any row stride: an elided CONCATENATION's channel slice.
  ctx->OfferOutputSlice();
  return Status::Ok();
}

void EvalQS8Conv2D(KernelContext* ctx, const QS8Conv2D& s) {
  const int8_t* in = ctx->input(0)->data_as<int8_t>();
  int8_t* out = ctx->output(0)->data_as<int8_t>();
  const int64_t pixels = s.window.out_pixels();
  const size_t k = static_cast<size_t>(s.k), oc = static_cast<size_t>(s.out_c);
  const size_t mr = static_cast<size_t>(s.mr);
  // Output pixel stride: oc, or the channels of the elided CONCATENATION whose slice this is.
  const size_t ldc = ctx->output_pixel_stride() != 0 ? ctx->output_pixel_stride() : oc;
  int8_t* scratch = s.direct ? nullptr : static_cast<int8_t*>(ctx->scratch(s.scratch));
  const size_t a_stride = static_cast<size_t>(s.a_stride);
  const size_t worker_bytes = WorkerBytes(mr, a_stride);
  const int8_t* in_end = in + ctx->input(0)->bytes;
  // Tile [p0, p0 + np) x [c0, c0 + nc): c0 is a multiple of nr, p0 of mr.
  ctx->ParallelFor2D(static_cast<size_t>(pixels), oc, s.tile_pixels, s.tile_channels,
                     [&](int worker, size_t p0, size_t c0, size_t np, size_t nc) {
                       const uint8_t* w = s.weights.PanelAt(c0);
                       int8_t* a = s.direct ? nullptr : scratch + static_cast<size_t>(worker) * worker_bytes;
                       // A local copy: the int8 stores of the gather could
                       // alias s.window, whose fields would be reloaded per row.
                       const Window2D g = s.window;
                       PixelPos o = SplitPixel(static_cast<int64_t>(p0), g.out_h, g.out_w);
                       for (size_t p = p0; p < p0 + np; p += mr) {
                         const size_t rows = std::min(mr, p0 + np - p);
                         if (s.direct) {
                           s.gemm(rows, nc, k, in + p * k, k, w, out + p * ldc + c0, ldc, &s.params);
                           continue;
                         }
                         switch (s.gather_chunks) {
                           case 1: GatherTile<1>(g, in, in_end, rows, s.input_zp, a, a_stride, &o); break;
                           case 2: GatherTile<2>(g, in, in_end, rows, s.input_zp, a, a_stride, &o); break;
                           case 3: GatherTile<3>(g, in, in_end, rows, s.input_zp, a, a_stride, &o); break;
                           case 4: GatherTile<4>(g, in, in_end, rows, s.input_zp, a, a_stride, &o); break;
                           default: GatherTile<0>(g, in, in_end, rows, s.input_zp, a, a_stride, &o); break;
                         }
                         s.gemm(rows, nc, a_stride, a, a_stride, w, out + p * ldc + c0, ldc, &s.params);
                       }
                       ReleaseGemm(s.weights.release);
                     });
}

}  // namespace opt
}  // namespace edgert
