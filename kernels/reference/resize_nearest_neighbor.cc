// RESIZE_NEAREST_NEIGHBOR: input [N,H,W,C], size (constant i32/i64 [2] =
// new_h, new_w). The source coordinate follows TFLite's GetNearestNeighbor
// exactly (float arithmetic):
//   scale  = in / out, or (in - 1) / (out - 1) with align_corners and out > 1
//   offset = 0.5 with half_pixel_centers, else 0
//   src    = align_corners ? round((dst + offset) * scale)   (ties away from 0)
//                          : floor((dst + offset) * scale)
//   src    = min(src, in - 1), and max(src, 0) with half_pixel_centers.
// Elements are copied, so any dtype works (quantized input and output must
// share their quantization).
#include <algorithm>
#include <cmath>
#include <cstring>

#include "kernels/common/shape_util.h"
#include "kernels/reference/reference_kernels.h"

namespace edgert {
namespace ref {
namespace {

struct ResizeNearestState {
  bool align_corners = false;
  bool half_pixel_centers = false;
};

int32_t NearestNeighbor(int value, int32_t input_size, int32_t output_size, bool align_corners,
                        bool half_pixel_centers) {
  const float scale = (align_corners && output_size > 1)
                          ? static_cast<float>(input_size - 1) / static_cast<float>(output_size - 1)
                          : static_cast<float>(input_size) / static_cast<float>(output_size);
  const float offset = half_pixel_centers ? 0.5f : 0.0f;
  const float src = (static_cast<float>(value) + offset) * scale;
  int32_t result =
      std::min(align_corners ? static_cast<int32_t>(std::round(src)) : static_cast<int32_t>(std::floor(src)),
               input_size - 1);
  if (half_pixel_centers) result = std::max(int32_t{0}, result);
  return result;
}

}  // namespace

static Status Prepare(KernelContext* ctx) {
  const Tensor* in = nullptr;
  Tensor* out = nullptr;
  EDGERT_RETURN_IF_ERROR(GetPassThroughInputOutput(ctx, "RESIZE_NEAREST_NEIGHBOR", &in, &out));
  EDGERT_RETURN_IF_ERROR(CheckNhwc(ctx, in));
  const auto* opts = ctx->options<schema::ResizeOptions>();
  if (opts == nullptr) return ctx->InvalidModel("missing ResizeOptions");

  int32_t out_h = 0, out_w = 0;
  EDGERT_RETURN_IF_ERROR(ReadResizeSize(ctx, &out_h, &out_w));
  if (in->shape.dims[1] == 0 || in->shape.dims[2] == 0)
    return ctx->InvalidModel("input '%s' %s has no pixels to sample", in->name, ShapeToString(in->shape).text);

  auto* s = ctx->NewState<ResizeNearestState>();
  if (s == nullptr) return ctx->Error(StatusCode::kOutOfMemory, "out of memory for op state");
  s->align_corners = opts->align_corners();
  s->half_pixel_centers = opts->half_pixel_centers();
  return ctx->SetOutputShape(0, Shape{in->shape.dims[0], out_h, out_w, in->shape.dims[3]});
}

static Status Eval(KernelContext* ctx) {
  const auto* s = ctx->state<ResizeNearestState>();
  const Tensor* in = ctx->input(0);
  Tensor* out = ctx->output(0);
  const int batches = in->shape.dims[0], in_h = in->shape.dims[1], in_w = in->shape.dims[2];
  const int out_h = out->shape.dims[1], out_w = out->shape.dims[2];
  const size_t pixel_bytes = static_cast<size_t>(in->shape.dims[3]) * DTypeSize(in->dtype);
  if (pixel_bytes == 0) return Status::Ok();
  const uint8_t* src = static_cast<const uint8_t*>(in->data);
  uint8_t* dst = static_cast<uint8_t*>(out->data);
  for (int b = 0; b < batches; ++b) {
    for (int oy = 0; oy < out_h; ++oy) {
      const int32_t iy = NearestNeighbor(oy, in_h, out_h, s->align_corners, s->half_pixel_centers);
      for (int ox = 0; ox < out_w; ++ox) {
        const int32_t ix = NearestNeighbor(ox, in_w, out_w, s->align_corners, s->half_pixel_centers);
        const int64_t pixel = (static_cast<int64_t>(b) * in_h + iy) * in_w + ix;
        std::memcpy(dst, src + static_cast<size_t>(pixel) * pixel_bytes, pixel_bytes);
        dst += pixel_bytes;
      }
    }
  }
  return Status::Ok();
}

const OpKernel* Register_RESIZE_NEAREST_NEIGHBOR() {
  static const OpKernel kernel = {"RESIZE_NEAREST_NEIGHBOR/reference", Prepare, Eval, kNoFlags};
  return &kernel;
}

}  // namespace ref
}  // namespace edgert
