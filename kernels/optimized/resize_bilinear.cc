// RESIZE_BILINEAR optimized kernel. Covered: f32 when the ISA table has the
// bilinear microkernel; i8/u8, and every node at the reference ISA level, run
// the reference kernel.
//
// Prepare runs the reference prepare (validation, output shape), then computes
// once, into persistent memory, each output row's source rows y0 / y1 and
// weight dy and each output column's source columns x0 / x1 and weight dx,
// with the reference's float formulas (scale, align_corners,
// half_pixel_centers, floor / ceil clamped to the input). Eval runs the
// microkernel over each output row, vectorized over channels, with the
// reference's products and sums in the same order: bit-identical results.
// Output rows are split across threads.
#include <algorithm>
#include <cmath>

#include "kernels/common/parallel_tile.h"
#include "kernels/dispatch.h"
#include "kernels/optimized/fallback.h"
#include "kernels/optimized/optimized_kernels.h"
#include "kernels/reference/reference_kernels.h"

namespace edgert {
namespace opt {
namespace {

struct ResizeState {
  ReferenceFallback fallback;
  F32IBilinearUkernelFn ibilinear = nullptr;  // nullptr: the reference kernel runs this node
  int batches = 0, in_h = 0, in_w = 0, channels = 0, out_h = 0, out_w = 0;
  const int32_t* y_lo = nullptr;  // out_h entries each
  const int32_t* y_hi = nullptr;
  const float* dy = nullptr;
  const int32_t* x_lo = nullptr;  // out_w entries each
  const int32_t* x_hi = nullptr;
  const float* dx = nullptr;
  size_t tile_rows = 1;
};

// Source positions along one axis, as the reference computes them.
void Axis(int out_size, int in_size, float scale, bool half_pixel_centers, int32_t* lo, int32_t* hi, float* d) {
  for (int o = 0; o < out_size; ++o) {
    const float src =
        half_pixel_centers ? (static_cast<float>(o) + 0.5f) * scale - 0.5f : static_cast<float>(o) * scale;
    const int32_t l = std::max(static_cast<int32_t>(std::floor(src)), int32_t{0});
    lo[o] = std::min(l, in_size - 1);  // never past the input (it cannot be with these scales)
    hi[o] = std::min(static_cast<int32_t>(std::ceil(src)), in_size - 1);
    d[o] = src - static_cast<float>(l);
  }
}

Status Prepare(KernelContext* ctx) {
  ResizeState* s = nullptr;
  EDGERT_RETURN_IF_ERROR(PrepareWithFallback(ctx, ref::Register_RESIZE_BILINEAR(), &s));
  const KernelIsa& isa = GetKernelIsa();
  const Tensor* in = ctx->input(0);
  const Tensor* out = ctx->output(0);
  if (isa.f32_pool.ibilinear == nullptr || in->dtype != DType::kF32) return Status::Ok();
  const auto* opts = ctx->options<schema::ResizeOptions>();
  s->batches = in->shape[0];
  s->in_h = in->shape[1];
  s->in_w = in->shape[2];
  s->channels = in->shape[3];
  s->out_h = out->shape[1];
  s->out_w = out->shape[2];
  // The reference's scales.
  float height_scale = static_cast<float>(s->in_h) / static_cast<float>(s->out_h);
  float width_scale = static_cast<float>(s->in_w) / static_cast<float>(s->out_w);
  if (opts->align_corners() && s->out_h > 1) height_scale = static_cast<float>(s->in_h - 1) / (s->out_h - 1);
  if (opts->align_corners() && s->out_w > 1) width_scale = static_cast<float>(s->in_w - 1) / (s->out_w - 1);

  const size_t n = static_cast<size_t>(s->out_h) + s->out_w;
  void* mem = ctx->AllocatePersistent(n * 3 * 4);
  if (mem == nullptr) return ctx->Error(StatusCode::kOutOfMemory, "out of memory for %zu resize positions", n);
  int32_t* ylo = static_cast<int32_t*>(mem);
  int32_t* yhi = ylo + s->out_h;
  int32_t* xlo = yhi + s->out_h;
  int32_t* xhi = xlo + s->out_w;
  float* dy = reinterpret_cast<float*>(xhi + s->out_w);
  float* dx = dy + s->out_h;
  Axis(s->out_h, s->in_h, height_scale, opts->half_pixel_centers(), ylo, yhi, dy);
  Axis(s->out_w, s->in_w, width_scale, opts->half_pixel_centers(), xlo, xhi, dx);
  s->y_lo = ylo;
  s->y_hi = yhi;
  s->dy = dy;
  s->x_lo = xlo;
  s->x_hi = xhi;
  s->dx = dx;
  s->tile_rows = ParallelTile(static_cast<size_t>(s->batches) * s->out_h,
                              std::max<size_t>(static_cast<size_t>(s->out_w) * s->channels * 4, 1),
                              ctx->num_threads(), 1);
  s->ibilinear = isa.f32_pool.ibilinear;
  return Status::Ok();
}

Status Eval(KernelContext* ctx) {
  const ResizeState& s = *ctx->state<ResizeState>();
  if (s.ibilinear == nullptr) return s.fallback.Eval(ctx);
  const float* in = ctx->input(0)->data_as<float>();
  float* out = ctx->output(0)->data_as<float>();
  const size_t c = static_cast<size_t>(s.channels);
  if (c == 0) return Status::Ok();
  const size_t in_row = static_cast<size_t>(s.in_w) * c, out_row = static_cast<size_t>(s.out_w) * c;
  ctx->ParallelFor(static_cast<size_t>(s.batches) * s.out_h, s.tile_rows, [&](int, size_t start, size_t count) {
    for (size_t row = start; row < start + count; ++row) {
      const size_t b = row / s.out_h, oy = row % s.out_h;
      const float* image = in + b * s.in_h * in_row;
      s.ibilinear(static_cast<size_t>(s.out_w), c, image + s.y_lo[oy] * in_row, image + s.y_hi[oy] * in_row,
                  s.x_lo, s.x_hi, s.dx, s.dy[oy], out + row * out_row);
    }
  });
  return Status::Ok();
}

}  // namespace

const OpKernel* Register_RESIZE_BILINEAR() {
  static const OpKernel kernel = {"RESIZE_BILINEAR/optimized", Prepare, Eval, kNoFlags};
  return &kernel;
}

}  // namespace opt
}  // namespace edgert
