// The ISA table of the optimized kernels: the CPU is detected once
// (GetCpuFeatures) and the best level's table of microkernel pointers is used
// by every optimized op's prepare (XNNPACK src/configs/gemm-config.c).
//
// Levels: reference (no microkernels; optimized ops fall back to the reference
// kernels); on x86-64 avx2 (AVX2 + FMA3), avx512 (avx2 plus AVX-512 F: the
// avx2 table with 7-row AVX-512 f32 GEMMs) and avx512vnni (avx512 plus VNNI:
// with a VNNI int8 GEMM too), avx512amx (avx512vnni plus AMX tiles with int8
// dot products, on CPUs whose OS grants them: its int8 GEMM on tiles); on aarch64 neon (Advanced
// SIMD with FMA, present on every aarch64 CPU), neon-dotprod (neon plus the
// SDOT instructions: the neon table with an SDOT int8 GEMM) and neon-i8mm
// (neon-dotprod plus SMMLA: its int8 GEMM on the c8 packing); on CPUs with
// half-precision arithmetic (ARMv8.2 FEAT_FP16) these two levels also carry
// an f16 GEMM (KernelIsa::f16_gemm). The environment
// variable EDGERT_ISA, read once, can force a lower level than the CPU's (never
// a higher one): reference|avx2|avx512|avx512vnni|avx512amx on x86-64,
// reference|neon|dotprod (or neon-dotprod)|i8mm (or neon-i8mm) on aarch64.
// Tests can override the level with SetKernelIsaLevelForTesting.
#pragma once

#include <cstddef>
#include <cstdint>

