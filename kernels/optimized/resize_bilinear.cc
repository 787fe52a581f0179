// RESIZE_BILINEAR optimized kernel. Covered: f32, i8 and u8 when the ISA
// table has the dtype's bilinear microkernel; every node at the reference ISA
// level runs the reference kernel.
//
// Prepare runs the reference prepare (validation, output shape), then computes
// once, into persistent memory, each output row's source rows y0 / y1 and
// weight dy and each output column's source columns x0 / x1 and weight dx,
// with the reference's float formulas (scale, align_corners,
// half_pixel_centers, floor / ceil clamped to the input). Eval runs the
// microkernel over each output row, vectorized over channels, with the
// reference's products and sums in the same order (and, for i8/u8, its
// floor(v + 0.5) rounding and clamp): bit-identical results.
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
  // At most one set; none: the reference kernel runs this node.
  F32IBilinearUkernelFn ibilinear = nullptr;
  QS8IBilinearUkernelFn qs8_ibilinear = nullptr;
  QU8IBilinearUkernelFn qu8_ibilinear = nullptr;
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
  const bool covered = (in->dtype == DType::kF32 && isa.f32_pool.ibilinear != nullptr) ||
                       (in->dtype == DType::kI8 && isa.x8.qs8_ibilinear != nullptr) ||
                       (in->dtype == DType::kU8 && isa.x8.qu8_ibilinear != nullptr);
  if (!covered) return Status::Ok();
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
  if (in->dtype == DType::kF32) s->ibilinear = isa.f32_pool.ibilinear;
  if (in->dtype == DType::kI8) s->qs8_ibilinear = isa.x8.qs8_ibilinear;
  if (in->dtype == DType::kU8) s->qu8_ibilinear = isa.x8.qu8_ibilinear;
  return Status::Ok();
}

// Runs fn(top, bottom, out) for every output row (input rows y0 / y1 of its
// image, the output row), rows split across threads.
template <typename T, typename Fn>
void ForEachOutputRow(KernelContext* ctx, const ResizeState& s, const Fn& fn) {
  const T* in = ctx->input(0)->data_as<T>();
  T* out = ctx->output(0)->data_as<T>();
  const size_t c = static_cast<size_t>(s.channels);
  const size_t in_row = static_cast<size_t>(s.in_w) * c, out_row = static_cast<size_t>(s.out_w) * c;
  ctx->ParallelFor(static_cast<size_t>(s.batches) * s.out_h, s.tile_rows, [&](int, size_t start, size_t count) {
    for (size_t row = start; row < start + count; ++row) {
      const size_t b = row / s.out_h, oy = row % s.out_h;
      const T* image = in + b * s.in_h * in_row;
      fn(oy, image + s.y_lo[oy] * in_row, image + s.y_hi[oy] * in_row, out + row * out_row);
    }
  });
}

Status Eval(KernelContext* ctx) {
  const ResizeState& s = *ctx->state<ResizeState>();
  if (s.ibilinear == nullptr && s.qs8_ibilinear == nullptr && s.qu8_ibilinear == nullptr)
    return s.fallback.Eval(ctx);
  const size_t c = static_cast<size_t>(s.channels);
  if (c == 0) return Status::Ok();
  const size_t w = static_cast<size_t>(s.out_w);
  if (s.qs8_ibilinear != nullptr) {
    ForEachOutputRow<int8_t>(ctx, s, [&](size_t oy, const int8_t* top, const int8_t* bottom, int8_t* out) {
      s.qs8_ibilinear(w, c, top, bottom, s.x_lo, s.x_hi, s.dx, s.dy[oy], out);
    });
  } else if (s.qu8_ibilinear != nullptr) {
    ForEachOutputRow<uint8_t>(ctx, s, [&](size_t oy, const uint8_t* top, const uint8_t* bottom, uint8_t* out) {
      s.qu8_ibilinear(w, c, top, bottom, s.x_lo, s.x_hi, s.dx, s.dy[oy], out);
    });
  } else {
    ForEachOutputRow<float>(ctx, s, [&](size_t oy, const float* top, const float* bottom, float* out) {
      s.ibilinear(w, c, top, bottom, s.x_lo, s.x_hi, s.dx, s.dy[oy], out);
    });
  }
  return Status::Ok();
}

}  // namespace

const OpKernel* Register_RESIZE_BILINEAR() {
  static const OpKernel kernel = {"RESIZE_BILINEAR/optimized", Prepare, Eval, kNoFlags};
  return &kernel;
}

}  // namespace opt
}  // namespace edgert
