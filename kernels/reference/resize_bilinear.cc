// RESIZE_BILINEAR: input [N,H,W,C], size (constant i32/i64 [2] = new_h, new_w).
// Follows TFLite's reference_ops::ResizeBilinear:
//   scale = in / out, or (in - 1) / (out - 1) with align_corners and out > 1
//   src   = (dst + 0.5) * scale - 0.5 with half_pixel_centers, else dst * scale
//   lo = max(floor(src), 0), hi = min(ceil(src), in - 1)
// and the four-term float interpolation in TFLite's order. float32 results are
// used as computed; int8/uint8 (input and output quantization must be equal)
// compute the same float value from the raw quantized values and round it to
// nearest with ties up (floor(v + 0.5), which is TFLite's "+ 0.5 then truncate"
// for the non-negative uint8 values), then clamp to the type.
// align_corners together with half_pixel_centers is rejected, as in TFLite.
#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>

#include "kernels/common/shape_util.h"
#include "kernels/reference/reference_kernels.h"

namespace edgert {
namespace ref {
namespace {

struct ResizeBilinearState {
  float height_scale = 1.f;
  float width_scale = 1.f;
  bool half_pixel_centers = false;
};

void Interpolation(int32_t value, float scale, bool half_pixel_centers, int32_t input_size, float* scaled,
                   int32_t* lower, int32_t* upper) {
  if (half_pixel_centers) {
    *scaled = (static_cast<float>(value) + 0.5f) * scale - 0.5f;
  } else {
    *scaled = static_cast<float>(value) * scale;
  }
  *lower = std::max(static_cast<int32_t>(std::floor(*scaled)), int32_t{0});
  *upper = std::min(static_cast<int32_t>(std::ceil(*scaled)), input_size - 1);
}

template <typename T>
void ResizeTyped(const ResizeBilinearState* s, const Tensor* in, Tensor* out) {
  const int batches = in->shape.dims[0], in_h = in->shape.dims[1], in_w = in->shape.dims[2],
            depth = in->shape.dims[3];
  const int out_h = out->shape.dims[1], out_w = out->shape.dims[2];
  const T* x = static_cast<const T*>(in->data);
  T* y = static_cast<T*>(out->data);
  auto at = [&](int b, int h, int w, int c) {
    return x[((static_cast<int64_t>(b) * in_h + h) * in_w + w) * depth + c];
  };
  for (int b = 0; b < batches; ++b) {
    for (int oy = 0; oy < out_h; ++oy) {
      float in_y;
      int32_t y0, y1;
      Interpolation(oy, s->height_scale, s->half_pixel_centers, in_h, &in_y, &y0, &y1);
      for (int ox = 0; ox < out_w; ++ox) {
        float in_x;
        int32_t x0, x1;
        Interpolation(ox, s->width_scale, s->half_pixel_centers, in_w, &in_x, &x0, &x1);
        const float dy = in_y - static_cast<float>(y0), dx = in_x - static_cast<float>(x0);
        for (int c = 0; c < depth; ++c) {
          const float v = static_cast<float>(at(b, y0, x0, c)) * (1 - dy) * (1 - dx) +
                          static_cast<float>(at(b, y1, x0, c)) * dy * (1 - dx) +
                          static_cast<float>(at(b, y0, x1, c)) * (1 - dy) * dx +
                          static_cast<float>(at(b, y1, x1, c)) * dy * dx;
          T result;
          if (std::is_same<T, float>::value) {
            result = static_cast<T>(v);
          } else {
            const float r = std::floor(v + 0.5f);
            const float lo = static_cast<float>(std::numeric_limits<T>::min());
            const float hi = static_cast<float>(std::numeric_limits<T>::max());
            result = static_cast<T>(std::min(std::max(r, lo), hi));
          }
          *y++ = result;
        }
      }
    }
  }
}

}  // namespace

static Status Prepare(KernelContext* ctx) {
  const Tensor* in = nullptr;
  Tensor* out = nullptr;
  EDGERT_RETURN_IF_ERROR(GetDataInputOutput(ctx, "RESIZE_BILINEAR", &in, &out));
  if (in->dtype != DType::kF32 && in->dtype != DType::kI8 && in->dtype != DType::kU8)
    return ctx->Unsupported("input '%s' has dtype %s; RESIZE_BILINEAR supports f32, i8 and u8", in->name,
                            DTypeName(in->dtype));
  EDGERT_RETURN_IF_ERROR(CheckPassThrough(ctx, in, out));
  EDGERT_RETURN_IF_ERROR(CheckNhwc(ctx, in));
  const auto* opts = ctx->options<schema::ResizeOptions>();
  if (opts == nullptr) return ctx->InvalidModel("missing ResizeOptions");
  if (opts->align_corners() && opts->half_pixel_centers())
    return ctx->InvalidModel("align_corners and half_pixel_centers cannot both be true");

  int32_t out_h = 0, out_w = 0;
  EDGERT_RETURN_IF_ERROR(ReadResizeSize(ctx, &out_h, &out_w));
  const int in_h = in->shape.dims[1], in_w = in->shape.dims[2];
  if (in_h == 0 || in_w == 0)
    return ctx->InvalidModel("input '%s' %s has no pixels to interpolate from", in->name,
                             ShapeToString(in->shape).text);

  auto* s = ctx->NewState<ResizeBilinearState>();
  if (s == nullptr) return ctx->Error(StatusCode::kOutOfMemory, "out of memory for op state");
  s->half_pixel_centers = opts->half_pixel_centers();
  s->height_scale = static_cast<float>(in_h) / static_cast<float>(out_h);
  s->width_scale = static_cast<float>(in_w) / static_cast<float>(out_w);
  if (opts->align_corners() && out_h > 1) s->height_scale = static_cast<float>(in_h - 1) / (out_h - 1);
  if (opts->align_corners() && out_w > 1) s->width_scale = static_cast<float>(in_w - 1) / (out_w - 1);
  return ctx->SetOutputShape(0, Shape{in->shape.dims[0], out_h, out_w, in->shape.dims[3]});
}

static Status Eval(KernelContext* ctx) {
  const auto* s = ctx->state<ResizeBilinearState>();
  const Tensor* in = ctx->input(0);
  Tensor* out = ctx->output(0);
  switch (in->dtype) {
    case DType::kF32: ResizeTyped<float>(s, in, out); break;
    case DType::kI8: ResizeTyped<int8_t>(s, in, out); break;
    case DType::kU8: ResizeTyped<uint8_t>(s, in, out); break;
    default: return ctx->Unsupported("dtype %s", DTypeName(in->dtype));
  }
  return Status::Ok();
}

const OpKernel* Register_RESIZE_BILINEAR() {
  static const OpKernel kernel = {"RESIZE_BILINEAR/reference", Prepare, Eval, kNoFlags};
  return &kernel;
}

}  // namespace ref
}  // namespace edgert
