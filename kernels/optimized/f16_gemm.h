// Half-precision GEMM plumbing (F16GemmUkernelFn, kernels/dispatch.h): on CPUs
// with native f16 arithmetic (ARMv8.2 FEAT_FP16), f32 CONV_2D (but its
// Winograd and block-sparse paths, which multiply less) and FULLY_CONNECTED
// nodes whose weights the model stores as float16 (a
// DEQUANTIZE of f16 constants, folded at prepare) multiply and add in f16 with
// twice the lanes per instruction, and keep their packed weights in half the
// memory, as native LiteRT's XNNPACK does for such models. Activations stay
// f32 between ops: each microkernel narrows its A values to f16 as it reads
// them and widens its sums to f32.
//
// Precision: inputs are rounded to f16 (relative error 2^-11) and every
// multiply-add rounds to f16, so an output's error against f32 arithmetic is
// about sqrt(K) * 2^-11 of the sum of |x * w| typically, K * 2^-11 at worst;
// values beyond f16's range (65504) become infinite. Callers opt out per
// interpreter (InterpreterOptions::f16_arithmetic, C API
// ert_interpreter_options.f32_arithmetic_only).
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/dispatch.h"
#include "runtime/kernel_api.h"

namespace edgert {
namespace opt {

struct F16Gemm {
  F16GemmUkernelFn gemm = nullptr;  // nullptr: not used for this node
  F16GemmUkernelFn gemv = nullptr;  // MR = 1, same panels; nullptr: none
  F16IgemmUkernelFn igemm = nullptr;  // indirect form, same MR and panels; nullptr: none
  size_t mr = 0, nr = 0;
};

// The f16 GEMM for a node with this weight tensor, when the level has one,
// the interpreter allows f16 arithmetic and the weights were stored as f16;
// otherwise gemm is nullptr.
F16Gemm GetF16GemmFor(const KernelContext* ctx, const Tensor* weights);

// Halves of the packed form of a K x N matrix (PackGemmB's layout).
inline size_t PackedF16GemmHalves(size_t n, size_t k, size_t nr) { return (n + nr - 1) / nr * nr * (k + 1); }

// PackGemmB's arguments and layout, each value rounded to f16 (IEEE half bits).
void PackF16GemmB(size_t n, size_t k, const float* b, size_t k_stride, size_t n_stride, const float* bias, size_t nr,
                  uint16_t* packed);

// The node's weights [n, k] (rows of k values, B^T) and bias (n values or
// nullptr) packed for g in persistent memory (or found in the weight cache);
// marks inputs 1 and 2 packed.
Status PackF16Weights(KernelContext* ctx, const F16Gemm& g, size_t n, size_t k, const Tensor* weights,
                      const Tensor* bias, const uint16_t** packed);

// RunGemmTile (kernels/optimized/f32_gemm.h) with the f16 microkernels (the
// 1-row one only when the whole matrix has one row, m == 1).
void RunF16GemmTile(const F16Gemm& g, size_t m, size_t m0, size_t rows, size_t n0, size_t cols, size_t k,
                    const float* a, size_t a_stride, const uint16_t* packed, float* c, size_t c_stride,
                    const F32MinMaxParams* minmax);

}  // namespace opt
}  // namespace edgert
