// The fused epilogue of the f32 convolution kernels (CONV_2D,
// DEPTHWISE_CONV_2D): the residual ADD (KernelContext::TakeResidualAdd) and
// the activation (KernelContext::TakeActivation) the interpreter offered the
// node, applied to regions of the result while they are in cache, with the
// microkernels the separate ops would run, so the values are theirs.
#pragma once

#include <cstddef>

#include "kernels/dispatch.h"
#include "runtime/kernel_api.h"

namespace edgert {
namespace opt {

struct F32Epilogue {
  // The fused ADD's other operand (nullptr: none), or the input of the
  // channel PAD that computes it (KernelContext::ResidualOperand): then its
  // rows have residual_columns values, which are the operand's columns
  // [pad_before, pad_before + residual_columns), the others being pad_value.
  const Tensor* residual = nullptr;
  size_t residual_columns = 0;  // 0: as many as the output
  size_t pad_before = 0;
  float pad_value = 0.f;
  F32MinMaxParams residual_minmax = {0.f, 0.f};  // that ADD's activation
  F32VAddRowsUkernelFn vadd_rows = nullptr;      // the level's f32 ADD of rows (nullptr: a scalar loop)
  F32VUnaryUkernelFn post = nullptr;             // the fused activation's microkernel (nullptr: none)

  bool any() const { return residual != nullptr || post != nullptr; }

  // For the rows [row0, row0 + rows) and columns [col0, col0 + cols) of an
  // output of oc columns (the residual laid out alike, or padded as above):
  // out = clamp(out + residual), then out = post(out). Whole rows run as one
  // contiguous call.
  void Apply(float* out, size_t oc, size_t row0, size_t rows, size_t col0, size_t cols) const;
};

// Prepare of an f32 node: takes the residual ADD and the activation offered
// to it, when offered (the activation only when FusableActivation has its
// microkernel). Call after output 0's shape is set.
void TakeF32Epilogue(KernelContext* ctx, F32Epilogue* e);

}  // namespace opt
}  // namespace edgert
