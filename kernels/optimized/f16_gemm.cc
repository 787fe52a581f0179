#include "kernels/optimized/f16_gemm.h"

#include <algorithm>

#include "kernels/optimized/f32_gemm.h"
#include "runtime/dtype.h"

namespace edgert {
namespace opt {

F16Gemm GetF16GemmFor(const KernelContext* ctx, const Tensor* weights) {
  F16Gemm g;
  const KernelIsa& isa = GetKernelIsa();
  if (isa.f16_gemm.fn == nullptr || !ctx->f16_arithmetic_allowed() || !weights->stored_as_f16) return g;
  g.gemm = isa.f16_gemm.fn;
  g.gemv = isa.f16_gemm.gemv;
  g.igemm = isa.f16_gemm.igemm;
  g.mr = static_cast<size_t>(isa.f16_gemm.mr);
  g.nr = static_cast<size_t>(isa.f16_gemm.nr);
  return g;
}

void PackF16GemmB(size_t n, size_t k, const float* b, size_t k_stride, size_t n_stride, const float* bias, size_t nr,
                  uint16_t* packed) {
  PackGemmPanels(n, k, b, k_stride, n_stride, bias, nr, FloatToHalf, packed);
}

Status PackF16Weights(KernelContext* ctx, const F16Gemm& g, size_t n, size_t k, const Tensor* weights,
                      const Tensor* bias, const uint16_t** packed) {
  const size_t halves = PackedF16GemmHalves(n, k, g.nr);
  bool filled = false;
  uint16_t* p = static_cast<uint16_t*>(ctx->AllocatePacked(
      halves * sizeof(uint16_t),
      PackedLayoutKey("f16-gemm-b", {static_cast<int64_t>(g.nr), static_cast<int64_t>(k)}), &filled));
  if (p == nullptr) return ctx->Error(StatusCode::kOutOfMemory, "out of memory for %zu packed weight halves", halves);
  if (!filled)
    PackF16GemmB(n, k, weights->data_as<float>(), 1, k, bias != nullptr ? bias->data_as<float>() : nullptr, g.nr, p);
  *packed = p;
  ctx->MarkInputPacked(1);
  ctx->MarkInputPacked(2);
  return Status::Ok();
}

void RunF16GemmTile(const F16Gemm& g, size_t m, size_t m0, size_t rows, size_t n0, size_t cols, size_t k,
                    const float* a, size_t a_stride, const uint16_t* packed, float* c, size_t c_stride,
                    const F32MinMaxParams* minmax) {
  RunGemmTileWith(g.gemm, g.gemv, g.mr, g.nr, m, m0, rows, n0, cols, k, a, a_stride, packed, c, c_stride, minmax);
}

}  // namespace opt
}  // namespace edgert
