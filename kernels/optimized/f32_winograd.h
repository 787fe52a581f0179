// Winograd convolution for the f32 CONV_2D optimized kernel
// (kernels/optimized/conv_2d.cc): 3x3 filters, stride 1, dilation 1, one
// group, constant weights, any padding. Each output tile of t x t pixels
// (t = 2: F(2x2, 3x3); t = 4: F(4x4, 3x3)) is computed from its
// (t + 2) x (t + 2) input tile as
//   Y = A^T [ (G g G^T) . (B^T d B) ] A
// (Lavin and Gray, "Fast Algorithms for Convolutional Neural Networks"), the
// elementwise product over the (t + 2)^2 positions e summed over input
// channels, which makes (t + 2)^2 GEMMs (tiles x I) x (I x O): per output
// pixel and channel pair, 4 (t = 2) or 2.25 (t = 4) multiplications instead
// of 9. Matrices: kernels/dispatch.h (F32WinogradInputUkernelFn).
//
// Prepare transforms the weights once, U_e = (G g G^T)_e for every (oc, ic),
// computed in double and rounded to float, and packs each U_e [I x O] in the
// f32 GEMM microkernel's panel layout with zero bias (PackGemmB), followed by
// the bias (O floats), in one AllocatePacked block (weight-cache friendly).
// Eval splits the output tiles (batch-major, then row, then column) into
// `blocks` blocks run by ctx->ParallelFor (chosen at prepare: V and M of a
// block within about 512 KB, at most 64 tiles, the block count a multiple of
// the threads, block sizes as equal as BlockStart's multiples of 4 allow);
// with few tiles and large transformed weights, the output channels are split
// into one part per thread as well (F32Winograd::parts), so that each thread
// reads only its part's weights;
// per block (and part), in the worker's slice of the scratch:
//  1. the input transform (ISA table's f32_winograd, or the portable one) of
//     each tile into V: (t + 2)^2 matrices [block x I];
//  2. a GEMM per position, M_e = V_e U_e (the ISA table's f32_gemm
//     microkernel, no clamp), into M: (t + 2)^2 matrices [block x O];
//  3. the output transform of each tile with bias and the fused activation's
//     clamp, writing only the pixels inside the output (sizes not multiples
//     of t).
// A tile's result depends only on its own data (the GEMM microkernels compute
// each row alike whatever the rows beside it), so the blocking, and thus the
// thread count, does not change the outputs.
//
// Accuracy: the result differs from direct summation by rounding in the
// transforms and in the float U_e. Relative to the sum of |x * w| over an
// output's taps, tests/kernels/winograd_test.cc observed at most about 2e-7
// for F(2x2, 3x3) (the indirect GEMM: 1.6e-7) and 3.5e-6 for F(4x4, 3x3),
// whose transforms have factors up to 25 and 64 and U_e sixths and
// twenty-fourths.
#pragma once

#include <cstddef>

#include "kernels/common/conv_util.h"
#include "kernels/dispatch.h"
#include "kernels/optimized/f32_gemm.h"
#include "runtime/kernel_api.h"

namespace edgert {
namespace opt {

struct F32Winograd {
  F32Gemm gemm;  // gemm.gemm nullptr: the node does not use this path
  int tile = 2;  // output tile side: 2 for F(2x2, 3x3), 4 for F(4x4, 3x3)
  F32WinogradInputUkernelFn input = nullptr;
  F32WinogradOutputUkernelFn output = nullptr;
  Window2D window;
  size_t in_c = 0, out_c = 0;
  size_t tiles_h = 0, tiles_w = 0, tiles = 0;  // output tiles per column, per row, in all
  size_t blocks = 0;                           // blocks of tiles
  size_t block = 0;                            // tiles of the largest block
  // Output channels in `parts` parts of part_channels (a multiple of NR; the
  // last may be shorter): the parallel items are blocks x parts.
  size_t parts = 1, part_channels = 0;
  size_t gemm_floats = 0;                      // floats of one packed U_e
  const float* packed = nullptr;               // positions() packed U_e, then the bias (out_c floats)
  const float* zeros = nullptr;                // in_c zeros: the padding's pixel
  int scratch = -1;                            // num_threads slices of V, M and a discard row
  F32MinMaxParams minmax = {0.f, 0.f};
  // The first tile of block b (b <= blocks): b / blocks of the tiles, rounded
  // to a multiple of 4 (the GEMM microkernels used here, GetF32Gemm, run a
  // short row tile of a multiple of 4 rows without computing unused rows: MR
  // is 4, or the AVX-512 kernel's 12 with its 8- and 4-row walks). 49 tiles
  // in 4 blocks: 12, 12, 12, 13.
  size_t BlockStart(size_t b) const {
    if (b >= blocks) return tiles;
    return (b * tiles / blocks + 2) / 4 * 4;
  }
  // Positions e of a transformed tile: (tile + 2)^2.
  size_t positions() const { return static_cast<size_t>((tile + 2) * (tile + 2)); }
};

// The output tile side (2 or 4) of the Winograd transform for a convolution
// with window `g` (3x3, stride 1, dilation 1) and out_c output channels at the
// active ISA level (it needs an f32 GEMM microkernel), or 0 where the path does
// not cover it or does not pay (channel and tile thresholds, see
// f32_winograd.cc); the caller checks the rest (f32, constant weights, one
// group).
int F32WinogradTile(const Window2D& g, int out_c);

// Prepares the path with output tiles of side `tile` (F32WinogradTile) for the
// node of `ctx` (weights [O, 3, 3, I] constant, bias [O] constant or nullptr):
// on success w->gemm.gemm is set and inputs 1 and 2 are marked packed.
Status PrepareF32Winograd(KernelContext* ctx, int tile, const Window2D& g, const Tensor* weights, const Tensor* bias,
                          F32MinMaxParams minmax, F32Winograd* w);

// The convolution of NHWC `in` into NHWC `out` (shapes of w.window), whose
// pixels are ldc floats apart (out_c, or more for a channel slice of a wider
// tensor).
void EvalF32Winograd(KernelContext* ctx, const F32Winograd& w, const float* in, float* out, size_t ldc);

// Which nodes take the path: kAuto (the thresholds), kAlways2x2 / kAlways4x4
// (every covered node whatever its size, with that tile, for tests of small
// shapes), kNever (the indirect GEMM path, for comparisons). For nodes
// prepared from now on; returns the previous policy.
enum class WinogradPolicy : int { kAuto = 0, kAlways2x2 = 1, kNever = 2, kAlways4x4 = 3 };
WinogradPolicy SetF32WinogradPolicyForTesting(WinogradPolicy policy);

// The portable transforms, used at levels whose ISA table has none (and the
// tests' reference for the microkernels). Contracts: F32WinogradInputUkernelFn,
// F32WinogradOutputUkernelFn (kernels/dispatch.h).
void f32_winograd_input_ukernel_2x2_3x3__scalar(size_t channels, const float* const* input, float* output,
                                                size_t output_stride);
void f32_winograd_output_minmax_ukernel_2x2_3x3__scalar(size_t channels, const float* input, size_t input_stride,
                                                        const float* bias, float* const* output,
                                                        const F32MinMaxParams* params);
void f32_winograd_input_ukernel_4x4_3x3__scalar(size_t channels, const float* const* input, float* output,
                                                size_t output_stride);
void f32_winograd_output_minmax_ukernel_4x4_3x3__scalar(size_t channels, const float* input, size_t input_stride,
                                                        const float* bias, float* const* output,
                                                        const F32MinMaxParams* params);

}  // namespace opt
}  // namespace edgert