namespace edgert {

// Output clamp of the f32 microkernels (the fused activation).
struct F32MinMaxParams {
  float min;
  float max;
};

// C = clamp(A * B + bias) for an mr x nc block, 1 <= mr <= MR, nc >= 1.
// a: mr rows of kc floats, row i at a + i * a_stride. w: B packed in panels of
// NR columns, each panel NR bias values then kc rows of NR weights (columns past
// nc zero-padded). c: row i at c + i * c_stride (floats), nc values each.
using F32GemmUkernelFn = void (*)(size_t mr, size_t nc, size_t kc, const float* a, size_t a_stride, const float* w,
                                  float* c, size_t c_stride, const F32MinMaxParams* params);

// Indirect GEMM, the convolution form of F32GemmUkernelFn (no im2col copy):
// C = clamp(sum over taps t of A_t * B_t + bias) for an mr x nc block,
// 1 <= mr <= MR, nc >= 1, taps >= 1, kc >= 1. a: taps groups of MR pointers,
// pointer a[t * MR + i] to the kc floats of row i's tap t (an input pixel's
// channels, or a zero buffer for padding); pointers of rows past mr are not
// read. w: B packed as for F32GemmUkernelFn with K = taps * kc (row t * kc + j
// belongs to tap t, channel j). c: as for F32GemmUkernelFn.
using F32IgemmUkernelFn = void (*)(size_t mr, size_t nc, size_t kc, size_t taps, const float* const* a,
                                   const float* w, float* c, size_t c_stride, const F32MinMaxParams* params);

// Winograd F(2x2, 3x3) transforms of a 3x3 stride-1 convolution
// (kernels/optimized/f32_winograd.h), vectorized over `channels` (>= 1).
// Input: the 4x4 input tile d of one 2x2 output tile, as 16 pointers row-major
// (pointer 4 * i + j to the channels of tile pixel (i, j), or to a zero buffer
// for padding); writes V = B^T d B, value e = 4 * i + j of channel c at
// output[e * output_stride + c], with
//   B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]
// computed in this order: first down the columns (w0 = d0 - d2, w1 = d1 + d2,
// w2 = d2 - d1, w3 = d1 - d3 over rows 0..3), then along the rows the same way.
using F32WinogradInputUkernelFn = void (*)(size_t channels, const float* const* input, float* output,
                                           size_t output_stride);
// Output: M (value e of channel c at input[e * input_stride + c]) to the 2x2
// output tile Y = A^T M A + bias, clamped, with A^T = [1 1 1 0; 0 1 -1 -1]
// computed down the columns (s0 = (m0 + m1) + m2, s1 = (m1 - m2) - m3), then
// along the rows the same way, then + bias[c], then clamp(min, max). output:
// 4 pointers row-major (pixels outside the output point to a discard buffer of
// `channels` floats).
using F32WinogradOutputUkernelFn = void (*)(size_t channels, const float* input, size_t input_stride,
                                            const float* bias, float* const* output, const F32MinMaxParams* params);
// The F(4x4, 3x3) transforms have the same types with 6x6 input tiles: 36
// input pointers and values (e = 6 * i + j), and 4x4 output tiles (16 output
// pointers), with (points 0, 1, -1, 2, -2 and infinity)
//   B^T = [4  0 -5  0 1 0; 0 -4 -4  1 1 0; 0  4 -4 -1 1 0;
//          0 -2 -1  2 1 0; 0  2 -1 -2 1 0; 0  4  0 -5 0 1]
//   A^T = [1 1 1 1 1 0; 0 1 -1 2 -2 0; 0 1 1 4 4 0; 0 1 -1 8 -8 1]
// applied down the columns, then along the rows; the order of the operations
// (and multiply-adds) is the kernel's own, so kernels differ by rounding.

// Block-sparse weights x dense input (kernels/optimized/f32_spmm.h): for
// mr (1 <= mr <= MR) pixels and nc >= 1 output channels starting at a block
// boundary, the ceil(nc / B) blocks of B channels starting at block_ptr[0]:
//   c[p][j] = clamp(bias[j] + sum over stored columns k of block j / B of
//                   a[p * a_stride + column_indices[k]] * values[k * B + j % B])
// with the block's stored columns k in [block_ptr[b], block_ptr[b + 1])
// (absolute indices into column_indices and values, as BlockSparseView holds
// them). bias: B floats per block (padding past nc read but unused). c: row p at
// c + p * c_stride, nc values each.
using F32SpmmUkernelFn = void (*)(size_t mr, size_t nc, const float* a, size_t a_stride, const int32_t* block_ptr,
                                  const int32_t* column_indices, const float* values, const float* bias, float* c,
                                  size_t c_stride, const F32MinMaxParams* params);

// Half-precision GEMM of f32 activations (kernels/optimized/f16_gemm.h), for
// weights the model stores as float16, on CPUs with native f16 arithmetic:
// C = clamp(A * B + bias) for an mr x nc block, 1 <= mr <= MR, nc >= 1, where
// a is as for F32GemmUkernelFn (f32 rows, each value rounded to f16 as it is
// read), w is packed like F32GemmUkernelFn's B but in IEEE half bits (panels
// of NR columns, NR bias values then kc rows of NR weights, columns past nc
// zero), every multiply-add rounds to f16 (from the bias, in K order), and the
// f16 sums are widened to f32, clamped and stored as for F32GemmUkernelFn. The
// caller keeps |values| within f16's range (65504); the error against exact
// arithmetic grows with kc (about kc * 2^-11 of the sum of |x * w| at worst).
using F16GemmUkernelFn = void (*)(size_t mr, size_t nc, size_t kc, const float* a, size_t a_stride,
                                  const uint16_t* w, float* c, size_t c_stride, const F32MinMaxParams* params);
// Its indirect form, as F32IgemmUkernelFn is of F32GemmUkernelFn: taps groups
// of MR row pointers (rows past mr not read), K = taps * kc in tap order, the
// same packed f16 panels and arithmetic.
using F16IgemmUkernelFn = void (*)(size_t mr, size_t nc, size_t kc, size_t taps, const float* const* a,
                                   const uint16_t* w, float* c, size_t c_stride, const F32MinMaxParams* params);

// Depthwise convolution of `pixels` output pixels of `channels` channels with
// `taps` filter taps each. input: pixels * taps pointers (pixel-major); pointer
// (p, t) points to channel 0 of the input pixel seen by tap t of output pixel
// p, or to a zero buffer of `channels` floats for padding. w: per group of CT
// channels, CT bias values then taps rows of CT weights (channels past
// `channels` zero-padded). output: pixels * channels floats, contiguous.
using F32DwconvUkernelFn = void (*)(size_t pixels, size_t channels, size_t taps, const float* const* input,
                                    const float* w, float* output, const F32MinMaxParams* params);

// Output stage of the int8 (QS8) conv microkernels. Per output channel c the
// packed weights carry acc0[c] (bias - input_zp * sum of c's weights), and
// TFLite's requantization parameters multiplier[c] and shift[c] split into
// left = max(shift, 0) and right = max(-shift, 0). For output value y of
// channel c with acc = acc0[c] + sum of x * w (int32, exact):
//   y = clamp(RoundingDivideByPOT(SaturatingRoundingDoublingHighMul(
//           saturate(acc * 2^left), multiplier[c]), right) + output_zp, min, max)
// bit-exactly as kernels/common/quant.h computes it.
struct QS8ConvParams {
  int32_t output_zp;
  int32_t min, max;  // the fused activation's range, within [-128, 127]
  // Nonzero only when prepare has shown, for every channel of the node, that
  // QS8RoundsInInt32 holds, and min = -128, max = 127. A kernel may then
  // round with 32-bit sums after the high multiply and saturate to int8
  // instead of clamping (same results); kernels may also ignore it.
  int32_t full_range_short_rounding = 0;
};

// Whether a channel's second rounding fits 32-bit arithmetic: no left shift,
// a right shift of 1 to 31, and |acc| <= acc_bound with
// acc_bound + 2^(right - 1) + 2 + |output_zp| * 2^right <= INT32_MAX, so that
// the high product h (|h| <= |acc| + 1) plus the rounding half does not
// overflow, nor does it with the output zero point added before the shift
// (floor((v + zp * 2^r) / 2^r) = floor(v / 2^r) + zp, which saves a kernel the
// addition after it); the result (below 2^30 in magnitude) plus a zero point
// does not either.
inline bool QS8RoundsInInt32(int64_t acc_bound, int32_t left, int32_t right, int32_t output_zp) {
  const int64_t zp = output_zp < 0 ? -int64_t{output_zp} : output_zp;
  return left == 0 && right >= 1 && right <= 31 && acc_bound >= 0 && zp <= 128 &&
         acc_bound + (int64_t{1} << (right - 1)) + 2 + (zp << right) <= int64_t{INT32_MAX};
}

// Per-channel words of a packed QS8 group of N channels: N acc0, N
// multipliers, N left shifts, N right shifts (int32 each).
constexpr size_t kQS8ChannelWords = 4;

// QS8 GEMM: C = requantize(A * B) for an mr x nc block, 1 <= mr <= MR, nc >= 1.
// a: mr rows of kc int8, row i at a + i * a_stride (read exactly kc bytes).
// w: B packed in panels of NR columns, each panel the NR * kQS8ChannelWords
// int32 of its columns (see QS8ConvParams) followed by round_up(kc, 8) / 2
// rows of NR pairs of int16: pair (r, j) holds B[2r][j], B[2r + 1][j] (the
// weights minus the weight zero point; rows past kc and columns past nc zero).
// c: row i at c + i * c_stride (bytes), nc values each.
// The c4 packing (KernelIsa::qs8_gemm_c4) differs: each panel's acc0 also
// holds -a_offset * sum of the column's weights (a VNNI microkernel offsets A
// by 128; SDOT and SMMLA ones use 0), followed by round_up(kc, 4) / 4 rows of
// NR quads of int8 (quad (r, j) holds B[4r..4r+3][j]), so it needs weights
// minus zero point within [-128, 127]. Its c8 form (k_group 8) has
// round_up(kc, 8) / 8 rows of NR groups of 8 int8 (group (r, j) holds
// B[8r..8r+7][j]). A c4 microkernel with k_round 64 (AMX tiles) reads
// round_up(kc, 64) / 4 rows of quads, those past kc zero.
using QS8GemmUkernelFn = void (*)(size_t mr, size_t nc, size_t kc, const int8_t* a, size_t a_stride, const void* w,
                                  int8_t* c, size_t c_stride, const QS8ConvParams* params);

// QS8 block-sparse GEMM (KernelIsa::qs8_spmm): QS8GemmUkernelFn's contract
// (rows, output stage, A read as kc bytes per row) with w the sparse c4
// packing of nc columns in blocks of kQS8SpmmBlock: per block, the 16 columns'
// kQS8ChannelWords int32 as in the c4 packing (acc0 holds -a_offset * sum of
// the column's weights too), then q (int32, the number of stored quads), then
// q int32 byte offsets into an A row (ascending multiples of 4, below kc),
// zero-padded so that the words after the header number a multiple of 16,
// then q groups of 16 int8 quads (group t, column j: B[o_t .. o_t + 3][j],
// zero past K and past the last column). The next block follows at once
// (QS8SpmmBlockBytes). The quads left out hold only zero weights: the
// microkernel multiplies the stored ones alone.
constexpr size_t kQS8SpmmBlock = 16;
inline size_t QS8SpmmOffsetWords(size_t quads) { return (quads + 1 + 15) / 16 * 16; }
inline size_t QS8SpmmBlockBytes(size_t quads) {
  return kQS8SpmmBlock * kQS8ChannelWords * sizeof(int32_t) + QS8SpmmOffsetWords(quads) * sizeof(int32_t) +
         quads * kQS8SpmmBlock * 4;
}

// QS8 depthwise convolution of `pixels` output pixels of `channels` channels
// with `taps` filter taps. input: pixels * taps pointers as for
// F32DwconvUkernelFn (padding taps point to `channels` bytes equal to the input
// zero point). w: per group of CT channels, CT * kQS8ChannelWords int32 (see
// QS8ConvParams) then round_up(taps, 2) / 2 blocks of CT pairs of int16 (the
// weights of taps 2t and 2t + 1, minus the weight zero point; a missing last
// tap zero), both in the microkernel's channel order (kernels/x86/ukernels.h).
// With KernelIsa::qs8_dwconv.single_taps the weights are instead `taps`
// blocks of CT int32 words of one tap each: the int16 pair (w, 0) for
// channel j of the group when j is even, (0, w) when j is odd (w the tap's
// weight minus the weight zero point).
// There are ceil(channels / CT) groups; group g covers channels [g * CT,
// g * CT + CT), except that when channels > CT and channels % CT != 0 the last
// group covers [channels - CT, channels), overlapping the one before it (so
// the microkernel moves whole groups), and with channels < CT the single
// group's channels past `channels` are zero. QS8DwconvGroupStart gives a
// group's first channel. output: pixels * channels int8, contiguous.
using QS8DwconvUkernelFn = void (*)(size_t pixels, size_t channels, size_t taps, const int8_t* const* input,
                                    const void* w, int8_t* output, const QS8ConvParams* params);
// The first channel of packed group `group` (QS8DwconvUkernelFn, tile ct).
inline size_t QS8DwconvGroupStart(size_t group, size_t channels, size_t ct) {
  const size_t start = group * ct;
  return channels > ct && start + ct > channels ? channels - ct : start;
}

// Parameters of the one-input elementwise microkernels: the clamp range
// (f32_vclamp: RELU is [0, inf], RELU6 [0, 6]) and the negative slope
// (f32_vlrelu). Kernels read only the fields they document.
struct F32UnaryParams {
  float min;
  float max;
  float alpha;
};

// y[i] = f(x[i]) for 0 <= i < n (n may be 0); y may equal x.
using F32VUnaryUkernelFn = void (*)(size_t n, const float* x, float* y, const F32UnaryParams* params);

// Elementwise binary microkernels, each clamping its result to
// [params->min, params->max] (the fused activation; the range is [-inf, inf]
// for none). With op(a, b) the operation:
//   vop:   y[i] = op(a[i], b[i])
//   vopc:  y[i] = op(a[i], b[0])  (vector op scalar)
//   vropc: y[i] = op(b[0], a[i])  (scalar op vector)
// for 0 <= i < n (n may be 0); y may equal a (or b for vop).
using F32VBinaryUkernelFn = void (*)(size_t n, const float* a, const float* b, float* y,
                                     const F32MinMaxParams* params);
struct F32VBinaryUkernels {
  F32VBinaryUkernelFn op, opc, ropc;  // all three or none (nullptr)
};

// Int8 ADD (and SUB, with multiplier2 negated) of two operands of the same
// shape with TFLite's fixed-point semantics, per element:
//   s_i = MultiplyByQuantizedMultiplier((x_i + offset_i) << left_shift, multiplier_i, shift_i)
//   y = clamp(MultiplyByQuantizedMultiplier(s_1 + s_2, out_multiplier, out_shift) + out_zero_point, min, max)
struct QS8AddParams {
  int32_t offset1, offset2, left_shift;
  int32_t multiplier1, shift1, multiplier2, shift2;
  int32_t out_multiplier, out_shift, out_zero_point, min, max;
};
using QS8VAddUkernelFn = void (*)(size_t n, const int8_t* a, const int8_t* b, int8_t* y, const QS8AddParams* params);

// Int8 ADD / SUB of same-shape operands in double precision, per element:
//   y = clamp(round_to_nearest(a * scale1 + b * scale2 + bias) + out_zero_point, min, max)
// The optimized ADD uses it for a node only after checking, at prepare, that
// it gives the fixed-point kernel's result for every one of the 65536 input
// pairs (kernels/optimized/qs8_add_f64.h), so it is exact where it runs.
struct QS8AddF64Params {
  double scale1, scale2, bias;
  int32_t out_zero_point, min, max;
};
using QS8VAddF64UkernelFn = void (*)(size_t n, const int8_t* a, const int8_t* b, int8_t* y,
                                     const QS8AddF64Params* params);
// The same in single precision: y = clamp(round(fma(b, scale2, fma(a, scale1,
// bias))) + out_zero_point, min, max), the rounding to nearest even. Used
// under the same all-pairs check as the double form; its rounding error is
// larger, so fewer nodes pass it.
struct QS8AddF32Params {
  float scale1, scale2, bias;
  int32_t out_zero_point, min, max;
};
using QS8VAddF32UkernelFn = void (*)(size_t n, const int8_t* a, const int8_t* b, int8_t* y,
                                     const QS8AddF32Params* params);

// Int8 MUL with TFLite's fixed-point semantics, per element:
//   y = clamp(MultiplyByQuantizedMultiplier((a + offset1) * (b + offset2), multiplier, shift) + out_zero_point,
//             min, max)
struct QS8MulParams {
  int32_t offset1, offset2, multiplier, shift, out_zero_point, min, max;
};
using QS8VMulUkernelFn = void (*)(size_t n, const int8_t* a, const int8_t* b, int8_t* y, const QS8MulParams* params);
// The vector-scalar forms (b[0] the scalar) of int8 ADD / SUB and MUL share
// those types. Scalar-op-vector runs them with the operands and their
// parameters swapped: both ops are symmetric in their integer arithmetic.

// Pooling of one output pixel over its window clamped to the input: `rows` x
// `cols` taps (both >= 1); tap (r, c) of channel k is input[r * row_stride +
// c * channels + k]. output: `channels` floats (channels >= 1).
//   maxpool: clamp(max over taps); the first tap starts the maximum and a later
//            tap v replaces it only when v > maximum.
//   avgpool: clamp((0 + tap + tap ...) / divisor), taps row by row.
using F32MaxPoolUkernelFn = void (*)(size_t rows, size_t cols, size_t channels, const float* input,
                                     size_t row_stride, float* output, const F32MinMaxParams* params);
using F32AvgPoolUkernelFn = void (*)(size_t rows, size_t cols, size_t channels, const float* input,
                                     size_t row_stride, float divisor, float* output,
                                     const F32MinMaxParams* params);
// Global average with double accumulation: output[k] = float((0.0 + sum over
// i < pixels of double(input[i * pixel_stride + k])) / double(pixels)), pixels >= 1.
using F32GAvgPoolUkernelFn = void (*)(size_t pixels, size_t channels, const float* input, size_t pixel_stride,
                                      float* output);
// Bilinear interpolation of one output row of `pixels` pixels of `channels`
// channels: top / bottom are input rows y0 / y1 (pixel x at x * channels);
// pixel p mixes columns x_lo[p] and x_hi[p] with weight dx[p], rows with dy:
//   ((tl*(1-dy))*(1-dx) + (bl*dy)*(1-dx)) + (tr*(1-dy))*dx + (br*dy)*dx.
using F32IBilinearUkernelFn = void (*)(size_t pixels, size_t channels, const float* top, const float* bottom,
                                       const int32_t* x_lo, const int32_t* x_hi, const float* dx, float dy,
                                       float* output);

// Quantized (int8 "qs8", uint8 "qu8") pooling, resizing and conversions.
// Output clamp in the stored integer domain.
struct X8MinMaxParams {
  int32_t min, max;
};
// Max pooling with F32MaxPoolUkernelFn's window layout over stored values:
// clamp(max over taps, min, max).
using QS8MaxPoolUkernelFn = void (*)(size_t rows, size_t cols, size_t channels, const int8_t* input,
                                     size_t row_stride, int8_t* output, const X8MinMaxParams* params);
using QU8MaxPoolUkernelFn = void (*)(size_t rows, size_t cols, size_t channels, const uint8_t* input,
                                     size_t row_stride, uint8_t* output, const X8MinMaxParams* params);
// Bilinear interpolation as F32IBilinearUkernelFn on float(stored value), then
// clamp(floor(v + 0.5), type range) (the reference's integer rounding).
using QS8IBilinearUkernelFn = void (*)(size_t pixels, size_t channels, const int8_t* top, const int8_t* bottom,
                                       const int32_t* x_lo, const int32_t* x_hi, const float* dx, float dy,
                                       int8_t* output);
using QU8IBilinearUkernelFn = void (*)(size_t pixels, size_t channels, const uint8_t* top, const uint8_t* bottom,
                                       const int32_t* x_lo, const int32_t* x_hi, const float* dx, float dy,
                                       uint8_t* output);
// f32 -> quantized: y = clamp(round_half_away(x / scale), min - zp, max - zp) + zp,
// NaN giving zp (the reference QUANTIZE). min / max: the type's range.
struct F32QuantizeParams {
  float scale;
  int32_t zero_point, min, max;
};
using F32QS8VCvtUkernelFn = void (*)(size_t n, const float* x, int8_t* y, const F32QuantizeParams* params);
using F32QU8VCvtUkernelFn = void (*)(size_t n, const float* x, uint8_t* y, const F32QuantizeParams* params);
// quantized -> f32: y = scale * float(x - zero_point) (the reference DEQUANTIZE).
struct X8DequantizeParams {
  float scale;
  int32_t zero_point;
};
using QS8F32VCvtUkernelFn = void (*)(size_t n, const int8_t* x, float* y, const X8DequantizeParams* params);
using QU8F32VCvtUkernelFn = void (*)(size_t n, const uint8_t* x, float* y, const X8DequantizeParams* params);
// Average pooling with F32AvgPoolUkernelFn's window layout over stored values:
// clamp(round_half_away((bias + sum over taps) / divisor), min, max) with
// divisor >= 1 and |bias| + 255 * taps < 2^31 (the reference's quantized
// average; bias carries the padding's zero points under count_include_pad).
using QS8AvgPoolUkernelFn = void (*)(size_t rows, size_t cols, size_t channels, const int8_t* input,
                                     size_t row_stride, int32_t bias, int32_t divisor, int8_t* output,
                                     const X8MinMaxParams* params);
using QU8AvgPoolUkernelFn = void (*)(size_t rows, size_t cols, size_t channels, const uint8_t* input,
                                     size_t row_stride, int32_t bias, int32_t divisor, uint8_t* output,
                                     const X8MinMaxParams* params);
// y[i] = table[x[i]] for 0 <= i < n (the bytes of int8 or uint8 values; a
// 256-entry table); y may equal x.
using X8LutUkernelFn = void (*)(size_t n, const uint8_t* x, uint8_t* y, const uint8_t* table);
// Interleaving of 3 planes of n 32-bit values, plane_stride values apart:
// out[3 * i + k] = in[k * plane_stride + i] for i < n, k < 3 (a 3-channel
// image from planar to pixel-major, as an ONNX model's NCHW input transposed
// to NHWC).
using X32Zip3UkernelFn = void (*)(size_t n, const uint32_t* in, size_t plane_stride, uint32_t* out);
// The same for 8-bit values (an int8 / uint8 image quantized before its
// transpose, as ONNX Runtime's QDQ models have it).
using X8Zip3UkernelFn = void (*)(size_t n, const uint8_t* in, size_t plane_stride, uint8_t* out);
// f32 ADD of rows: y[r * y_stride + i] = clamp(y[r * y_stride + i] + b[r * b_stride + i])
// for r < rows, i < n, or with b == nullptr, clamp(y[...] + c): the
// F32VBinaryUkernels add / addc arithmetic (y + b, y + c), row by row in one
// call (a residual ADD fused into a convolution, whose operand may have fewer
// channels than the output: a channel-padded shortcut).
using F32VAddRowsUkernelFn = void (*)(size_t rows, size_t n, const float* b, size_t b_stride, float c, float* y,
                                      size_t y_stride, const F32MinMaxParams* params);
// Up to 4 dot products per row, for products with few columns:
//   c[m * c_stride + j] = clamp(w[j] + sum over k < kc of a[m * a_stride + k] * w[4 + j * kc16 + k])
// for m < rows, j < n (1..4), kc16 = kc rounded up to 16. w holds 4 bias values
// then 4 weight rows of kc16 floats, zero past kc (and rows past n zero).
// Each dot is summed in 16 partial sums over k, reduced in a fixed tree.
using F32Dot4UkernelFn = void (*)(size_t rows, size_t n, size_t kc, const float* a, size_t a_stride, const float* w,
                                  float* c, size_t c_stride, const F32MinMaxParams* params);

// Up to 4 int8 dot products per row, for products with few columns (the
// int8 counterpart of F32Dot4UkernelFn):
//   c[m * c_stride + j] = requantize(acc0[j] + sum over k < kc of (a[m * a_stride + k] + a_offset) * w_j[k])
// for m < rows, j < n (1..4), with column j's output stage as in
// QS8ConvParams. w: 16 int32 words (4 acc0, 4 multipliers, 4 left shifts,
// 4 right shifts; words of columns past n unused), then 4 rows of kc16 int8
// weights (kc16 = kc rounded up to 16; zero past kc), row j column j's
// weights minus the weight zero point; acc0 holds the bias, -input_zp * sum(w)
// and -a_offset * sum(w). The caller guarantees the int32 sums fit.
using QS8Dot4UkernelFn = void (*)(size_t rows, size_t n, size_t kc, const int8_t* a, size_t a_stride, const void* w,
                                  int8_t* c, size_t c_stride, const QS8ConvParams* params);

// Per-channel sums of 1..256 pixels of int8 / uint8 values (exact in int32):
//   sums[k] = sum over i < pixels of input[i * pixel_stride + k], k < channels
// (a block of a whole-image average pool, kernels/optimized/pool_2d.h).
using QS8GSumUkernelFn = void (*)(size_t pixels, size_t channels, const int8_t* input, size_t pixel_stride,
                                  int32_t* sums);
using QU8GSumUkernelFn = void (*)(size_t pixels, size_t channels, const uint8_t* input, size_t pixel_stride,
                                  int32_t* sums);

struct X8PoolUkernels {
  QS8MaxPoolUkernelFn qs8_maxpool;
  QU8MaxPoolUkernelFn qu8_maxpool;
  QS8IBilinearUkernelFn qs8_ibilinear;
  QU8IBilinearUkernelFn qu8_ibilinear;
  F32QS8VCvtUkernelFn f32_qs8_vcvt;
  F32QU8VCvtUkernelFn f32_qu8_vcvt;
  QS8F32VCvtUkernelFn qs8_f32_vcvt;
  QU8F32VCvtUkernelFn qu8_f32_vcvt;
  QS8AvgPoolUkernelFn qs8_avgpool;
  QU8AvgPoolUkernelFn qu8_avgpool;
  X8LutUkernelFn lut;  // the int8 / uint8 table-driven activations
};

// Levels of one architecture are ordered by value; a level of the other
// architecture counts as unsupported.
enum class IsaLevel : int {
  kReference = 0,
  kAvx2 = 1,
  kAvx512 = 2,
  kAvx512Vnni = 3,
  kAvx512Amx = 4,
  kNeon = 11,
  kNeonDot = 12,
  kNeonI8mm = 13
};

// SOFTMAX of one contiguous row of n floats (n >= 0): y = exp(beta x - m) / sum.
using F32SoftmaxUkernelFn = void (*)(size_t n, const float* x, float beta, float* y);
// LAYER_NORM of one contiguous row: gamma / beta hold n values or are nullptr.
using F32LayerNormUkernelFn = void (*)(size_t n, const float* x, const float* gamma, const float* beta,
                                       float epsilon, float* y);

struct KernelIsa {
  IsaLevel level;
  const char* name;  // "reference", "avx2", "avx512", "avx512vnni", "neon", "neon-dotprod", "neon-i8mm"
  struct {
    F32GemmUkernelFn fn;  // nullptr: none at this level
    int mr, nr;
  } f32_gemm;
  // Same contract with mr = 1 (matrix-vector products), same packed B when nr
  // equals f32_gemm's.
  struct {
    F32GemmUkernelFn fn;  // nullptr: none at this level
    int nr;
  } f32_gemv;
  // Indirect GEMM over the same packed B as f32_gemm (when nr matches it; its
  // own mr: the row tile of the indirect convolution path).
  struct {
    F32IgemmUkernelFn fn;  // nullptr: none at this level
    int mr, nr;
  } f32_igemm;
  // Block-sparse x dense for weights stored with block size `block`.
  struct {
    F32SpmmUkernelFn fn;  // nullptr: none at this level
    int mr, block;
  } f32_spmm;
  struct {
    F32DwconvUkernelFn fn;  // nullptr: none at this level
    int channel_tile;
  } f32_dwconv;
  struct {
    QS8GemmUkernelFn fn;  // nullptr: none at this level
    int mr, nr;
  } qs8_gemm;
  // Preferred over qs8_gemm where the weights fit its packing: the c4 packing
  // (K in quads), or its c8 / c16 form (K in groups of 8 / 16) where k_group
  // is 8 / 16 (each column's k_group bytes of a group together, columns in
  // order). min_k: used only for K >= min_k (0: any K; below it qs8_gemm runs).
  // no_min_weight: the kernel needs weights in [-127, 127] (it adds two int8
  // products in int16 lanes, which -128 * -128 twice would overflow); nodes
  // with a weight of -128 (after the zero point) run qs8_gemm.
  struct {
    QS8GemmUkernelFn fn;  // nullptr: none at this level
    int mr, nr;
    int32_t a_offset;  // 128 or 0, see QS8GemmUkernelFn
    int k_group;       // 4 (c4), 8 (c8) or 16 (c16)
    int k_round;       // K is rounded up to this in the packing: k_group, or 64 (AMX)
    int min_k;
    bool no_min_weight;
  } qs8_gemm_c4;
  struct {
    QS8DwconvUkernelFn fn;  // nullptr: none at this level
    int channel_tile;
    // Position of channel j of a group in the packed group (a permutation of
    // [0, channel_tile)); nullptr: the identity.
    const uint8_t* channel_order;
    bool single_taps;  // one tap per weight word by channel parity (QS8DwconvUkernelFn), not pairs
  } qs8_dwconv;
  // One-input f32 kernels; nullptr: none at this level.
  struct {
    F32VUnaryUkernelFn clamp, lrelu, hswish, sigmoid, tanh, exp, gelu, gelu_tanh;
  } f32_vunary;
  // Binary f32 kernels with fused clamp.
  struct {
    F32VBinaryUkernels add, sub, mul, div, max, min;
  } f32_vbinary;
  // Pooling and resizing; nullptr: none at this level.
  struct {
    F32MaxPoolUkernelFn maxpool;
    F32AvgPoolUkernelFn avgpool;
    F32GAvgPoolUkernelFn gavgpool;
    F32IBilinearUkernelFn ibilinear;
  } f32_pool;
  QS8VAddUkernelFn qs8_vadd;  // nullptr: none at this level
  // Int8 vector-scalar ADD / SUB, int8 MUL; nullptr: none at this level.
  struct {
    QS8VAddUkernelFn addc;
    QS8VMulUkernelFn mul, mulc;
  } qs8_vbinary;
  // Row kernels; nullptr: none at this level.
  struct {
    F32SoftmaxUkernelFn softmax;
    F32LayerNormUkernelFn layernorm;
  } f32_row;
  X8PoolUkernels x8;          // each nullptr: none at this level
  QS8VAddF64UkernelFn qs8_vadd_f64;  // nullptr: none at this level
  // Winograd F(2x2, 3x3) and F(4x4, 3x3) transforms; nullptr: the portable ones
  // (kernels/optimized/f32_winograd.h) where the level has an f32 GEMM.
  struct {
    F32WinogradInputUkernelFn input_2x2, input_4x4;
    F32WinogradOutputUkernelFn output_2x2, output_4x4;
  } f32_winograd;
  QS8VAddF32UkernelFn qs8_vadd_f32;  // nullptr: none at this level
  // A GEMM with NR = 8 for products of at most 8 columns (1x1 convolutions
  // with few output channels), where an f32_gemm panel of 16 would be half
  // padding; nullptr: none at this level.
  struct {
    F32GemmUkernelFn fn;
    int mr, nr;
  } f32_gemm_nr8;
  // The c4 int8 GEMM with NR = 8, for products of at most 8 columns (stems
  // with 8 output channels), same packing as qs8_gemm_c4 with that NR and the
  // same a_offset; nullptr: none at this level.
  struct {
    QS8GemmUkernelFn fn;
    int mr, nr;
  } qs8_gemm_c4_nr8;
  // Half-precision GEMM (F16GemmUkernelFn), present on the neon-dotprod and
  // neon-i8mm levels of CPUs with FEAT_FP16 arithmetic; nullptr elsewhere.
  // gemv: the same with MR = 1 and the same panels, for single-row products;
  // igemm: the indirect form with the same MR and panels.
  struct {
    F16GemmUkernelFn fn, gemv;
    F16IgemmUkernelFn igemm;
    int mr, nr;
  } f16_gemm;
  X32Zip3UkernelFn x32_zip3;  // nullptr: none at this level (a strided copy runs)
  F32VAddRowsUkernelFn f32_vadd_rows;  // nullptr: none at this level
  F32Dot4UkernelFn f32_dot4;           // nullptr: none at this level
  // Block-sparse int8 GEMM over weights stored block-sparse (QS8GemmUkernelFn
  // with the sparse c4 packing above); a_offset as qs8_gemm_c4's.
  // min_zero_quads_vs_tiles: where qs8_gemm_c4 runs on AMX tiles, the
  // fraction of zero quads from which this GEMM beats it (against quad GEMMs:
  // kQS8SpmmMinZeroQuads, kernels/optimized/qs8_conv.h); 0 elsewhere.
  struct {
    QS8GemmUkernelFn fn;  // nullptr: none at this level
    int mr;
    int32_t a_offset;
    double min_zero_quads_vs_tiles;
  } qs8_spmm;
  // Where qs8_gemm_c4 rounds K up to 64 (AMX tiles): the quad GEMM (k_round
  // 4, same A offset) for K up to max_k, where the padding costs the tiles
  // more than they gain; nullptr elsewhere.
  struct {
    QS8GemmUkernelFn fn;
    int mr, nr;
    int max_k;
  } qs8_gemm_c4_short_k;
  // A depthwise microkernel with the tap-quad packing (QS8DwconvUkernelFn):
  // per group of channel_tile channels, the kQS8ChannelWords words of each
  // (acc0 with -a_offset * the sum of the channel's weights added), then
  // ceil(taps / 4) blocks of channel_tile * 4 int8 weights, byte 4j + k of
  // block q the weight of tap 4q + k of channel j (minus the weight zero
  // point; 0 past the last tap), channels in order, groups as in
  // QS8DwconvUkernelFn. Usable only when every such weight fits int8;
  // prepare then prefers it to qs8_dwconv for nodes of at least
  // min_channels channels. nullptr: none at this level.
  struct {
    QS8DwconvUkernelFn fn;
    int channel_tile;
    int32_t a_offset;
    int min_channels;
  } qs8_dwconv_quads;
  // Called by a thread after its last call of a qs8 GEMM microkernel in a
  // node's task (a tile range of a parallel loop): the AMX GEMM keeps the
  // thread's tiles configured between calls (LDTILECFG costs about as much as
  // a tile pass) and this releases them, so that the thread does not carry
  // AMX state (larger signal frames and context switches) outside the
  // runtime. nullptr: nothing to release. Calling it with nothing to release
  // is harmless.
  void (*qs8_gemm_release)();
  // QS8Dot4UkernelFn and its A offset; fn nullptr: none at this level.
  struct {
    QS8Dot4UkernelFn fn;
    int32_t a_offset;
  } qs8_dot4;
  // QS8GSumUkernelFn / QU8GSumUkernelFn; nullptr: none at this level.
  struct {
    QS8GSumUkernelFn qs8;
    QU8GSumUkernelFn qu8;
  } x8_gsum;
  X8Zip3UkernelFn x8_zip3;  // nullptr: none at this level (a strided copy runs)
};

// The best level this build and CPU support (detected once).
IsaLevel DetectedIsaLevel();
// The active table: the detected level, lowered by EDGERT_ISA (read once) or by
// SetKernelIsaLevelForTesting. Thread-safe.
const KernelIsa& GetKernelIsa();
// Forces `level` (clamped to DetectedIsaLevel(); a level of another
// architecture becomes kReference) for kernels prepared from now
// on and returns the previous level. For tests and benchmarks.
IsaLevel SetKernelIsaLevelForTesting(IsaLevel level);
const char* IsaLevelName(IsaLevel level);

}  // namespace edgert
