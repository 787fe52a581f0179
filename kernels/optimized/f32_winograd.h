// Winograd F(2x2, 3x3) convolution for the f32 CONV_2D optimized kernel
// (kernels/optimized/conv_2d.cc): 3x3 filters, stride 1, dilation 1, one
// group, constant weights, any padding. Each 2x2 output tile is computed from
// its 4x4 input tile with 16 multiplications per (input, output) channel pair
// instead of 36:
//   Y = A^T [ (G g G^T) . (B^T d B) ] A
// (Lavin and Gray, "Fast Algorithms for Convolutional Neural Networks"), the
// elementwise product over the 16 positions e summed over input channels, which
// makes 16 GEMMs (tiles x I) x (I x O).
//
// Prepare transforms the weights once, U_e = (G g G^T)_e for every (oc, ic),
// computed in double and rounded to float, and packs each U_e [I x O] in the
// f32 GEMM microkernel's panel layout with zero bias (PackGemmB), followed by
// the bias (O floats), in one AllocatePacked block (weight-cache friendly).
// Eval splits the output tiles (batch-major, then row, then column) into
// blocks of `block` tiles run by ctx->ParallelFor (chosen at prepare: V and M
// of a block within about 512 KB, at most 64 tiles, the block count a multiple
// of the threads); per block, in the worker's slice of the scratch:
//  1. the input transform (ISA table's f32_winograd.input, or the portable
//     one) of each tile into V: 16 matrices [block x I];
//  2. 16 GEMMs M_e = V_e U_e (the ISA table's f32_gemm microkernel, no clamp)
//     into M: 16 matrices [block x O];
//  3. the output transform of each tile with bias and the fused activation's
//     clamp, writing only the pixels inside the output (odd sizes).
// A tile's result depends only on its own data (the GEMM microkernels compute
// each row alike whatever the rows beside it), so the blocking, and thus the
// thread count, does not change the outputs.
//
// Accuracy: the result differs from direct summation by rounding in the
// transforms (the input transform's sums and differences of 4 to 16 values,
// the float U_e, and the output transform's sums of up to 16 values); relative
// to the sum of |x * w| over an output's taps the difference stays near float
// epsilon times a small constant (tests/kernels/winograd_test.cc bounds it).
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
  F32WinogradInputUkernelFn input = nullptr;
  F32WinogradOutputUkernelFn output = nullptr;
  Window2D window;
  size_t in_c = 0, out_c = 0;
  size_t tiles_h = 0, tiles_w = 0, tiles = 0;  // 2x2 output tiles per column, per row, in all
  size_t block = 0;                            // tiles per block
  size_t gemm_floats = 0;                      // floats of one packed U_e
  const float* packed = nullptr;               // 16 packed U_e, then the bias (out_c floats)
  const float* zeros = nullptr;                // in_c zeros: the padding's pixel
  int scratch = -1;                            // num_threads slices of WorkerFloats() floats
  F32MinMaxParams minmax = {0.f, 0.f};
};

// Whether the path covers a convolution with window `g` (3x3, stride 1,
// dilation 1) and out_c output channels at the active ISA level (it needs an
// f32 GEMM microkernel), and pays there (channel and tile thresholds, see
// f32_winograd.cc); the caller checks the rest (f32, constant weights, one
// group).
bool F32WinogradCovers(const Window2D& g, int out_c);

// Prepares the path for the node of `ctx` (weights [O, 3, 3, I] constant,
// bias [O] constant or nullptr) when F32WinogradCovers(g, O): on success
// w->gemm.gemm is set and inputs 1 and 2 are marked packed.
Status PrepareF32Winograd(KernelContext* ctx, const Window2D& g, const Tensor* weights, const Tensor* bias,
                          F32MinMaxParams minmax, F32Winograd* w);

// The convolution of NHWC `in` into NHWC `out` (shapes of w.window).
void EvalF32Winograd(KernelContext* ctx, const F32Winograd& w, const float* in, float* out);

// Which nodes take the path: kAuto (the thresholds), kAlways (every covered
// node whatever its size, for tests of small shapes), kNever (the indirect
// GEMM path, for comparisons). For nodes prepared from now on; returns the
// previous policy.
enum class WinogradPolicy : int { kAuto = 0, kAlways = 1, kNever = 2 };
WinogradPolicy SetF32WinogradPolicyForTesting(WinogradPolicy policy);

// The portable transforms, used at levels whose ISA table has none (and the
// tests' reference for the microkernels). Contracts: F32WinogradInputUkernelFn,
// F32WinogradOutputUkernelFn (kernels/dispatch.h).
void f32_winograd_input_ukernel_2x2_3x3__scalar(size_t channels, const float* const* input, float* output,
                                                size_t output_stride);
void f32_winograd_output_minmax_ukernel_2x2_3x3__scalar(size_t channels, const float* input, size_t input_stride,
                                                        const float* bias, float* const* output,
                                                        const F32MinMaxParams* params);

}  // namespace opt
}  // namespace edgert
