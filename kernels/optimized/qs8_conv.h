// The int8 (QS8) paths of the optimized CONV_2D and DEPTHWISE_CONV_2D kernels:
// int8 input and output (per-tensor), int8 weights (per-channel with zero
// point 0, or per-tensor with any zero point), int32 bias, all constant.
// Results are bit-identical to the reference kernels (TFLite semantics): int32
// accumulation of x * (w - weight_zp), the input zero point folded into a
// per-channel constant acc0 = bias - input_zp * sum(w - weight_zp) (padding taps
// read the input zero point, so they add nothing), and TFLite's fixed-point
// requantization. A node is covered only when its exact accumulator provably
// fits int32 for every input (the reference saturates otherwise).
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/common/conv_util.h"
#include "kernels/common/depthwise_rows.h"
#include "kernels/dispatch.h"
#include "runtime/kernel_api.h"

namespace edgert {
namespace opt {

// The four packed int32 words of one output channel (QS8ConvParams).
struct QS8ChannelWords {
  int32_t acc0, multiplier, left, right;
};

// Output stage of channel c of a conv with quantization q: its k weights are
// w[i * stride] (raw int8), its bias `bias` (0 when there is none). Returns
// false when |bias| + sum |w - weight_zp| * max |x - input_zp| exceeds
// INT32_MAX, i.e. when an int32 accumulator might not be exact. weight_sum,
// when given, receives sum(w - weight_zp).
bool MakeQS8ChannelWords(const ConvQuantParams& q, int c, const int8_t* w, size_t k, size_t stride, int32_t bias,
                         QS8ChannelWords* out, int64_t* weight_sum = nullptr);

// QS8RoundsInInt32 for channel c of a node quantized by q with that bias and
// k products per output, from the bias and shifts alone (so a cached packing
// need not be read again): |acc| <= |bias| + k * 255 * 255 bounds every
// accumulator, whatever the weights and inputs.
bool QS8ChannelRoundsInInt32(const ConvQuantParams& q, int c, int32_t bias, int64_t k);

// True when input 0 and output 0 are int8 and the weights (input 1) and
// optional bias (input 2) are constants (the reference prepare has checked the
// rest of the dtypes and the quantization).
bool QS8WithConstantWeights(KernelContext* ctx);

// Weights of out_c x k (channel c's k weights at w + c * k, raw int8) packed
// once into persistent memory for the ISA table's QS8 GEMM: the c4 (VNNI)
// microkernel where there is one and the weights minus their zero point fit
// int8, else the c2 one (QS8GemmUkernelFn's layouts), with each channel's
// output stage from q and `bias` (nullptr: none). gemm == nullptr: not covered
// (no microkernel, or an int32 accumulator might overflow: the reference runs).
struct QS8PackedGemm {
  QS8GemmUkernelFn gemm = nullptr;
  // KernelIsa::qs8_gemm_release of the level that chose gemm (nullptr: none):
  // called after a tile's last gemm call (ReleaseGemm).
  void (*release)() = nullptr;
  int mr = 0, nr = 0;
  size_t panel_bytes = 0;  // panel p (channels [p * nr, p * nr + nr)) at packed + p * panel_bytes
  const uint8_t* packed = nullptr;
  bool short_rounding = false;  // QS8RoundsInInt32 holds for every channel
  bool c4 = false;              // the c4 packing (rows of im2col tiles padded to 4 bytes)
  // The sparse c4 packing (PackQS8Spmm): panel p at packed + panel_offsets[p]
  // (persistent); nullptr for the dense packings.
  const size_t* panel_offsets = nullptr;
  // Stored quads per output value and column, for tile sizing: k for the dense packings.
  int64_t k_work = 0;
  // Panel holding column c0 (a multiple of nr).
  const uint8_t* PanelAt(size_t c0) const {
    const size_t p = c0 / static_cast<size_t>(nr);
    return packed + (panel_offsets != nullptr ? panel_offsets[p] : p * panel_bytes);
  }
};
// Called by each parallel tile after its last GEMM call.
inline void ReleaseGemm(void (*release)()) {
  if (release != nullptr) release();
}
Status PackQS8Gemm(KernelContext* ctx, const ConvQuantParams& q, const int8_t* w, int out_c, int64_t k,
                   const int32_t* bias, QS8PackedGemm* out);
// The same for n GEMM columns whose k weights lie anywhere: column j's at
// cols[j], with the output stage of conv channel channels[j] (its
// requantization, weight zero point and bias).
Status PackQS8GemmColumns(KernelContext* ctx, const ConvQuantParams& q, int n, int64_t k, const int8_t* const* cols,
                          const int* channels, const int32_t* bias, QS8PackedGemm* out);

// Fraction of zero 16 x 4 weight blocks (16 output channels x 4 consecutive
// input channels, the quads of the c4 packing) from which the block-sparse
// GEMM (KernelIsa::qs8_spmm) runs instead of the dense one
// (bench/qs8_spmm_bench.cc measures the break-even).
constexpr double kQS8SpmmMinZeroQuads = 0.3;

// The same weights in the sparse c4 packing of KernelIsa::qs8_spmm
// (kernels/dispatch.h), skipping the all-zero quads, when the level has that
// microkernel, K >= 16, more than 8 columns (where the level has the dense
// GEMM with NR = 8), at least kQS8SpmmMinZeroQuads of the quads are zero
// (KernelIsa::qs8_spmm.min_zero_quads_vs_tiles against AMX tiles), the
// weights minus their zero point fit int8, and every int32 accumulator is
// exact; otherwise out->gemm stays nullptr (pack densely).
Status PackQS8Spmm(KernelContext* ctx, const ConvQuantParams& q, const int8_t* w, int out_c, int64_t k,
                   const int32_t* bias, QS8PackedGemm* out);
// Replaces the fraction (kQS8SpmmMinZeroQuads, or KernelIsa::qs8_spmm's
// min_zero_quads_vs_tiles against the AMX tile GEMM) for nodes prepared from now on (0:
// every node the sparse GEMM can run, above 1: none; negative: back to those)
// and returns the previous value. For benchmarks and tests.
double SetQS8SpmmMinZeroQuadsForTesting(double fraction);

// The GEMM output stage of a node quantized by q whose packing is pg.
inline QS8ConvParams QS8GemmParams(const ConvQuantParams& q, const QS8PackedGemm& pg) {
  QS8ConvParams p{q.output_zp, q.act_min, q.act_max};
  p.full_range_short_rounding = pg.short_rounding && q.act_min == -128 && q.act_max == 127;
  return p;
}

// CONV_2D, groups 1. gemm == nullptr: not covered (the reference runs).
struct QS8Conv2D {
  QS8GemmUkernelFn gemm = nullptr;
  int mr = 0, nr = 0;
  Window2D window;
  int out_c = 0, k = 0;
  bool direct = false;  // 1x1, stride 1, no padding: the GEMM reads the input
  int scratch = -1;     // im2col tiles, mr * a_stride bytes (+ slack) per worker
  int64_t a_stride = 0;  // bytes per im2col row: k, or k rounded up to 4 for a c4 microkernel
  int gather_chunks = 0;     // KW * C <= 16 * gather_chunks (1..4): patch rows move as that many 16-byte moves
  size_t tile_pixels = 0, tile_channels = 0;
  QS8PackedGemm weights;  // dense or block-sparse (weights.panel_offsets) packing
  int8_t input_zp = 0;
  QS8ConvParams params = {0, 0, 0};
};
Status PrepareQS8Conv2D(KernelContext* ctx, QS8Conv2D* s);
void EvalQS8Conv2D(KernelContext* ctx, const QS8Conv2D& s);

// DEPTHWISE_CONV_2D, depth_multiplier 1. dwconv == nullptr: not covered.
struct QS8DepthwiseConv2D {
  QS8DwconvUkernelFn dwconv = nullptr;
  Window2D window;
  DepthwiseRows<int8_t> rows;
  size_t tile_rows = 0;
  const int8_t* padding = nullptr;  // in_c bytes of the input zero point
  const void* packed = nullptr;
  QS8ConvParams params = {0, 0, 0};
};
Status PrepareQS8DepthwiseConv2D(KernelContext* ctx, QS8DepthwiseConv2D* s);
void EvalQS8DepthwiseConv2D(KernelContext* ctx, const QS8DepthwiseConv2D& s);

// TRANSPOSE_CONV whose taps tile the output exactly (stride equal to the
// filter size, no padding; kernels/optimized/transpose_conv_qs8.cc).
// gemm == nullptr: not covered. pad_top / pad_left: the padding before.
struct QS8TransposeConv {
  QS8GemmUkernelFn gemm = nullptr;
  // Where KW * O <= 4: the level's QS8Dot4UkernelFn instead (packed: its
  // layout per filter row); gemm then stays nullptr.
  QS8Dot4UkernelFn dot4 = nullptr;
  void (*release)() = nullptr;  // QS8PackedGemm::release
  int mr = 0;
  int batches = 0, in_h = 0, in_w = 0, in_c = 0, out_c = 0, filter_h = 0, filter_w = 0;
  size_t tile_rows = 0;  // output rows per parallel tile
  const uint8_t* const* packed = nullptr;  // per filter row: its KW * O packed GEMM columns
  QS8ConvParams params = {0, 0, 0};
};
Status PrepareQS8TransposeConv(KernelContext* ctx, int pad_top, int pad_left, QS8TransposeConv* s);
void EvalQS8TransposeConv(KernelContext* ctx, const QS8TransposeConv& s);

}  // namespace opt
}  // namespace edgert
