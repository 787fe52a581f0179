// TRANSPOSE optimized kernel: the reference kernel's strided copy
// (kernels/common/shape_util.h), split across threads by the outermost
// output dimension longer than 1 (whole output slices: each tile writes one
// contiguous run), so a large transpose (an ONNX image model's NCHW input to
// NHWC) uses every thread. A copy is the same whatever the split; with one
// thread, or too little to split, the reference eval runs.
//
// A 3-channel planar image of 32-bit values made pixel-major ([N, 3, H, W] to
// [N, H, W, 3], the first op of most ONNX image models) runs the ISA table's
// x32_zip3 microkernel instead, over the pixels split across threads: the
// strided copy moved one value per store (0.066 ms for a 224x224 image,
// 3.7% of mobilenet_v3_small). An 8-bit one (an ONNX Runtime QDQ model's
// input, quantized before the transpose) runs x8_zip3: squeezenet1_1_qdq_u8's
// took 0.118 ms as a strided copy.
#include "kernels/common/parallel_tile.h"
#include "kernels/common/shape_util.h"
#include "kernels/dispatch.h"
#include "kernels/optimized/fallback.h"
#include "kernels/optimized/optimized_kernels.h"
#include "kernels/reference/reference_kernels.h"

namespace edgert {
namespace opt {
namespace {

struct TransposeState {
  ReferenceFallback fallback;
  int dim = -1;       // the split output dimension (-1: the reference eval runs)
  size_t inner = 0;   // output elements per index of that dimension
  size_t tile = 0;    // indices of it per parallel tile
  // Planar to pixel-major, 3 channels (zip3 or zip3_x8 != nullptr): images
  // of `plane` pixels, `zip_tile` pixels per parallel tile.
  X32Zip3UkernelFn zip3 = nullptr;
  X8Zip3UkernelFn zip3_x8 = nullptr;
  size_t images = 0, plane = 0, zip_tile = 0;
};

// The view of a [N, 3, H, W] -> [N, H, W, 3] transpose: output counts
// [N, H, W, 3] with input steps [3HW, W, 1, HW] (N = 1 may have any step).
bool IsPlanarToPixelMajor3(const StridedView& v) {
  if (v.rank != 4 || v.count[3] != 3) return false;
  const int64_t h = v.count[1], w = v.count[2];
  return v.step[2] == 1 && v.step[1] == w && v.step[3] == h * w && (v.count[0] == 1 || v.step[0] == 3 * h * w);
}

Status Prepare(KernelContext* ctx) {
  TransposeState* s = nullptr;
  EDGERT_RETURN_IF_ERROR(PrepareWithFallback(ctx, ref::Register_TRANSPOSE(), &s));
  const auto& v = *static_cast<const StridedView*>(s->fallback.state);
  const KernelIsa& isa = GetKernelIsa();
  const size_t esize = DTypeSize(ctx->input(0)->dtype);
  if (((esize == 4 && isa.x32_zip3 != nullptr) || (esize == 1 && isa.x8_zip3 != nullptr)) &&
      IsPlanarToPixelMajor3(v)) {
    if (esize == 4) {
      s->zip3 = isa.x32_zip3;
    } else {
      s->zip3_x8 = isa.x8_zip3;
    }
    s->images = static_cast<size_t>(v.count[0]);
    s->plane = static_cast<size_t>(v.count[1] * v.count[2]);
    s->zip_tile = ParallelTile(s->plane, 3, ctx->num_threads(), 8);
    return Status::Ok();
  }
  int d = 0;
  while (d < v.rank && v.count[d] == 1) ++d;  // the dims before it are all 1
  if (ctx->num_threads() <= 1 || d >= v.rank) return Status::Ok();
  size_t inner = 1;
  for (int i = d + 1; i < v.rank; ++i) inner *= static_cast<size_t>(v.count[i]);
  const size_t range = static_cast<size_t>(v.count[d]);
  const size_t tile = ParallelTile(range, inner, ctx->num_threads(), 1);
  if (tile >= range) return Status::Ok();
  s->dim = d;
  s->inner = inner;
  s->tile = tile;
  return Status::Ok();
}

// Each image's planes interleaved by `zip` (x32_zip3 or x8_zip3 on values
// of T), its pixels split across threads.
template <typename T, typename Zip>
Status Zip3Images(KernelContext* ctx, const TransposeState& s, Zip zip) {
  const T* in = static_cast<const T*>(ctx->input(0)->data);
  T* out = static_cast<T*>(ctx->output(0)->data);
  for (size_t b = 0; b < s.images; ++b) {
    const T* image = in + b * 3 * s.plane;
    T* dst = out + b * 3 * s.plane;
    ctx->ParallelFor(s.plane, s.zip_tile, [&](int /*worker*/, size_t start, size_t n) {
      zip(n, image + start, s.plane, dst + 3 * start);
    });
  }
  return Status::Ok();
}

Status Eval(KernelContext* ctx) {
  const TransposeState& s = *ctx->state<TransposeState>();
  if (s.zip3_x8 != nullptr) return Zip3Images<uint8_t>(ctx, s, s.zip3_x8);
  if (s.zip3 != nullptr) return Zip3Images<uint32_t>(ctx, s, s.zip3);
  if (s.dim < 0) return s.fallback.Eval(ctx);
  const StridedView& whole = *static_cast<const StridedView*>(s.fallback.state);
  const Tensor* in = ctx->input(0);
  const size_t esize = DTypeSize(in->dtype);
  uint8_t* out = static_cast<uint8_t*>(ctx->output(0)->data);
  ctx->ParallelFor(static_cast<size_t>(whole.count[s.dim]), s.tile, [&](int /*worker*/, size_t start, size_t n) {
    StridedView v = whole;
    v.count[s.dim] = static_cast<int64_t>(n);
    v.in_offset += static_cast<int64_t>(start) * v.step[s.dim];
    StridedCopy(in->data, out + start * s.inner * esize, esize, v);
  });
  return Status::Ok();
}

}  // namespace

const OpKernel* Register_TRANSPOSE() {
  static const OpKernel kernel = {"TRANSPOSE/optimized", Prepare, Eval, kNoFlags};
  return &kernel;
}

}  // namespace opt
}  // namespace edgert
